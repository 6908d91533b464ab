"""The project's exceptions, in one module every stage can import.

Each carries the one line a user reads: ``InputError`` becomes a row of
``errors.csv`` and the batch goes on; the others stop the command with that
line and a non-zero exit status.
"""

from __future__ import annotations


class InputError(Exception):
    """One input file cannot be processed; the message is the one-line reason for errors.csv."""


class PdfError(InputError):
    """A PDF that neither engine can read (encrypted, corrupt, no text layer)."""


class ModelFileError(Exception):
    """A model file that is missing, not a skops archive or spaCy model folder, holds untrusted types,
    or whose weights do not match the hashes its card records."""


class RunError(Exception):
    """A run that cannot proceed (an output folder locked by another run, a scheduler that does not answer)."""
