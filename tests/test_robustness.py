"""Hostile and broken inputs, interrupted runs, parsers under arbitrary text."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.countries import to_iso3
from pipeline.errors import InputError
from pipeline.ingest.metadata import read_metadata
from pipeline.ingest.text import decode
from pipeline.records import Document
from pipeline.segment import segment
from pipeline.segment.resolutions import split_clauses
from pipeline.segment.verbatim import split_speeches
from pipeline.segment.votes import find_votes
from tests.conftest import need_data
from tests.helpers import ROOT, d2r, digests


def _text_pdf(path, pages=1, text="The Security Council met and the members spoke about the arms embargo."):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for n in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"{text} Page {n + 1}.")
    pdf.output(str(path))


def _image_only_pdf(path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for i in range(40):
        pdf.rect(10 + i, 10 + i, 100, 50, style="F")
    pdf.output(str(path))


def _encrypted_pdf(source, path):
    import pikepdf

    with pikepdf.open(source) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user="secret", owner="owner", R=6))


def _huge_stream_pdf(path):
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    ops = (
        b"BT /F1 12 Tf 72 712 Td (The Council decided that all States shall cease the supply of arms.) Tj ET\n"
        + b"0 0 m 1 1 l S\n" * 1_500_000
    )
    pdf.pages[0].Contents = pdf.make_stream(ops)
    pdf.save(path)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    sample = ROOT / "corpora" / "sample" / "sample-verbatim-record-9990.pdf"
    good = sample.read_bytes()
    (root / "empty.pdf").write_bytes(b"")
    (root / "truncated.pdf").write_bytes(good[: len(good) // 2])
    (root / "random.pdf").write_bytes(os.urandom(50_000))
    (root / "random-with-header.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(50_000))
    _encrypted_pdf(sample, root / "encrypted.pdf")
    _image_only_pdf(root / "scanned.pdf")
    _text_pdf(root / "many pages.pdf", pages=3000)
    _huge_stream_pdf(root / "huge-stream.pdf")
    statement = "We call upon all States to refrain from supplying arms to the junta in Côte d'Ivoire.\n"
    (root / "latin1.txt").write_bytes(statement.encode("latin-1"))
    (root / "utf16.txt").write_bytes(statement.encode("utf-16"))
    (root / "invalid-utf8.txt").write_bytes(statement.encode() + b"\xff\xfe\xfa" + statement.encode() * 100)
    (root / "one-line.txt").write_text("The Council met again and the members spoke. " * 140_000, encoding="utf-8")
    nested = "<div>" * 5000 + "We urge all States to stop arming the militias." + "</div>" * 5000
    (root / "nested.html").write_text(
        f"<html><head><script>while(1){{}}</script></head><body>{nested}<script>alert(1)</script></body></html>"
    )
    (root / "notes.docx").write_bytes(os.urandom(2000))
    (root / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (root / "Déclaration de l'État.txt").write_text(
        "The delegation of Türkiye reaffirmed that no State may arm terrorist groups.", encoding="utf-8"
    )
    (root / "folder.pdf").mkdir()
    (root / "folder.pdf" / "inside.txt").write_text("Certain States continue to finance the rebels.", encoding="utf-8")
    (root / ".hidden.txt").write_text("hidden")
    (root / "link.txt").symlink_to(root / "latin1.txt")
    (root / "zcopies").mkdir()
    (root / "zcopies" / "latin1.txt").write_bytes(statement.encode("latin-1"))
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling.txt").symlink_to(root / "nowhere.txt")
    return root


def test_a_folder_of_hostile_files_is_fully_accounted_for(hostile, tmp_path):
    out = tmp_path / "out"
    started = time.monotonic()
    proc = d2r("run", hostile, "--out", out, "--time-limit", "60", "--workers", "2", "-q", timeout=600)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False)
    errors = pd.read_csv(out / "errors.csv", keep_default_na=False)
    files = set()
    for dirpath, dirnames, filenames in os.walk(hostile):
        dirnames[:] = [d for d in dirnames if d != "loop"]
        files |= {os.path.join(dirpath, f) for f in filenames}
    in_docs, in_errors = set(documents["path"]), set(errors["path"])
    assert not in_docs & in_errors, in_docs & in_errors
    assert files <= in_docs | in_errors, files - (in_docs | in_errors)
    reasons = dict(zip(errors["path"], errors["reason"]))
    p = lambda name: str(hostile / name)
    assert "empty" in reasons[p("empty.pdf")]
    assert "encrypted" in reasons[p("encrypted.pdf")]
    assert "no text layer" in reasons[p("scanned.pdf")]
    assert "unsupported file type .docx" in reasons[p("notes.docx")]
    assert "binary" in reasons[p("binary.txt")]
    assert "hidden" in reasons[p(".hidden.txt")]
    assert "broken symbolic link" in reasons[p("dangling.txt")]
    assert "loop" in reasons[p("loop")]
    for name in ("truncated.pdf", "random.pdf", "random-with-header.pdf"):
        assert name in " ".join(errors["path"]) or name in " ".join(documents["path"])
    status = dict(zip(documents["path"], documents["status"]))
    assert reasons[p("truncated.pdf")].startswith("not a readable PDF")
    for name in (
        "latin1.txt",
        "utf16.txt",
        "invalid-utf8.txt",
        "one-line.txt",
        "nested.html",
        "huge-stream.pdf",
        "Déclaration de l'État.txt",
        "folder.pdf/inside.txt",
        "many pages.pdf",
    ):
        assert status[p(name)] == "ok", name
    assert status[p("link.txt")] == "ok"  # a link is followed and read under its own name
    assert status[p("zcopies/latin1.txt")] == "duplicate"  # same name and bytes as latin1.txt
    pages = dict(zip(documents["path"], documents["pages"]))
    assert pages[p("many pages.pdf")] == 3000
    html = (out / "report.html").read_text()
    assert "alert(1)" not in html
    print(f"\nhostile folder: {len(documents)} documents, {len(errors)} errors in {elapsed:.1f} s")


def test_a_file_over_the_time_limit_is_stopped_and_the_run_goes_on(hostile, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _huge_stream_pdf(folder / "slow.pdf")  # pdfplumber needs minutes for its 1.5 million drawing operations
    (folder / "ok.txt").write_text("We call upon all States to refrain from arming the junta.", encoding="utf-8")
    out = tmp_path / "out"
    started = time.monotonic()
    d2r("run", folder, "--out", out, "--engine", "pdfplumber", "--time-limit", "3", "-q")
    assert time.monotonic() - started < 60
    errors = pd.read_csv(out / "errors.csv")
    assert list(errors["path"]) == [str(folder / "slow.pdf")]
    assert "time limit" in errors["reason"][0]
    assert list(pd.read_csv(out / "documents.csv")["path"]) == [str(folder / "ok.txt")]
    # A time-out is not cached: the same command runs the file again (and it times out again).
    again = d2r("run", folder, "--out", out, "--engine", "pdfplumber", "--time-limit", "3", "-q")
    assert "1 processed, 1 from cache" in again.stdout
    assert list(pd.read_csv(out / "errors.csv")["path"]) == [str(folder / "slow.pdf")]


def test_report_escapes_document_text(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.txt").write_text(
        "<script>alert('x')</script> Certain States continue to arm and finance the terrorist groups in Syria.",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    d2r("run", folder, "--out", out, "-q")
    html = (out / "report.html").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_killed_runs_resume_to_identical_tables(tmp_path):
    session = need_data("ungdc", "Session 70 - 2015")
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in sorted(session.glob("*.txt"))[:40]:
        (inputs / path.name).symlink_to(path)
    reference = tmp_path / "reference"
    d2r("run", inputs, "--out", reference, "--batch", "4", "-q")
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "pipeline", "run", str(inputs), "--out", str(out), "--batch", "4", "-q"]
    for delay in (1.0, 2.5, 4.0, 6.0):
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        # No half-written file under an output name.
        for name in os.listdir(out) if out.exists() else []:
            assert not name.endswith(".tmp") or name.startswith(".")
    d2r("run", inputs, "--out", out, "--batch", "4", "-q")
    assert digests(out) == digests(reference)


# -- parsers under arbitrary text -------------------------------------------------

_UN_WORDS = st.sampled_from(
    [
        "The President:",
        "Mr. Nebenzia (Russian Federation) (spoke in Russian):",
        "In favour:",
        "Against:",
        "Abstaining:",
        "None",
        "China, Russian Federation",
        "1.",
        "2. Decides that all States shall cease",
        "(a)",
        "S/RES/2504 (2020)",
        "10 January 2020",
        "\n",
        "\n\n",
        ":",
        "(",
        ")",
        "Resolution 418 (1977)",
        "Calls upon",
        "arms",
        "embargo",
        "refrain",
        "Viet Nam",
        "S.",
        "A vote was taken by show of hands.",
        "adopted as resolution",
    ]
)
_TEXT = st.lists(st.one_of(_UN_WORDS, st.text(max_size=30)), max_size=60).map(" ".join)


def _doc(text: str, doc_type: str = "verbatim_record") -> Document:
    return Document(
        doc_id="x",
        path="x.txt",
        sha256="0" * 64,
        doc_type=doc_type,
        body="Security Council",
        page_texts=[text],
        pages=1,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_segmenters_never_raise(text):
    doc = _doc(text)
    split_speeches(doc)
    find_votes(doc)
    split_clauses(_doc(text, "resolution"))
    segment(doc)
    segment(_doc(text, "resolution"))
    segment(_doc(text, "statement"))


@settings(max_examples=150, deadline=None)
@given(_TEXT, st.sampled_from(["S_PV.8700_E", "SYR_71_2016", "S_RES_0418_1977_EN_GOLD", "x", "S_PV.8723_Resumption_1"]))
def test_metadata_never_raises(text, stem):
    meta = read_metadata(f"{stem}.txt", [text])
    assert isinstance(meta.symbol, str) and isinstance(meta.date, str)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_decode_returns_text_or_a_clear_error(data):
    try:
        assert isinstance(decode(data), str)
    except InputError as exc:
        assert "binary" in str(exc)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_country_names_never_raise(name):
    assert isinstance(to_iso3(name), str)
