"""Decisions and votes in every form the records take, and resolutions of both organs.

The forms are written by ``tests/un_forms.py`` in the UN's layout (the
commonest, a unanimous vote without lists, first); the real S/PV.8700 keeps
its two recorded votes.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.ingest import ingest
from pipeline.segment import segment
from tests import un_forms
from tests.helpers import d2r


def _read(path):
    doc = ingest(path)
    return doc, segment(doc)


def test_a_unanimous_vote_without_lists_gives_the_cover_page_members(tmp_path):
    _, parts = _read(un_forms.unanimous_without_list(tmp_path))
    [decision] = parts.decisions
    assert (decision.method, decision.outcome, decision.resolution) == ("show of hands", "adopted", "2771 (2025)")
    assert (decision.yes, decision.no, decision.abstain) == (15, 0, 0)
    assert decision.subject == "S/2025/120"
    assert len(parts.votes) == 15 and {v.vote for v in parts.votes} == {"yes"}
    assert {v.source for v in parts.votes} == {"cover page"}
    assert {v.state for v in parts.votes} == set(un_forms.FIFTEEN)  # the President's State included
    assert all(v.iso3 for v in parts.votes) and not parts.errors


def test_a_unanimous_vote_with_only_the_in_favour_list(tmp_path):
    _, parts = _read(un_forms.unanimous_with_list(tmp_path))
    [decision] = parts.decisions
    assert (decision.yes, decision.no, decision.abstain, decision.resolution) == (15, 0, 0, "2772 (2025)")
    assert sorted(v.state for v in parts.votes) == un_forms.FIFTEEN
    assert {v.source for v in parts.votes} == {"list"} and not parts.errors


def test_several_votes_in_one_meeting_and_an_announced_count_that_disagrees(tmp_path):
    doc, parts = _read(un_forms.several_votes(tmp_path))
    rows = [(d.seq, d.subject, d.outcome, d.resolution, d.yes, d.no, d.abstain) for d in parts.decisions]
    assert rows == [
        (1, "oral amendment proposed by the Russian Federation", "not adopted", "", 2, 10, 3),
        (2, "S/2025/140", "adopted", "2773 (2025)", 13, 0, 2),
        (3, "S/2025/141", "adopted", "2774 (2025)", 15, 0, 0),
    ]
    assert [sum(v.vote_seq == n for v in parts.votes) for n in (1, 2, 3)] == [15, 15, 15]
    [error] = parts.errors  # the second: 14 announced, 13 listed
    assert error.stage == "votes" and "S/PV.9103 decision 2" in error.reason
    assert "announced 14 in favour" in error.reason and "the lists name 13, 0, 2" in error.reason


def test_a_general_assembly_record_its_decisions_and_rights_of_reply(tmp_path):
    doc, parts = _read(un_forms.ga_plenary(tmp_path))
    assert (doc.symbol, doc.body, doc.doc_type) == ("A/79/PV.45", "General Assembly", "verbatim_record")
    rows = [(d.method, d.subject, d.outcome, d.resolution, d.yes, d.no, d.abstain) for d in parts.decisions]
    assert rows == [
        ("recorded vote", "A/79/L.20", "adopted", "79/81", 10, 2, 3),
        ("without a vote", "A/79/L.21", "adopted", "79/82", None, None, None),
        ("consensus", "A/79/L.22", "adopted", "79/510", None, None, None),
        ("recorded vote", "operative paragraph 5 of A/79/L.23", "adopted", "", 8, 2, 5),
        ("recorded vote", "A/79/L.23", "adopted", "79/83", 10, 2, 0),
    ]
    israel = [v for v in parts.votes if v.iso3 == "ISR"]
    assert [v.vote for v in israel] == ["no", "no", "no"] and not parts.errors
    roles = [(s.iso3, s.role) for s in parts.speeches if s.iso3]
    assert roles == [("EGY", "member"), ("ISR", "right of reply"), ("EGY", "right of reply")]


@pytest.mark.parametrize("emergency", [False, True])
def test_general_assembly_resolutions_give_their_paragraphs_and_refrain_clauses(tmp_path, emergency):
    doc, parts = _read(un_forms.ga_resolution(tmp_path, emergency=emergency))
    assert doc.symbol == ("A/RES/ES-11/7" if emergency else "A/RES/79/81") and doc.doc_type == "resolution"
    operative = [c for c in parts.clauses if c.kind == "operative"]
    assert [c.para for c in operative] == ["1", "2", "3", "4", "5", "6"]
    refrain = {c.para: c.mode for c in operative if c.refrain}
    assert refrain.get("2") == "refrain" and refrain.get("3") == "non-recognition"
    assert not parts.errors


def test_a_gap_in_the_numbering_is_an_error_row(tmp_path):
    _, parts = _read(un_forms.ga_resolution(tmp_path, skip=4))
    assert [c.para for c in parts.clauses if c.kind == "operative"] == ["1", "2", "3", "5", "6"]
    [error] = parts.errors
    assert error.stage == "clauses" and "operative paragraph 4 not found" in error.reason


def test_a_paragraph_whose_number_was_read_as_a_comma_comes_out(tmp_path):
    # S/RES/282 (1970) prints "4, Calls upon all States to strengthen the arms embargo": paragraph 4 was lost.
    from tests.conftest import need_data

    path = need_data("unsc-resolutions", "S_RES_0282_1970_EN_GOLD.txt")
    _, parts = _read(path)
    four = next(c for c in parts.clauses if c.kind == "operative" and c.para == "4")
    assert four.text.startswith("Calls upon all States to strengthen the arms embargo")
    assert not parts.errors


def test_the_real_record_keeps_its_two_votes(pv8700):
    _, parts = _read(pv8700)
    rows = [(d.method, d.outcome, d.resolution, d.yes, d.no, d.abstain) for d in parts.decisions]
    assert rows == [
        ("show of hands", "not adopted", "", 3, 7, 5),
        ("show of hands", "adopted", "2504 (2020)", 11, 0, 4),
    ]
    assert len(parts.votes) == 30 and not parts.errors  # the President's counts agree with the lists


def test_decisions_csv_and_the_count_check_reach_the_run_folder(tmp_path):
    inputs = tmp_path / "in"
    un_forms.unanimous_without_list(inputs)
    un_forms.several_votes(inputs)
    un_forms.ga_plenary(inputs)
    out = tmp_path / "out"
    d2r("run", inputs, "--out", out, "-q")
    decisions = pd.read_csv(out / "decisions.csv", keep_default_na=False)
    assert list(decisions.columns) == "doc_id symbol seq subject outcome resolution method yes no abstain page".split()
    assert len(decisions) == 1 + 3 + 5
    assert decisions["method"].value_counts().to_dict() == {
        "show of hands": 4,
        "recorded vote": 3,
        "without a vote": 1,
        "consensus": 1,
    }
    votes = pd.read_csv(out / "votes.csv")
    assert (votes["source"] == "cover page").sum() == 30  # S/PV.9101 and the third vote of S/PV.9103
    errors = pd.read_csv(out / "errors.csv")
    assert list(errors["stage"]) == ["votes"] and errors["path"].str.endswith("S_PV.9103_E.txt").all()
    documents = pd.read_csv(out / "documents.csv")
    assert (documents["status"] == "ok").all()  # a count that disagrees does not drop the record
