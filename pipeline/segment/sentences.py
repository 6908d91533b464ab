"""Sentences: spaCy's rule-based ``sentencizer`` on a blank English pipeline.

UN prose is full of periods that do not end a sentence (``Mr. Nebenzia``,
``para. 6``, ``No. 3``, ``art. 16``); those are tokenizer special cases, so the
period stays inside the abbreviation's token and the sentencizer never splits
there.  Two fixes run on the sentencizer's spans, not on tokens, so that they
cost next to nothing: a blank line always starts a sentence (headings, list
items), and a "sentence" that starts with a lowercase letter is glued back to
the one before ("He said it. and more").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.symbols import ORTH

from pipeline.records import Document, Sentence, Unit
from pipeline.segment.text import PagedText, one_line

_ABBREVIATIONS = (
    "Mr. Mrs. Ms. Messrs. Mmes. Dr. Prof. St. No. Nos. no. nos. para. paras. Para. Paras. "
    "art. arts. Art. Arts. p. pp. vol. Vol. cf. e.g. i.e. etc. viz. Corr. Rev. Add. Suppl. "
    "Jan. Feb. Mar. Apr. Aug. Sept. Sep. Oct. Nov. Dec. Gen. Lt. Col. Maj. Capt. Amb. H.E. "
    "a.m. p.m. U.S. U.K. U.N. Co. Inc. Ltd. op. cit. ibid. Ibid. approx. fig. Fig. sect. Sect."
).split()


@lru_cache(maxsize=1)
def sentencizer() -> Language:
    """The shared blank English pipeline with our abbreviations and the sentencizer."""
    nlp = spacy.blank("en")
    for abbreviation in _ABBREVIATIONS:
        cast(Any, nlp.tokenizer).add_special_case(abbreviation, [{ORTH: abbreviation}])
    nlp.add_pipe("sentencizer")
    nlp.max_length = 50_000_000
    return nlp


def sentence_spans(texts: list[str], batch_size: int = 64) -> list[list[tuple[int, int]]]:
    """Character spans of the sentences of each text (stripped of surrounding space)."""
    nlp = sentencizer()
    out = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size)):
        spans: list[tuple[int, int]] = []
        for sent in doc.sents:
            for start, end in _split_blank_lines(text, sent.start_char, sent.end_char):
                if spans and text[start].islower() and not _BLANK.search(text, spans[-1][1], start):
                    spans[-1] = (spans[-1][0], end)
                else:
                    spans.append((start, end))
        out.append(spans)
    return out


_BLANK = re.compile(r"\n[ \t]*\n")


def _split_blank_lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Pieces of ``text[start:end]`` between blank lines, stripped."""
    piece_start = start
    for m in _BLANK.finditer(text, start, end):
        yield from _stripped(text, piece_start, m.start())
        piece_start = m.end()
    yield from _stripped(text, piece_start, end)


def _stripped(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    chunk = text[start:end]
    inner = chunk.strip()
    if inner:
        start += len(chunk) - len(chunk.lstrip())
        yield start, start + len(inner)


def sentence_id(doc_id: str, start: int, end: int) -> str:
    """Stable across runs: derived from the document (content hash and name) and the offsets."""
    return hashlib.sha1(f"{doc_id}:{start}:{end}".encode()).hexdigest()[:16]


def make_sentences(doc: Document, units: list[Unit], paged: PagedText) -> list[Sentence]:
    """Sentences of a document from its units, each tied to its speech, page and speaker.

    ``units`` are spans of the document text (speeches, or the whole text);
    ``paged`` maps offsets to pages.
    """
    texts = [paged.text[unit.start : unit.end] for unit in units]
    out: list[Sentence] = []
    for unit, spans in zip(units, sentence_spans(texts)):
        seq, start, speaker, iso3 = unit.seq, unit.start, unit.speaker, unit.speaker_iso3
        previous = ""
        for a, b in spans:
            text = one_line(paged.text[start + a : start + b])
            if not re.search(r"[A-Za-z]", text):
                continue
            out.append(
                Sentence(
                    sentence_id=sentence_id(doc.doc_id, start + a, start + b),
                    doc_id=doc.doc_id,
                    seq=seq,
                    page=paged.page_at(start + a),
                    start=start + a,
                    end=start + b,
                    text=text,
                    context=previous,
                    speaker=speaker,
                    speaker_iso3=iso3,
                )
            )
            previous = text
    return out
