"""Assemble the output tables from the cache: sorted, neutralised, written once.

Row order is fixed by the inputs' paths (documents in path order; every other
table in its document's order, then in the order the document prints its
rows), so two runs over the same inputs write byte-identical files whichever
documents came from the cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import pandas as pd

from pipeline.aggregate.corrections import Correction
from pipeline.aggregate.refrain_votes import REFRAIN_VOTE_COLUMNS, ROLL_CALL_COLUMNS, GaVotes
from pipeline.aggregate.safe_csv import write_csv
from pipeline.aggregate.sentences import read_sentences
from pipeline.countries import country_name
from pipeline.records import EVIDENCE_COLUMNS, Clause, Decision, Document, Error, Speech, Vote


class CachedTables(Protocol):
    """What assembling reads the cached per-document tables through (``pipeline.run.cache.ChunkStore``)."""

    root: Path

    def index(self, wanted: Iterable[str] | None = None) -> dict[str, str]: ...

    def read(self, wanted: dict[str, set[str]], table: str) -> Any: ...


STATE_COLUMNS = [
    "iso3",
    "state",
    "role",
    "stance",
    "count",
    "documents",
    "first_date",
    "last_date",
    "strongest_evidence_id",
    "ga_yes",
    "ga_no",
    "ga_abstain",
]
ACCUSATION_COLUMNS = ["accuser_iso3", "accused", "assisted", "count", "first_date", "last_date", "example_evidence_id"]


def _frame(store: CachedTables, chunks: dict[str, set[str]], table: str) -> pd.DataFrame:
    arrow = store.read(chunks, table)
    return pd.DataFrame() if arrow is None else arrow.to_pandas()


def _order(frame: pd.DataFrame, rank: dict[str, int], *within: str) -> pd.DataFrame:
    """Rows in document order, then by ``within`` columns (stable)."""
    if frame.empty:
        return frame
    frame = frame.assign(_rank=frame["doc_id"].map(rank))
    return frame.sort_values(["_rank", *within], kind="stable").drop(columns="_rank").reset_index(drop=True)


@dataclass
class Tables:
    """The run's output tables as data frames: what is written to CSV and drawn in the report."""

    documents: pd.DataFrame
    speeches: pd.DataFrame
    votes: pd.DataFrame
    clauses: pd.DataFrame
    evidence: pd.DataFrame
    errors: pd.DataFrame
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    states: pd.DataFrame = field(default_factory=pd.DataFrame)
    accusations: pd.DataFrame = field(default_factory=pd.DataFrame)
    ga_votes: GaVotes | None = None  # with --ga-votes: the General Assembly's votes on refrain calls


class Keyed(Protocol):
    """An input file with its document id and cache key (``pipeline.run.Keyed``)."""

    @property
    def path(self) -> Path: ...
    @property
    def doc_id(self) -> str: ...
    @property
    def key(self) -> str: ...


def assemble(
    out: Path,
    store: CachedTables,
    keyed: Sequence[Keyed],
    discovery_errors: list[Error],
    failed: dict[str, Error],
    corrections: list[Correction] | None = None,
    ga_votes: GaVotes | None = None,
) -> dict[str, int]:
    """Write every table and the report from the cache; return counts for the summary.

    ``keyed`` lists every input file; ``failed`` holds this run's worker
    failures by cache key (they are not cached); ``ga_votes`` is what
    ``--ga-votes`` read, joined (its rows go to ``states.csv`` and its own
    two tables).
    """
    from pipeline.aggregate.report import summary_counts, write_report
    from pipeline.aggregate.sentences import write_sentences

    index = store.index(item.key for item in keyed)  # verified already: only this run's chunks
    chunks: dict[str, set[str]] = {}  # chunk id -> the documents wanted from it
    for item in keyed:
        if item.key in index:
            chunks.setdefault(index[item.key], set()).add(item.doc_id)
    ordered = sorted(keyed, key=lambda item: str(item.path))
    rank: dict[str, int] = {}
    for n, item in enumerate(ordered):
        rank.setdefault(item.doc_id, n)

    # The sentences file is Arrow work that releases the GIL: it runs in a thread
    # while the other tables and the report are written.
    pool = ThreadPoolExecutor(max_workers=1)
    source_of = {i.doc_id: f"{i.key}@{index[i.key]}" for i in keyed if i.key in index}  # cache key and chunk
    sentences_written = pool.submit(write_sentences, store, chunks, rank, Path(out), source_of)

    documents, errors = _documents_and_errors(
        store, chunks, ordered, discovery_errors + (ga_votes.errors if ga_votes else []), failed
    )
    tables = Tables(
        documents=documents,
        speeches=_order(_frame(store, chunks, "speeches"), rank, "seq"),
        decisions=_order(_frame(store, chunks, "decisions"), rank, "seq"),
        votes=_order(_frame(store, chunks, "votes"), rank),
        clauses=_order(_frame(store, chunks, "clauses"), rank),
        evidence=_order(_frame(store, chunks, "evidence"), rank, "page"),
        errors=errors,
        ga_votes=ga_votes,
    )
    reviewed = _review(Path(out), tables, corrections, sentences_written)
    tables.states = state_summary(tables.evidence, ga_votes.states if ga_votes else None)
    tables.accusations = accusation_network(tables.evidence)
    write_tables(Path(out), tables)
    n_sentences = sentences_written.result()
    pool.shutdown()
    counts = summary_counts(tables, files=len(keyed) + len(discovery_errors), sentences=n_sentences)
    write_report(Path(out), tables, counts)
    joined = {"ga_votes": len(ga_votes.votes), "ga_roll_calls": len(ga_votes.roll_calls)} if ga_votes else {}
    return {**counts, **reviewed, **joined}


