"""Which General Assembly roll calls are on a call to stop or refrain from supporting a party.

A transparent rule table, ``pipeline/data/ga_refrain_rules.csv``, read in
file order over each roll call's short title and description (upper-cased):

- a ``not`` row that matches settles it: not a refrain call (procedural
  votes, calls to *end* an embargo, aid *to* a people);
- else the first ``call`` row that matches makes it one, and names the rule;
  a row with ``needs_party = yes`` counts only when the text also names a
  party (a State, a régime, an occupying Power), so "the illicit trade in
  small arms" is not an embargo on anyone;
- the target is the row's ``target`` when it has one, else the first State
  or actor named after the matched words, else the first one named at all.

The rules were written from the descriptions alone and checked afterwards
against two annotators' labels of 200 roll calls (``corpora/ga_votes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from pipeline.countries import find_mentions
from pipeline.lookups import read_table

_PARTY = re.compile(r"\b(?:R[EÉ]GIMES?|APARTHEID|RACIST|OCCUPYING POWER|COLONIAL POWER|MINORITY|GOVERNMENTS? OF)\b")


@dataclass(frozen=True)
class _Rule:
    name: str
    kind: str  # "call" or "not"
    field: str  # "short" or "text" (short title and description together)
    pattern: re.Pattern[str]
    needs_party: bool
    target: str


@dataclass
class RefrainCall:
    """The verdict on one roll call: is it a refrain call, by which rule, against whom."""

    refrain: bool
    rule: str = ""
    target: str = ""


@lru_cache(maxsize=1)
def _rules() -> tuple[_Rule, ...]:
    return tuple(
        _Rule(
            row["rule"],
            row["kind"],
            row["field"],
            re.compile(row["pattern"], re.I),
            row["needs_party"] == "yes",
            row["target"],
        )
        for row in read_table("ga_refrain_rules.csv")
    )


def refrain_call(short: str, descr: str) -> RefrainCall:
    """The rule table's verdict on one roll call, from its short title and description."""
    short = (short or "").strip().upper()
    text = f"{short}. {(descr or '').strip().upper()}"
    mentions = None  # the States and actors named: looked up once, when a call row first matches
    for rule in _rules():
        match = rule.pattern.search(short if rule.field == "short" else text)
        if not match:
            continue
        if rule.kind == "not":
            return RefrainCall(False, rule.name)
        if mentions is None:
            mentions = find_mentions(text)
        if rule.needs_party and not mentions and not _PARTY.search(text):
            continue
        return RefrainCall(
            True, rule.name, rule.target or _target(mentions, match.start() if rule.field == "text" else 0, text)
        )
    return RefrainCall(False)


_LEAD = re.compile(r"\b(?:WITH|AGAINST|TO|FROM|OF|ON)\s+(?:THE\s+)?$")


def _target(mentions: list, after: int, text: str) -> str:
    """The party: the first State or actor a preposition introduces after the matched words
    ("collaboration ... WITH South Africa"), else the first after them, else the first named."""
    later = [m for m in mentions if m.start >= after]
    led = [m for m in later if _LEAD.search(text[max(0, m.start - 12) : m.start])]
    chosen = (led or later or mentions or [None])[0]
    return chosen.code if chosen else ""


def flag_roll_calls(calls: pd.DataFrame) -> pd.DataFrame:
    """``calls`` with three more columns: ``refrain`` (bool), ``rule`` and ``target``."""
    verdicts = [refrain_call(s, d) for s, d in zip(calls["short"], calls["descr"])]
    return calls.assign(
        refrain=[v.refrain for v in verdicts],
        rule=[v.rule if v.refrain else "" for v in verdicts],
        target=[v.target for v in verdicts],
    )
