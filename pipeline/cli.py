"""The ``d2r`` command line: parse options, call the stage functions, report in one line.

Every operation lives in an importable module; this file only translates
arguments and turns failures into a one-line message with a non-zero exit
status (``--debug`` shows the traceback).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="d2r: evidence of how States treat the duty to refrain, from UN documents.\n\n"
    "Run the whole pipeline with 'd2r run FOLDER --out DIR'; see each command's --help.",
)


def _fail(message: str) -> None:
    typer.echo(f"d2r: error: {message}", err=True)
    raise typer.Exit(code=1)


@app.callback()
def _main(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors.")) -> None:
    """Options before the command (``--debug`` is read by :func:`main`)."""


@app.command()
def run(
    inputs: List[Path] = typer.Argument(..., help="Folders (walked recursively) and files: .pdf, .txt, .html."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder for the tables and report.html."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes on this machine."),
    engine: str = typer.Option("auto", "--engine", help="PDF text engine: auto, pdfium or pdfplumber."),
    model: Optional[Path] = typer.Option(
        None,
        "--model",
        help="Stance model: a folder written by d2r train (default: models/stance/spacy) or a .skops file.",
    ),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786."
    ),
    time_limit: float = typer.Option(120.0, "--time-limit", help="Seconds one file may take before it is stopped."),
    memory_limit: int = typer.Option(3072, "--memory-limit", help="Megabytes one file may use in its worker."),
    batch: int = typer.Option(250, "--batch", min=1, help="Documents per cache chunk (smaller: less lost on a crash)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    wait: bool = typer.Option(
        False, "--wait", help="If another run is writing OUT, wait for it to finish instead of stopping."
    ),
    corrections: Optional[Path] = typer.Option(
        None,
        "--corrections",
        help="A reviewer's corrections.csv (keep it outside OUT): confirmed, rejected, relabelled and added "
        "evidence, corrected delegations and refrain flags, applied to the tables; the cache is untouched.",
    ),
    ga_votes: Optional[Path] = typer.Option(
        None,
        "--ga-votes",
        help="The General Assembly roll-call folder (un_roll_calls.csv, un_votes.csv.gz; e.g. "
        "../shared/data/unga-votes): the votes on calls to refrain from supporting a party go to "
        "refrain_votes.csv, with per-State yes/no/abstain counts in states.csv.",
    ),
) -> None:
    """Ingest, segment, classify and aggregate every document into OUT (tables + report.html).

    One run at a time may write OUT; a second one stops at once naming the
    first (or waits, with --wait). Cached results are checked by SHA-256
    before they are used; a damaged cache chunk is read again and reported.
    """
    from pipeline.ingest.pdf import ENGINES
    from pipeline.run import RunOptions
    from pipeline.run import run as run_pipeline

    if engine not in ENGINES:
        _fail(f"unknown --engine {engine!r}; choose {', '.join(ENGINES)}")
    missing = [str(p) for p in inputs if not p.exists() and not p.is_symlink()]
    if missing and len(missing) == len(inputs):
        _fail(f"no such input: {', '.join(missing)}")
    _check_writable(out)
    options = RunOptions(
        out=out,
        workers=workers,
        engine=engine,
        model_path=str(model) if model else None,
        scheduler=scheduler,
        time_limit=time_limit,
        memory_limit_mb=memory_limit,
        progress=not quiet,
        chunk_docs=batch,
        wait=wait,
        corrections=str(corrections) if corrections else None,
        ga_votes=str(ga_votes) if ga_votes else None,
    )
    summary = run_pipeline(inputs, options)
    if summary.rebuilt:
        total = sum(summary.rebuilt.values())
        reasons = (
            next(iter(summary.rebuilt))
            if len(summary.rebuilt) == 1
            else ", ".join(f"{n} {reason}" for reason, n in sorted(summary.rebuilt.items()))
        )
        typer.echo(f"d2r: {total} chunk{'s' if total > 1 else ''} rebuilt: {reasons} (see errors.csv)", err=True)
    typer.echo(
        f"d2r: {summary.files} files, {summary.documents} documents, {summary.pages} pages, "
        f"{summary.evidence} evidence rows, {summary.errors} in errors.csv "
        f"({summary.processed} processed, {summary.cached} from cache) in {summary.seconds:.1f} s"
    )
    if corrections:
        applied, unmatched = summary.outputs.get("corrections", 0), summary.outputs.get("unmatched", 0)
        note = f"; {unmatched} unmatched, listed in {out / 'corrections_unmatched.csv'}" if unmatched else ""
        typer.echo(f"d2r: {applied} corrections applied from {corrections}{note}")
    if ga_votes:
        typer.echo(
            f"d2r: {summary.outputs.get('ga_votes', 0)} State votes on {summary.outputs.get('ga_roll_calls', 0)} "
            f"General Assembly refrain calls in {out / 'refrain_votes.csv'}"
        )
    typer.echo(f"d2r: tables in {out}/, report at {out / 'report.html'}")


def _check_writable(out: Path) -> None:
    import os

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"cannot create the output folder {out} ({exc.strerror}); choose another --out")
    if not os.access(out, os.W_OK):
        _fail(f"the output folder {out} is not writable; choose another --out or fix its permissions")


@app.command()
def classify(
    input: Path = typer.Argument(..., help="JSON Lines with id, text, optional context and speaker."),
    out: Path = typer.Option(..., "--out", "-o", help="JSON Lines written with stance, confidence, scores and slots."),
    model: Optional[Path] = typer.Option(
        None, "--model", help="Stance model folder or .skops file (default: models/stance/spacy)."
    ),
) -> None:
    """Classify sentences from a JSON Lines file."""
    from pipeline.classify.predict import classify as classify_items
    from pipeline.classify.predict import load_model
    from pipeline.countries import to_iso3
    from pipeline.files import atomic_write_text
    from pipeline.training.corpus import read_jsonl

    rows = read_jsonl(input)
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            _fail(f"{input}: line {n} has no 'text' string")
    loaded = load_model(str(model) if model else None)
    speakers = [to_iso3(r.get("speaker") or "") or (r.get("speaker") or "") for r in rows]
    predictions = classify_items([(r["text"], s, r.get("context") or "") for r, s in zip(rows, speakers)], loaded)
    lines = []
    for row, p in zip(rows, predictions):
        row = dict(row, stance=p.stance, confidence=p.confidence, scores=p.scores, **p.slots)
        lines.append(json.dumps(row, ensure_ascii=False))
    atomic_write_text(out, "\n".join(lines) + ("\n" if lines else ""))
    typer.echo(f"d2r: {len(rows)} sentences classified into {out}")


@app.command()
def train(
    corpus: Path = typer.Option(None, "--corpus", help="Annotation folder (default: corpora/annotations)."),
    models: Path = typer.Option(None, "--models", help="Models folder (default: models/)."),
    seed: int = typer.Option(0, "--seed"),
    no_spacy: bool = typer.Option(
        False,
        "--no-spacy",
        help="Skip the spaCy textcat (its grouped cross-validation is most of the training time, about 25 minutes on 2 cores); the scikit-learn model is then the run model.",
    ),
    corrections: List[Path] = typer.Option(
        [], "--corrections", help="A reviewer's corrections.csv to add to the train split (with --run); repeatable."
    ),
    run_dir: Optional[Path] = typer.Option(
        None, "--run", help="The run folder whose evidence the corrections were made on (its texts are read there)."
    ),
    fast: bool = typer.Option(
        False,
        "--fast",
        help="Retrain the linear stage alone and keep the shipped encoder (fine-tuning it takes about 40 minutes on 2 cores and needs torch).",
    ),
    only: Optional[str] = typer.Option(
        None,
        "--only",
        help="'stance' or 'clauses': train one model (the clause model from corpora/clauses/gold.jsonl takes seconds).",
    ),
) -> None:
    """Train the stance model (corpora/annotations) and the refrain-clause model (corpora/clauses) into
    models/, each with its model card."""
    from pipeline.paths import annotations_dir, models_dir
    from pipeline.training.fit import train as train_models

    if only not in (None, "stance", "clauses"):
        raise ValueError(f"--only takes 'stance' or 'clauses', not {only!r}")
    models = models or models_dir()
    if only in (None, "clauses"):
        from pipeline.training.clauses import train_clauses

        clause_card = train_clauses(models, log=lambda m: typer.echo(m))
        chosen = clause_card["metrics"]["chosen"]
        f1 = clause_card["metrics"]["cross_validation"][chosen]["f1"]
        typer.echo(f"d2r: clause model and card written to {models / 'clauses'}; grouped-CV F1 {f1:.3f}")
        if only == "clauses":
            return

    reviewed = None
    if corrections:
        from pipeline.aggregate.corrections import read_corrections
        from pipeline.training.corpus import reviewed_examples

        if run_dir is None:
            raise ValueError("--corrections needs --run DIR, the run folder the decisions were made on")
        decisions = [c for path in corrections for c in read_corrections(path)]
        reviewed = reviewed_examples(decisions, run_dir)
        typer.echo(f"d2r: {len(reviewed)} reviewed sentences join the train split")
    card = train_models(
        models,
        corpus or annotations_dir(),
        seed=seed,
        spacy_model=not no_spacy,
        log=lambda m: typer.echo(m),
        reviewed=reviewed,
        encoder=not fast,
    )
    typer.echo(
        f"d2r: model and card written to {models / 'stance'}; test macro-F1 {card['metrics']['test']['macro_f1']:.3f}"
    )


@app.command()
def evaluate(
    gold: Path = typer.Argument(..., help="Gold sentences in the codebook's JSON Lines format."),
    model: Optional[Path] = typer.Option(
        None, "--model", help="Stance model folder or .skops file (default: models/stance/spacy)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Per-label precision, recall, F1, macro-F1 and confusion matrix against GOLD."""
    from pipeline.classify.predict import classify as classify_items
    from pipeline.classify.predict import load_model
    from pipeline.countries import to_iso3
    from pipeline.training.corpus import load_examples
    from pipeline.training.evaluate import format_report, scores

    examples = [e for e in load_examples(gold) if e.stance]
    if not examples:
        _fail(f"{gold}: no labelled sentences (each line needs a 'stance')")
    loaded = load_model(str(model) if model else None)
    predicted = classify_items([(e.text, to_iso3(e.speaker) or e.speaker, e.context) for e in examples], loaded)
    result = scores([e.stance for e in examples], [p.stance for p in predicted])
    typer.echo(json.dumps(result, indent=2) if as_json else format_report(result))


