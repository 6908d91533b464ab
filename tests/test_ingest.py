"""Ingest: both PDF engines on real records, metadata, encodings, HTML."""

import re

import pytest

from pipeline.errors import InputError
from pipeline.ingest import ingest
from pipeline.ingest.clean import clean_page, join_hyphens
from pipeline.ingest.metadata import detect_language
from pipeline.ingest.pdf import read_pdf
from pipeline.ingest.text import decode, read_html


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_two_columns_come_out_in_reading_order(pv8700, engine):
    doc = ingest(pv8700, engine=engine)
    assert doc.engine == engine
    page3 = doc.page_texts[2]
    # The left column's vote block is whole and comes before the right column's French statement.
    block = page3.index("A vote was taken by show of hands.")
    assert page3.index("Abstaining:") > block
    assert page3.index("Mrs. Gueguen (France)") > page3.index("I now give the floor to those members")
    # Interleaved columns would put right-column words on the lines of the left one.
    assert "provisional rules of procedure states, inter alia, the following:" in page3.replace("\n", " ")


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_running_headers_and_footers_are_removed(pv8700, engine):
    doc = ingest(pv8700, engine=engine)
    text = "\n".join(doc.page_texts[1:])
    assert "S/PV.8700 The situation in the Middle East 10/01/2020" not in text
    assert not re.search(r"^\d+/12 20-00806$", text, re.M)
    assert not re.search(r"^20-00806 \d+/12$", text, re.M)
    assert "*2000806*" not in "\n".join(doc.page_texts)


def test_hyphenated_line_ends_are_joined(pv8700):
    doc = ingest(pv8700, engine="pdfplumber")
    text = " ".join(doc.page_texts)
    assert "Secretary-General" in text
    assert "Secretary-\nGeneral" not in "\n".join(doc.page_texts)
    assert join_hyphens(["the instru-\nmentalization of aid", "instrumentalization"])[0].startswith(
        "the instrumentalization"
    )
    assert join_hyphens(["the cross-\nborder mechanism, cross-border"])[0].startswith("the cross-border")


def test_auto_engine_picks_pdfium_for_a_good_text_layer(pv8700):
    pages, engine = read_pdf(pv8700, "auto")
    assert engine == "pdfium" and len(pages) == 12


def test_metadata_of_a_verbatim_record(pv8700):
    doc = ingest(pv8700)
    assert (doc.symbol, doc.body, doc.doc_type, doc.date, doc.pages, doc.language) == (
        "S/PV.8700",
        "Security Council",
        "verbatim_record",
        "2020-01-10",
        12,
        "en",
    )
    assert doc.title == "The situation in the Middle East"


def test_metadata_of_general_debate_and_resolution_files():
    from tests.conftest import need_data

    gd = ingest(need_data("ungdc", "Session 71 - 2016", "SYR_71_2016.txt"))
    assert (gd.speaker_iso3, gd.date, gd.doc_type, gd.body) == ("SYR", "2016", "statement", "General Assembly")
    res = ingest(need_data("unsc-resolutions", "S_RES_0418_1977_EN_GOLD.txt"))
    assert (res.symbol, res.doc_type, res.date) == ("S/RES/418 (1977)", "resolution", "1977-11-04")


def test_symbols_from_text(tmp_path):
    path = tmp_path / "record.txt"
    path.write_text(
        "United Nations S/PV.8699 (Resumption 1)\nSecurity Council\nThursday, 9 January 2020\n"
        "The Council considered the item and the members of the Council spoke.",
        encoding="utf-8",
    )
    doc = ingest(path)
    assert doc.symbol == "S/PV.8699 (Resumption 1)" and doc.date == "2020-01-09"
    path.write_text(
        "Resolution A/RES/76/262 adopted by the General Assembly on 26 April 2022 and the text of the resolution",
        encoding="utf-8",
    )
    assert ingest(path).symbol == "A/RES/76/262"


def test_encodings_are_decoded():
    text = "Côte d'Ivoire and Türkiye reaffirmed that the arms embargo must be respected."
    assert decode(text.encode("utf-8")) == text
    assert decode(text.encode("utf-16")) == text
    assert decode(text.encode("utf-16-le")) == text
    assert decode(text.encode("latin-1", errors="replace")).startswith("Côte d'Ivoire")
    # A stray invalid byte in a long UTF-8 text is marked, not a reason to read it all as cp1252.
    long_utf8 = "Türkiye ".encode() + b"The Council \xff decided that " + b"and the members agreed. " * 200
    assert decode(long_utf8).startswith("Türkiye The Council \ufffd decided")


def test_binary_is_not_text():
    with pytest.raises(InputError, match="binary"):
        decode(bytes(range(256)) * 20)


def test_html_drops_scripts_and_keeps_title():
    html = b"<html><head><title>Statement</title><script>alert('x')</script></head><body><p>We call upon all States to refrain from arming the junta.</p><script>document.write('evil')</script></body></html>"
    pages, title = read_html(html)
    assert title == "Statement"
    assert "refrain from arming the junta" in pages[0]
    assert "alert" not in pages[0] and "evil" not in pages[0]


def test_language_is_detected():
    assert (
        detect_language("The Security Council decided that all States shall refrain from the supply of arms.") == "en"
    )
    assert (
        detect_language(
            "Le Conseil de sécurité a décidé que tous les États doivent cesser la fourniture des armes et que nous"
        )
        == "fr"
    )


def test_non_english_is_recorded_and_skipped(tmp_path):
    path = tmp_path / "discours.txt"
    path.write_text(
        "Le Conseil de sécurité décide que tous les États doivent cesser la fourniture des armes, et nous le disons pour la paix dans la région."
        * 3,
        encoding="utf-8",
    )
    doc = ingest(path)
    assert doc.status == "skipped" and "language fr" in doc.error


def test_clean_page_keeps_body_lines():
    page = "S/PV.8700 The situation in the Middle East 10/01/2020\n2/12 20-00806\nThe President: Text.\n"
    assert clean_page(page) == "The President: Text."
