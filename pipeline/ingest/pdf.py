"""PDF text, page by page, in reading order, through two engines.

* ``pdfium`` (pypdfium2): fast; PDFium's text page already follows the UN
  two-column reading order.  It marks a hyphen at a line end with U+FFFE and
  joins the two lines, which :func:`pipeline.ingest.clean.clean_page` resolves.
* ``pdfplumber``: the user's reference engine.  Plain ``extract_text`` on a
  UN record interleaves the columns line by line, so each page is cropped into
  its running header, its two columns and its footer, read in that order.

``auto`` takes pdfium when its text layer is usable and pdfplumber otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.errors import PdfError

ENGINES = ("auto", "pdfium", "pdfplumber")


def read_pdf(path: str | Path, engine: str = "auto") -> tuple[list[str], str]:
    """Return the raw text of each page and the engine that read them.

    Raises :class:`PdfError` with a one-line reason for encrypted, corrupt,
    empty or image-only files.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine in ("auto", "pdfium"):
        pages = _pdfium_pages(path)
        # An empty layer is empty for pdfplumber too: only garbled text is worth a second engine.
        if engine == "pdfium" or _usable(pages) or not _has_text(pages):
            _require_text(pages)
            return pages, "pdfium"
    pages = _pdfplumber_pages(path)
    _require_text(pages)
    return pages, "pdfplumber"


def page_count(path: str | Path) -> int:
    """The number of pages of a PDF (read with pypdfium2)."""
    pdf = _open_pdfium(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _open_pdfium(path: str | Path) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise PdfError("encrypted PDF: a password is needed to read it") from None
        detail = message.split(":")[-1].strip(" .)") or "corrupt"
        raise PdfError(f"not a readable PDF ({detail})") from None


def _pdfium_pages(path: str | Path) -> list[str]:
    pdf = _open_pdfium(path)
    try:
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


def _pdfplumber_pages(path: str | Path) -> list[str]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(str(path))
    except PDFPasswordIncorrect:
        raise PdfError("encrypted PDF: a password is needed to read it") from None
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises many kinds on bad bytes
        raise PdfError(f"not a readable PDF ({type(exc).__name__})") from None
    with pdf:
        return [_plumber_page_text(page) for page in pdf.pages]


# Header and footer bands of a UN page, as fractions of its height: the running
# header sits at 7-9% and the job-number footer at 91% of a Letter page.
_HEADER = 0.095
_FOOTER = 0.895


def _plumber_page_text(page: Any) -> str:
    width, height = page.width, page.height
    words = page.extract_words(use_text_flow=False, keep_blank_chars=False)
    if not words:
        return ""
    top, bottom = height * _HEADER, height * _FOOTER
    body = [w for w in words if top <= w["top"] < bottom]
    mid = width / 2
    crossing = sum(1 for w in body if w["x0"] < mid - 1 < w["x1"])
    left = sum(1 for w in body if w["x1"] <= mid)
    right = sum(1 for w in body if w["x0"] >= mid)
    two_columns = body and crossing <= max(1, len(body) // 200) and left > 20 and right > 20
    if not two_columns:
        return page.extract_text() or ""
    parts = [
        page.crop((0, 0, width, top)).extract_text(),
        page.crop((0, top, mid, bottom)).extract_text(),
        page.crop((mid, top, width, bottom)).extract_text(),
        page.crop((0, bottom, width, height)).extract_text(),
    ]
    return "\n".join(p for p in parts if p)


def _usable(pages: list[str]) -> bool:
    """PDFium's layer is usable when it yields real words, not glyph soup."""
    text = "".join(pages)
    if len(text.strip()) < 20:
        return False
    letters = sum(c.isalpha() for c in text)
    odd = text.count("\ufffd")
    return letters / max(1, len(text)) > 0.5 and odd < len(text) * 0.01


def _has_text(pages: list[str]) -> bool:
    return sum(len(p.strip()) for p in pages) >= 20


def _require_text(pages: list[str]) -> None:
    if not pages:
        raise PdfError("PDF has no pages")
    if not _has_text(pages):
        raise PdfError("no text layer (scanned or image-only PDF); OCR it first")
