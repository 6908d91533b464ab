"""Reading the lookup tables in ``pipeline/data`` (CSV files people can read and edit)."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of ``pipeline/data/<name>`` as dictionaries."""
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=None)
def patterns_by(name: str, key: str) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """``(value, compiled pattern)`` pairs of a rule table, grouped by its ``key`` column, in file order."""
    grouped: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for row in read_table(name):
        grouped.setdefault(row[key], []).append((row["value"], re.compile(row["pattern"], re.I)))
    return grouped
