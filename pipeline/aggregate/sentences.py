"""``sentences.parquet``: every sentence, in document order then by offset.

It is the largest output (a million sentences for the General Debate corpus)
and the one a rerun would spend most on, so it is built from pieces: each
document's sentences are a contiguous run in its cache chunk and in the last
run's file.  Only pyarrow is needed here (no pandas).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.files import atomic_path, atomic_write_bytes, sha256_file
from pipeline.records import schemas

if TYPE_CHECKING:
    import pandas as pd

ROW_GROUP = 131_072


def sentences_path(out: Path) -> Path:
    """Where a run folder keeps its sentences with their stances."""
    return Path(out) / "sentences.parquet"


def write_sentences(
    store: Any, chunks: dict[str, set[str]], rank: dict[str, int], out: Path, source_of: dict[str, str]
) -> int:
    """Every sentence, in document order then by offset, into one Parquet file.

    A document's sentences are a contiguous run, in offset order, both in its
    cache chunk and in the last ``sentences.parquet``.  When
    ``.d2r/sentences.json`` says the last file holds a document from the same
    source (``source_of``: cache key and chunk; and the file is still the one
    d2r wrote), its run is copied
    from there: the last file is streamed a row group at a time and the few
    new documents' runs, read from their chunks, are merged in by document
    order.  Memory stays at a couple of row groups; on this kind of virtual
    machine every newly touched page is expensive, so that, more than reading
    less, is what makes a rerun after adding one file cheap.  Otherwise (the
    first run, or documents reordered) every run comes from the chunks and is
    put in order in memory.
    """
    path, manifest = sentences_path(out), store.root / "sentences.json"
    held = _held(path, manifest)
    reused = {doc_id for doc_id in rank if doc_id in held and held[doc_id] == source_of.get(doc_id)}
    fresh = _pieces_from_chunks(store, {c: docs - reused for c, docs in chunks.items()}, rank)
    manifest.unlink(missing_ok=True)  # the file is about to change: never a manifest that disagrees with it
    if reused:
        try:
            rows = _write(path, _merged(path, reused, rank, fresh))
        except (_OutOfOrderError, pa.ArrowException, OSError, ValueError):
            # Documents reordered since (inputs moved), or the last file unreadable: every run from the chunks.
            rows = _write(path, (piece for _, piece in _pieces_from_chunks(store, chunks, rank)))
    else:
        rows = _write(path, (piece for _, piece in fresh))
    stat = path.stat()
    documents = {doc_id: source_of[doc_id] for doc_id in rank if doc_id in source_of}
    atomic_write_bytes(
        manifest,
        json.dumps(
            {"file": [stat.st_size, stat.st_mtime_ns], "sha256": sha256_file(path), "documents": documents},
            sort_keys=True,
        ).encode("utf-8"),
    )
    return rows


class _OutOfOrderError(Exception):
    """The last file's documents are not in today's document order."""


def _held(path: Path, manifest: Path) -> dict[str, str]:
    """Doc id -> source (cache key and chunk) of the documents in the last file, if it is still the one d2r wrote.

    Size and time first (cheap), then the file's SHA-256: its rows are copied
    into the new file, so they are checked as a cache chunk is.
    """
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
        stat = path.stat()
        if record["file"] == [stat.st_size, stat.st_mtime_ns] and record["sha256"] == sha256_file(path):
            return dict(record["documents"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return {}


def _pieces_from_chunks(store: Any, chunks: dict[str, set[str]], rank: dict[str, int]) -> list[tuple[int, pa.Table]]:
    """(rank, rows) of the wanted documents of each chunk, in document order."""
    pieces, taken = [], set()
    for chunk_id in sorted(chunks):
        wanted = chunks[chunk_id]
        if not wanted:
            continue
        table = _runs_in_order(pq.read_table(store.chunks / chunk_id / "sentences.parquet"))
        for doc_id, piece in _runs(table):
            if doc_id in wanted and doc_id not in taken:
                pieces.append((rank[doc_id], piece))
                taken.add(doc_id)
    pieces.sort(key=lambda piece: piece[0])
    return pieces


def _merged(
    path: Path, reused: set[str], rank: dict[str, int], fresh: list[tuple[int, pa.Table]]
) -> Iterator[pa.Table]:
    """The reused documents' runs from the last file and the fresh ones, in document order.

    Consecutive reused runs with nothing to insert between them go out as one
    slice, so a row group with no new document is passed on whole.
    """
    fresh = list(fresh)
    last = -1
    for table in _row_groups(path):
        span: list[int] | None = None  # [start, end) of rows to pass on together
        for doc_id, start, end in _run_bounds(table):
            if doc_id not in reused:
                if span:
                    yield table.slice(span[0], span[1] - span[0])
                span = None
                continue
            position = rank[doc_id]
            if position < last:
                raise _OutOfOrderError(doc_id)
            if fresh and fresh[0][0] < position:
                if span:
                    yield table.slice(span[0], span[1] - span[0])
                span = None
                while fresh and fresh[0][0] < position:
                    yield fresh.pop(0)[1]
            last = position
            span = [span[0], end] if span else [start, end]
        if span:
            yield table.slice(span[0], span[1] - span[0])
    for _, piece in fresh:
        yield piece


def _row_groups(path: Path) -> Iterator[pa.Table]:
    """The file's row groups in order, the next one read (off the GIL) while the caller works on this one."""
    from concurrent.futures import ThreadPoolExecutor

    source = pq.ParquetFile(path)
    count = source.num_row_groups
    if not count:
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(source.read_row_group, 0)
        for group in range(count):
            table = ahead.result()
            if group + 1 < count:
                ahead = pool.submit(source.read_row_group, group + 1)
            yield table


