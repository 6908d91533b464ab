"""Plain text and HTML: decode whatever encoding a crawler brought back."""

from __future__ import annotations

import codecs
import re

from pipeline.errors import InputError


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8, UTF-16 (with or without BOM), or a legacy 8-bit code page.

    Raises :class:`InputError` for binary content that is not text in any encoding.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    nul = data.count(b"\x00")
    if nul:
        # UTF-16 without BOM: every other byte of ASCII text is NUL.
        even, odd = data[0::2].count(b"\x00"), data[1::2].count(b"\x00")
        if odd > len(data) * 0.3 and even < len(data) * 0.05:
            return data.decode("utf-16-le", errors="replace")
        if even > len(data) * 0.3 and odd < len(data) * 0.05:
            return data.decode("utf-16-be", errors="replace")
        if nul > len(data) * 0.01:
            raise InputError("binary content, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    bad_utf8 = data.decode("utf-8", errors="replace").count("\ufffd")
    if bad_utf8 <= len(data) // 2000:
        # A few invalid bytes in otherwise good UTF-8: keep the text, mark the bytes.
        return data.decode("utf-8", errors="replace")
    text = data.decode("cp1252", errors="replace")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > len(text) * 0.01:
        raise InputError("binary content, not text")
    return text


def read_text(data: bytes) -> list[str]:
    """A text file as pages: form feeds separate pages, otherwise one page."""
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    return [p for p in text.split("\f")] or [""]


_BLOCK = re.compile(r"\n{3,}")


def read_html(data: bytes) -> tuple[list[str], str]:
    """Visible text of an HTML page (scripts, styles and templates removed) and its title."""
    from selectolax.lexbor import LexborHTMLParser

    text = decode(data)
    tree = LexborHTMLParser(text)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else ""
    for node in tree.css("script, style, noscript, template, head"):
        node.decompose()
    root = tree.body or tree.root
    if root is None:
        return [""], title
    visible = root.text(separator="\n", strip=True)
    return [_BLOCK.sub("\n\n", visible)], title
