"""Merge the annotators' label files into the corpus (run once; kept for the record).

Input: the annotators' JSON Lines (one folder each, as handed out) and the
candidate files with the sampling stratum.  Output: corpora/annotations/*.jsonl
in the codebook format plus ``annotator``, ``stratum``, ``speech`` and the fixed
``split`` (test for one speech in five, by hash of the speech, so that no speech
is in both train and test).

The only edits to the labels are mechanical: a non-none row whose
``assistance`` or ``violation`` was left empty gets ``unspecified`` (the
codebook's word for "stated as support, kind not said").
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "annotations"
SLOTS = ("assister", "assisted", "assistance", "violation")


def split_of(speech: str) -> str:
    return "test" if int(hashlib.sha1(speech.encode()).hexdigest(), 16) % 5 == 0 else "train"


def load(path):
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def tidy(row, annotator, stratum):
    speech = row["source"].rsplit(" sent ", 1)[0]
    out = {k: row[k] for k in ("id", "text", "context", "speaker", "source")}
    out["stance"] = row["stance"]
    for slot in SLOTS:
        out[slot] = (row.get(slot) or "").strip() if row["stance"] != "none" else ""
    if out["stance"] != "none":
        out["assistance"] = out["assistance"] or "unspecified"
        out["violation"] = out["violation"] or "unspecified"
    out.update(annotator=annotator, stratum=stratum, speech=speech, split=split_of(speech))
    return out


def write(target: str, rows: list[dict]) -> None:
    """One merged file under annotations/, rows in id order."""
    rows.sort(key=lambda r: r["id"])
    (ROOT / target).parent.mkdir(parents=True, exist_ok=True)
    with open(ROOT / target, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(target, len(rows))


def main(work: Path, only: str | None = None):
    strata = {}
    for name in (
        "candidates.jsonl",
        "candidates_round2.jsonl",
        "candidates_round3.jsonl",
        "candidates_round4.jsonl",
        "candidates_round5.jsonl",
        "candidates_round6.jsonl",
        "candidates_round7.jsonl",
        "candidates_round8.jsonl",
        "candidates_round9.jsonl",
    ):
        # the candidate files were working files, not kept in the repository: beside the labels or here
        for path in (ROOT / name, work / name):
            if path.exists():
                for row in load(path):
                    strata[row["id"]] = row["stratum"]
    # Rounds already merged carry their stratum; a second labelling takes it from the first.
    first = {r["id"]: r["stratum"] for path in ROOT.glob("d2r_round*.jsonl") for r in load(path)}
    plan = [
        ("d2r_round1.jsonl", [f"a{i}" for i in range(1, 7)]),
        ("d2r_round2.jsonl", [f"r2a{i}" for i in range(1, 7)]),
        ("d2r_round3.jsonl", [f"r3a{i}" for i in range(1, 7)]),
        ("d2r_round4.jsonl", [f"r4a{i}" for i in range(1, 7)]),
        ("d2r_round5.jsonl", [f"r5a{i}" for i in range(1, 7)]),
        ("d2r_round6.jsonl", [f"r6a{i}" for i in range(1, 7)]),
        # Rounds 7 and 8 were handed out in batches of about 300; a batch its annotator did
        # not finish by the deadline contributes the sentences it did label.
        ("d2r_round7.jsonl", [f"r7a{i}" for i in range(1, 19)]),
        ("d2r_round8.jsonl", [f"r8a{i}" for i in range(1, 16)]),
        # Round 9: the cascade's own rows in running text (train-split speeches only).
        ("d2r_round9.jsonl", ["r9a1"] + [f"r9a{i}" for i in range(7, 14)]),
        ("agreement/second_round1.jsonl", ["b"]),
        ("agreement/second_round2.jsonl", ["r2b"]),
        # The whole test split labelled again by annotators (C1-C8) who never saw the first labels.
        ("agreement/second_test.jsonl", [f"t{i}" for i in range(1, 9)]),
        # Round 7's test sentences labelled again by annotators D1-D4, who never saw the first labels.
        ("agreement/second_round7_test.jsonl", [f"s7b{i}" for i in range(1, 5)]),
        # and round 8's by E1-E3
        ("agreement/second_round8_test.jsonl", [f"s8b{i}" for i in range(1, 4)]),
    ]
    for target, folders in plan:
        if only and target != only:
            continue
        rows = []
        for folder in folders:
            annotator = (
                "B"
                if folder in ("b", "r2b")
                else "D" + folder[3:]
                if folder.startswith("s7b")
                else "E" + folder[3:]
                if folder.startswith("s8b")
                else "C" + folder[1:]
                if folder.startswith("t")
                else "A" + folder.rsplit("a", 1)[-1]
            )
            if not (work / folder / "labels.jsonl").exists():
                print(folder, "not labelled")
                continue
            rows += [
                tidy(r, annotator, strata.get(r["id"], first.get(r["id"], "")))
                for r in load(work / folder / "labels.jsonl")
            ]
        write(target, rows)


def merge_precision(work: Path):
    """The evidence-precision samples (``sample_candidates.py precision``): labelled like the
    rest, kept apart from the training corpus, with the label the shipped model had given."""
    for candidates, folders, target in (
        ("candidates_precision.jsonl", ["p1", "p2", "p3"], "precision/evidence_1990_2021.jsonl"),
        ("candidates_precision_1970_1989.jsonl", ["q1", "q2"], "precision/evidence_1970_1989.jsonl"),
        # the rounds 1-8 model's rows over the same years, a fresh draw (annotators Q3, Q4)
        ("candidates_precision2_1970_1989.jsonl", ["q3", "q4"], "precision/evidence2_1970_1989.jsonl"),
        # the cascade's rows over the same years, a fresh draw (annotators Q5, Q6)
        ("candidates_precision3_1970_1989.jsonl", ["q5", "q6"], "precision/evidence3_1970_1989.jsonl"),
        # the cascade retrained with round 9, a fresh draw (annotators Q7-Q10)
        ("candidates_precision4_1970_1989.jsonl", ["q7", "q8", "q9", "q10"], "precision/evidence4_1970_1989.jsonl"),
    ):
        if not (work / candidates).exists():
            continue
        predicted = {r["id"]: r["predicted"] for r in load(work / candidates)}
        rows = []
        for folder in folders:
            for r in load(work / folder / "labels.jsonl"):
                row = tidy(r, folder.upper(), "predicted")
                row["split"] = "evaluation"  # never trained on
                row["predicted"] = predicted[r["id"]]
                rows.append(row)
        write(target, rows)


if __name__ == "__main__":
    # merge_annotations.py [WORK [TARGET]]: TARGET (e.g. d2r_round5.jsonl) merges one round only.
    work = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/annot")
    if sys.argv[2:] == ["precision"]:
        merge_precision(work)
    else:
        main(work, sys.argv[2] if len(sys.argv) > 2 else None)
