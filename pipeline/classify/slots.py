"""Slots of a complicity sentence: assister, assisted, assistance, violation.

Transparent rules over the words of ``pipeline/data/slot_words.csv`` and the
States and actors that :mod:`pipeline.countries` finds.  Unknown slots stay
empty, as the codebook asks.  ``SPEAKER`` is kept here and resolved to the
speaker's code only in the output tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.countries import Mention, find_mentions
from pipeline.lookups import cue_pattern, patterns_by

_PASSIVE = re.compile(
    r"\b(?:supplied|armed|financed|funded|backed|supported|sponsored|provided|shielded|harbou?red|trained|equipped)"
    r"(?:\s+\w+){0,3}?\s+by\b",
    re.I,
)
_BACKED = re.compile(r"\b([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s?-\s?(?:backed|sponsored|supported|armed|funded|financed)\b")
_PRONOUN = re.compile(
    r"\s*(?:It|They|This (?:country|State|regime|Government)|That (?:country|State|regime)|The regime|Its)\b"
)
_TERROR = re.compile(r"\bterror(?:ism|ists?)\b", re.I)
_SELF_REFRAIN = re.compile(
    r"\b(?:we|my country|my Government)\s+(?:will|shall|do|does|have|has|would)?\s*(?:not|never)\b", re.I
)


@lru_cache(maxsize=1)
def _pivot() -> re.Pattern[str]:
    return re.compile(cue_pattern("slot_pivot"), re.I)


def _words() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    return patterns_by("slot_words.csv", "slot")


def assistance_of(text: str) -> str:
    """The kind of assistance a sentence names first (arms, funds, ...), or ``unspecified``."""
    matches = [(p.search(text), value) for value, p in _words()["assistance"]]
    found = [(m.start(), value) for m, value in matches if m]
    if not found:
        return "unspecified"
    if any(value == "military" for _, value in found):
        return "military"
    return min(found)[1]


def violation_of(text: str) -> str:
    """The grave crime a sentence names (first row of ``slot_words.csv`` that matches), or ``unspecified``."""
    for value, pattern in _words()["violation"]:
        if pattern.search(text):
            return value
    return "unspecified"


@dataclass
class _Reading:
    """Who a sentence names, and where: what the slot rules read."""

    pivot: int  # where the first support word is: assisters come before it, recipients after
    others: list[Mention]  # the States and actors named, the speaker excepted
    actors: list[Mention]
    states: list[Mention]
    by: list[Mention]  # States after a passive "supplied ... by"
    backed: list[Mention]  # "Iran-backed": the hyphen keeps the name out of find_mentions


def extract_slots(text: str, stance: str, speaker_iso3: str = "", context: str = "") -> dict[str, str]:
    """The four slots for a sentence of the given stance (all empty for ``none``).

    ``context`` (the sentence before) is read only to resolve a pronoun that
    opens an accusation ("It has moved terrorists ..."), as the codebook asks.
    """
    if stance == "none" or not stance:
        return {"assister": "", "assisted": "", "assistance": "", "violation": ""}
    reading = _read(text, speaker_iso3)
    assisted = _assisted(reading, stance, text)
    assister = (
        "SPEAKER" if stance in ("deny", "admit") else _assister(reading, stance, text, speaker_iso3, context, assisted)
    )
    return {
        "assister": assister,
        "assisted": assisted if assisted != assister else "",
        "assistance": assistance_of(text),
        "violation": violation_of(text),
    }


def _read(text: str, speaker_iso3: str) -> _Reading:
    mentions = find_mentions(text)
    support = _pivot().search(text)
    others = [m for m in mentions if m.code != speaker_iso3]
    states = [m for m in others if m.kind in ("state", "adjective")]
    passive = _PASSIVE.search(text)
    backed = [
        m
        for b in _BACKED.finditer(text)
        for m in find_mentions(b.group(1))
        if m.kind in ("state", "adjective") and m.code != speaker_iso3
    ]
    return _Reading(
        pivot=support.start() if support else len(text) // 2,
        others=others,
        actors=[m for m in others if m.kind in ("actor", "government")],
        states=states,
        by=[m for m in states if passive and m.start > passive.end()],
        backed=backed,
    )


def _assisted(r: _Reading, stance: str, text: str) -> str:
    """Who receives the support: an actor first, else the first State after the support word."""
    after = [m for m in r.others if m.start >= r.pivot and not (r.by and m is r.by[0])]
    governments = [m for m in r.actors if m.code.endswith("Government")]
    if stance == "admit" and governments:
        return str(governments[0].code)  # an admission names the Government it helps
    if r.actors:
        return str(next((m for m in r.actors if m.start >= r.pivot), r.actors[0]).code)
    if after:
        return str(after[0].code)
    if _TERROR.search(text):
        return "terrorists"  # "sponsors of terrorism": the annotators' form for an unnamed recipient
    return ""


def _assister(r: _Reading, stance: str, text: str, speaker_iso3: str, context: str, assisted: str) -> str:
    """Who gives the support, by the first rule that names someone (in the order the annotators read)."""
    if r.backed:
        return str(r.backed[0].code)
    if r.by:
        return str(r.by[0].code)
    if stance == "accuse" and context and _PRONOUN.match(text):
        # "It has moved terrorists into Libya": the subject is named in the sentence before;
        # the States in this sentence are then places, not the assister.
        named = [
            m
            for m in find_mentions(context)
            if m.kind in ("state", "adjective") and m.code not in (speaker_iso3, assisted)
        ]
        if named:
            return str(named[0].code)
    before = [m for m in r.states if m.start < r.pivot and m.code != assisted]
    if before:
        return str(before[0].code)  # "Turkey and Qatar arm ...": the first named, as the codebook's annotators do
    group = _words()["group"][0][1].search(text)
    if group:
        return group.group(0)
    if stance == "affirm" and _SELF_REFRAIN.search(text):
        return "SPEAKER"
    if stance == "accuse":
        rest = [m for m in r.states if m.code != assisted]
        return str(rest[0].code) if rest else ""
    return ""


def resolve_speaker(value: str, speaker_iso3: str) -> str:
    """``SPEAKER`` becomes the speaker's own code in the output tables."""
    return speaker_iso3 if value == "SPEAKER" and speaker_iso3 else value
