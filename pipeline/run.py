"""``d2r run``: every stage over every input, with a cache, workers and a progress bar.

1. discover: walk the inputs (folders recursively, symbolic links followed
   once, loops detected, hidden files skipped and said so);
2. hash every file; documents whose content hash, pipeline version and model
   are already cached are not processed again;
3. process the rest, one file per task, in worker processes (or on a Dask
   cluster): ingest, segment, classify, evidence rows;
4. assemble the tables from the cache, sort them, write them once, build the
   report.

A run killed at any moment leaves complete cache chunks only, and the output
files are replaced atomically, so running again finishes the job with the same
tables an uninterrupted run would have written.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline import __version__
from pipeline.cache import TABLES, ChunkStore, cache_key
from pipeline.records import Clause, Document, Error, Evidence, InputError, Sentence, Speech, Vote

SENTENCE_COLUMNS = ["sentence_id", "doc_id", "seq", "page", "start", "end", "speaker_iso3", "stance", "confidence", "text"]


@dataclass
class RunOptions:
    out: Path
    workers: int = 1
    engine: str = "auto"
    model_path: str | None = None
    scheduler: str | None = None
    time_limit: float = 120.0
    memory_limit_mb: int = 3072
    progress: bool = True
    chunk_docs: int = 250


@dataclass
class RunSummary:
    files: int = 0
    processed: int = 0
    cached: int = 0
    documents: int = 0
    pages: int = 0
    errors: int = 0
    evidence: int = 0
    seconds: float = 0.0
    outputs: dict = field(default_factory=dict)


# -- discover --------------------------------------------------------------

def discover(inputs: list[str | Path]) -> tuple[list[Path], list[Error]]:
    """Every file under the inputs, in a stable order, and the reasons for what was skipped."""
    files: list[Path] = []
    errors: list[Error] = []
    seen_dirs: set[str] = set()

    def visit(path: Path, top: bool) -> None:
        try:
            _visit(path, top)
        except OSError as exc:  # an entry that cannot even be examined
            errors.append(Error(str(path), "discover", f"cannot be examined ({exc.strerror or exc})"))

    def _visit(path: Path, top: bool) -> None:
        if not top and path.name.startswith("."):
            errors.append(Error(str(path), "discover", "hidden file or folder skipped"))
            return
        if path.is_symlink() and not path.exists():
            errors.append(Error(str(path), "discover", "broken symbolic link"))
            return
        if path.is_dir():
            real = os.path.realpath(path)
            if real in seen_dirs:
                errors.append(Error(str(path), "discover", f"folder already visited through another link ({real}); loop or duplicate skipped"))
                return
            seen_dirs.add(real)
            try:
                children = sorted(path.iterdir(), key=lambda p: p.name)
            except OSError as exc:
                errors.append(Error(str(path), "discover", f"folder cannot be read ({exc.strerror})"))
                return
            for child in children:
                visit(child, False)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            errors.append(Error(str(path), "discover", "not a regular file (device, socket or pipe)"))
        else:
            errors.append(Error(str(path), "discover", "no such file or folder"))

    for item in inputs:
        visit(Path(item), True)
    return files, errors


# -- one document ------------------------------------------------------------

def process_file(task: tuple) -> dict[str, list[dict]]:
    """Ingest, segment and classify one file; return its rows for every table."""
    from pipeline.aggregate.evidence import make_evidence, tag_clause
    from pipeline.classify.predict import classify, load_model, model_name
    from pipeline.ingest import doc_id_for, ingest
    from pipeline.segment import segment

    path, sha, engine, model_path = task
    tables: dict[str, list[dict]] = {table: [] for table in TABLES}
    try:
        doc = ingest(path, engine=engine)
    except InputError as exc:
        tables["errors"].append({**Error(str(path), "ingest", str(exc)).row(), "doc_id": doc_id_for(sha, Path(path).name)})
        return tables
    tables["documents"].append(doc.row())
    if doc.status != "ok":
        return tables
    parts = segment(doc)
    for clause in parts.clauses:
        tag_clause(doc, clause)
    model = load_model(model_path)
    predictions = classify([(s.text, s.speaker_iso3, s.context) for s in parts.sentences], model, details="relevant")
    label = model_name(model)
    tables["speeches"] = [s.row() for s in parts.speeches]
    tables["votes"] = [v.row() for v in parts.votes]
    tables["clauses"] = [c.row() for c in parts.clauses]
    for sentence, prediction in zip(parts.sentences, predictions):
        row = sentence.row()
        row.update(stance=prediction.stance, confidence=prediction.confidence)
        tables["sentences"].append({k: row[k] for k in SENTENCE_COLUMNS})
        if prediction.stance != "none":
            tables["evidence"].append(make_evidence(doc, sentence, prediction, label).row())
    return tables


# -- schemas -------------------------------------------------------------------

def _schema(record_type, extra: dict | None = None, columns: list[str] | None = None):
    import dataclasses

    import pyarrow as pa

    types = {f.name: f.type for f in dataclasses.fields(record_type)}
    arrow = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    names = columns or list(record_type.TABLE_COLUMNS)
    fields = []
    for name in names:
        kind = (extra or {}).get(name) or types.get(name, "str")
        fields.append(pa.field(name, arrow.get(str(kind).split(" ")[0], pa.string())))
    return pa.schema(fields)


@lru_cache(maxsize=1)
def schemas() -> dict:
    """The Arrow schema of every cached table (built on first use: pyarrow is imported
    after the workers have started, not before)."""
    import pyarrow as pa

    return {
        "documents": _schema(Document),
        "speeches": _schema(Speech),
        "votes": _schema(Vote),
        "clauses": _schema(Clause),
        "sentences": _schema(Sentence, {"stance": "str", "confidence": "float"}, SENTENCE_COLUMNS),
        "evidence": _schema(Evidence),
        "errors": pa.schema([pa.field("path", pa.string()), pa.field("stage", pa.string()),
                             pa.field("reason", pa.string()), pa.field("doc_id", pa.string())]),
    }


# -- the run ---------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _content_hash(path: Path, known: dict[str, list], current: dict[str, list]) -> str:
    """The file's SHA-256, reused from the last run while its size, times, inode and device are unchanged.

    Hashing 150 MB of General Debate speeches takes seconds; the stat check takes
    milliseconds, which is what makes adding one file to a processed folder cheap.
    The change time is in the signature because it cannot be set back: a tool
    that restores the old mtime after rewriting a file in place still changes it.
    ``rm -r OUT/.d2r`` forgets every hash.
    """
    stat = path.stat()
    signature = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]
    entry = known.get(str(path))
    if isinstance(entry, list) and len(entry) == len(signature) + 1 and entry[:-1] == signature:
        sha = entry[-1]
    else:
        sha = _sha256(path)
    current[str(path)] = [*signature, sha]
    return sha


def model_identity(model_path: str | None) -> str:
    from pipeline.classify.predict import default_model_path

    path = Path(model_path) if model_path else default_model_path()
    if not path.exists():
        from pipeline.classify import ModelFileError

        raise ModelFileError(f"model not found: {path} (run 'd2r train', or pass --model)")
    if path.is_dir():  # a spaCy model folder: every file's name and content
        digest = hashlib.sha256()
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{item.relative_to(path)}:{_sha256(item)}\n".encode())
        return digest.hexdigest()[:16]
    return _sha256(path)[:16]


def run(inputs: list[str | Path], options: RunOptions) -> RunSummary:
    """The whole pipeline over ``inputs`` into ``options.out``."""
    from pipeline.classify.predict import load_model
    from pipeline.executor import run_dask, run_local

    started = time.monotonic()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    version = f"{__version__}|{options.engine}|{model_identity(options.model_path)}"  # fails fast without a model
    store = ChunkStore(out / ".d2r")

    files, discovery_errors = discover(inputs)
    from pipeline.ingest import doc_id_for

    keyed: list[tuple[Path, str, str]] = []  # path, doc id, cache key
    shas: dict[str, str] = {}
    known, current = store.hashes(), {}
    for path in files:
        try:
            sha = _content_hash(path, known, current)
        except OSError as exc:
            discovery_errors.append(Error(str(path), "discover", f"file cannot be read ({exc.strerror})"))
            continue
        doc_id = doc_id_for(sha, path.name)
        shas[str(path)] = sha
        keyed.append((path, doc_id, cache_key(doc_id, version)))
    store.save_hashes(current)  # this run's files only: the file does not grow with old inputs

    index = store.index()
    todo, queued = [], set()
    for path, _, key in keyed:
        if key not in index and key not in queued:
            queued.add(key)
            todo.append((str(path), shas[str(path)], options.engine, options.model_path))
    summary = RunSummary(files=len(files), processed=len(todo), cached=len(keyed) - len(todo))

    key_of = {str(p): k for p, _, k in keyed}
    failed: dict[str, Error] = {}  # worker failures: reported, never cached, so a later run retries them
    if todo:
        # The model and spaCy are loaded only when there is something to read, and
        # before the workers fork, so that they start warm.
        load_model(options.model_path)
        _warm_up()
        outcomes = (
            run_dask(process_file, todo, options.scheduler)
            if options.scheduler
            else run_local(process_file, todo, options.workers, options.time_limit, options.memory_limit_mb)
        )
        failed = _drain(outcomes, len(todo), key_of, store, options)

    from pipeline.aggregate.tables import assemble

    summary.outputs = assemble(out, store, keyed, discovery_errors, failed)
    summary.documents = summary.outputs.get("documents", 0)
    summary.pages = summary.outputs.get("pages", 0)
    summary.errors = summary.outputs.get("errors", 0)
    summary.evidence = summary.outputs.get("evidence", 0)
    summary.seconds = time.monotonic() - started
    return summary


def _warm_up() -> None:
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


def _drain(outcomes, total: int, key_of: dict, store: ChunkStore, options: RunOptions) -> dict[str, Error]:
    """Collect worker outcomes into cache chunks, with a progress bar; return the worker failures.

    A file that ran out of time or memory, or crashed its worker, is not cached:
    its error is for this run's errors.csv, and the next run tries it again.
    """
    from tqdm import tqdm

    buffer: dict[str, list[dict]] = {name: [] for name in TABLES}
    keys: list[str] = []
    failed: dict[str, Error] = {}
    pages = errors = 0
    bar = tqdm(total=total, unit="doc", desc="d2r run", disable=not options.progress, dynamic_ncols=True)
    for n, outcome in enumerate(outcomes):
        if n == 0:
            # The workers are busy now: load what assembling needs (pandas, pyarrow)
            # alongside them rather than before they start or after they finish.
            import pipeline.aggregate.tables  # noqa: F401
        path = outcome.item[0]
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
            store.write(keys, buffer, schemas())
            buffer = {name: [] for name in TABLES}
            keys = []
    if keys:
        store.write(keys, buffer, schemas())
    bar.close()
    return failed
