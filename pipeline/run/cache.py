"""Content-addressed cache of per-document results, checked by hash when it is read.

Results are kept in *chunks*: a folder ``<out>/.d2r/chunks/<id>/`` holding one
Parquet file per table and ``manifest.json``: the cache keys of the documents
it holds and each file's SHA-256.  A chunk is written to a temporary folder and
renamed into place, so a run killed at any moment leaves either a whole chunk
or none; each chunk written is also recorded in ``chunks.jsonl``, so that a
chunk that later disappears is known to be missing.

Nothing is served unverified: before a chunk's rows are used, every file is
hashed and compared with its manifest.  A chunk that is missing, unreadable or
whose hash differs is removed and its documents are read again (the run says
so and ``errors.csv`` gets a ``cache`` row); researchers cite what the cache
serves.

A document's cache key is its content hash with the pipeline version and the
model's identity: changing either recomputes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.files import atomic_write_text, sha256_file
from pipeline.records import TABLES, schemas

MANIFEST = "manifest.json"
LOG = "chunks.jsonl"


@dataclass(frozen=True)
class Damage:
    """A chunk that could not be trusted, and why (one line)."""

    chunk_id: str
    reason: str  # "hash mismatch", "missing", "unreadable"
    detail: str
    keys: tuple[str, ...] = ()


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
        self._verified: set[str] = set()  # chunks hashed (or written) by this store
        self._gone: set[str] = set()
        self.damaged: list[Damage] = []

    def _clean_partial(self) -> None:
        for tmp in self.chunks.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)

    def index(self, wanted: Iterable[str] | None = None) -> dict[str, str]:
        """Cache key -> chunk id for every trusted chunk that holds a ``wanted`` key (all keys if None).

        Each chunk that holds a wanted key is verified once per store: a
        damaged one is removed, listed in :attr:`damaged`, and its keys are
        left out, so its documents are read again.
        """
        wanted_keys = None if wanted is None else set(wanted)
        manifests = self._manifests()
        logged = self._logged()
        out: dict[str, str] = {}
        for chunk_id, manifest in sorted(manifests.items()):
            keys = manifest.get("docs") if isinstance(manifest, dict) else logged.get(chunk_id)
            if wanted_keys is not None and keys is not None and not wanted_keys.intersection(keys):
                continue
            if chunk_id not in self._verified:
                problem = self._check(chunk_id, manifest)
                if problem:
                    self._discard(Damage(chunk_id, problem[0], problem[1], tuple(keys or ())))
                    continue
                self._verified.add(chunk_id)
            for key in keys or ():
                out[key] = chunk_id
        for chunk_id, keys in sorted(logged.items()):
            if chunk_id not in manifests and chunk_id not in self._gone:
                if wanted_keys is None or wanted_keys.intersection(keys):
                    self._discard(Damage(chunk_id, "missing", "the chunk folder is gone", tuple(keys)))
        return out

    def chunk_ids(self) -> list[str]:
        """Every chunk folder on disk (complete or not)."""
        return sorted(f.name for f in self.chunks.iterdir() if f.is_dir() and not f.name.startswith("."))

    def _manifests(self) -> dict[str, Any]:
        """Chunk id -> its parsed manifest (None where it cannot be read)."""
        found: dict[str, Any] = {}
        for chunk_id in self.chunk_ids():
            try:
                found[chunk_id] = json.loads((self.chunks / chunk_id / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                found[chunk_id] = None
        return found

    def _check(self, chunk_id: str, manifest: Any) -> tuple[str, str] | None:
        """(reason, detail) if the chunk cannot be trusted, else None."""
        files = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(files, dict) or not isinstance(manifest.get("docs"), list):
            return "unreadable", f"{MANIFEST} is missing or not a chunk manifest"
        for table in TABLES:
            name = f"{table}.parquet"
            path = self.chunks / chunk_id / name
            if name not in files:
                return "unreadable", f"{MANIFEST} does not list {name}"
            try:
                digest = sha256_file(path)
            except OSError:
                return "missing", f"{name} is missing"
            if digest != files[name]:
                return "hash mismatch", f"{name} differs from its SHA-256 in {MANIFEST}"
        return None

    def _discard(self, damage: Damage) -> None:
        """Remove a damaged chunk (its documents will be read again) and remember why."""
        shutil.rmtree(self.chunks / damage.chunk_id, ignore_errors=True)
        self._log({"chunk": damage.chunk_id, "removed": damage.reason})
        self._gone.add(damage.chunk_id)
        self.damaged.append(damage)

    def _logged(self) -> dict[str, list[str]]:
        """Chunk id -> keys, for every chunk the log says was written and not since removed."""
        logged: dict[str, list[str]] = {}
        try:
            lines = (self.root / LOG).read_text(encoding="utf-8").splitlines()
        except OSError:
            return logged
        for line in lines:
            try:
                entry = json.loads(line)
                chunk_id = str(entry["chunk"])
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line from a killed run
            if "removed" in entry:
                logged.pop(chunk_id, None)
            elif isinstance(entry.get("docs"), list):
                logged[chunk_id] = [str(k) for k in entry["docs"]]
        return logged

    def _log(self, entry: dict[str, Any]) -> None:
        with open(self.root / LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, sort_keys=True) + "\n")

    def clear(self) -> None:
        """Remove every chunk and the record of them (the run folder's tables stay)."""
        shutil.rmtree(self.chunks, ignore_errors=True)
        for name in (LOG, "hashes.json", "sentences.json"):
            (self.root / name).unlink(missing_ok=True)
        self.chunks.mkdir(parents=True, exist_ok=True)
        self._verified.clear()

    def hashes(self) -> dict[str, list]:
        """Path -> [size, mtime_ns, ctime_ns, inode, device, sha256] from the last run.

        Empty if unreadable or if the file's own checksum does not match (then
        every input is hashed again: a wrong content hash would serve another
        file's results).
        """
        known: Any = {}
        try:
            record = json.loads((self.root / "hashes.json").read_text(encoding="utf-8"))
            files = record["files"]
            if record["sha256"] == _digest(files):
                known = files
        except (OSError, ValueError, KeyError, TypeError):
            pass
        self._hashes_saved = dict(known) if isinstance(known, dict) else {}
        return dict(self._hashes_saved)

    def save_hashes(self, known: dict[str, list]) -> None:
        """Keep this run's content hashes (with their stat fields) for the next run."""
        if known != getattr(self, "_hashes_saved", None):
            record = {"files": known, "sha256": _digest(known)}
            atomic_write_text(self.root / "hashes.json", json.dumps(record, sort_keys=True))
            self._hashes_saved = dict(known)

    def write(self, keys: list[str], tables: dict[str, list[dict[str, Any]]]) -> str:
        """Write one chunk atomically; returns its id."""
        chunk_id = hashlib.sha1("\n".join(sorted(keys)).encode()).hexdigest()[:20]
        final = self.chunks / chunk_id
        if final.exists():
            if chunk_id in self._verified:
                return chunk_id
            shutil.rmtree(final, ignore_errors=True)  # never trusted unchecked: written again
        import pyarrow as pa  # imported on first use: the parent's start-up stays light
        import pyarrow.parquet as pq

        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.chunks))
        files = {}
        for name in TABLES:
            rows = tables.get(name) or []
            # Column lists first: from_pydict is fifty times faster than from_pylist on row dicts.
            schema = schemas()[name]
            table = pa.Table.from_pydict({c: [row.get(c) for row in rows] for c in schema.names}, schema=schema)
            pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
            files[f"{name}.parquet"] = sha256_file(tmp / f"{name}.parquet")
        manifest = {"docs": sorted(keys), "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
        try:
            os.rename(tmp, final)
        except OSError:  # the same chunk is there already
            shutil.rmtree(tmp, ignore_errors=True)
            return chunk_id
        self._log({"chunk": chunk_id, "docs": manifest["docs"]})
        self._verified.add(chunk_id)
        self._gone.discard(chunk_id)
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


def _digest(value: Any) -> str:
    """SHA-256 of a JSON value in its canonical form."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def verify(root: Path) -> list[dict[str, Any]]:
    """Check every chunk under ``root`` (a run folder's ``.d2r``); one row per chunk.

    ``state`` is ``good`` (every file has its recorded SHA-256), ``rebuilt``
    (damaged: removed now, and its documents are read again by the next run
    over them; ``reason`` says why) or ``orphaned`` (sound, but none of the
    last run's documents comes from it: left over from inputs or versions no
    longer used; ``d2r cache clear`` removes them with the rest).
    """
    store = ChunkStore(root)
    index = store.index()
    used = _used_by_last_run(root)
    rows = []
    for chunk_id, documents in sorted(Counter(index.values()).items()):
        state = "good" if chunk_id in used or not used else "orphaned"
        rows.append({"chunk": chunk_id, "documents": documents, "state": state, "reason": ""})
    for damage in store.damaged:
        rows.append(
            {"chunk": damage.chunk_id, "documents": len(damage.keys), "state": "rebuilt", "reason": damage.reason}
        )
    return sorted(rows, key=lambda r: (r["state"] != "rebuilt", r["chunk"]))


def _used_by_last_run(root: Path) -> set[str]:
    """Chunk ids the last run's tables were assembled from (empty if unknown)."""
    try:
        record = json.loads((Path(root) / "sentences.json").read_text(encoding="utf-8"))
        return {str(source).rsplit("@", 1)[-1] for source in record["documents"].values()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()
