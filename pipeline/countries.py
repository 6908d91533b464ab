"""Country names, UN forms, adjectives and non-State actors to codes.

The country table is country_converter's bundled ``country_data.tsv``.  We
read it ourselves, as plain strings (the ``csv`` module has no notion of
missing values), because pandas' defaults read Namibia's ISO2 code ``NA`` as
missing and ``coco.CountryConverter()`` fails to build under pandas 3; reading
it without importing country_converter or pandas also keeps them out of every
worker's start-up.  The UN's own forms (Viet Nam, Türkiye, Holy See, State of
Palestine, European Union ...) and the actors the codebook names (ISIL, Houthis,
M23 ...) live in readable CSV files in ``pipeline/data``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.lookups import read_table


def _fold(text: str) -> str:
    """Lower-case, strip accents and curly quotes so that names compare loosely."""
    if text.isascii():  # the common case, and the hot path of find_mentions
        return text.strip().lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("\u2019", "'").replace("\u2018", "'").strip().lower()


@lru_cache(maxsize=1)
def _coco_table() -> list[dict[str, str]]:
    """country_converter's bundled table as rows of strings, Namibia's ``NA`` kept as a code."""
    import csv
    from importlib.util import find_spec

    spec = find_spec("country_converter")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("country_converter is not installed (pip install country_converter)")
    tsv = Path(list(spec.submodule_search_locations)[0]) / "country_data.tsv"
    with open(tsv, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, restval=""))


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
    for row in frame:
        iso3 = row["ISO3"]
        if not iso3:
            continue
        names.setdefault(iso3, row["name_short"])
        exact.setdefault(_fold(row["name_short"]), iso3)
        exact.setdefault(_fold(row["name_official"]), iso3)
        regexes.append((re.compile(row["regex"], re.IGNORECASE), iso3))
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
def _mention_lookup() -> dict[str, tuple[str, str]]:
    """Every known name, folded, to its code and kind."""
    lookup: dict[str, tuple[str, str]] = {}
    for row in _coco_table():
        if row["ISO3"] and row["name_short"]:
            lookup.setdefault(_fold(row["name_short"]), (row["ISO3"], "state"))
    for row in read_table("country_aliases.csv"):
        lookup[_fold(row["alias"])] = (row["iso3"], "state")
    for row in read_table("country_adjectives.csv"):
        lookup.setdefault(_fold(row["adjective"]), (row["iso3"], "adjective"))
    for row in read_table("actors.csv"):
        kind = "government" if row["kind"] == "government" else "actor"
        lookup.setdefault(_fold(row["alias"]), (row["actor"], kind))
    return lookup


@lru_cache(maxsize=1)
def _names_by_first_word() -> dict[str, list[str]]:
    """Names grouped by their first word, longest first: a sentence is scanned word by word
    and only the few names that begin with each word are tried (a regex alternation of
    every name took a quarter of a millisecond per sentence)."""
    grouped: dict[str, list[str]] = {}
    for name in sorted(_mention_lookup(), key=len, reverse=True):
        first = re.match(r"\w+", name)
        grouped.setdefault(first.group(0) if first else name, []).append(name)
    return grouped


_WORD_START = re.compile(r"(?<![\w-])\w+")
_INSIDE_WORD = re.compile(r"[\w-]")


def find_mentions(text: str) -> list[Mention]:
    """Every State, State adjective or actor named in ``text``, in order.

    Leftmost, longest, non-overlapping; a name must stand as whole words, and
    a State's name or adjective must start with a capital ("Chad", not "chad").
    """
    lookup, by_first = _mention_lookup(), _names_by_first_word()
    haystack = _fold(text)
    if len(haystack) != len(text):  # folding changed offsets (rare characters): compare lower-cased
        haystack = text.lower()
        if len(haystack) != len(text):
            return []
    mentions, resume = [], 0
    for word in _WORD_START.finditer(haystack):
        start = word.start()
        if start < resume:
            continue
        for name in by_first.get(word.group(0), ()):
            end = start + len(name)
            if haystack.startswith(name, start) and not _INSIDE_WORD.match(haystack, end):
                resume = end
                code, kind = lookup[name]
                surface = text[start:end]
                if kind not in ("state", "adjective") or surface[:1].isupper():
                    mentions.append(Mention(start, end, surface, code, kind))
                break
    return mentions
