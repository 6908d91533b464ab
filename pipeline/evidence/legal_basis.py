"""Legal-basis tags from the rule table ``pipeline/data/legal_basis.csv``.

Each row of the table names a tag, what it applies to (``evidence`` rows or
refrain ``clause`` rows), the stances, assistance and violation values it
needs (``*`` for any, ``|`` between alternatives), an optional clause mode and
an optional pattern the text must contain, and, in its ``reasoning`` column,
why the rule holds.  A row gets every tag whose rule matches, in table order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.lookups import read_table


@dataclass(frozen=True)
class Rule:
    """One row of ``legal_basis.csv``: the tag given to evidence or clauses whose values it allows."""

    tag: str
    applies_to: str
    stance: frozenset
    assistance: frozenset
    violation: frozenset
    mode: frozenset
    pattern: re.Pattern | None
    reasoning: str


def _values(cell: str) -> frozenset:
    return frozenset(v.strip() for v in cell.split("|") if v.strip())


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """The legal-basis rules, read once from ``pipeline/data/legal_basis.csv``."""
    return tuple(
        Rule(
            tag=row["tag"],
            applies_to=row["applies_to"],
            stance=_values(row["stance"]),
            assistance=_values(row["assistance"]),
            violation=_values(row["violation"]),
            mode=_values(row["mode"]),
            pattern=re.compile(row["text_pattern"], re.I) if row["text_pattern"] else None,
            reasoning=row["reasoning"],
        )
        for row in read_table("legal_basis.csv")
    )


def _ok(allowed: frozenset, value: str) -> bool:
    return not allowed or "*" in allowed or value in allowed


def evidence_tags(stance: str, assistance: str, violation: str, text: str = "") -> str:
    """Tags for one evidence row, ``;``-separated, in table order, no repeats."""
    tags = []
    for rule in rules():
        if rule.applies_to != "evidence":
            continue
        if _ok(rule.stance, stance) and _ok(rule.assistance, assistance) and _ok(rule.violation, violation):
            if rule.pattern is None or rule.pattern.search(text):
                tags.append(rule.tag)
    return ";".join(dict.fromkeys(tags))


def clause_tags(mode: str, assistance: str, text: str = "") -> str:
    """Tags for a refrain clause."""
    tags = []
    for rule in rules():
        if rule.applies_to != "clause":
            continue
        if _ok(rule.mode, mode) and _ok(rule.assistance, assistance):
            if rule.pattern is None or rule.pattern.search(text):
                tags.append(rule.tag)
    return ";".join(dict.fromkeys(tags))
