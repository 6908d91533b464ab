"""Decisions and votes: every form a UN record takes them in.

* Recorded votes and votes by show of hands with their lists: any of
  ``In favour:``, ``Against:``, ``Abstaining:`` (a unanimous vote prints only
  the first). One :class:`~pipeline.records.Vote` per State named.
* A vote by show of hands with no list ("A vote was taken by show of hands.
  The draft resolution received 15 votes in favour ... adopted unanimously"):
  when unanimous, the members listed on the record's cover page voted in
  favour, and their rows say so (``source`` = ``cover page``); otherwise only
  the announced counts are known.
* Adoptions without a vote or by consensus (General Assembly), which have no
  votes, only a decision.

Each decision is a :class:`~pipeline.records.Decision` with its method and
counts. The counts the President announces ("received 11 votes in favour,
none against and 4 abstentions", "adopted by 141 votes to 5, with 35
abstentions") are checked against the lists; a mismatch is an ``errors.csv``
row naming the record and the decision. The subject is read from the words
just before the vote ("put to the vote the draft resolution contained in
document S/2020/24", "the oral amendment proposed by ...", "operative
paragraph 5"), the outcome and resolution number from the words just after.
A Security Council draft with nine or more votes in favour and a permanent
member against is ``vetoed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.countries import to_iso3
from pipeline.records import Decision, Document, Error, Vote
from pipeline.segment.text import PagedText

PERMANENT_MEMBERS = {"CHN", "FRA", "GBR", "RUS", "USA", "SUN"}

_GROUPS = (("yes", "In favour:"), ("no", "Against:"), ("abstain", "Abstaining:"))
_HEAD = re.compile(r"^\s*(?:In favour|Against|Abstaining):", re.M)


def _read_block(text: str, start: int) -> tuple[dict[str, str], int] | None:
    """The lists of a vote block starting at ``start`` (any of the three, in their order), and its end.

    A list runs over its heading's line and every following line that still
    reads as a list of States (see :func:`_continues`), so names broken over
    lines ("United Kingdom of Great Britain and\nNorthern Ireland") stay whole.
    """
    lines = text[start:].split("\n")
    cells: dict[str, str] = {}
    i, offset = 0, start
    for key, heading in _GROUPS:
        j, skipped = i, 0
        while j < len(lines) and not lines[j].strip():
            skipped += len(lines[j]) + 1
            j += 1
        if j >= len(lines) or not lines[j].strip().startswith(heading):
            continue  # this list is not printed (a unanimous vote prints only "In favour:")
        i, offset = j, offset + skipped
        parts = [lines[i].strip()[len(heading) :].strip()]
        offset += len(lines[i]) + 1
        i += 1
        while i < len(lines) and _continues(parts[-1], lines[i].strip()):
            parts.append(lines[i].strip())
            offset += len(lines[i]) + 1
            i += 1
        cells[key] = " ".join(p for p in parts if p)
    return (cells, offset) if cells else None


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


@dataclass
class Decisions:
    """What :func:`find_decisions` finds in one record."""

    decisions: list[Decision] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)


@dataclass
class _Found:
    """One decision as read, before the decisions are numbered in record order."""

    offset: int
    decision: Decision
    votes: list[Vote] = field(default_factory=list)
    miscount: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None  # (announced, listed)


_SHOW_OF_HANDS = re.compile(r"A vote was taken by show of hands\.?")
_RECORDED = re.compile(r"A recorded vote was taken\.?")
_NUMBER = r"(\d+|none|no|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen)"
_WORDS = {
    w: n
    for n, w in enumerate(
        "none one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split()
    )
}
_ANNOUNCED_SC = re.compile(
    rf"(?:received|[Tt]here (?:were|was))\s+{_NUMBER}\s+votes?\s+in\s+favou?r"
    rf"(?:\s*,\s*{_NUMBER}\s+against)?(?:\s*,?\s*(?:and|with)\s+{_NUMBER}\s+abstentions?)?",
    re.I,
)
_ANNOUNCED_GA = re.compile(
    rf"(?:adopted|rejected|retained|approved)\s+by\s+{_NUMBER}\s+votes?\s+to\s+{_NUMBER}"
    rf"(?:\s*,?\s*with\s+{_NUMBER}\s+abstentions?)?",
    re.I,
)
_WITHOUT_VOTE = re.compile(
    r"(?P<subject>(?:[Dd]raft (?:resolution|decision)s?|[Aa]mendments?|[Oo]perative paragraph \d+)"
    r"(?:\s+(?:A|S)/[\w.\-/]+?)?(?:\s+as (?:a whole|orally (?:revised|corrected)))?)"
    r"\s+(?:was|were|is|has been)\s+adopted(?P<how>\s+without a vote|\s+by consensus)?"
    r"(?:\s*\((?:resolution|decision)\s+(?P<resolution>[\w/.\-]+(?: \(\d{4}\))?)\))?"
)
_GA_RESOLUTION = re.compile(r"\((?:resolution|decision)\s+((?:ES-)?\d+/[\d.A-Z]+)\)")


def find_decisions(
    doc: Document, paged: PagedText | None = None, cover: list[tuple[str, str]] | None = None
) -> Decisions:
    """Every decision of a record, its method and counts, and one vote row per State where States are known.

    ``cover`` is the record's members as (name, ISO3) from its cover page: they
    voted in favour of a unanimous vote whose record prints no list.
    """
    paged = paged or PagedText.from_pages(doc.page_texts)  # segment() builds it once per document
    text = paged.text
    found: list[_Found] = []
    markers = _vote_markers(text)
    claimed: list[tuple[int, int]] = []  # spans of text whose adoptions belong to a vote
    for n, (start, end, lists, method) in enumerate(markers):
        limit = markers[n + 1][0] if n + 1 < len(markers) else len(text)
        after = text[end : min(limit, end + 700)]
        claimed.append((start, end + _announcement_end(after)))
        found.append(_read_vote(doc, paged, start, after, lists, method, cover or []))
    for m in _WITHOUT_VOTE.finditer(text):
        if any(a <= m.start() < b for a, b in claimed) or _ANNOUNCED_GA.match(text, m.end() - len("adopted")):
            continue
        how = (m.group("how") or "").strip()
        method = "consensus" if "consensus" in how else "without a vote"
        subject = re.sub(r"\s+", " ", m.group("subject")).strip()
        draft = _DRAFT.search(subject) or re.search(r"(?:A|S)/[\w.\-/]+", subject)
        decision = Decision(
            doc_id=doc.doc_id,
            symbol=doc.symbol,
            seq=0,
            subject=draft.group(1) if draft and draft.groups() else (draft.group(0) if draft else subject),
            outcome="adopted",
            resolution=m.group("resolution") or "",
            method=method,
            page=paged.page_at(m.start()),
        )
        found.append(_Found(m.start(), decision))
    return _numbered(found, doc)


def _announcement_end(after: str) -> int:
    """Where the words that close a vote end (the counts, the outcome, the resolution number)."""
    head = after[:500]
    ends = [m.end() for p in (_ANNOUNCED_SC, _ANNOUNCED_GA, _RESOLUTION, _GA_RESOLUTION) for m in [p.search(head)] if m]
    outcome = re.search(r"\b(?:not been adopted|been adopted|was adopted|is adopted|was rejected|was retained)\b", head)
    if outcome:
        ends.append(outcome.end())
    return max(ends) if ends else 0


def _vote_markers(text: str) -> list[tuple[int, int, dict[str, str] | None, str]]:
    """(start, end, lists or None, method) of every vote, in order."""
    markers: list[tuple[int, int, dict[str, str] | None, str]] = []
    taken_until = -1
    for head in _HEAD.finditer(text):
        if head.start() < taken_until:
            continue
        block = _read_block(text, head.start())
        if block is None:
            continue
        lists, end = block
        taken_until = end
        before = text[max(0, head.start() - 300) : head.start()]
        method = "recorded vote" if _RECORDED.search(before) else "show of hands"
        markers.append((head.start(), end, lists, method))
    for pattern, method in ((_SHOW_OF_HANDS, "show of hands"), (_RECORDED, "recorded vote")):
        for m in pattern.finditer(text):
            nxt = _HEAD.search(text, m.end(), m.end() + 300)
            if nxt and not re.search(r"\bThe (?:Acting )?President:", text[m.end() : nxt.start()]):
                continue  # the list follows: the block above is this vote
            markers.append((m.start(), m.end(), None, method))
    return sorted(markers)


def _read_vote(
    doc: Document,
    paged: PagedText,
    start: int,
    after: str,
    lists: dict[str, str] | None,
    method: str,
    cover: list[tuple[str, str]],
) -> _Found:
    """One decision (and its votes) from a vote at ``start`` with the words ``after`` it."""
    window = re.sub(r"\s+", " ", after)
    announced = _announced(window)
    before = paged.text[max(0, start - 1500) : start]
    subject = _subject(before)
    # Unanimous without lists: every member announced in favour, or "adopted unanimously" with no count.
    unanimous = bool(cover) and (
        (announced is not None and announced[0] == len(cover) and not announced[1] and not announced[2])
        or (announced is None and bool(re.search(r"\badopted unanimously\b", window)))
    )
    source = "list"
    if lists is not None:
        cast = {key: _states(lists.get(key) or "") for key, _ in _GROUPS}
    elif unanimous:
        cast = {"yes": [name for name, _ in cover], "no": [], "abstain": []}
        source = "cover page"
    else:
        cast = {"yes": [], "no": [], "abstain": []}
    counted = (len(cast["yes"]), len(cast["no"]), len(cast["abstain"]))
    known = lists is not None or source == "cover page"
    counts = counted if known else (announced or (None, None, None))
    outcome, resolution = _outcome(window, counts, cast["no"], doc.body)
    decision = Decision(
        doc_id=doc.doc_id,
        symbol=doc.symbol,
        seq=0,
        subject=subject,
        outcome=outcome,
        resolution=resolution,
        method=method,
        yes=counts[0],
        no=counts[1],
        abstain=counts[2],
        page=paged.page_at(start),
    )
    miscount = (announced, counted) if lists is not None and announced and announced != counted else None
    found = _Found(start, decision, miscount=miscount)
    for choice in ("yes", "no", "abstain"):
        for state in cast[choice]:
            found.votes.append(
                Vote(
                    doc_id=doc.doc_id,
                    symbol=doc.symbol,
                    vote_seq=0,
                    subject=subject,
                    outcome=outcome,
                    resolution=resolution,
                    state=state,
                    iso3=to_iso3(state),
                    vote=choice,
                    page=decision.page,
                    source=source,
                )
            )
    return found


def _numbered(found: list[_Found], doc: Document) -> Decisions:
    """The decisions numbered in record order, each vote row with its number, and the count checks."""
    out = Decisions()
    for seq, item in enumerate(sorted(found, key=lambda f: f.offset), start=1):
        item.decision.seq = seq
        out.decisions.append(item.decision)
        for vote in item.votes:
            vote.vote_seq = seq
        out.votes.extend(item.votes)
        if item.miscount:
            announced, counted = item.miscount
            said = f"{announced[0]} in favour, {announced[1]} against, {announced[2]} abstaining"
            out.errors.append(
                Error(
                    doc.path,
                    "votes",
                    f"{doc.symbol} decision {seq} ({item.decision.subject or 'subject not named'}, page "
                    f"{item.decision.page}): the President announced {said}; the lists name "
                    f"{counted[0]}, {counted[1]}, {counted[2]}",
                )
            )
    return out


def _announced(window: str) -> tuple[int, int, int] | None:
    """(yes, no, abstain) as the President announces them, in the first 400 characters after a vote."""
    head = window[:400]
    m = _ANNOUNCED_SC.search(head) or _ANNOUNCED_GA.search(head)
    if not m:
        return None
    return tuple(_count(g) for g in m.groups())  # type: ignore[return-value]


def _count(word: str | None) -> int:
    if word is None:
        return 0
    word = word.lower()
    return int(word) if word.isdigit() else _WORDS.get("none" if word == "no" else word, 0)


def find_votes(doc: Document, paged: PagedText | None = None) -> list[Vote]:
    """All votes of a record naming States, one row per State and decision, in order."""
    return find_decisions(doc, paged).votes


_PARAGRAPH = re.compile(
    r"((?:operative|preambular) paragraph \d+)(?: of (?:the )?(?:draft resolution )?(A/[\w.\-/]*\d|S/\d{4}/\d+))?"
)


def _subject(before: str) -> str:
    """What was put to the vote: a paragraph voted separately, an amendment, or the draft's symbol."""
    before = re.sub(r"\s+", " ", before)
    recent = before[-700:]
    tail = recent.rsplit("vote", 1)[-1] if "put to the vote" not in recent else recent.rsplit("put to the vote", 1)[-1]
    earlier = list(_DRAFT.finditer(before))
    draft = _DRAFT.search(tail) or (earlier[-1] if earlier else None)
    near = recent[-400:]
    paragraphs = list(_PARAGRAPH.finditer(near))
    if paragraphs and re.search(r"\bseparate (?:recorded )?vote", near):
        last = paragraphs[-1]
        return last.group(1) + (f" of {last.group(2)}" if last.group(2) else "")
    amendment = _AMENDMENT.search(tail)
    if amendment and (not draft or amendment.start() < draft.start()):
        return re.sub(r"\s+", " ", amendment.group(1)).strip()
    if draft:
        return draft.group(1)
    return ""


def _outcome(window: str, counts: tuple[int | None, ...], against: list[str], body: str) -> tuple[str, str]:
    """(outcome, resolution number) from the words after a vote and its counts."""
    resolution = _RESOLUTION.search(window) or _GA_RESOLUTION.search(window[:400])
    n_yes, n_no = counts[0], counts[1]
    negative_permanent = any(to_iso3(s) in PERMANENT_MEMBERS for s in against) or bool(
        re.search(r"negative vote of a permanent member", window[:500])
    )
    if body == "Security Council" and negative_permanent and (n_yes is None or n_yes >= 9):
        return "vetoed", ""
    if resolution:
        return "adopted", resolution.group(1)
    if re.search(
        r"\b(?:not been adopted|not adopted|failed to obtain|was rejected|were rejected|has been rejected)\b", window
    ):
        return "not adopted", ""
    if re.search(
        r"\b(?:has been adopted|is adopted|was adopted|were adopted|adopted unanimously|was retained)\b", window
    ):
        return "adopted", ""
    if n_yes is None:
        return "", ""
    if body == "Security Council":
        return ("adopted" if n_yes >= 9 and not n_no else "not adopted"), ""
    return ("adopted" if n_yes > (n_no or 0) else "not adopted"), ""