def _write(path: Path, pieces: Iterable[pa.Table]) -> int:
    """Write the pieces, in order, as row groups of ``ROW_GROUP`` rows; return the row count.

    Each group is combined into one block before it is written: Parquet's
    bytes depend on how its input is chunked, and this way they depend only
    on the rows.
    """

    schema = schemas()["sentences"]
    buffer: list[pa.Table] = []
    buffered = total = 0
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd", compression_level=1) as writer:
        for piece in pieces:
            buffer.append(piece)
            buffered += piece.num_rows
            while buffered >= ROW_GROUP:
                block = pa.concat_tables(buffer)
                writer.write_table(block.slice(0, ROW_GROUP).combine_chunks(), row_group_size=ROW_GROUP)
                rest = block.slice(ROW_GROUP)
                buffer, buffered = [rest], rest.num_rows
                total += ROW_GROUP
        if buffered:
            writer.write_table(pa.concat_tables(buffer).combine_chunks(), row_group_size=ROW_GROUP)
            total += buffered
    return total


def _runs(table: pa.Table) -> Iterator[tuple[str, pa.Table]]:
    """(doc id, its rows) for each run of one document's rows."""
    for doc_id, start, end in _run_bounds(table):
        yield doc_id, table.slice(start, end - start)


def _run_bounds(table: pa.Table) -> Iterator[tuple[str, int, int]]:
    """(doc id, first row, end row) for each run of one document's rows."""
    if not table.num_rows:
        return
    names, codes = _codes(table["doc_id"])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    for start, end in zip(starts.tolist(), ends.tolist()):
        yield names[codes[start]], start, end


def _codes(column: Any) -> tuple[list[str], np.ndarray]:
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


def read_sentences(out: Path, ids: set[str], doc_ids: set[str]) -> pd.DataFrame:
    """The sentences of ``sentences.parquet`` with one of ``ids`` or in one of ``doc_ids`` (a filtered scan)."""
    import pandas as pd

    columns = ["sentence_id", "doc_id", "seq", "page", "speaker_iso3", "text"]
    if not ids and not doc_ids:
        return pd.DataFrame(columns=columns)
    parts = [
        pc.field(column).isin(pa.array(sorted(values), type=pa.string()))
        for column, values in (("sentence_id", ids), ("doc_id", doc_ids))
        if values
    ]
    wanted = parts[0] if len(parts) == 1 else parts[0] | parts[1]
    return pq.read_table(sentences_path(out), columns=columns, filters=wanted).to_pandas()
