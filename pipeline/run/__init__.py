"""``d2r run``: every stage over every input, with a cache, workers and a progress bar.

1. discover: walk the inputs (folders recursively, symbolic links followed
   once, loops detected, hidden files skipped and said so);
2. hash every file; documents whose content hash, pipeline version and model
   are already cached, in a chunk whose files still have their recorded
   SHA-256, are not processed again (a damaged chunk's documents are);
3. process the rest, one file per task, in worker processes (or on a Dask
   cluster): ingest, segment, classify, evidence rows;
4. assemble the tables from the cache, sort them, write them once, build the
   report.

A run killed at any moment leaves complete cache chunks only, and the output
files are replaced atomically, so running again finishes the job with the same
tables an uninterrupted run would have written.  One run at a time holds the
output folder (``pipeline.run.lock``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pipeline import __version__
from pipeline.aggregate.corrections import read_corrections
from pipeline.classify.clauses import load_clause_model
from pipeline.ingest import doc_id_for
from pipeline.ingest.discover import discover
from pipeline.records import TABLES, Error, Task
from pipeline.run.cache import ChunkStore, cache_key
from pipeline.run.executor import Outcome
from pipeline.run.identity import clause_identity, content_hash, model_identity
from pipeline.run.lock import locked
from pipeline.run.process import Rows, process_file, warm_up


@dataclass
class RunOptions:
    """What ``d2r run`` was asked to do (the command line's options)."""

    out: Path
    workers: int = 1
    engine: str = "auto"
    model_path: str | None = None
    scheduler: str | None = None
    time_limit: float = 120.0
    memory_limit_mb: int = 3072
    progress: bool = True
    chunk_docs: int = 250
    wait: bool = False  # wait for another run holding --out instead of refusing
    corrections: str | None = None  # a reviewer's corrections.csv, applied to the tables (not the cache)
    ga_votes: str | None = None  # the General Assembly roll-call folder, joined to the tables (not cached)


@dataclass
class RunSummary:
    """The counts the command prints at the end of a run."""

    files: int = 0
    processed: int = 0
    cached: int = 0
    documents: int = 0
    pages: int = 0
    errors: int = 0
    evidence: int = 0
    rebuilt: dict[str, int] = field(default_factory=dict)  # damaged cache chunks read again, by reason
    seconds: float = 0.0
    outputs: dict[str, int] = field(default_factory=dict)


class Keyed(NamedTuple):
    """An input file with its document id and its cache key."""

    path: Path
    doc_id: str
    key: str


def run(inputs: Sequence[str | Path], options: RunOptions) -> RunSummary:
    """The whole pipeline over ``inputs`` into ``options.out``; the counts of what it did.

    Raises ``RunError`` at once if another run holds ``options.out`` (unless
    ``options.wait``), ``ModelFileError`` if the model is missing or its files
    differ from the hashes its card lists.
    """
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with locked(out / ".d2r", wait=options.wait, say=lambda line: print(line, file=sys.stderr)):
        return _run(inputs, options, out)


def _run(inputs: Sequence[str | Path], options: RunOptions, out: Path) -> RunSummary:
    from pipeline.classify.predict import check_model, load_model
    from pipeline.run.executor import run_dask, run_local

    started = time.monotonic()
    corrections = read_corrections(options.corrections) if options.corrections else None  # one line if malformed
    # Read before any document: a missing roll-call file is a one-line error now, not after the batch.
    # Read fresh every run (two seconds), never cached, so what it writes is always the folder's own data.
    ga_votes = None
    if options.ga_votes:
        from pipeline.aggregate.refrain_votes import ga_refrain_votes  # pandas: only when asked for

        ga_votes = ga_refrain_votes(options.ga_votes)
    check_model(options.model_path)  # fails fast, one line, on a missing or changed model or a missing runtime
    load_clause_model()  # the clause model's weights checked too, before any work
    version = f"{__version__}|{options.engine}|{model_identity(options.model_path)}|{clause_identity()}"
    store = ChunkStore(out / ".d2r")

    files, discovery_errors = discover(inputs)
    keyed, shas = _key_files(files, store, version, discovery_errors)
    todo = _todo(keyed, shas, store.index(k.key for k in keyed), options)
    discovery_errors.extend(_cache_errors(store))
    summary = RunSummary(files=len(files), processed=len(todo), cached=len(keyed) - len(todo))
    for damage in store.damaged:
        summary.rebuilt[damage.reason] = summary.rebuilt.get(damage.reason, 0) + 1

    key_of = {str(p): k for p, _, k in keyed}
    failed: dict[str, Error] = {}  # worker failures: reported, never cached, so a later run retries them
    if todo:
        # The model and spaCy are loaded only when there is something to read, and
        # before the workers fork, so that they start warm.
        load_model(options.model_path)
        warm_up()
        outcomes = (
            run_dask(process_file, todo, options.scheduler)
            if options.scheduler
            else run_local(process_file, todo, options.workers, options.time_limit, options.memory_limit_mb)
        )
        failed = _drain(outcomes, len(todo), key_of, store, options)

    from pipeline.aggregate.tables import assemble  # pandas: imported once the workers are done or busy

    summary.outputs = assemble(out, store, keyed, discovery_errors, failed, corrections, ga_votes)
    summary.documents = summary.outputs.get("documents", 0)
    summary.pages = summary.outputs.get("pages", 0)
    summary.errors = summary.outputs.get("errors", 0)
    summary.evidence = summary.outputs.get("evidence", 0)
    summary.seconds = time.monotonic() - started
    return summary


def _cache_errors(store: ChunkStore) -> list[Error]:
    """One ``errors.csv`` row (stage ``cache``) per damaged chunk that was removed to be read again."""
    return [
        Error(
            str(Path(".d2r") / "chunks" / d.chunk_id),
            "cache",
            f"chunk rebuilt ({d.reason}): {d.detail}; its {len(d.keys)} document(s) read again",
        )
        for d in store.damaged
    ]


def _key_files(
    files: list[Path], store: ChunkStore, version: str, errors: list[Error]
) -> tuple[list[Keyed], dict[str, str]]:
    """Every readable file with its document id and cache key; its content hash by path.

    A file that cannot be read joins ``errors``.
    """
    keyed: list[Keyed] = []
    shas: dict[str, str] = {}
    known = store.hashes()
    current: dict[str, list] = {}
    for path in files:
        try:
            sha = content_hash(path, known, current)
        except OSError as exc:
            errors.append(Error(str(path), "discover", f"file cannot be read ({exc.strerror})"))
            continue
        doc_id = doc_id_for(sha, path.name)
        shas[str(path)] = sha
        keyed.append(Keyed(path, doc_id, cache_key(doc_id, version)))
    store.save_hashes(current)  # this run's files only: the file does not grow with old inputs
    return keyed, shas


def _todo(keyed: list[Keyed], shas: dict[str, str], index: dict[str, str], options: RunOptions) -> list[Task]:
    """One task per document not in the cache (a file given twice is read once)."""
    todo: list[Task] = []
    queued: set[str] = set()
    for path, _, key in keyed:
        if key not in index and key not in queued:
            queued.add(key)
            todo.append(Task(str(path), shas[str(path)], options.engine, options.model_path))
    return todo


def _drain(
    outcomes: Iterable[Outcome], total: int, key_of: dict[str, str], store: ChunkStore, options: RunOptions
) -> dict[str, Error]:
    """Collect worker outcomes into cache chunks, with a progress bar; return the worker failures.

    A file that ran out of time or memory, or crashed its worker, is not cached:
    its error is for this run's errors.csv, and the next run tries it again.
    """
    from tqdm import tqdm

    buffer: Rows = {name: [] for name in TABLES}
    keys: list[str] = []
    failed: dict[str, Error] = {}
    pages = errors = 0
    bar = tqdm(total=total, unit="doc", desc="d2r run", disable=not options.progress, dynamic_ncols=True)
    for n, outcome in enumerate(outcomes):
        if n == 0:
            # The workers are busy now: load what assembling needs (pandas, pyarrow)
            # alongside them rather than before they start or after they finish.
            import pipeline.aggregate.tables  # noqa: F401
        path = outcome.item.path
        bar.update(1)
        if outcome.error:
            failed[key_of[path]] = Error(path, "process", outcome.error)
            errors += 1
            bar.set_postfix(pages=pages, errors=errors, refresh=False)
            continue
        for name in TABLES:
            buffer[name].extend(outcome.result.get(name, []))
        pages += sum(int(d.get("pages") or 0) for d in outcome.result.get("documents", []))
        errors += len(outcome.result.get("errors", []))
        keys.append(key_of[path])
        bar.set_postfix(pages=pages, errors=errors, refresh=False)
        if len(keys) >= options.chunk_docs:
            store.write(keys, buffer)
            buffer = {name: [] for name in TABLES}
            keys = []
    if keys:
        store.write(keys, buffer)
    bar.close()
    return failed
