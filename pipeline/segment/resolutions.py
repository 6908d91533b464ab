"""Resolutions into preambular and operative paragraphs, and refrain clauses.

Operative paragraphs are numbered (``2. Decides that all States shall cease
...``); preambular paragraphs come before the first of them, each opening with
a participle or adjective (``Recalling``, ``Gravely concerned``).  An operative
paragraph is a *refrain clause* when it addresses States, withholds support
(arms, finance, transit, recognition ...) and does so by a refraining verb
(refrain, cease, prevent, embargo, not recognise).  The words that decide each
field are in ``pipeline/data/refrain_rules.csv``.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.countries import find_mentions
from pipeline.lookups import patterns_by
from pipeline.records import Clause, Document
from pipeline.segment.text import PagedText

# OCR'd resolutions print "S." for "5." and "l." for "1."; such numbers are read back.
_OPERATIVE = re.compile(r"^\s*([\dSlIO]{1,3})[.,]\s+(?=[A-Z(])", re.M)  # "4, Calls upon": an OCR'd period
_OCR_DIGITS = str.maketrans("SlIO", "5110")
_CLOSING = re.compile(
    r"\n\s*(?:Adopted (?:unanimously |without a vote )?at|Adopted by \d+ votes|At the \d+\w* meeting)[\s\S]*$"
)
_ADVERBS = (
    r"Also|Further|Furthermore|Again|Once again|Strongly|Firmly|Urgently|Solemnly|Hereby|Formally|"
    r"Emphatically|Expressly|Reaffirms|Resolutely|Vigorously|Earnestly|Equally|Likewise|Finally|Accordingly"
)
_VERB = re.compile(
    rf"^(?:(?:{_ADVERBS})\s+)*[A-Z][a-z]+s\b(?:\s+(?:upon|on|that|also|further))?|^(?:(?:{_ADVERBS})\s+)*[a-z]+s\b(?:\s+upon)?"
)
_PREAMBLE_START = re.compile(
    r"^(?:[A-Z][a-z]+(?:ing|ed)\b|Deeply|Gravely|Mindful|Aware|Conscious|Convinced|Determined|Bearing|"
    r"Alarmed|Concerned|Noting|Having|Acting|Taking|Recalling|Reaffirming|Recognizing|Welcoming|"
    r"Emphasizing|Stressing|Underlining|Expressing|Further|Also|Strongly|Considering|Affirming)",
)


def _rules() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    return patterns_by("refrain_rules.csv", "field")


def split_clauses(doc: Document, paged: PagedText | None = None) -> list[Clause]:
    """Preambular and operative paragraphs of a resolution, in order."""
    paged = paged or PagedText.from_pages(doc.page_texts)  # segment() builds it once per document
    text = paged.text
    numbered = _in_sequence(list(_OPERATIVE.finditer(text)), text)
    clauses: list[Clause] = []
    body_start = _preamble_start(text)
    first_op = numbered[0].start() if numbered else len(text)
    for n, (start, para) in enumerate(_preambular(text[body_start:first_op]), start=1):
        clauses.append(_clause(doc, f"p{n}", "preambular", para, paged.page_at(body_start + start)))
    for i, m in enumerate(numbered):
        end = numbered[i + 1].start() if i + 1 < len(numbered) else len(text)
        para = _tidy(_CLOSING.sub("", text[m.end() : end]))
        clauses.append(_clause(doc, str(_number(m)), "operative", para, paged.page_at(m.start())))
    return clauses


def numbering_gaps(clauses: list[Clause]) -> list[int]:
    """Operative paragraph numbers missing between 1 and the last one found."""
    found = {int(c.para) for c in clauses if c.kind == "operative" and c.para.isdigit()}
    return [n for n in range(1, max(found, default=0) + 1) if n not in found]


def _number(match: re.Match) -> int:
    digits = match.group(1).translate(_OCR_DIGITS)
    return int(digits) if digits.isdigit() else -1


def _in_sequence(matches: list[re.Match], text: str) -> list[re.Match]:
    """Keep numbered paragraphs 1, 2, 3 ... in order; drop stray numbers (footnotes, years).

    The next number in sequence is kept whatever verb opens it ("Deeply
    regrets", "Warmly welcomes"); one missing number is tolerated only before a
    paragraph that opens with an operative verb (an OCR'd number we could not
    read), so a single unreadable paragraph number does not swallow the rest,
    and the gap is reported by :func:`numbering_gaps`.
    """
    kept: list[re.Match] = []
    expected = 1
    for m in matches:
        number = _number(m)
        verb = bool(_VERB.match(text[m.end() : m.end() + 60]))
        if number == expected or (number == expected + 1 and expected > 1 and verb):
            kept.append(m)
            expected = number + 1
    return kept


def _preamble_start(text: str) -> int:
    m = re.search(r"The (?:Security Council|General Assembly),?\s*\n", text)
    return m.end() if m else 0


def _preambular(text: str) -> list[tuple[int, str]]:
    paragraphs: list[tuple[int, str]] = []
    start = 0
    lines = text.split("\n")
    offset = 0
    buffer: list[str] = []
    previous_ended = True
    for line in lines:
        stripped = line.strip()
        opens = bool(stripped) and previous_ended and _PREAMBLE_START.match(stripped)
        if opens and buffer:
            paragraphs.append((start, _tidy("\n".join(buffer))))
            buffer = []
        if stripped:
            if not buffer:
                start = offset
            buffer.append(stripped)
            previous_ended = stripped.endswith((",", ";", ":"))
        else:
            previous_ended = True
        offset += len(line) + 1
    if buffer:
        paragraphs.append((start, _tidy("\n".join(buffer))))
    return [(s, p) for s, p in paragraphs if _PREAMBLE_START.match(p)]


def _tidy(text: str) -> str:
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


def _clause(doc: Document, para: str, kind: str, text: str, page: int) -> Clause:
    verb_match = _VERB.match(text)
    verb = verb_match.group(0).strip() if verb_match else ""
    if kind == "preambular":
        first = re.match(r"^(?:[A-Z][a-z]+\s+)?[A-Za-z]+", text)
        verb = first.group(0) if first else ""
    verb = re.sub(r"\s+that$", "", verb)
    clause = Clause(doc_id=doc.doc_id, symbol=doc.symbol, para=para, kind=kind, verb=verb, text=text, page=page)
    if kind == "operative":
        mark_refrain(clause)
    return clause


def _first(field: str, text: str) -> str:
    for value, pattern in _rules()[field]:
        if pattern.search(text):
            return value
    return ""


def is_candidate(text: str) -> bool:
    """Does a paragraph name States together with arms, assistance, supply, funds, transit, trade or
    recognition? (the paragraphs the clause corpus labels, and the clause model reads)"""
    return all(p.search(text) for _, p in _rules()["candidate"])


def rule_slots(text: str, context: str = "") -> dict[str, str]:
    """Addressee, assistance and target of a paragraph by the rules, whatever its refrain flag.

    ``context`` is the resolution's own party (``resolution_target``): the
    target of a paragraph that names none ("calls upon all States to
    implement fully the sanctions").
    """
    return {
        "addressee": _named_addressee(text) or _first("addressee", text) or "States",
        "assistance": _first("assistance", text) or "unspecified",
        "target": _target(text) or (context if _ANAPHOR.search(text) else ""),
    }


# A paragraph that names no party but points back to it ("this illegal régime", "the
# sanctions") takes the resolution's party; one that points nowhere keeps no target.
_ANAPHOR = re.compile(r"\b(?:r[ée]gime|authority|authorities|sanctions|embargo)\b", re.I)


def resolution_target(texts: list[str]) -> str:
    """The party a resolution's paragraphs most often name as the one not to be supported ("" if none)."""
    targets = Counter(t for t in (_target(text) for text in texts) if t)
    return targets.most_common(1)[0][0] if targets else ""


def mark_refrain(clause: Clause) -> None:
    """Set a refrain clause's flag and slots by the rules of ``refrain_rules.csv`` (others are left as they are)."""
    text = clause.text
    addressee = _first("addressee", text)
    mode = _first("mode", text)
    support = _first("support", text) == "" and any(p.search(text) for _, p in _rules()["support"])
    if not (addressee and mode and support):
        return
    clause.refrain = True
    clause.addressee = _named_addressee(text) or addressee
    clause.mode = mode
    clause.assistance = _first("assistance", text) or "unspecified"
    clause.target = _target(text)


def _named_addressee(text: str) -> str:
    """Named States a clause calls upon ("Calls upon Rwanda and Uganda to ...")."""
    m = re.match(
        r"^[^,]*?(?:calls upon|urges|demands that|requests)\s+(?:the Governments? of\s+)?(.{0,120}?)\s+to\b", text, re.I
    )
    if not m or re.search(r"\bStates\b", m.group(1).replace("United States", "")):
        return ""
    codes = [x.code for x in find_mentions(m.group(1)) if x.kind in ("state", "government") and _ISO3.match(x.code)]
    return ", ".join(dict.fromkeys(codes))


_ISO3 = re.compile(r"^[A-Z]{3}$")
_TARGET_CUE = re.compile(
    r"\b(?:to|against|for|into|in|of|on|with|by)\s+(?:the\s+)?(?=[A-Z])|\bbound for\b|\bdestined for\b"
)


def _target(text: str) -> str:
    """Who must not be supported: the first State or actor after a support word, else the
    nearest one before it that is not the paragraph's addressee ("refrain from offering the
    Portuguese Government any assistance")."""
    support = [p for _, p in _rules()["support"]][0]
    first_support = support.search(text)
    mentions = find_mentions(text)
    addressees = set(_named_addressee(text).split(", "))
    for m in mentions:  # a government or régime the paragraph names, not the one it calls upon, is the party
        if m.kind == "government" and m.code not in addressees:
            return m.code
    if first_support:
        after = [m for m in mentions if m.start >= first_support.start()]
        for m in after:  # a government or actor named after the support word is the party ...
            if m.kind in ("actor", "government"):
                return m.code
        for m in after:  # ... else the first State a preposition introduces
            if _TARGET_CUE.search(text[max(0, m.start - 25) : m.start] + " "):
                return m.code
        if after:
            return after[0].code
        before = [m for m in mentions if m.code not in addressees]
        if before:
            return before[-1].code
    return mentions[0].code if mentions else ""
