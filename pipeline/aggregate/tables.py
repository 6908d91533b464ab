"""Assemble the output tables from the cache: sorted, neutralised, written once.

Row order is fixed by the inputs' paths (documents in path order; every other
table in its document's order, then in the order the document prints its
rows), so two runs over the same inputs write byte-identical files whichever
documents came from the cache.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.aggregate.safe_csv import write_csv
from pipeline.cache import ChunkStore, atomic_path, atomic_write_bytes
from pipeline.countries import country_name
from pipeline.records import Clause, Document, Error, Evidence, Speech, Vote

STATE_COLUMNS = [
    "iso3", "state", "role", "stance", "count", "documents", "first_date", "last_date", "strongest_evidence_id",
]
SENTENCE_ROW_GROUP = 131_072
ACCUSATION_COLUMNS = ["accuser_iso3", "accused", "assisted", "count", "first_date", "last_date", "example_evidence_id"]


def _frame(store: ChunkStore, chunks: dict[str, set[str]], table: str) -> pd.DataFrame:
    arrow = store.read(chunks, table)
    return pd.DataFrame() if arrow is None else arrow.to_pandas()


def _order(frame: pd.DataFrame, rank: dict[str, int], *within: str) -> pd.DataFrame:
    """Rows in document order, then by ``within`` columns (stable)."""
    if frame.empty:
        return frame
    frame = frame.assign(_rank=frame["doc_id"].map(rank))
    return frame.sort_values(["_rank", *within], kind="stable").drop(columns="_rank").reset_index(drop=True)


def assemble(out: Path, store: ChunkStore, keyed, discovery_errors: list[Error], failed: dict[str, Error]) -> dict:
    """Write every table and the report; return counts for the summary.

    ``keyed`` lists every input file as (path, doc id, cache key); ``failed``
    holds this run's worker failures by cache key (they are not cached).
    """
    from pipeline.aggregate.report import summary_counts, write_report

    index = store.index()
    chunks: dict[str, set[str]] = {}  # chunk id -> the documents wanted from it
    for _, doc_id, key in keyed:
        if key in index:
            chunks.setdefault(index[key], set()).add(doc_id)
    ordered = sorted(keyed, key=lambda item: str(item[0]))
    rank: dict[str, int] = {}
    for n, (_, doc_id, _) in enumerate(ordered):
        rank.setdefault(doc_id, n)

    # The sentences file is Arrow work that releases the GIL: it runs in a thread
    # while the other tables and the report are written.
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    key_of = {doc_id: key for _, doc_id, key in keyed if key in index}
    sentences_written = pool.submit(_write_sentences, store, chunks, rank, Path(out) / "sentences.parquet", key_of)

    documents = _frame(store, chunks, "documents")
    errors = _frame(store, chunks, "errors")
    by_id = {row["doc_id"]: row for row in documents.to_dict("records")} if not documents.empty else {}
    error_by_id = {}
    if not errors.empty:
        for row in errors.to_dict("records"):
            error_by_id.setdefault(row["doc_id"], row)

    doc_rows, error_rows, first_path = [], [dict(e.row()) for e in discovery_errors], {}
    for path, doc_id, key in ordered:
        if key in failed:
            error_rows.append(failed[key].row())
        elif doc_id in by_id:
            row = dict(by_id[doc_id], path=str(path))
            if doc_id in first_path:
                row.update(status="duplicate", error=f"same name and content as {first_path[doc_id]}")
            else:
                first_path[doc_id] = str(path)
            doc_rows.append(row)
        elif doc_id in error_by_id:
            error_rows.append({"path": str(path), "stage": error_by_id[doc_id]["stage"], "reason": error_by_id[doc_id]["reason"]})
        else:  # cannot happen unless the cache was tampered with; never drop a file silently
            error_rows.append({"path": str(path), "stage": "assemble", "reason": "no result in the cache; run again"})
    documents = pd.DataFrame(doc_rows, columns=Document.TABLE_COLUMNS)
    errors = pd.DataFrame(error_rows, columns=list(Error.TABLE_COLUMNS)).sort_values(["path", "stage"], kind="stable")

    speeches = _order(_frame(store, chunks, "speeches"), rank, "seq")
    votes = _order(_frame(store, chunks, "votes"), rank)
    clauses = _order(_frame(store, chunks, "clauses"), rank)
    evidence = _order(_frame(store, chunks, "evidence"), rank, "page")

    out = Path(out)
    write_csv(documents, out / "documents.csv", Document.TABLE_COLUMNS)
    write_csv(speeches, out / "speeches.csv", Speech.TABLE_COLUMNS)
    write_csv(votes, out / "votes.csv", Vote.TABLE_COLUMNS)
    write_csv(clauses, out / "clauses.csv", Clause.TABLE_COLUMNS)
    write_csv(evidence, out / "evidence.csv", Evidence.TABLE_COLUMNS)
    write_csv(errors, out / "errors.csv", list(Error.TABLE_COLUMNS))
    states = state_summary(evidence)
    write_csv(states, out / "states.csv", STATE_COLUMNS)
    accusations = accusation_network(evidence)
    write_csv(accusations, out / "accusations.csv", ACCUSATION_COLUMNS)
    n_sentences = sentences_written.result()
    pool.shutdown()

    counts = summary_counts(documents, speeches, votes, clauses, evidence, errors,
                            files=len(keyed) + len(discovery_errors), sentences=n_sentences)
    write_report(out, documents, speeches, votes, clauses, evidence, states, accusations, errors, counts)
    return counts


def _write_sentences(store, chunks, rank, path: Path, key_of: dict[str, str]) -> int:
    """Every sentence, in document order then by offset, into one Parquet file.

    A document's sentences are a contiguous run, in offset order, both in its
    cache chunk and in the last ``sentences.parquet``; the new file is those
    runs, as zero-copy slices put in document order, combined once and
    written.  Runs are taken from the last file when ``.d2r/sentences.json``
    says it holds the document under the same cache key (and the file is the
    one d2r wrote), otherwise from the chunk: a rerun after adding one file
    reads one file, not every chunk.
    """
    manifest = store.root / "sentences.json"
    pieces: list[tuple[int, pa.Table]] = []
    taken: set[str] = set()
    previous = _previous_sentences(path, manifest)
    if previous is not None:
        table, held = previous
        for doc_id, piece in _runs(table):
            if doc_id in rank and doc_id not in taken and held.get(doc_id) == key_of.get(doc_id):
                pieces.append((rank[doc_id], piece))
                taken.add(doc_id)
    for chunk_id in sorted(chunks):
        wanted = chunks[chunk_id] - taken
        if not wanted:
            continue
        table = _runs_in_order(pq.read_table(store.chunks / chunk_id / "sentences.parquet"))
        for doc_id, piece in _runs(table):
            if doc_id in wanted and doc_id not in taken:
                pieces.append((rank[doc_id], piece))
                taken.add(doc_id)
    pieces.sort(key=lambda piece: piece[0])
    from pipeline.run import schemas

    table = pa.concat_tables([piece for _, piece in pieces]) if pieces else schemas()["sentences"].empty_table()
    manifest.unlink(missing_ok=True)  # the file is about to change: never a manifest that disagrees with it
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, table.schema, compression="zstd", compression_level=1) as writer:
        # Fixed row groups, each combined into one block first: Parquet's bytes depend on
        # how its input is chunked, and a group at a time keeps memory to one group's copy.
        for start in range(0, table.num_rows, SENTENCE_ROW_GROUP):
            writer.write_table(table.slice(start, SENTENCE_ROW_GROUP).combine_chunks(), row_group_size=SENTENCE_ROW_GROUP)
    stat = path.stat()
    held = {doc_id: key_of[doc_id] for doc_id in taken if doc_id in key_of}
    atomic_write_bytes(manifest, json.dumps({"file": [stat.st_size, stat.st_mtime_ns], "documents": held},
                                            sort_keys=True).encode("utf-8"))
    return table.num_rows


def _previous_sentences(path: Path, manifest: Path):
    """The last run's sentences and the cache key of each document in them, if still trustworthy."""
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
        stat = path.stat()
        if record["file"] != [stat.st_size, stat.st_mtime_ns]:
            return None  # changed since d2r wrote it
        return pq.read_table(path), dict(record["documents"])
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None


