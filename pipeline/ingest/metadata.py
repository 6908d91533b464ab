"""Document metadata: UN symbol, body, document type, date, title, language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as _date
from pathlib import Path

from pipeline.countries import to_iso3

_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(), 1
    )
}

_SYMBOLS = [
    re.compile(r"\bS/PV\.\d+(?: ?\((?:Resumption|Part) ?\d+\))?"),
    re.compile(r"\bA/(?:ES-\d+/)?\d+/PV\.\d+"),
    re.compile(r"\bS/RES/\d+ ?\(\d{4}\)"),
    re.compile(r"\bA/RES/(?:ES-\d+|\d+)/\d+"),  # A/RES/79/81, A/RES/ES-11/7
    re.compile(r"\bS/\d{4}/\d+"),
    re.compile(r"\bA/\d+/\d+"),
]
_RESOLUTION_HEAD = re.compile(r"^\s*Resolution (\d+) \((\d{4})\)", re.M)
_DATE = re.compile(
    r"\b(\d{1,2}) (January|February|March|April|May|June|July|August|September|October|November|December),? (\d{4})\b"
)
_GD_NAME = re.compile(r"^([A-Z]{2,3})_(\d{1,2})_(\d{4})$")
_SC_FILE = re.compile(r"^S_PV\.(\d+)(?:[_ -]?(Resumption|Part)[_ ]?(\d+))?(?:_[A-Z])?$", re.I)
_RES_FILE = re.compile(r"^S_RES_(\d+)_(\d{4})", re.I)

_ENGLISH = set("the and of to in is that for on with as by this be are it we our has have".split())
_FRENCH = set("le la les de des et est que pour dans une du au sur nous".split())
_SPANISH = set("el los las de del y que en para por una con es nuestro".split())


@dataclass
class Metadata:
    """What a document's first page and file name tell: symbol, organ, type, date, title."""

    symbol: str = ""
    body: str = ""
    doc_type: str = "other"
    date: str = ""
    title: str = ""
    language: str = ""
    speaker_iso3: str = ""


def read_metadata(path: str | Path, pages: list[str], html_title: str = "") -> Metadata:
    """Everything ``documents.csv`` says about a document besides its file facts."""
    stem = Path(path).stem
    first = "\n".join(pages[:2])[:6000]
    meta = Metadata(language=detect_language(" ".join(pages)[:20000]))

    gd = _GD_NAME.match(stem)
    if gd:
        iso, session, year = gd.groups()
        meta.speaker_iso3 = to_iso3(iso) or iso
        meta.body, meta.doc_type, meta.date = "General Assembly", "statement", year
        meta.title = f"General Debate, session {int(session)} ({year})"
        return meta

    meta.symbol = _symbol_from_name(stem) or _symbol_from_text(first)
    head = _RESOLUTION_HEAD.search(first[:400])
    if not meta.symbol and head:
        meta.symbol = f"S/RES/{int(head.group(1))} ({head.group(2)})"
    meta.body = {"S": "Security Council", "A": "General Assembly"}.get(meta.symbol[:1], "")
    if "/PV." in meta.symbol:
        meta.doc_type = "verbatim_record"
    elif "/RES/" in meta.symbol:
        meta.doc_type = "resolution"
    elif re.search(r"\bletter dated\b", first[:1500], re.I):
        meta.doc_type = "letter"
    elif first.strip():
        meta.doc_type = "statement"
    found = _DATE.search(first)
    if found:
        meta.date = _iso_date(*found.groups())
    meta.title = _title(pages[0] if pages else "", meta.doc_type) or html_title
    if not meta.body:
        if re.search(r"\bSecurity Council\b", first[:1500]):
            meta.body = "Security Council"
        elif re.search(r"\bGeneral Assembly\b", first[:1500]):
            meta.body = "General Assembly"
    return meta


def _symbol_from_name(stem: str) -> str:
    m = _SC_FILE.match(stem)
    if m:
        part = f" ({m.group(2).capitalize()} {m.group(3)})" if m.group(2) else ""
        return f"S/PV.{m.group(1)}{part}"
    m = _RES_FILE.match(stem)
    if m:
        return f"S/RES/{int(m.group(1))} ({m.group(2)})"
    return ""


def _symbol_from_text(text: str) -> str:
    for pattern in _SYMBOLS:
        m = pattern.search(text)
        if m:
            return re.sub(r"\s+", " ", m.group(0))
    return ""


def _iso_date(day: str, month: str, year: str) -> str:
    try:
        return _date(int(year), _MONTHS[month.lower()], int(day)).isoformat()
    except ValueError:
        return ""


def _title(first_page: str, doc_type: str) -> str:
    if doc_type == "verbatim_record":
        m = re.search(r"^Agenda\s*\n(.+?)(?:\n\s*\n|\nThis record contains|\Z)", first_page, re.M | re.S)
        if m:
            return re.sub(r"\s+", " ", m.group(1)).strip()[:300]
    for line in first_page.splitlines():
        line = line.strip()
        if len(line) > 3:
            return line[:300]
    return ""


def detect_language(text: str) -> str:
    """``en``, ``fr``, ``es`` or ``unknown`` by function-word counts (enough to route, not to study)."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    if len(words) < 5:
        return "unknown"
    scores = {
        "en": sum(w in _ENGLISH for w in words),
        "fr": sum(w in _FRENCH for w in words),
        "es": sum(w in _SPANISH for w in words),
    }
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= len(words) * 0.05 else "unknown"
