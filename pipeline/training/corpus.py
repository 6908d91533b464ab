"""The annotated corpus: reading, writing and splitting codebook JSON Lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.classify import LABELS
from pipeline.paths import annotations_dir

SLOTS = ("assister", "assisted", "assistance", "violation")
ASSISTANCE = ("military", "financial", "logistical", "diplomatic", "intelligence", "unspecified")
VIOLATIONS = (
    "aggression",
    "genocide",
    "crimes_against_humanity",
    "war_crimes",
    "chemical_weapons",
    "terrorism",
    "human_rights",
    "unspecified",
)


@dataclass
class Example:
    """One annotated (or to-be-classified) sentence in the codebook's format."""

    id: str
    text: str
    context: str = ""
    speaker: str = ""
    source: str = ""
    stance: str = ""
    slots: dict = field(default_factory=dict)
    speech: str = ""
    split: str = ""
    synthetic: bool = False  # written by an annotator from a real train sentence; never scored

    @classmethod
    def from_json(cls, row: dict) -> Example:
        stance = row.get("stance", "")
        if stance and stance not in LABELS:
            raise ValueError(f"unknown stance {stance!r} in {row.get('id')}")
        return cls(
            id=str(row.get("id", "")),
            text=row["text"],
            context=row.get("context") or "",
            speaker=row.get("speaker") or "",
            source=row.get("source") or "",
            stance=stance,
            slots={k: row.get(k) or "" for k in SLOTS},
            speech=row.get("speech") or (row.get("source") or "").rsplit(" sent ", 1)[0],
            split=row.get("split") or "",
        )


def read_jsonl(path: str | Path) -> list[dict]:
    """JSON Lines with a clear error naming the bad line."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
    return rows


def load_examples(path: str | Path) -> list[Example]:
    """The annotated sentences of one JSONL file."""
    return [Example.from_json(r) for r in read_jsonl(path)]


def load_corpus(root: str | Path | None = None) -> list[Example]:
    """Every first-annotator file under ``root`` (the agreement study's second labels excluded)."""
    root = Path(root) if root else annotations_dir()
    examples: dict[str, Example] = {}
    for path in sorted(root.glob("*.jsonl")):
        for ex in load_examples(path):
            if ex.stance:
                examples[ex.id] = ex  # a later file (e.g. from d2r annotate) overrides an earlier label
    return [examples[k] for k in sorted(examples)]


def synthetic_examples(corpus: list[Example], root: str | Path | None = None) -> list[Example]:
    """The annotators' paraphrases under ``annotations/synthetic/``, each placed in its source's speech.

    A row names the real sentence it was written from (``source_id``) and takes
    that sentence's speaker, context and speech, so grouped folds keep it with
    its source. A row is kept only when its second annotator's blind label
    (``checked``) is the writer's ``stance``. Rows whose source is not a train
    sentence are refused: a paraphrase of a test sentence would leak the test
    split into training.
    """
    folder = (Path(root) if root else annotations_dir()) / "synthetic"
    sources = {e.id: e for e in corpus}
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        for n, row in enumerate(read_jsonl(path), 1):
            if row.get("checked") != row.get("stance"):
                continue  # the two annotators read it differently: not a clean example of either label
            source = sources.get(str(row.get("source_id", "")))
            if source is None or source.split == "test":
                why = "is not in the corpus" if source is None else "is a test sentence"
                raise ValueError(f"{path}:{n}: its source {row.get('source_id')!r} {why}")
            ex = Example.from_json({**row, "speaker": source.speaker, "context": source.context})
            ex.speech, ex.split, ex.synthetic = source.speech, "train", True
            out.append(ex)
    return out


def split_of(speech: str) -> str:
    """The fixed split: one speech in five (by hash) is test; a speech is never in both."""
    import hashlib

    return "test" if int(hashlib.sha1(speech.encode()).hexdigest(), 16) % 5 == 0 else "train"


def append_jsonl(path: str | Path, rows: list[dict]) -> None:
    """Append rows to a JSONL file, one JSON object per line."""
    with open(path, "a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def reviewed_examples(corrections: list[Any], run: str | Path) -> list[Example]:
    """Train sentences from a reviewer's decisions on the evidence of the run folder ``run``.

    A confirmed row keeps its stance, a rejected one is ``none``, a relabelled
    or added one has the reviewer's stance and slots. They join the train
    split only (``source`` ``reviewer``): the test split stays the annotators'.
    """
    import pandas as pd

    run = Path(run)
    frames = [
        pd.read_csv(run / n, dtype=str, keep_default_na=False)
        for n in ("evidence.csv", "rejected.csv")
        if (run / n).exists()
    ]
    rows = (
        pd.concat(frames, ignore_index=True).drop_duplicates("evidence_id").set_index("evidence_id") if frames else None
    )
    added = {c.id for c in corrections if c.kind == "evidence" and c.decision == "add"}
    sentences = (
        pd.read_parquet(run / "sentences.parquet", filters=[("sentence_id", "in", sorted(added))]).set_index(
            "sentence_id"
        )
        if added
        else None
    )
    examples = []
    for c in corrections:
        if c.kind != "evidence":
            continue
        if c.decision == "add":
            if sentences is None or c.id not in sentences.index:
                continue
            text, context, speaker, doc = sentences.loc[c.id, ["text", "text", "speaker_iso3", "doc_id"]]
            context, base = "", {}
        elif rows is not None and c.id in rows.index:
            row = rows.loc[c.id]
            text, context, speaker, doc = row["sentence"], row["context"], row["speaker_iso3"], row["doc_id"]
            base = {k: row.get(k, "") for k in SLOTS}
        else:
            continue
        stance = {"confirm": None, "reject": "none"}.get(c.decision, c.values.get("stance"))
        if not stance and rows is not None:
            stance = rows.loc[c.id, "stance"]  # confirmed: the stance the row has
        slots = {} if stance == "none" else {k: c.values.get(k) or base.get(k, "") for k in SLOTS}
        examples.append(
            Example(
                id=f"review:{c.id}",
                text=str(text),
                context=str(context),
                speaker=str(speaker),
                source="reviewer",
                stance=str(stance),
                slots=slots,
                speech=f"review {doc}",
                split="train",
            )
        )
    return examples
