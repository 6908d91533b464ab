"""The lookup tables in ``pipeline/data``: CSV files people can read and edit.

Country aliases, adjectives and actors are read by ``countries.py``; the cue
words (the one assistance vocabulary: the gate, the near-window anchors, the
baseline's support verbs and the slots' pivot words), the slot words, the
refrain-clause rules, the legal-basis rules and the situations by the stage
that uses them, always through :func:`read_table` or :func:`patterns_by`.
"""

from __future__ import annotations

import csv
import re
from functools import cache

from pipeline.paths import data_dir


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of ``pipeline/data/<name>`` as dictionaries."""
    with open(data_dir() / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def patterns_by(name: str, key: str) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """``(value, compiled pattern)`` pairs of a rule table, grouped by its ``key`` column, in file order."""
    grouped: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for row in read_table(name):
        grouped.setdefault(row[key], []).append((row["value"], re.compile(row["pattern"], re.I)))
    return grouped


@cache
def cue_pattern(name: str) -> str:
    """The regular expression of one named row of ``cues.csv`` (not compiled: some are embedded in others)."""
    for row in read_table("cues.csv"):
        if row["name"] == name:
            return row["pattern"]
    raise KeyError(f"cues.csv has no row {name!r}")