def _runs(table: pa.Table):
    """(doc id, its rows) for each run of one document's rows."""
    if not table.num_rows:
        return
    names, codes = _codes(table["doc_id"])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    for start, end in zip(starts.tolist(), ends.tolist()):
        yield names[codes[start]], table.slice(start, end - start)


def _codes(column) -> tuple[list[str], np.ndarray]:
    """A string column as (distinct values, integer code per row): comparisons on integers."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    return encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)


def _runs_in_order(table: pa.Table) -> pa.Table:
    """The chunk's rows with each document's sentences contiguous and by offset (sorted only if not)."""
    if table.num_rows < 2:
        return table
    _, codes = _codes(table["doc_id"])
    offsets = table["start"].to_numpy()
    same = codes[1:] == codes[:-1]
    runs = codes[np.r_[0, np.flatnonzero(~same) + 1]]
    if len(np.unique(runs)) == len(runs) and bool(np.all(offsets[1:][same] > offsets[:-1][same])):
        return table
    return table.sort_by([("doc_id", "ascending"), ("start", "ascending")])


def _summarise(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: count, documents, first and last date, most confident evidence.

    One sort and one groupby for the whole table: the strongest example is the
    first row of each group once rows are ordered by confidence (then id).
    """
    ordered = frame.assign(_date=frame["date"].fillna("").replace("", pd.NA)).sort_values(
        ["confidence", "evidence_id"], ascending=[False, True], kind="stable")
    grouped = ordered.groupby(keys, sort=True, dropna=False)
    return grouped.agg(
        count=("evidence_id", "size"),
        documents=("doc_id", "nunique"),
        first_date=("_date", "min"),
        last_date=("_date", "max"),
        strongest_evidence_id=("evidence_id", "first"),
    ).reset_index().fillna({"first_date": "", "last_date": ""})


