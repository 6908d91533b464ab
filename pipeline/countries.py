"""Country names, UN forms, adjectives and non-State actors to codes.

The country table is country_converter's bundled ``country_data.tsv``.  We
read it ourselves with ``keep_default_na=False`` because pandas otherwise reads
Namibia's ISO2 code ``NA`` as missing and ``coco.CountryConverter()`` fails to
build under pandas 3.  The UN's own forms (Viet Nam, Türkiye, Holy See, State of
Palestine, European Union ...) and the actors the codebook names (ISIL, Houthis,
M23 ...) live in readable CSV files in ``pipeline/data``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import country_converter
import pandas as pd

from pipeline.tables import read_table

def _fold(text: str) -> str:
    """Lower-case, strip accents and curly quotes so that names compare loosely."""
    if text.isascii():  # the common case, and the hot path of find_mentions
        return text.strip().lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("\u2019", "'").replace("\u2018", "'").strip().lower()


@lru_cache(maxsize=1)
def _coco_table() -> pd.DataFrame:
    """country_converter's bundled table, with Namibia's ``NA`` kept as a code."""
    tsv = Path(country_converter.__file__).parent / "country_data.tsv"
    return pd.read_csv(tsv, sep="\t", keep_default_na=False, dtype=str, encoding="utf-8")


@dataclass(frozen=True)
class _Tables:
    exact: dict[str, str]  # folded name -> code
    regexes: list[tuple[re.Pattern[str], str]]  # coco's regexes, whole-name match
    names: dict[str, str]  # ISO3 -> preferred short name


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    frame = _coco_table()
    exact: dict[str, str] = {}
    regexes: list[tuple[re.Pattern[str], str]] = []
    names: dict[str, str] = {}
    for row in frame.itertuples(index=False):
        iso3 = row.ISO3
        if not iso3:
            continue
        names.setdefault(iso3, row.name_short)
        exact.setdefault(_fold(row.name_short), iso3)
        exact.setdefault(_fold(row.name_official), iso3)
        regexes.append((re.compile(row.regex, re.IGNORECASE), iso3))
    for row in read_table("country_aliases.csv"):
        exact[_fold(row["alias"])] = row["iso3"]
        names.setdefault(row["iso3"], row["alias"])
    return _Tables(exact, regexes, names)


@lru_cache(maxsize=8192)
def to_iso3(name: str | None) -> str:
    """Return the ISO3 code (or ``EU``/``AU``/historical code) for a delegation name.

    Returns ``""`` when the name is not a State we know: unknown is left empty,
    never guessed.
    """
    if not name:
        return ""
    name = re.sub(r"\s+", " ", name).strip(" .,:;")
    tables = _tables()
    folded = _fold(name)
    if folded in tables.exact:
        return tables.exact[folded]
    if re.fullmatch(r"[A-Z]{3}", name) and name in tables.names:
        return name
    folded = re.sub(r"^the ", "", folded)
    if folded in tables.exact:
        return tables.exact[folded]
    for pattern, iso3 in tables.regexes:
        if pattern.search(folded):
            return iso3
    return ""


def country_name(iso3: str) -> str:
    """Short English name for an ISO3 code (the code itself when unknown)."""
    return _tables().names.get(iso3, iso3)


@dataclass(frozen=True)
class Mention:
    """A State or actor named in a sentence."""

    start: int
    end: int
    text: str
    code: str  # ISO3 for States, the canonical actor name otherwise
    kind: str  # "state", "adjective", "actor" (armed groups) or "government"


@lru_cache(maxsize=1)
def _mention_pattern() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One alternation of every known name, longest first, word-bounded."""
    lookup: dict[str, tuple[str, str]] = {}
    frame = _coco_table()
    for row in frame.itertuples(index=False):
        if row.ISO3 and row.name_short:
            lookup.setdefault(_fold(row.name_short), (row.ISO3, "state"))
    for row in read_table("country_aliases.csv"):
        lookup[_fold(row["alias"])] = (row["iso3"], "state")
    for row in read_table("country_adjectives.csv"):
        lookup.setdefault(_fold(row["adjective"]), (row["iso3"], "adjective"))
    for row in read_table("actors.csv"):
        kind = "government" if row["kind"] == "government" else "actor"
        lookup.setdefault(_fold(row["alias"]), (row["actor"], kind))
    alternation = "|".join(re.escape(k) for k in sorted(lookup, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE), lookup


def find_mentions(text: str) -> list[Mention]:
    """Every State, State adjective or actor named in ``text``, in order."""
    pattern, lookup = _mention_pattern()
    folded = _fold(text)
    # _fold keeps length for the characters UN documents use; fall back if not.
    haystack = folded if len(folded) == len(text) else text
    mentions = []
    for match in pattern.finditer(haystack):
        surface = text[match.start() : match.end()]
        code, kind = lookup[_fold(surface)] if _fold(surface) in lookup else ("", "")
        if not code:
            continue
        # A State name in running text starts with a capital ("Chad", not "chad").
        if kind in ("state", "adjective") and not surface[:1].isupper():
            continue
        mentions.append(Mention(match.start(), match.end(), surface, code, kind))
    return mentions