@app.command()
def annotate(
    inputs: List[Path] = typer.Argument(..., help="Documents or folders to draw sentences from."),
    n: int = typer.Option(50, "--n", help="How many sentences to show."),
    model: Optional[Path] = typer.Option(
        None, "--model", help="Stance model folder or .skops file (default: models/stance/spacy)."
    ),
    out: Optional[Path] = typer.Option(
        None, "--out", help="Annotation file (default: corpora/annotations/annotated_<date>.jsonl)."
    ),
) -> None:
    """Label the sentences the model is least sure about, one key each; appends to corpora/annotations/."""
    from pipeline.training.annotate import annotate_session

    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        _fail(f"no such input: {', '.join(missing)}")
    written = annotate_session(inputs, n, str(model) if model else None, out)
    typer.echo(f"d2r: {written} labels saved; retrain with 'd2r train'")


@app.command()
def report(out: Path = typer.Argument(..., help="An output folder of 'd2r run'.")) -> None:
    """Rebuild DIR/report.html from the tables in DIR."""
    from pipeline.aggregate.report import rebuild_report

    path = rebuild_report(out)
    typer.echo(f"d2r: report at {path}")


@app.command()
def review(
    out: Path = typer.Argument(..., help="An output folder of 'd2r run'."),
    corrections: Path = typer.Option(
        ..., "--corrections", help="The corrections.csv decisions are appended to (keep it outside OUT)."
    ),
    order: str = typer.Option("uncertain", "--order", help="confidence, uncertain, state or date."),
    stance: str = typer.Option("", "--stance", help="Only rows with this stance."),
    state: str = typer.Option("", "--state", help="Only rows spoken by, or accusing, this ISO3 State."),
    reviewer: str = typer.Option("", "--reviewer", help="Your name or initials, written with each decision."),
) -> None:
    """Review OUT's evidence rows one by one: confirm, reject, relabel, skip, undo, quit (one key each).

    Each decision is appended to the corrections file at once; rerun with
    'd2r run ... --corrections FILE' to apply them.
    """
    from pipeline.aggregate.review import Session, review_queue, run_review, terminal_ask, terminal_key

    queue = review_queue(out, corrections, order=order, stance=stance, state=state)
    session = Session(queue, corrections, reviewer=reviewer)
    run_review(session, terminal_key(), terminal_ask(), typer.echo)


