"""Compare two ``d2r run`` output folders file by file: the check behind "tables byte-identical".

    python benchmarks/compare_runs.py OUT_A OUT_B

Prints one line per output file (same / differs / missing) and exits 1 if any differs.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from pipeline.records import OUTPUT_FILES


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def compare(first: Path, second: Path) -> bool:
    same = True
    for name in (*OUTPUT_FILES, "report.html"):
        a, b = digest(first / name), digest(second / name)
        state = "missing" if a is None or b is None else ("same" if a == b else "differs")
        same &= state == "same"
        print(f"{name:20} {state}")
    return same


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(0 if compare(Path(sys.argv[1]), Path(sys.argv[2])) else 1)
