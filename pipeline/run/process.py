"""One document through every per-document step: ingest, segment, classify, tag.

This is what a worker process (or a Dask worker) runs for each file; it
returns plain rows for every cached table, so the parent only has to store
them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.records import SENTENCE_COLUMNS, TABLES, Error, Task

Rows = dict[str, list[dict[str, Any]]]


def process_file(task: Task) -> Rows:
    """Ingest, segment and classify one file; return its rows for every table.

    A file that cannot be read gives one ``errors`` row (with its document id,
    so the failure is cached like any result); a non-English document gives
    its ``documents`` row only.
    """
    from pipeline.classify.clauses import classify_clauses, load_clause_model
    from pipeline.classify.predict import classify, load_model, model_name
    from pipeline.evidence import make_evidence, tag_clause
    from pipeline.ingest import doc_id_for, ingest
    from pipeline.segment import segment

    tables: Rows = {table: [] for table in TABLES}
    try:
        doc = ingest(task.path, engine=task.engine)
    except InputError as exc:
        error = Error(task.path, "ingest", str(exc)).row()
        tables["errors"].append({**error, "doc_id": doc_id_for(task.sha256, Path(task.path).name)})
        return tables
    tables["documents"].append(doc.row())
    if doc.status != "ok":
        return tables
    parts = segment(doc)
    classify_clauses(parts.clauses, load_clause_model())
    for clause in parts.clauses:
        tag_clause(doc, clause)
    model = load_model(task.model_path)
    predictions = classify([(s.text, s.speaker_iso3, s.context) for s in parts.sentences], model, details="relevant")
    label = model_name(model)
    tables["speeches"] = [s.row() for s in parts.speeches]
    tables["decisions"] = [d.row() for d in parts.decisions]
    tables["votes"] = [v.row() for v in parts.votes]
    tables["errors"] = [{**e.row(), "doc_id": doc.doc_id} for e in parts.errors]
    tables["clauses"] = [c.row() for c in parts.clauses]
    for sentence, prediction in zip(parts.sentences, predictions):
        row = sentence.row()
        row.update(stance=prediction.stance, confidence=prediction.confidence)
        tables["sentences"].append({k: row[k] for k in SENTENCE_COLUMNS})
        if prediction.stance != "none":
            tables["evidence"].append(make_evidence(doc, sentence, prediction, label).row())
    return tables


def warm_up() -> None:
    """Build the shared lookups once in the parent, so forked workers start ready."""
    from pipeline.classify.cues import has_cue
    from pipeline.classify.slots import extract_slots
    from pipeline.countries import find_mentions, to_iso3
    from pipeline.segment.sentences import sentencizer

    sentencizer()
    find_mentions("Turkey")
    to_iso3("Viet Nam")
    has_cue("arms")
    extract_slots("Iran arms the Houthis.", "accuse", "SAU")
