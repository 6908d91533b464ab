"""A reviewer's decisions, applied to the tables after classification (never to the cache).

The corrections file is the user's, kept outside ``--out`` so that deleting a
run folder never loses human work: ``corrections.csv``, UTF-8, one row per
decision, columns ``kind, id, decision, stance, assister, assisted,
assistance, violation, iso3, refrain, note, reviewer, date``.

* ``evidence`` (id = ``evidence_id`` = the sentence's ``sentence_id``):
  ``confirm``, ``reject``, ``relabel`` (with the corrected stance and slots)
  or ``add`` (a sentence the model missed, with its stance and slots);
* ``speech`` (id = ``doc_id:seq``): a corrected delegation ``iso3``;
* ``clause`` (id = ``doc_id:para``): a corrected ``refrain`` flag.

The last decision on an id wins (a review session appends). A decision whose
id is not in this run's tables is listed in ``corrections_unmatched.csv`` with
the reason; a malformed row stops the run with one line naming it. Because
the decisions are applied while the tables are assembled, the per-document
cache is untouched and reruns stay incremental.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd

from pipeline.classify import LABELS
from pipeline.evidence.legal_basis import evidence_tags
from pipeline.evidence.situations import situation_of

COLUMNS = "kind id decision stance assister assisted assistance violation iso3 refrain note reviewer date".split()
SLOTS = ("assister", "assisted", "assistance", "violation")
DECISIONS = {"evidence": {"confirm", "reject", "relabel", "add"}, "speech": {"relabel", ""}, "clause": {"relabel", ""}}
UNMATCHED_COLUMNS = [*COLUMNS, "line", "reason"]


class CorrectionsError(ValueError):
    """A corrections file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Correction:
    """One reviewer's decision, as written in the corrections file (``line`` counts the header as 1)."""

    line: int
    kind: str
    id: str
    decision: str
    values: dict[str, str]


