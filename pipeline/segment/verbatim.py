"""Verbatim records into speeches: one turn per speaker label.

A turn starts at a line that opens with a speaker label in the UN's form::

    The President: ...
    Mr. Nebenzia (Russian Federation) (spoke in Russian): ...
    The Secretary-General: ...
    Ms. DiCarlo: ...

and runs to the next label.  Vote blocks and the closing "The meeting rose at
..." stay inside the turn in which they are printed, as in the reference
segmentation of the Security Council corpus.
"""

from __future__ import annotations

import re

from pipeline.countries import to_iso3
from pipeline.records import Document, Speech
from pipeline.segment.text import PagedText, one_line

_TITLES = (
    r"Mr|Mrs|Ms|Miss|Mme|Dr|Sir|Dame|Lord|Lady|Baroness|Baron|Sheikh|Sheikha|Prince|Princess|"
    r"Archbishop|Monsignor|Cardinal|Bishop|Judge|King|Queen|Emir|Sultan|U|Daw|"
    r"General|Lieutenant General|Major General|Brigadier General|Colonel|Ambassador|Rabbi|Imam"
)
_PARTICLES = r"de|da|do|dos|das|del|della|di|van|von|der|den|al|el|bin|ibn|la|le|y|e|Al|El|ben|bint|zu|du"
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.\-]*"
_NAME = rf"{_NAME_WORD}(?:[ \n]+(?:{_NAME_WORD}|(?:{_PARTICLES})(?=[ \n]+[A-ZÀ-Þ]))){{0,6}}"
_OFFICE = r"The (?:Acting )?(?:President|Chair|Chairman|Chairperson|Secretary-General|Deputy Secretary-General)"
LABEL = re.compile(
    rf"^(?P<speaker>{_OFFICE}|(?:{_TITLES})\.?[ \n]+{_NAME})"
    r"(?:[ \n]+\((?P<delegation>(?:[^()\n]|\n(?!\n)|\([^()]*\))+)\))?"
    r"(?:[ \n]+\((?P<spoke>spoke[ \n]+in[ \n]+(?P<language>[A-Z][a-z]+))\))?"
    r"[ \n]*:[ \n]",
    re.M,
)
_MEMBER_LINE = re.compile(r"^([A-Z][^.\n]*?)[ .]*\. \. \.[ .]*(?:(?:Mr|Mrs|Ms|Dame|Sir|Sheikh|Prince)\.? |\S)", re.M)
_PRESIDENT_LINE = re.compile(r"^President:.*\(([^)]+)\)\s*$", re.M)
_OBSERVERS = {"VAT", "PSE", "EU", "AU"}


def cover_members(first_page: str) -> list[tuple[str, str]]:
    """(name, ISO3) of the members a record's cover page lists (the President's State included), by name."""
    found: dict[str, str] = {}
    president = _PRESIDENT_LINE.search(first_page)
    if president and to_iso3(president.group(1)):
        found[to_iso3(president.group(1))] = one_line(president.group(1))
    block = first_page.split("Members:", 1)[-1].split("Agenda", 1)[0] if "Members:" in first_page else ""
    for line in block.splitlines():
        name = re.split(r"\s*\.(?:\s*\.)+", line, maxsplit=1)[0].strip(" .")
        code = to_iso3(name)
        if code:
            found.setdefault(code, name)
    return sorted(((name, code) for code, name in found.items()), key=lambda pair: pair[0])


def members(first_page: str) -> set[str]:
    """ISO3 codes of the Council members listed on a record's cover page."""
    return {code for _, code in cover_members(first_page)}


def split_speeches(doc: Document, paged: PagedText | None = None) -> list[Speech]:
    """Speeches of a verbatim record, in order, each with its pages and text."""
    paged = paged or PagedText.from_pages(doc.page_texts)  # segment() builds it once per document
    text = paged.text
    council = members(doc.page_texts[0]) if doc.page_texts else set()
    labels = list(LABEL.finditer(text))
    speeches = []
    replies = False  # inside the rights of reply the President opened
    assembly = doc.body == "General Assembly"
    for i, label in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        body = text[label.end() : end].strip()
        speaker = one_line(label.group("speaker"))
        delegation = one_line(label.group("delegation") or "")
        iso3 = to_iso3(delegation) if delegation else ""
        start = label.end() + (len(text[label.end() : end]) - len(text[label.end() : end].lstrip()))
        role = _role(speaker, iso3, council, assembly)
        if role == "president":
            replies = _opens_replies(body, replies)
        elif replies or _REPLY.search(body[:300]):
            role = "right of reply"  # where States answer what they were accused of
        speeches.append(
            Speech(
                doc_id=doc.doc_id,
                symbol=doc.symbol,
                seq=i + 1,
                speaker=speaker,
                delegation=delegation,
                iso3=iso3,
                role=role,
                spoke_in=(label.group("language") or "").strip(),
                page_start=paged.page_at(label.start()),
                page_end=paged.page_at(max(label.start(), end - 1)),
                n_words=len(body.split()),
                text=one_line(body),
                start=start,
                end=end,
            )
        )
    return speeches


_REPLY = re.compile(r"\bin (?:the )?exercise of (?:the|its|my|our) right of reply\b", re.I)


def _opens_replies(president: str, replying: bool) -> bool:
    """After this President's turn, are the speakers replying? (opened by the call for rights of reply,
    closed by the next agenda item or the end of the meeting)."""
    if re.search(r"\bright of reply\b", president) and re.search(r"\b(?:give|call on|floor)\b", president):
        return True
    if re.search(r"\b(?:agenda item|now (?:take up|turn to|proceed)|meeting (?:rose|is adjourned))\b", president, re.I):
        return False
    return replying


def _role(speaker: str, iso3: str, council: set[str], assembly: bool = False) -> str:
    if re.match(r"The (Acting )?(President|Chair)", speaker):
        return "president"
    if "Secretary-General" in speaker:
        return "secretariat"
    if iso3 in _OBSERVERS:
        return "observer"
    if iso3 and (iso3 in council or assembly):  # in the General Assembly every State speaks as a member
        return "member"
    return "invited"
