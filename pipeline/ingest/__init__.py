"""Stage 1: files to :class:`~pipeline.records.Document` with clean page texts and metadata."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.errors import InputError, PdfError
from pipeline.ingest.clean import clean_pages
from pipeline.ingest.metadata import read_metadata
from pipeline.ingest.pdf import read_pdf
from pipeline.ingest.text import read_html, read_text
from pipeline.records import Document

SUFFIXES = {".pdf", ".txt", ".html", ".htm"}


def doc_id_for(sha256: str, name: str) -> str:
    """A document's stable identifier, from its content hash and its file name.

    The name is part of it because it carries meaning: the extension decides how
    the bytes are read, and a General Debate file's name (``SYR_71_2016.txt``)
    names its State.  Same bytes under the same name in two folders are one document.
    """
    return hashlib.sha1(f"{sha256}:{name}".encode()).hexdigest()[:16]


def ingest(path: str | Path, data: bytes | None = None, engine: str = "auto") -> Document:
    """Read one file into a :class:`Document` (clean pages and metadata).

    Raises :class:`InputError` with a one-line reason when the file cannot be
    read; non-English documents come back with ``status='skipped'``.
    """
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"unsupported file type {suffix or '(no extension)'}; d2r reads .pdf, .txt, .html")
    if not data:
        raise InputError("empty file (0 bytes)")
    pages, html_title, engine_used = _pages(path, data, suffix, engine)
    if not any(p.strip() for p in pages):
        raise InputError("no text in the file")
    meta = read_metadata(path, pages, html_title)
    doc = Document(
        doc_id=doc_id_for(sha, path.name),
        path=str(path),
        sha256=sha,
        symbol=meta.symbol,
        body=meta.body,
        doc_type=meta.doc_type,
        date=meta.date,
        title=meta.title,
        pages=len(pages),
        language=meta.language,
        engine=engine_used,
        page_texts=pages,
        speaker_iso3=meta.speaker_iso3,
    )
    if meta.language != "en":
        doc.status = "skipped"
        doc.error = f"language {meta.language}: only English documents are processed"
    return doc


def _pages(path: Path, data: bytes, suffix: str, engine: str) -> tuple[list[str], str, str]:
    """The file's page texts, the HTML title (if any) and the engine that read them."""
    if suffix == ".pdf":
        if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF" not in data[:1024]:
            raise InputError("not a PDF (no %PDF header)")
        try:
            raw_pages, engine_used = read_pdf(path, engine)
        except PdfError as exc:
            raise InputError(str(exc)) from None
        return clean_pages(raw_pages), "", engine_used
    if suffix in (".html", ".htm"):
        raw_pages, html_title = read_html(data)
        return [p.strip() for p in raw_pages], html_title, "html"
    return [p.strip("\n") for p in read_text(data)], "", "text"