cache_app = typer.Typer(help="Check or clear a run folder's cache (OUT/.d2r).", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("verify")
def cache_verify(out: Path = typer.Argument(..., help="An output folder of 'd2r run'.")) -> None:
    """Check every cached chunk's SHA-256: a table of good / rebuilt / orphaned chunks.

    A damaged chunk is removed at once; the next run over its documents reads
    them again. Exits 1 if any chunk was damaged.
    """
    from pipeline.run.cache import verify
    from pipeline.run.lock import locked

    root = out / ".d2r"
    if not (root / "chunks").is_dir():
        _fail(f"{out} has no d2r cache (no {root / 'chunks'})")
    with locked(root, say=lambda line: typer.echo(line, err=True)):
        rows = verify(root)
    typer.echo(f"{'chunk':22} {'documents':>9}  state     reason")
    for row in rows:
        typer.echo(f"{row['chunk']:22} {row['documents']:>9}  {row['state']:9} {row['reason']}")
    counts = {state: sum(r["state"] == state for r in rows) for state in ("good", "rebuilt", "orphaned")}
    typer.echo(f"d2r: {counts['good']} good, {counts['rebuilt']} rebuilt, {counts['orphaned']} orphaned chunks")
    if counts["rebuilt"]:
        raise typer.Exit(code=1)


@cache_app.command("clear")
def cache_clear(out: Path = typer.Argument(..., help="An output folder of 'd2r run'.")) -> None:
    """Remove OUT's cache (the tables and report stay); the next run reads every document again."""
    from pipeline.run.cache import ChunkStore
    from pipeline.run.lock import locked

    root = out / ".d2r"
    if not root.is_dir():
        _fail(f"{out} has no d2r cache (no {root})")
    with locked(root, say=lambda line: typer.echo(line, err=True)):
        store = ChunkStore(root)
        n = len(store.chunk_ids())
        store.clear()
    typer.echo(f"d2r: cache of {out} cleared ({n} chunks removed)")


def main() -> None:
    """Console entry point: one-line errors unless --debug."""
    from pipeline.errors import ModelFileError, RunError

    debug = "--debug" in sys.argv
    try:
        # Without standalone mode click returns the exit code of typer.Exit instead of raising it.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (ModelFileError, FileNotFoundError, ValueError, PermissionError, ConnectionError, RunError) as exc:
        if debug:
            raise
        typer.echo(f"d2r: error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        if debug:
            raise
        hint = " (disk full? free some space or choose another --out)" if getattr(exc, "errno", None) == 28 else ""
        typer.echo(f"d2r: error: {exc.strerror or exc}{hint}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("d2r: interrupted; run the same command again to resume", err=True)
        sys.exit(130)
    except Exception as exc:  # the click usage errors and anything unexpected
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        if debug:
            raise
        typer.echo(f"d2r: error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(1)