def _review(out: Path, tables: Tables, corrections: list[Correction] | None, sentences: Future[int]) -> dict[str, int]:
    """Apply a reviewer's decisions to the tables (the cache is untouched); without any, every row is unreviewed."""
    for stale in ("rejected.csv", "corrections_unmatched.csv"):
        (out / stale).unlink(missing_ok=True)
    if corrections is None:
        evidence = tables.evidence
        tables.evidence = evidence.assign(review="unreviewed", model_stance=evidence.get("stance", ""))
        return {}
    from pipeline.aggregate.corrections import UNMATCHED_COLUMNS, apply_corrections

    needed = {c.id for c in corrections if c.kind == "evidence" and c.decision == "add"}
    speech_docs = {c.id.rsplit(":", 1)[0] for c in corrections if c.kind == "speech"}
    sentences.result()  # the file is written: the few sentences needed are read from it
    applied = apply_corrections(
        corrections,
        tables.evidence,
        tables.speeches,
        tables.clauses,
        tables.documents,
        read_sentences(out, needed, speech_docs),
    )
    tables.evidence, tables.speeches, tables.clauses = applied.evidence, applied.speeches, applied.clauses
    write_csv(applied.rejected, out / "rejected.csv", EVIDENCE_COLUMNS)
    write_csv(applied.unmatched, out / "corrections_unmatched.csv", UNMATCHED_COLUMNS)
    return {"corrections": len(corrections) - len(applied.unmatched), "unmatched": len(applied.unmatched)}


def write_tables(out: Path, tables: Tables) -> None:
    """Every CSV table, neutralised for spreadsheets, each written atomically."""
    write_csv(tables.documents, out / "documents.csv", Document.TABLE_COLUMNS)
    write_csv(tables.speeches, out / "speeches.csv", Speech.TABLE_COLUMNS)
    write_csv(tables.decisions, out / "decisions.csv", Decision.TABLE_COLUMNS)
    write_csv(tables.votes, out / "votes.csv", Vote.TABLE_COLUMNS)
    write_csv(tables.clauses, out / "clauses.csv", Clause.TABLE_COLUMNS)
    write_csv(tables.evidence, out / "evidence.csv", EVIDENCE_COLUMNS)
    write_csv(tables.errors, out / "errors.csv", list(Error.TABLE_COLUMNS))
    write_csv(tables.states, out / "states.csv", STATE_COLUMNS)
    write_csv(tables.accusations, out / "accusations.csv", ACCUSATION_COLUMNS)
    if tables.ga_votes is None:  # a table an earlier run with --ga-votes left would be taken for this run's
        for stale in ("refrain_votes.csv", "refrain_roll_calls.csv"):
            (out / stale).unlink(missing_ok=True)
    else:
        write_csv(tables.ga_votes.votes, out / "refrain_votes.csv", REFRAIN_VOTE_COLUMNS)
        write_csv(tables.ga_votes.roll_calls, out / "refrain_roll_calls.csv", ROLL_CALL_COLUMNS)


