"""Cue phrases: the cheap screen in front of the model, and the transparent baseline.

``has_cue`` is the hot path's gate: decision rule 1 of the codebook says a
sentence with no assistance element is ``none``, so a sentence with none of
the assistance words in ``pipeline/data/cues.csv`` is labelled ``none`` without
running the model.  ``baseline_stance`` is a handful of labelling functions
over cue phrases and the speaker, kept as the transparent reference the trained
models must beat.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.lookups import cue_pattern


@lru_cache(maxsize=1)
def _assist() -> re.Pattern[str]:
    return re.compile(cue_pattern("assist"))


@lru_cache(maxsize=1)
def _assist_any_case() -> re.Pattern[str]:
    return re.compile(_assist().pattern, re.I)


def has_cue(text: str) -> bool:
    """True when the sentence has any assistance word (the gate to the model).

    The pattern is lowercase and matched against the lowercased sentence:
    four times faster than ``re.IGNORECASE`` on the same alternation, and this
    runs on every sentence of every document.  Text with non-ASCII letters
    keeps ``re.IGNORECASE``, whose case folding differs from ``str.lower``
    for a few of them (Turkish İ, long s).
    """
    if text.isascii():
        return _assist().search(text.lower()) is not None
    return _assist_any_case().search(text) is not None


@lru_cache(maxsize=1)
def _labelling_functions() -> list[tuple[str, re.Pattern[str]]]:
    """The baseline's functions, first match wins; support and grave words come from cues.csv."""
    _SUPPORT, _GRAVE = cue_pattern("baseline_support"), cue_pattern("baseline_grave")  # noqa: N806
    return [
        (
            "deny",
            re.compile(
                rf"\b(?:baseless|unfounded|groundless|fabricated|false|lies?)\b.{{0,80}}\b{_SUPPORT}|"
                rf"\b(?:allegations?|accusations?|claims?)\b.{{0,60}}\b(?:we|our|my country)\b.{{0,40}}\b{_SUPPORT}\b.{{0,80}}\b(?:baseless|unfounded|groundless|false|fabricated)\b|"
                rf"\b(?:never|not|no)\b.{{0,20}}\b{_SUPPORT}\b.{{0,60}}\b{_GRAVE}|"
                rf"\b(?:reject|deny|denies|refute)\w*\b.{{0,80}}\b(?:accusation|allegation|claim)s?\b.{{0,80}}\b{_SUPPORT}",
                re.I,
            ),
        ),
        (
            "admit",
            re.compile(
                r"\bat the (?:request|invitation) of the (?:legitimate|legal|\w+) (?:Government|authorities)\b|"
                r"\b(?:we|our country|my country)\b.{0,40}\b(?:provided|provide|sent|deployed|supplied|support|supported|participat\w+)\b.{0,60}\b(?:military|troops|forces|air support|arms|coalition|legitimate Government)",
                re.I,
            ),
        ),
        (
            "affirm",
            re.compile(
                rf"\b(?:must|should|shall|to)\s+(?:\w+\s+)?(?:refrain|stop|cease|end|desist|not)\b.{{0,60}}\b{_SUPPORT}|"
                rf"\brefrain(?:ing)? from\b.{{0,60}}\b{_SUPPORT}|\b(?:respect|comply with|implement|enforce|abide by|uphold)\b.{{0,40}}\barms embargo\b",
                re.I,
            ),
        ),
        (
            "accuse",
            re.compile(
                rf"\b(?:States?|countries|Governments?|regimes?|Powers?|backers|sponsors|supporters|[A-Z][a-z]+)\b.{{0,40}}\b(?:continu\w+ to |which |that |who )?{_SUPPORT}\b.{{0,60}}\b{_GRAVE}|"
                rf"\b{_GRAVE}\b.{{0,40}}\b(?:supported|backed|armed|financed|funded|sponsored|supplied) by\b|\bcomplicit\w*|\bcomplicity\b",
                re.I,
            ),
        ),
    ]


def baseline_stance(text: str, speaker: str = "") -> str:
    """The labelling functions' vote: the first function that fires, else ``none``."""
    if not has_cue(text):
        return "none"
    for label, pattern in _labelling_functions():
        if pattern.search(text):
            return label
    return "none"
