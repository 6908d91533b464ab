"""``sentences.parquet``: every sentence, in document order then by offset.

It is the largest output (a million sentences for the General Debate corpus)
and the one a rerun would spend most on, so it is built from pieces: each
document's sentences are a contiguous run in its cache chunk and in the last
run's file.  Only pyarrow is needed here (no pandas), so ``d2r run`` can read
the last file while it is still loading the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.cache import atomic_path, atomic_write_bytes

ROW_GROUP = 131_072


def sentences_path(out: Path) -> Path:
    return Path(out) / "sentences.parquet"


def write_sentences(store, chunks, rank, out: Path, key_of: dict[str, str], previous=None) -> int:
    """Every sentence, in document order then by offset, into one Parquet file.

    A document's sentences are a contiguous run, in offset order, both in its
    cache chunk and in the last ``sentences.parquet``; the new file is those
    runs, as zero-copy slices put in document order, combined once and
    written.  Runs are taken from the last file when ``.d2r/sentences.json``
    says it holds the document under the same cache key (and the file is the
    one d2r wrote), otherwise from the chunk: a rerun after adding one file
    reads one file, not every chunk.
    """
    path, manifest = sentences_path(out), store.root / "sentences.json"
    pieces: list[tuple[int, pa.Table]] = []
    taken: set[str] = set()
    if previous is None:
        previous = read_previous(out, store)
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
        for start in range(0, table.num_rows, ROW_GROUP):
            writer.write_table(table.slice(start, ROW_GROUP).combine_chunks(), row_group_size=ROW_GROUP)
    stat = path.stat()
    held = {doc_id: key_of[doc_id] for doc_id in taken if doc_id in key_of}
    atomic_write_bytes(manifest, json.dumps({"file": [stat.st_size, stat.st_mtime_ns], "documents": held},
                                            sort_keys=True).encode("utf-8"))
    return table.num_rows


def read_previous(out: Path, store) -> tuple[pa.Table, dict[str, str]] | None:
    """The last run's sentences and the cache key of each document in them, if still trustworthy."""
    path, manifest = sentences_path(out), store.root / "sentences.json"
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