def _documents_and_errors(
    store: CachedTables,
    chunks: dict[str, set[str]],
    ordered: list[Keyed],
    discovery_errors: list[Error],
    failed: dict[str, Error],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One documents row per file read (duplicates marked) and one errors row per file that was not."""
    documents = _frame(store, chunks, "documents")
    cached_errors = _frame(store, chunks, "errors")
    by_id: dict[str, dict[str, Any]] = (
        {row["doc_id"]: row for row in _records(documents)} if not documents.empty else {}
    )
    errors_by_id: dict[str, list[dict[str, Any]]] = {}
    for row in _records(cached_errors) if not cached_errors.empty else []:
        errors_by_id.setdefault(row["doc_id"], []).append(row)

    doc_rows, error_rows = [], [dict(e.row()) for e in discovery_errors]
    first_path: dict[str, str] = {}
    for path, doc_id, key in ((i.path, i.doc_id, i.key) for i in ordered):
        if key in failed:
            error_rows.append(failed[key].row())
        elif doc_id in by_id:
            row = dict(by_id[doc_id], path=str(path))
            if doc_id in first_path:
                row.update(status="duplicate", error=f"same name and content as {first_path[doc_id]}")
            else:
                first_path[doc_id] = str(path)
                # A document read with a part that did not come out (a vote count that
                # disagrees with its lists, a paragraph missing from the numbering).
                for cached in errors_by_id.get(doc_id, []):
                    error_rows.append({"path": str(path), "stage": cached["stage"], "reason": cached["reason"]})
            doc_rows.append(row)
        elif doc_id in errors_by_id:
            cached = errors_by_id[doc_id][0]
            error_rows.append({"path": str(path), "stage": cached["stage"], "reason": cached["reason"]})
        else:  # cannot happen unless the cache was tampered with; never drop a file silently
            error_rows.append({"path": str(path), "stage": "assemble", "reason": "no result in the cache; run again"})
    errors = pd.DataFrame(error_rows, columns=list(Error.TABLE_COLUMNS)).sort_values(["path", "stage"], kind="stable")
    return pd.DataFrame(doc_rows, columns=Document.TABLE_COLUMNS), errors


def _summarise(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: count, documents, first and last date, most confident evidence.

    One sort and one groupby for the whole table: the strongest example is the
    first row of each group once rows are ordered by confidence (then id).
    """
    ordered = frame.assign(_date=frame["date"].fillna("").replace("", pd.NA)).sort_values(
        ["confidence", "evidence_id"], ascending=[False, True], kind="stable"
    )
    grouped = ordered.groupby(keys, sort=True, dropna=False)
    return (
        grouped.agg(
            count=("evidence_id", "size"),
            documents=("doc_id", "nunique"),
            first_date=("_date", "min"),
            last_date=("_date", "max"),
            strongest_evidence_id=("evidence_id", "first"),
        )
        .reset_index()
        .fillna({"first_date": "", "last_date": ""})
    )


def state_summary(evidence: pd.DataFrame, ga_states: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per State and stance, as speaker; for ``accuse``, as the State accused; and, with
    ``ga_states`` (``--ga-votes``), as a voter on the General Assembly's refrain calls."""
    extra = [ga_states] if ga_states is not None else []
    if evidence.empty:
        return _states_frame(extra)
    speaking = evidence[evidence["speaker_iso3"].fillna("") != ""]
    as_speaker = _summarise(speaking, ["speaker_iso3", "stance"]).rename(columns={"speaker_iso3": "iso3"})
    as_speaker["role"] = "speaker"
    accused = evidence[(evidence["stance"] == "accuse") & evidence["assister"].fillna("").str.fullmatch(r"[A-Z]{2,3}")]
    as_accused = (
        _summarise(accused, ["assister"]).rename(columns={"assister": "iso3"}) if len(accused) else pd.DataFrame()
    )
    if len(as_accused):
        as_accused["role"], as_accused["stance"] = "accused", "accuse"
    return _states_frame([as_speaker, as_accused, *extra])


def _states_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts as one ``states.csv`` table, sorted by State, role and stance."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=STATE_COLUMNS)
    states = pd.concat(parts, ignore_index=True)
    states["state"] = states["iso3"].map(country_name)
    for column in ("ga_yes", "ga_no", "ga_abstain"):  # whole numbers where counted, empty elsewhere
        if column in states:
            states[column] = states[column].astype("Int64")
    return states.reindex(columns=STATE_COLUMNS).sort_values(["iso3", "role", "stance"], kind="stable")


def accusation_network(evidence: pd.DataFrame) -> pd.DataFrame:
    """Who accuses whom of assisting whom: one row per (accuser, accused, assisted)."""
    if evidence.empty:
        return pd.DataFrame(columns=ACCUSATION_COLUMNS)
    acc = evidence[(evidence["stance"] == "accuse") & (evidence["assister"].fillna("") != "")]
    if acc.empty:
        return pd.DataFrame(columns=ACCUSATION_COLUMNS)
    acc = acc.assign(speaker_iso3=acc["speaker_iso3"].fillna(""), assisted=acc["assisted"].fillna(""))
    network = _summarise(acc, ["speaker_iso3", "assister", "assisted"]).rename(
        columns={"speaker_iso3": "accuser_iso3", "assister": "accused", "strongest_evidence_id": "example_evidence_id"}
    )
    return network.reindex(columns=ACCUSATION_COLUMNS)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts keyed by column name."""
    return cast("list[dict[str, Any]]", frame.to_dict("records"))
