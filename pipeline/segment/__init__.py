"""Stage 2: a document into speeches, votes, clauses and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.records import Clause, Decision, Document, Error, Sentence, Speech, Unit, Vote
from pipeline.segment.resolutions import numbering_gaps, split_clauses
from pipeline.segment.sentences import make_sentences
from pipeline.segment.text import PagedText
from pipeline.segment.verbatim import cover_members, split_speeches
from pipeline.segment.votes import find_decisions


@dataclass
class Segments:
    """What segmenting one document gives."""

    speeches: list[Speech] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)  # parts that did not come out whole; the document did
    clauses: list[Clause] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)


def segment(doc: Document) -> Segments:
    """Split one ingested document by its type.

    Verbatim records give speeches and votes; resolutions give clauses; every
    document gives sentences, each tied to its speech (``seq``) and page.
    """
    out = Segments()
    paged = PagedText.from_pages(doc.page_texts)
    units: list[Unit] = []
    if doc.doc_type == "verbatim_record" or (doc.doc_type != "resolution" and _has_speakers(paged.text)):
        out.speeches = split_speeches(doc, paged)
        found = find_decisions(doc, paged, cover_members(doc.page_texts[0]) if doc.page_texts else [])
        out.decisions, out.votes, out.errors = found.decisions, found.votes, found.errors
        units = [Unit(s.seq, s.start, s.end, s.delegation or s.speaker, s.iso3) for s in out.speeches]
    if doc.doc_type == "resolution":
        out.clauses = split_clauses(doc, paged)
        out.errors.extend(
            Error(
                doc.path,
                "clauses",
                f"{doc.symbol or doc.path}: operative paragraph {n} not found (the numbering jumps)",
            )
            for n in numbering_gaps(out.clauses)
        )
    if not units:
        # A resolution speaks for its organ, not for a State; a General Debate file names its State.
        speaker = doc.body if doc.doc_type == "resolution" else doc.speaker_iso3
        units = [Unit(0, 0, len(paged.text), speaker, "" if doc.doc_type == "resolution" else doc.speaker_iso3)]
    out.sentences = make_sentences(doc, units, paged)
    return out


def _has_speakers(text: str) -> bool:
    from pipeline.segment.verbatim import LABEL

    return len(LABEL.findall(text[:200_000])) >= 3
