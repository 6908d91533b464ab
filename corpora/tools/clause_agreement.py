"""Merge the clause annotations into the corpus, measure agreement, list what needs adjudicating.

    python corpora/tools/clause_agreement.py

Reads corpora/clauses/candidates.jsonl (the paragraphs), first.jsonl (every
paragraph's first labels: annotators A1, A2, A3), second.jsonl (the second
labelling of 337: B1 and B2 a random 298, B3 the 39 paragraphs A3 labelled
after re-segmentation) and adjudication.jsonl (the lead's decision on each
disagreement, if made). Writes corpora/clauses/gold.jsonl
(first labels, replaced by the adjudicated ones) and prints the agreement.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

HERE = Path(__file__).resolve().parents[1] / "clauses"
FIELDS = ("mode", "addressee", "assistance", "target")


def _read(name: str) -> dict[str, dict]:
    path = HERE / name
    if not path.exists():
        return {}
    return {r["id"]: r for r in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)}


def _norm(value: str) -> str:
    return ", ".join(sorted(v.strip().lower() for v in (value or "").split(",") if v.strip()))


def main() -> None:
    candidates = _read("candidates.jsonl")
    first, second, adjudicated = _read("first.jsonl"), _read("second.jsonl"), _read("adjudication.jsonl")
    missing = [i for i in candidates if i not in first]
    if missing:
        sys.exit(f"{len(missing)} paragraphs have no first label, e.g. {missing[:3]}")
    both = [i for i in candidates if i in second]
    a = [bool(first[i]["refrain"]) for i in both]
    b = [bool(second[i]["refrain"]) for i in both]
    kappa = cohen_kappa_score(a, b)
    agree = sum(x == y for x, y in zip(a, b)) / len(both)
    print(f"refrain: {len(both)} paragraphs labelled twice; agreement {agree:.1%}, Cohen's kappa {kappa:.3f}")
    print(f"  first annotators: {sum(a)} refrain; second: {sum(b)}")
    for field in FIELDS:
        pairs = [(first[i].get(field, ""), second[i].get(field, "")) for i in both if first[i]["refrain"] and second[i]["refrain"]]
        same = sum(_norm(x) == _norm(y) for x, y in pairs)
        print(f"  {field}: {same}/{len(pairs)} the same ({same / max(1, len(pairs)):.1%}) where both say refrain")
    disagreements = [i for i in both if bool(first[i]["refrain"]) != bool(second[i]["refrain"])]
    open_ = [i for i in disagreements if i not in adjudicated]
    print(f"  {len(disagreements)} refrain disagreements, {len(disagreements) - len(open_)} adjudicated")
    for i in open_:
        print(f"    to adjudicate: {i}")
    with open(HERE / "gold.jsonl", "w", encoding="utf-8") as fh:
        for i, paragraph in candidates.items():
            label = adjudicated.get(i) or first[i]
            row = {k: paragraph[k] for k in ("id", "symbol", "date", "para", "text")}
            row.update({"refrain": bool(label["refrain"]), **{f: label.get(f, "") for f in FIELDS}})
            row["source"] = "adjudicated" if i in adjudicated else label.get("annotator", "")
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"gold.jsonl: {len(candidates)} paragraphs, {sum(bool((adjudicated.get(i) or first[i])['refrain']) for i in candidates)} refrain")


if __name__ == "__main__":
    main()
