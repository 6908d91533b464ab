"""Recorded votes: every ``In favour: ... Against: ... Abstaining: ...`` block.

Each block becomes one :class:`~pipeline.records.Vote` per State.  The subject
is read from the President's words just before the block ("put to the vote the
draft resolution contained in document S/2020/24", "the oral amendment proposed
by the Russian Federation"), the outcome and resolution number from the words
just after it.  A Security Council draft with nine or more votes in favour and
a permanent member against is ``vetoed``.
"""

from __future__ import annotations

import re

from pipeline.countries import to_iso3
from pipeline.records import Document, Vote
from pipeline.segment.text import PagedText

PERMANENT_MEMBERS = {"CHN", "FRA", "GBR", "RUS", "USA", "SUN"}

_HEAD = re.compile(r"^\s*In favour:", re.M)
_GROUPS = (("yes", "In favour:"), ("no", "Against:"), ("abstain", "Abstaining:"))


def _read_block(text: str, start: int) -> tuple[dict[str, str], int] | None:
    """The three lists of a vote block starting at ``start``, and where the block ends.

    A list runs over its heading's line and every following line that still
    reads as a list of States (see :func:`_continues`), so names broken over
    lines ("United Kingdom of Great Britain and\nNorthern Ireland") stay whole.
    """
    lines = text[start:].split("\n")
    cells: dict[str, str] = {}
    i, offset = 0, start
    for key, heading in _GROUPS:
        while i < len(lines) and not lines[i].strip():
            offset += len(lines[i]) + 1
            i += 1
        if i >= len(lines) or not lines[i].strip().startswith(heading):
            if key == "abstain" and cells:
                break  # some records print no abstentions line
            return None
        parts = [lines[i].strip()[len(heading) :].strip()]
        offset += len(lines[i]) + 1
        i += 1
        while i < len(lines) and _continues(parts[-1], lines[i].strip()):
            parts.append(lines[i].strip())
            offset += len(lines[i]) + 1
            i += 1
        cells[key] = " ".join(p for p in parts if p)
    return cells, offset


_LIST_WORDS = {"and", "of", "the", "de", "da", "del", "d'Ivoire", "d’Ivoire", "es", "Salaam"}


def _continues(previous: str, line: str) -> bool:
    """Does ``line`` carry on the list of States on ``previous``?

    State lists are capitalised names, commas, parentheses and a few small
    words ("United Kingdom of Great Britain and Northern Ireland"); a line with
    a digit, a colon, other lowercase words or a final period is prose.
    """
    if not line or line.startswith(("In favour:", "Against:", "Abstaining:")):
        return False
    if not previous:
        return True
    if ":" in line or line.endswith(".") or re.search(r"\d", line):
        return False
    words = re.findall(r"[^\s,()]+", line)
    return all(w[:1].isupper() or w in _LIST_WORDS for w in words)


_DRAFT = re.compile(
    r"\b(?:document|draft resolution)\s+(S/\d{4}/\d+(?:/Rev\.\d+)?|A/(?:ES-\d+/)?\d+/L\.\d+(?:/Rev\.\d+)?)"
)
_AMENDMENT = re.compile(r"(?:the )?((?:oral )?amendments? (?:proposed|contained|submitted)[^.\n]*?)(?:\.|\n|$)", re.I)
_RESOLUTION = re.compile(r"adopted(?: unanimously)? as resolution (\d+ \(\d{4}\)|[\d/]+)")


def _states(cell: str) -> list[str]:
    cell = re.sub(r"\s+", " ", cell).strip().rstrip(".")
    if not cell or cell.lower() in ("none", "none."):
        return []
    return [s.strip() for s in cell.split(",") if s.strip()]


def find_votes(doc: Document, paged: PagedText | None = None) -> list[Vote]:
    """All recorded votes of a document, one row per State and vote, in order."""
    paged = paged or PagedText.from_pages(doc.page_texts)  # segment() builds it once per document
    text = paged.text
    votes: list[Vote] = []
    seq = 0
    for head in _HEAD.finditer(text):
        found = _read_block(text, head.start())
        if found is None:
            continue
        groups, block_end = found
        seq += 1
        before = text[max(0, head.start() - 1500) : head.start()]
        after = text[block_end : block_end + 700]
        subject = _subject(before)
        cast = {key: _states(groups.get(key) or "") for key, _ in _GROUPS}
        outcome, resolution = _outcome(after, cast, doc.body)
        for choice in ("yes", "no", "abstain"):
            for state in cast[choice]:
                votes.append(
                    Vote(
                        doc_id=doc.doc_id,
                        symbol=doc.symbol,
                        vote_seq=seq,
                        subject=subject,
                        outcome=outcome,
                        resolution=resolution,
                        state=state,
                        iso3=to_iso3(state),
                        vote=choice,
                        page=paged.page_at(head.start()),
                    )
                )
    return votes


def _subject(before: str) -> str:
    before = re.sub(r"\s+", " ", before)
    recent = before[-700:]
    tail = recent.rsplit("vote", 1)[-1] if "put to the vote" not in recent else recent.rsplit("put to the vote", 1)[-1]
    earlier = list(_DRAFT.finditer(before))
    draft = _DRAFT.search(tail) or (earlier[-1] if earlier else None)
    amendment = _AMENDMENT.search(tail)
    if amendment and (not draft or amendment.start() < draft.start()):
        return re.sub(r"\s+", " ", amendment.group(1)).strip()
    if draft:
        return draft.group(1)
    return ""


def _outcome(after: str, cast: dict[str, list[str]], body: str) -> tuple[str, str]:
    window = re.sub(r"\s+", " ", after)
    resolution = _RESOLUTION.search(window)
    n_yes = len(cast["yes"])
    vetoed = body == "Security Council" and n_yes >= 9 and any(to_iso3(s) in PERMANENT_MEMBERS for s in cast["no"])
    if vetoed:
        return "vetoed", ""
    if resolution:
        return "adopted", resolution.group(1)
    if re.search(r"\b(?:not been adopted|not adopted|failed to obtain|was rejected|has been rejected)\b", window):
        return "not adopted", ""
    if re.search(r"\b(?:has been adopted|is adopted|was adopted)\b", window):
        return "adopted", ""
    if body == "Security Council":
        return ("adopted" if n_yes >= 9 and not cast["no"] else "not adopted"), ""
    return ("adopted" if n_yes > len(cast["no"]) else "not adopted"), ""