def read_corrections(path: str | Path) -> list[Correction]:
    """Every decision of the file, checked; the last decision on a (kind, id) wins."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise CorrectionsError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CorrectionsError(f"{path}: not UTF-8 text") from None
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("kind", "id", "decision") if c not in header]
    if missing:
        raise CorrectionsError(f"{path}:1: the header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS)})")
    latest: dict[tuple[str, str], Correction] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise CorrectionsError(f"{path}:{n}: {len(row)} cells for {len(header)} columns")
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        correction = _checked(path, n, cells)
        latest[(correction.kind, correction.id)] = correction
    return sorted(latest.values(), key=lambda c: c.line)


def _checked(path: Path, n: int, cells: dict[str, str]) -> Correction:
    kind, id_, decision = cells.get("kind", ""), cells.get("id", ""), cells.get("decision", "")
    where = f"{path}:{n}"
    if kind not in DECISIONS:
        raise CorrectionsError(f"{where}: kind {kind!r} is not evidence, speech or clause")
    if not id_:
        raise CorrectionsError(f"{where}: no id")
    if decision not in DECISIONS[kind]:
        raise CorrectionsError(
            f"{where}: decision {decision!r} is not one of {', '.join(sorted(DECISIONS[kind] - {''}))}"
        )
    if kind == "evidence" and decision in ("relabel", "add") and cells.get("stance", "") not in LABELS:
        raise CorrectionsError(f"{where}: {decision} needs a stance ({', '.join(LABELS)})")
    if kind == "speech" and not (len(cells.get("iso3", "")) == 3 and cells["iso3"].isalpha()):
        raise CorrectionsError(f"{where}: a speech correction needs an ISO3 code in iso3")
    if kind == "clause" and cells.get("refrain", "").lower() not in ("true", "false"):
        raise CorrectionsError(f"{where}: a clause correction needs refrain true or false")
    if kind in ("speech", "clause") and ":" not in id_:
        raise CorrectionsError(f"{where}: a {kind} id is doc_id:{'seq' if kind == 'speech' else 'para'}")
    return Correction(n, kind, id_, decision, {c: cells.get(c, "") for c in COLUMNS})


@dataclass
class Applied:
    """The tables after the decisions, and what could not be applied."""

    evidence: pd.DataFrame
    rejected: pd.DataFrame
    speeches: pd.DataFrame
    clauses: pd.DataFrame
    unmatched: pd.DataFrame


def apply_corrections(
    corrections: list[Correction],
    evidence: pd.DataFrame,
    speeches: pd.DataFrame,
    clauses: pd.DataFrame,
    documents: pd.DataFrame,
    sentences: pd.DataFrame,
) -> Applied:
    """Apply every decision; ``evidence`` gains ``review`` and ``model_stance``.

    ``sentences`` (sentence_id, doc_id, seq, page, speaker_iso3, text) is
    where an added sentence is found; ``documents`` gives its symbol and date.
    """
    evidence = evidence.reset_index(drop=True)  # positions are labels from here on
    evidence["model_stance"] = evidence["stance"] if not evidence.empty else pd.Series(dtype=str)
    evidence["review"] = "unreviewed"
    speeches, clauses = speeches.copy(), clauses.copy()
    position = {eid: i for i, eid in enumerate(evidence["evidence_id"])} if not evidence.empty else {}
    rejected_ids: set[str] = set()
    added: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    by_sentence = sentences.set_index("sentence_id") if not sentences.empty else pd.DataFrame()
    docs = documents.set_index("doc_id") if not documents.empty else pd.DataFrame()

    def miss(c: Correction, reason: str) -> None:
        unmatched.append({**c.values, "line": c.line, "reason": reason})

    for c in corrections:
        if c.kind == "evidence":
            if c.decision == "add":
                if c.id in position:
                    miss(c, "the sentence is already an evidence row (relabel it instead)")
                elif c.id not in by_sentence.index:
                    miss(c, "no sentence with this sentence_id in this run (the file changed or is not an input)")
                else:
                    added.append(_added_row(c, cast(pd.Series, by_sentence.loc[c.id]), docs))
                continue
            if c.id not in position:
                miss(c, "no evidence row with this evidence_id in this run (the file changed or is not an input)")
                continue
            i = position[c.id]
            if c.decision == "reject" or (c.decision == "relabel" and c.values["stance"] == "none"):
                rejected_ids.add(c.id)
            elif c.decision == "confirm":
                evidence.at[i, "review"] = "confirmed"
            else:
                _relabel(evidence, i, c)
        elif c.kind == "speech":
            doc_id, seq = c.id.rsplit(":", 1)
            hit = _rows(speeches, doc_id, "seq", seq)
            if not hit.any():
                miss(c, "no speech with this doc_id:seq in this run")
                continue
            speeches.loc[hit, "iso3"] = c.values["iso3"].upper()
            if not evidence.empty:
                # the speech's evidence rows speak for the corrected State
                of_speech = _evidence_of_speech(evidence, sentences, doc_id, seq)
                evidence.loc[of_speech, "speaker_iso3"] = c.values["iso3"].upper()
        else:
            doc_id, para = c.id.rsplit(":", 1)
            hit = _rows(clauses, doc_id, "para", para)
            if not hit.any():
                miss(c, "no clause with this doc_id:para in this run")
                continue
            clauses.loc[hit, "refrain"] = c.values["refrain"].lower() == "true"
    if added:
        evidence = pd.concat([evidence, pd.DataFrame(added)], ignore_index=True)
    gone = evidence["evidence_id"].isin(rejected_ids) if "evidence_id" in evidence else pd.Series(dtype=bool)
    rejected, evidence = evidence[gone], evidence[~gone]
    return Applied(
        evidence=evidence.reset_index(drop=True),
        rejected=rejected.assign(review="rejected").reset_index(drop=True),
        speeches=speeches,
        clauses=clauses,
        unmatched=pd.DataFrame(unmatched, columns=UNMATCHED_COLUMNS),
    )


def _relabel(evidence: pd.DataFrame, i: int, c: Correction) -> None:
    evidence.at[i, "stance"] = c.values["stance"]
    for slot in SLOTS:
        if c.values.get(slot):
            evidence.at[i, slot] = c.values[slot]
    row = evidence.iloc[i]
    evidence.at[i, "legal_basis"] = evidence_tags(row["stance"], row["assistance"], row["violation"], row["sentence"])
    evidence.at[i, "review"] = "corrected"


def _added_row(c: Correction, sentence: pd.Series, docs: pd.DataFrame) -> dict[str, Any]:
    doc = docs.loc[sentence["doc_id"]] if sentence["doc_id"] in docs.index else {}
    slots = {slot: c.values.get(slot, "") for slot in SLOTS}
    date = str(doc.get("date", "") if len(doc) else "")
    text = str(sentence["text"])
    return {
        "evidence_id": c.id,
        "doc_id": sentence["doc_id"],
        "symbol": doc.get("symbol", "") if len(doc) else "",
        "date": date,
        "year": date[:4],
        "speaker": "",
        "speaker_iso3": sentence.get("speaker_iso3", ""),
        "stance": c.values["stance"],
        "confidence": float("nan"),
        **slots,
        "legal_basis": evidence_tags(c.values["stance"], slots["assistance"], slots["violation"], text),
        "situation": situation_of(slots["assisted"], text, str(doc.get("title", "") if len(doc) else "")),
        "page": int(sentence["page"]),
        "sentence": text,
        "context": "",
        "model": "reviewer",
        "model_stance": "none",
        "review": "added",
    }


def _evidence_of_speech(evidence: pd.DataFrame, sentences: pd.DataFrame, doc_id: str, seq: str) -> pd.Series:
    if sentences.empty:
        return pd.Series(False, index=evidence.index)
    ids = set(sentences.loc[(sentences["doc_id"] == doc_id) & (sentences["seq"].astype(str) == seq), "sentence_id"])
    return evidence["evidence_id"].isin(ids)


def _rows(frame: pd.DataFrame, doc_id: str, column: str, value: str) -> pd.Series:
    """The rows of ``frame`` of document ``doc_id`` whose ``column`` reads ``value``."""
    if frame.empty:
        return pd.Series(False, index=frame.index)
    return (frame["doc_id"] == doc_id) & (frame[column].astype(str) == value)
