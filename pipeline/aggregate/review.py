"""``d2r review``: read each evidence row in the terminal and decide, one key each.

Rows come in the order the user picks (``confidence``, ``uncertain``,
``state``, ``date``), filtered by stance or State, without the rows the
corrections file has already decided. Each row shows its sentence with its
context, document, page and the model's slots; one key confirms, rejects,
relabels (then the stance and slots, pre-filled: Enter keeps a value), skips,
undoes the last decision, or quits. Every decision is appended to the
corrections file at once, so an interrupted review loses nothing.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from pipeline.aggregate.corrections import COLUMNS, SLOTS, read_corrections
from pipeline.aggregate.safe_csv import unneutralise
from pipeline.classify import LABELS

ORDERS = ("confidence", "uncertain", "state", "date")
KEYS = "[c]onfirm  [r]eject  [l] relabel  [s]kip  [u]ndo  [q]uit"


def review_queue(
    out: Path, corrections: Path, order: str = "uncertain", stance: str = "", state: str = ""
) -> pd.DataFrame:
    """The evidence rows still to review, in ``order``, filtered by ``stance`` and ``state``."""
    if order not in ORDERS:
        raise ValueError(f"unknown --order {order!r}; choose {', '.join(ORDERS)}")
    path = Path(out) / "evidence.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run 'd2r run ... --out {out}' first")
    rows = pd.read_csv(path, dtype=str, keep_default_na=False).map(unneutralise)
    done = (
        {c.id for c in read_corrections(corrections) if c.kind == "evidence"} if Path(corrections).exists() else set()
    )
    rows = rows[~rows["evidence_id"].isin(done)]
    if stance:
        rows = rows[rows["stance"] == stance]
    if state:
        rows = rows[(rows["speaker_iso3"] == state.upper()) | (rows["assister"] == state.upper())]
    confidence = pd.to_numeric(rows["confidence"], errors="coerce").fillna(0.0)
    keys: dict[str, Any] = {
        "confidence": (-confidence, rows["evidence_id"]),
        "uncertain": ((confidence - 0.5).abs(), rows["evidence_id"]),
        "state": (rows["speaker_iso3"], rows["date"], rows["evidence_id"]),
        "date": (rows["date"], rows["evidence_id"]),
    }
    frame = pd.DataFrame({f"k{i}": k.values for i, k in enumerate(keys[order])}, index=rows.index)
    return rows.loc[frame.sort_values(list(frame.columns), kind="stable").index].reset_index(drop=True)


class Session:
    """One review session: the queue, the file decisions go to, and what this session wrote (for undo)."""

    def __init__(self, queue: pd.DataFrame, corrections: Path, reviewer: str = ""):
        self.queue = queue
        self.corrections = Path(corrections)
        self.reviewer = reviewer or os.environ.get("USER", "")
        self.written: list[int] = []  # queue positions decided in this session, in order

    def record(self, row: pd.Series, decision: str, values: dict[str, str] | None = None) -> None:
        """Append one decision to the corrections file and make it durable before the next row."""
        new = not self.corrections.exists() or self.corrections.stat().st_size == 0
        cells = {c: "" for c in COLUMNS}
        cells.update(kind="evidence", id=row["evidence_id"], decision=decision, reviewer=self.reviewer)
        cells.update(date=_dt.date.today().isoformat(), **(values or {}))
        with open(self.corrections, "a", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            if new:
                writer.writeheader()
            writer.writerow(cells)
            fh.flush()
            os.fsync(fh.fileno())

    def undo(self) -> int | None:
        """Remove this session's last decision from the file; the position to show again."""
        if not self.written:
            return None
        lines = self.corrections.read_text(encoding="utf-8").splitlines(keepends=True)
        self.corrections.write_text("".join(lines[:-1]), encoding="utf-8")
        return self.written.pop()


def run_review(
    session: Session,
    key: Callable[[], str],
    ask: Callable[[str, str], str],
    say: Callable[[str], None],
) -> int:
    """Show each row and act on its key; return how many decisions were recorded."""
    total, i = len(session.queue), 0
    if not total:
        say("Nothing to review: every row matching the filters has a decision.")
        return 0
    while i < total:
        row = session.queue.iloc[i]
        say(_card(row, len(session.written), total))
        pressed = key().lower()
        if pressed == "q":
            break
        if pressed == "u":
            back = session.undo()
            if back is None:
                say("Nothing to undo in this session.")
            else:
                i = back
            continue
        if pressed == "s":
            i += 1
            continue
        if pressed in ("c", "r"):
            session.record(row, "confirm" if pressed == "c" else "reject")
        elif pressed == "l":
            values = _relabel(row, ask, say)
            if values is None:
                continue
            session.record(row, "relabel", values)
        else:
            say(f"Keys: {KEYS}")
            continue
        session.written.append(i)
        i += 1
    say(f"{len(session.written)}/{total} reviewed; decisions in {session.corrections}")
    return len(session.written)


def _relabel(row: pd.Series, ask: Callable[[str, str], str], say: Callable[[str], None]) -> dict[str, str] | None:
    stance = ask(f"stance ({'/'.join(LABELS)})", row["stance"]).strip() or row["stance"]
    if stance not in LABELS:
        say(f"{stance!r} is not a stance; the row is shown again.")
        return None
    values = {"stance": stance}
    for slot in SLOTS:
        values[slot] = ask(slot, row.get(slot, "")).strip() or row.get(slot, "")
    return values


def _card(row: pd.Series, reviewed: int, total: int) -> str:
    slots = "  ".join(f"{s}: {row.get(s, '') or '-'}" for s in SLOTS)
    return "\n".join(
        [
            "",
            f"── {reviewed}/{total} reviewed ── {row['symbol'] or row['doc_id']}, page {row['page']}, {row['date']}",
            f"{row['speaker'] or row['speaker_iso3']} ({row['speaker_iso3']})   model: {row['stance']} "
            f"(confidence {row['confidence']})",
            f"  context: {row.get('context', '')}" if row.get("context") else "",
            f"  » {row['sentence']}",
            f"  {slots}",
            KEYS,
        ]
    )


def terminal_key(stream: TextIO = sys.stdin) -> Callable[[], str]:
    """One key at a time from a terminal (no Enter needed); a line at a time from a pipe."""
    if not stream.isatty():
        return lambda: (stream.readline() or "q").strip()[:1] or "s"

    import termios
    import tty

    def read() -> str:
        fd = stream.fileno()
        old = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            char = os.read(fd, 1).decode("utf-8", "replace")
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)
        return "q" if char in ("\x03", "\x04") else char

    return read


def terminal_ask(stream: TextIO = sys.stdin) -> Callable[[str, str], str]:
    """A prompt showing the current value; Enter keeps it."""

    def ask(label: str, current: str) -> str:
        print(f"  {label} [{current}]: ", end="", flush=True)
        return stream.readline().rstrip("\n")

    return ask
