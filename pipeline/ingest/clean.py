"""Clean page text: running headers and footers off, line-end hyphens resolved.

UN pages carry a running header (``S/PV.8700 The situation in the Middle East
10/01/2020``), a page/job line (``2/12 20-00806``) and, on the first page, the
job number with ``(E)`` and a bar-code line (``*2000806*``).  None of them is
part of any speech.
"""

from __future__ import annotations

import re

_SYMBOL = r"[AS]/(?:PV\.\d+|\d+/PV\.\d+|RES/\S+|\d{2,4}/\d+)(?: ?\((?:Resumption|Part) ?\d+\))?"
_DATE = r"\d{2}/\d{2}/\d{4}"
_JOB = r"\d{2}-\d{5}"
_RUNNING = [
    re.compile(rf"^{_SYMBOL}\s.*\s{_DATE}$"),  # even pages
    re.compile(rf"^{_DATE}\s.*\s{_SYMBOL}$"),  # odd pages
    re.compile(rf"^\d+/\d+\s+{_JOB}$"),
    re.compile(rf"^{_JOB}\s+\d+/\d+$"),
    re.compile(rf"^{_JOB}\s*(?:\([A-Z]\))?(?:\s+\S+)?$"),  # 20-00806 (E), maybe with the date
    re.compile(r"^\*\d{6,}\*$"),  # bar code
    re.compile(r"^\s*\u2002?\d{2,}\s*$"),  # a lone footnote page number
]


def clean_page(text: str) -> str:
    """Normalise one page of extracted text: lines kept, noise lines dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    kept = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        near_edge = i < 4 or i >= len(lines) - 4
        if near_edge and any(p.match(stripped) for p in _RUNNING):
            continue
        kept.append(stripped)
    return "\n".join(kept).strip("\n")


_HYPHEN_BREAK = re.compile(r"(\w+)(?:-\n|\ufffe\n?)(\w+)")
_WORD = re.compile(r"[A-Za-z]+")


def join_hyphens(pages: list[str]) -> list[str]:
    """Join words hyphenated across a line end.

    ``instru-`` + ``mentalize`` becomes ``instrumentalize``, but
    ``Secretary-`` + ``General`` and ``cross-`` + ``border`` keep their hyphen:
    the joined form is kept when the document itself uses it, the hyphen when
    the document uses the hyphenated form or the second part is capitalised.
    """
    vocabulary: set[str] = set()
    for page in pages:
        vocabulary.update(w.lower() for w in _WORD.findall(page.replace("\ufffe", "-")))
    hyphenated: set[str] = set()
    for page in pages:
        hyphenated.update(m.group(0).lower() for m in re.finditer(r"\b[A-Za-z]+-[A-Za-z]+\b", page))

    def _join(match: re.Match) -> str:
        first, second = match.group(1), match.group(2)
        joined = (first + second).lower()
        if f"{first}-{second}".lower() in hyphenated and joined not in vocabulary:
            return f"{first}-{second}"
        if joined in vocabulary:
            return first + second
        if second[:1].isupper() or second[:1].isdigit() or first[-1:].isdigit():
            return f"{first}-{second}"
        return first + second

    return [_HYPHEN_BREAK.sub(_join, page).replace("\ufffe", "-") for page in pages]


def clean_pages(pages: list[str]) -> list[str]:
    """Clean every page of a document (headers off, hyphens joined)."""
    return join_hyphens([clean_page(p) for p in pages])
