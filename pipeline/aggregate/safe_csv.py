"""CSV that spreadsheets open cleanly and never execute.

OWASP's CSV-injection guidance: a cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with a single quote so that
Excel, LibreOffice and Google Sheets show it as text.  Numbers stay numbers.
Files are written atomically (temporary file, then rename).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from pipeline.files import atomic_write_text

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell a spreadsheet will not run as a formula: text opening with = + - @ or a control character gets
    a leading apostrophe.
    """
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """The original text of a neutralised cell (for checks that read our own CSVs)."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in _TRIGGERS:
        return value[1:]
    return value


def write_csv(frame: pd.DataFrame, path: str | Path, columns: list[str]) -> None:
    """Write ``frame`` with exactly ``columns``, text cells neutralised, atomically."""
    frame = frame.reindex(columns=columns)
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(neutralise)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    atomic_write_text(path, buffer.getvalue())
