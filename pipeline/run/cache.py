"""Content-addressed cache of per-document results.

Results are kept in *chunks*: a folder ``<out>/.d2r/chunks/<id>/`` holding one
Parquet file per table plus ``docs.json``, the cache keys of the documents it
holds.  A chunk is written to a temporary folder and renamed into place, so a
run killed at any moment leaves either a whole chunk or none.  The index of
what is cached is rebuilt from the chunk folders at start-up; there is no
separate manifest that could disagree with them.

A document's cache key is its content hash with the pipeline version and the
model's identity: changing either recomputes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pipeline.files import atomic_write_text
from pipeline.records import TABLES, schemas


def cache_key(doc_id: str, version: str) -> str:
    """A document (content and name, see ``doc_id_for``) under one pipeline version and model."""
    return hashlib.sha1(f"{doc_id}|{version}".encode()).hexdigest()


class ChunkStore:
    """Chunks of cached per-document tables under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.chunks = self.root / "chunks"
        self.chunks.mkdir(parents=True, exist_ok=True)
        self._clean_partial()

    def _clean_partial(self) -> None:
        for tmp in self.chunks.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)

    def index(self) -> dict[str, str]:
        """Cache key -> chunk id, for every complete chunk."""
        out = {}
        for folder in sorted(self.chunks.iterdir()):
            if folder.name.startswith(".") or not (folder / "docs.json").exists():
                continue
            for key in json.loads((folder / "docs.json").read_text(encoding="utf-8")):
                out[key] = folder.name
        return out

    def hashes(self) -> dict[str, list]:
        """Path -> [size, mtime_ns, ctime_ns, inode, device, sha256] from the last run (empty if unreadable)."""
        try:
            known = json.loads((self.root / "hashes.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        self._hashes_saved = dict(known) if isinstance(known, dict) else {}
        return dict(self._hashes_saved)

    def save_hashes(self, known: dict[str, list]) -> None:
        if known != getattr(self, "_hashes_saved", None):
            atomic_write_text(self.root / "hashes.json", json.dumps(known, sort_keys=True))
            self._hashes_saved = dict(known)

    def write(self, keys: list[str], tables: dict[str, list[dict[str, Any]]]) -> str:
        """Write one chunk atomically; returns its id."""
        chunk_id = hashlib.sha1("\n".join(sorted(keys)).encode()).hexdigest()[:20]
        final = self.chunks / chunk_id
        if final.exists():
            return chunk_id
        import pyarrow as pa  # imported on first use: the parent's start-up stays light
        import pyarrow.parquet as pq

        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.chunks))
        for name in TABLES:
            rows = tables.get(name) or []
            # Column lists first: from_pydict is fifty times faster than from_pylist on row dicts.
            schema = schemas()[name]
            table = pa.Table.from_pydict({c: [row.get(c) for row in rows] for c in schema.names}, schema=schema)
            pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
        (tmp / "docs.json").write_text(json.dumps(sorted(keys)), encoding="utf-8")
        try:
            os.rename(tmp, final)
        except OSError:  # another process wrote the same chunk first
            shutil.rmtree(tmp, ignore_errors=True)
        return chunk_id

    def read(self, wanted: dict[str, set[str]], table: str) -> Any:
        """Rows of ``table`` for the wanted documents of each chunk (chunk id -> doc ids).

        A chunk may also hold documents read under another pipeline version or
        engine; only the rows of the documents it is wanted for are taken.  All
        chunks are scanned as one Arrow dataset (the chunk id is the folder
        name): one scan of many small files is several times faster than
        opening them one by one, which is most of what a rerun reads.
        """
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.dataset as ds

        if not wanted:
            return None

        files = [str(self.chunks / chunk_id / f"{table}.parquet") for chunk_id in sorted(wanted)]
        by_chunk = ds.DirectoryPartitioning(pa.schema([("chunk", pa.string())]))
        # The table's own schema, not the first file's: a column missing from one chunk is null there.
        schema = schemas()[table].append(pa.field("chunk", pa.string()))
        data = ds.dataset(
            files, schema=schema, format="parquet", partitioning=by_chunk, partition_base_dir=str(self.chunks)
        ).to_table()
        pairs = pa.array(sorted(f"{chunk_id}|{doc_id}" for chunk_id, docs in wanted.items() for doc_id in docs))
        keep = pc.is_in(pc.binary_join_element_wise(data["chunk"], data["doc_id"], "|"), value_set=pairs)
        data = data.filter(keep).drop_columns(["chunk"])
        return data if data.num_rows else None
