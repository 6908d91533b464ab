"""Segmentation against real records: speeches, votes, resolutions, sentences."""

import re
from collections import Counter

import pytest

from pipeline.ingest import ingest
from pipeline.segment import segment
from pipeline.segment.agreement import agreement, read_reference
from pipeline.segment.resolutions import split_clauses
from pipeline.segment.sentences import sentence_spans
from pipeline.segment.verbatim import split_speeches
from pipeline.segment.votes import find_votes
from tests.conftest import need_data


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_speeches_agree_with_the_reference_segmentation(unsc_pdfs, engine):
    reference_dir = need_data("unsc-2020", "speeches")
    matched = total = 0
    for pdf in unsc_pdfs:
        record = re.search(r"PV\.(\d+)", pdf.name).group(1)
        speeches = split_speeches(ingest(pdf, engine=engine))
        m, t = agreement(speeches, read_reference(reference_dir, record))
        matched, total = matched + m, total + t
    share = matched / total
    print(f"\n{engine}: {matched}/{total} reference speeches matched ({share:.1%})")
    assert total == 221
    assert share >= 0.97


def test_speech_fields_of_s_pv_8700(pv8700):
    speeches = split_speeches(ingest(pv8700))
    assert len(speeches) == 23
    first, nebenzia, jaafari = speeches[0], speeches[1], speeches[19]
    assert (first.speaker, first.role, first.iso3) == ("The President", "president", "")
    assert (nebenzia.speaker, nebenzia.delegation, nebenzia.iso3, nebenzia.role, nebenzia.spoke_in) == (
        "Mr. Nebenzia",
        "Russian Federation",
        "RUS",
        "member",
        "Russian",
    )
    assert (jaafari.delegation, jaafari.iso3, jaafari.role) == ("Syrian Arab Republic", "SYR", "invited")
    assert (jaafari.page_start, jaafari.page_end) == (10, 12)
    assert speeches[-1].text.endswith("The meeting rose at 7.05 p.m.")


def test_the_two_votes_of_s_pv_8700(pv8700):
    votes = find_votes(ingest(pv8700))
    by_vote = {}
    for v in votes:
        by_vote.setdefault(v.vote_seq, []).append(v)
    amendment, draft = by_vote[1], by_vote[2]
    assert Counter(v.vote for v in amendment) == {"yes": 3, "no": 7, "abstain": 5}
    assert {v.subject for v in amendment} == {"oral amendment proposed by the Russian Federation"}
    assert {(v.outcome, v.resolution) for v in amendment} == {("not adopted", "")}
    assert sorted(v.iso3 for v in amendment if v.vote == "yes") == ["CHN", "RUS", "VNM"]
    assert Counter(v.vote for v in draft) == {"yes": 11, "abstain": 4}
    assert {(v.subject, v.outcome, v.resolution) for v in draft} == {("S/2020/24", "adopted", "2504 (2020)")}
    assert sorted(v.iso3 for v in draft if v.vote == "abstain") == ["CHN", "GBR", "RUS", "USA"]
    assert all(v.iso3 for v in votes)
    assert len(votes) == 30


def test_a_veto_is_recognised(sample_dir):
    votes = find_votes(ingest(sample_dir / "sample-verbatim-record-9990.pdf"))
    assert {v.outcome for v in votes} == {"vetoed"}
    assert [v.iso3 for v in votes if v.vote == "no"] == ["RUS"]


def test_refrain_clauses_of_resolutions_418_and_713():
    res418 = split_clauses(ingest(need_data("unsc-resolutions", "S_RES_0418_1977_EN_GOLD.txt")))
    para2 = next(c for c in res418 if c.kind == "operative" and c.para == "2")
    assert para2.refrain and para2.verb == "Decides" and para2.target == "ZAF"
    assert (para2.addressee, para2.mode, para2.assistance) == ("all States", "cease", "military")
    assert [c.para for c in res418 if c.kind == "operative"] == [str(n) for n in range(1, 8)]
    res713 = split_clauses(ingest(need_data("unsc-resolutions", "S_RES_0713_1991_EN_GOLD.txt")))
    ops = [c for c in res713 if c.kind == "operative"]
    assert [c.para for c in ops] == [str(n) for n in range(1, 9)]  # "S." is read back as 5
    para6 = ops[5]
    assert para6.refrain and para6.target == "YUG" and para6.mode == "embargo"
    assert not any(c.refrain for c in ops if c.para != "6")
    assert ops[-1].text == "Decides to remain seized of the matter until a peaceful solution is achieved."


def test_operative_numbering_follows_the_text_across_all_resolutions():
    folder = need_data("unsc-resolutions")
    agree = total = 0
    for path in sorted(folder.glob("*.txt")):
        doc = ingest(path)
        ops = [c for c in split_clauses(doc) if c.kind == "operative"]
        numbers = [int(c.para) for c in ops]
        # Numbered as printed: increasing from 1, a gap only where OCR made a number unreadable.
        assert numbers == sorted(set(numbers)) and (not numbers or numbers[0] == 1)
        assert all(b - a <= 2 for a, b in zip(numbers, numbers[1:]))
        # Independent count: the largest plainly printed paragraph number.
        printed = [int(n) for n in re.findall(r"^\s*(\d{1,2})\.\s+[A-Z][a-z]+s\b", "\n".join(doc.page_texts), re.M)]
        total += 1
        agree += (max(printed) if printed else 0) == (numbers[-1] if numbers else 0)
    print(f"\noperative paragraph count agrees with the printed numbers in {agree}/{total} resolutions")
    assert agree / total >= 0.9


def test_sentences_keep_abbreviations_and_symbols_whole():
    text = (
        "Mr. Nebenzia spoke on para. 6 of No. 5 and art. 16 of the Articles. "
        "We adopted resolution 2504 (2020). The Council, e.g. its members, agreed.\n\nAdoption of the agenda\n\nThe agenda was adopted."
    )
    spans = sentence_spans([text])[0]
    assert [text[a:b] for a, b in spans] == [
        "Mr. Nebenzia spoke on para. 6 of No. 5 and art. 16 of the Articles.",
        "We adopted resolution 2504 (2020).",
        "The Council, e.g. its members, agreed.",
        "Adoption of the agenda",
        "The agenda was adopted.",
    ]


def test_sentences_know_their_speech_page_and_offsets(pv8700):
    doc = ingest(pv8700)
    parts = segment(doc)
    text = "\n".join(doc.page_texts)
    assert len(parts.speeches) == 23 and len(parts.votes) == 30
    for s in parts.sentences:
        assert " ".join(text[s.start : s.end].split()) == s.text
    russian = [s for s in parts.sentences if s.seq == 2]
    assert russian[0].speaker_iso3 == "RUS" and russian[0].page == 2
    assert {s.seq for s in parts.sentences} == set(range(1, 24))
