"""``d2r annotate``: label the sentences the model is least sure about.

Sentences are drawn from the given documents, ranked by the model's
uncertainty (how close ``1 - P(none)`` is to the decision threshold, then the
entropy of the five scores), shown one at a time with their context, and
labelled with one key.  Labels are appended in the codebook's format, so that
``d2r train`` picks them up.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.classify import LABELS
from pipeline.paths import annotations_dir
from pipeline.training.corpus import append_jsonl, split_of

KEYS = {"f": "affirm", "a": "accuse", "d": "deny", "m": "admit", "n": "none"}


def uncertain_sentences(inputs: list[Path], n: int, model_path: str | None) -> list[Any]:
    """The ``n`` sentences of ``inputs`` the model is least sure about, most uncertain first."""
    from pipeline.classify.cues import has_cue
    from pipeline.classify.predict import load_model
    from pipeline.errors import InputError
    from pipeline.ingest import ingest
    from pipeline.ingest.discover import discover
    from pipeline.segment import segment

    model = load_model(model_path)
    files, _ = discover(inputs)
    candidates = []
    for path in files:
        try:
            doc = ingest(path)
        except InputError:
            continue
        if doc.status != "ok":
            continue
        sentences = [s for s in segment(doc).sentences if has_cue(s.text)]
        if not sentences:
            continue
        proba = model.predict_proba([(s.text, s.speaker_iso3, s.context) for s in sentences])
        for s, row in zip(sentences, proba):
            relevance = 1 - row[LABELS.index("none")]
            entropy = -sum(p * math.log(p) for p in row if p > 0)
            candidates.append((abs(relevance - model.threshold), -entropy, s.sentence_id, s, doc))
    candidates.sort(key=lambda c: c[:3])
    return [(s, doc) for *_, s, doc in candidates[:n]]


def annotate_session(
    inputs: list[Path],
    n: int,
    model_path: str | None,
    out: Path | None,
    read_key: Callable[[], str] | None = None,
    write: Callable[[str], None] = print,
) -> int:
    """Show sentences, take one key each (f/a/d/m/n, s to skip, q to quit), append labels."""
    out = Path(out) if out else annotations_dir() / f"annotated_{_dt.date.today().isoformat()}.jsonl"
    read_key = read_key or _read_key
    chosen = uncertain_sentences(inputs, n, model_path)
    written = 0
    for i, (s, doc) in enumerate(chosen, 1):
        write(
            f"\n[{i}/{len(chosen)}] {doc.symbol or doc.title} p.{s.page}  speaker: {s.speaker_iso3 or s.speaker or '?'}"
        )
        if s.context:
            write(f"  context: {s.context}")
        write(f"  >> {s.text}")
        write("  [f]affirm [a]accuse [d]deny [m]admit [n]none  [s]kip [q]uit")
        key = read_key()
        if key == "q":
            break
        if key not in KEYS:
            continue
        source = f"{Path(doc.path).name} p.{s.page} @{s.start}"
        speech = f"{doc.doc_id}:{s.seq}"
        row = {
            "id": hashlib.sha1(source.encode()).hexdigest()[:12],
            "text": s.text,
            "context": s.context,
            "speaker": s.speaker_iso3 or s.speaker,
            "source": source,
            "stance": KEYS[key],
            "assister": "",
            "assisted": "",
            "assistance": "",
            "violation": "",
            "annotator": "d2r annotate",
            "speech": speech,
            "split": split_of(speech),
        }
        if row["stance"] != "none":
            row["assistance"] = row["violation"] = "unspecified"
        append_jsonl(out, [row])
        written += 1
    return written


def _read_key() -> str:
    """One key press from the terminal (a line from a pipe)."""
    if not sys.stdin.isatty():
        return (sys.stdin.readline().strip()[:1] or "q").lower()
    import termios
    import tty

    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        return sys.stdin.read(1).lower()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
