"""Stage 2: a document into speeches, votes, clauses and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.records import Clause, Document, Sentence, Speech, Unit, Vote
from pipeline.segment.resolutions import split_clauses
from pipeline.segment.sentences import make_sentences
from pipeline.segment.text import PagedText
from pipeline.segment.verbatim import split_speeches
from pipeline.segment.votes import find_votes


@dataclass
class Segments:
    """What segmenting one document gives."""

    speeches: list[Speech] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
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
        out.votes = find_votes(doc, paged)
        units = [Unit(s.seq, s.start, s.end, s.delegation or s.speaker, s.iso3) for s in out.speeches]
    if doc.doc_type == "resolution":
        out.clauses = split_clauses(doc, paged)
    if not units:
        # A resolution speaks for its organ, not for a State; a General Debate file names its State.
        speaker = doc.body if doc.doc_type == "resolution" else doc.speaker_iso3
        units = [Unit(0, 0, len(paged.text), speaker, "" if doc.doc_type == "resolution" else doc.speaker_iso3)]
    out.sentences = make_sentences(doc, units, paged)
    return out


def _has_speakers(text: str) -> bool:
    from pipeline.segment.verbatim import LABEL

    return len(LABEL.findall(text[:200_000])) >= 3
