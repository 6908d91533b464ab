"""Slots of a complicity sentence: assister, assisted, assistance, violation.

Transparent rules over the words of ``pipeline/data/slot_words.csv`` and the
States and actors that :mod:`pipeline.countries` finds.  Unknown slots stay
empty, as the codebook asks.  ``SPEAKER`` is kept here and resolved to the
speaker's code only in the output tables.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.countries import find_mentions
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
    found = [(p.search(text), value) for value, p in _words()["assistance"]]
    found = [(m.start(), value) for m, value in found if m]
    if not found:
        return "unspecified"
    if any(value == "military" for _, value in found):
        return "military"
    return min(found)[1]


def violation_of(text: str) -> str:
    for value, pattern in _words()["violation"]:
        if pattern.search(text):
            return value
    return "unspecified"


def extract_slots(text: str, stance: str, speaker_iso3: str = "", context: str = "") -> dict[str, str]:
    """The four slots for a sentence of the given stance (all empty for ``none``).

    ``context`` (the sentence before) is read only to resolve a pronoun that
    opens an accusation ("It has moved terrorists ..."), as the codebook asks.
    """
    empty = {"assister": "", "assisted": "", "assistance": "", "violation": ""}
    if stance == "none" or not stance:
        return empty
    mentions = find_mentions(text)
    support = _pivot().search(text)
    pivot = support.start() if support else len(text) // 2
    others = [m for m in mentions if m.code != speaker_iso3]
    actors = [m for m in others if m.kind in ("actor", "government")]
    states = [m for m in others if m.kind in ("state", "adjective")]

    passive = _PASSIVE.search(text)
    by = [m for m in states if passive and m.start > passive.end()]
    # "Iran-backed militias": the hyphen keeps the name out of find_mentions, so read it here.
    backed = [
        m
        for b in _BACKED.finditer(text)
        for m in find_mentions(b.group(1))
        if m.kind in ("state", "adjective") and m.code != speaker_iso3
    ]

    assisted = ""
    after = [m for m in others if m.start >= pivot and not (by and m is by[0])]
    governments = [m for m in actors if m.code.endswith("Government")]
    if stance == "admit" and governments:
        assisted = governments[0].code  # an admission names the Government it helps
    elif actors:
        assisted = (next((m for m in actors if m.start >= pivot), actors[0])).code
    elif after:
        assisted = after[0].code
    elif _TERROR.search(text):
        assisted = "terrorists"  # "sponsors of terrorism": the annotators' form for an unnamed recipient

    assister = ""
    if stance in ("deny", "admit"):
        assister = "SPEAKER"
    else:
        group = _words()["group"][0][1].search(text)
        before = [m for m in states if m.start < pivot and m.code != assisted]
        if backed:
            assister = backed[0].code
        if not assister and by:
            assister = by[0].code
        if not assister and stance == "accuse" and context and _PRONOUN.match(text):
            # "It has moved terrorists into Libya": the subject is named in the sentence before;
            # the States in this sentence are then places, not the assister.
            named = [
                m
                for m in find_mentions(context)
                if m.kind in ("state", "adjective") and m.code not in (speaker_iso3, assisted)
            ]
            assister = named[0].code if named else ""
        if not assister and before:
            assister = before[0].code  # "Turkey and Qatar arm ...": the first named, as the codebook's annotators do
        if not assister and group:
            assister = group.group(0)
        if not assister and stance == "affirm" and _SELF_REFRAIN.search(text):
            assister = "SPEAKER"
        if not assister and stance == "accuse":
            rest = [m for m in states if m.code != assisted]
            assister = rest[0].code if rest else ""
    return {
        "assister": assister,
        "assisted": assisted if assisted != assister else "",
        "assistance": assistance_of(text),
        "violation": violation_of(text),
    }


def resolve_speaker(value: str, speaker_iso3: str) -> str:
    """``SPEAKER`` becomes the speaker's own code in the output tables."""
    return speaker_iso3 if value == "SPEAKER" and speaker_iso3 else value
