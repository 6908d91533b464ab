"""Helpers the tests share: running the CLI, reading outputs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from pipeline.records import OUTPUT_FILES  # one list of the run's files

ROOT = Path(__file__).resolve().parents[1]


def d2r(*args: str, timeout: float = 900, check: bool = True, input: str = "") -> subprocess.CompletedProcess:
    """Run the console script as a user would, in a subprocess (standard input: ``input``)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
        input=input,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"d2r {' '.join(map(str, args))} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc


def digests(out: Path) -> dict[str, str]:
    """sha256 of every output table (the report embeds no time, so it is compared too)."""
    names = list(OUTPUT_FILES) + ["report.html"]
    return {n: hashlib.sha256((Path(out) / n).read_bytes()).hexdigest() for n in names}