def state_summary(evidence: pd.DataFrame) -> pd.DataFrame:
    """Per State and stance, as speaker; and, for ``accuse``, as the State accused."""
    if evidence.empty:
        return pd.DataFrame(columns=STATE_COLUMNS)
    speaking = evidence[evidence["speaker_iso3"].fillna("") != ""]
    as_speaker = _summarise(speaking, ["speaker_iso3", "stance"]).rename(columns={"speaker_iso3": "iso3"})
    as_speaker["role"] = "speaker"
    accused = evidence[(evidence["stance"] == "accuse") & evidence["assister"].fillna("").str.fullmatch(r"[A-Z]{2,3}")]
    as_accused = _summarise(accused, ["assister"]).rename(columns={"assister": "iso3"}) if len(accused) else pd.DataFrame()
    if len(as_accused):
        as_accused["role"], as_accused["stance"] = "accused", "accuse"
    states = pd.concat([as_speaker, as_accused], ignore_index=True)
    states["state"] = states["iso3"].map(country_name)
    return states.reindex(columns=STATE_COLUMNS).sort_values(["iso3", "role", "stance"], kind="stable")


def accusation_network(evidence: pd.DataFrame) -> pd.DataFrame:
    """Who accuses whom of assisting whom: one row per (accuser, accused, assisted)."""
    if evidence.empty:
        return pd.DataFrame(columns=ACCUSATION_COLUMNS)
    acc = evidence[(evidence["stance"] == "accuse") & (evidence["assister"].fillna("") != "")]
    if acc.empty:
        return pd.DataFrame(columns=ACCUSATION_COLUMNS)
    acc = acc.assign(speaker_iso3=acc["speaker_iso3"].fillna(""), assisted=acc["assisted"].fillna(""))
    network = _summarise(acc, ["speaker_iso3", "assister", "assisted"]).rename(columns={
        "speaker_iso3": "accuser_iso3", "assister": "accused", "strongest_evidence_id": "example_evidence_id"})
    return network.reindex(columns=ACCUSATION_COLUMNS)
