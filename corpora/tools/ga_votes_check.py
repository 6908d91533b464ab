"""Check the General Assembly refrain-call rules against two annotators' labels of 200 roll calls.

    python corpora/tools/ga_votes_check.py [../shared/data/unga-votes]

Reads corpora/ga_votes/sample.jsonl (the 200 roll calls and their stratum),
A.jsonl and B.jsonl (the two annotators' labels) and adjudication.jsonl (the
lead's decision where they disagree, if made). Writes corpora/ga_votes/gold.jsonl
and prints the annotators' agreement and the rules' precision and recall,
weighted by stratum (the sample drew 120 of the 958 keyword roll calls and 80
of the other 5,245), beside the unweighted figures on the sample. The rules
read each roll call's full description from the roll-call data, as ``d2r run
--ga-votes`` does (the annotators saw it cut at 250 characters).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pipeline.classify.rollcalls import refrain_call  # noqa: E402
from pipeline.ingest.rollcalls import read_roll_calls  # noqa: E402
from pipeline.paths import ga_votes_dir  # noqa: E402
from pipeline.training.rollcalls import read_labels, weighted_prf  # noqa: E402


def main(data: Path) -> None:
    sample = read_labels("sample.jsonl")
    a, b, adjudicated = read_labels("A.jsonl"), read_labels("B.jsonl"), read_labels("adjudication.jsonl")
    for name, labels in (("A", a), ("B", b)):
        missing = [i for i in sample if i not in labels]
        if missing:
            sys.exit(f"{name}.jsonl has no label for {len(missing)} roll calls, e.g. {missing[:3]}")
    ids = list(sample)
    la, lb = [bool(a[i]["refrain"]) for i in ids], [bool(b[i]["refrain"]) for i in ids]
    agree = sum(x == y for x, y in zip(la, lb)) / len(ids)
    print(f"annotators: {len(ids)} roll calls; agreement {agree:.1%}, Cohen's kappa {cohen_kappa_score(la, lb):.3f}")
    print(f"  A: {sum(la)} refrain calls; B: {sum(lb)}")
    disagreements = [i for i, x, y in zip(ids, la, lb) if x != y]
    open_ = [i for i in disagreements if i not in adjudicated]
    print(f"  {len(disagreements)} disagreements, {len(disagreements) - len(open_)} adjudicated")
    for i in open_:
        print(f"    to adjudicate: {i}  A: {a[i].get('note', '')} | B: {b[i].get('note', '')}")
    if open_:
        sys.exit("adjudicate the disagreements in adjudication.jsonl first")
    gold = {i: bool(adjudicated[i]["refrain"]) if i in adjudicated else la[n] for n, i in enumerate(ids)}
    calls = read_roll_calls(data).calls.set_index("rcid")
    rules = {i: refrain_call(calls.at[int(i), "short"], calls.at[int(i), "descr"]) for i in ids}
    with open(ga_votes_dir() / "gold.jsonl", "w", encoding="utf-8") as fh:
        for i in ids:
            row = {"rcid": i, "stratum": sample[i]["stratum"], "refrain": gold[i], "rules": rules[i].refrain,
                   "rule": rules[i].rule, "source": "adjudicated" if i in adjudicated else "A=B"}  # fmt: skip
            fh.write(json.dumps(row) + "\n")
    strata = [sample[i]["stratum"] for i in ids]
    g, r = [gold[i] for i in ids], [rules[i].refrain for i in ids]
    for stratum in sorted(set(strata)):
        chosen = [n for n, s in enumerate(strata) if s == stratum]
        print(f"{stratum}: {len(chosen)} drawn, gold refrain {sum(g[n] for n in chosen)}, rules flag "
              f"{sum(r[n] for n in chosen)}, both {sum(g[n] and r[n] for n in chosen)}")  # fmt: skip
    for name, weighted in (("weighted by stratum", strata), ("unweighted on the sample", ["keyword"] * len(g))):
        print(f"rules against gold, {name}: {({k: round(v, 3) for k, v in weighted_prf(g, r, weighted).items()})}")
    for n, i in enumerate(ids):
        if g[n] != r[n]:
            print(f"  {'missed' if g[n] else 'wrongly flagged'}: rcid {i} ({rules[i].rule or 'no rule'}) "
                  f"{calls.at[int(i), 'short']} | {calls.at[int(i), 'descr'][:160]}")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared" / "data" / "unga-votes")
