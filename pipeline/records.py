"""The plain records that flow between the stages.

ingest makes a :class:`Document`; segment makes :class:`Speech`, :class:`Vote`,
:class:`Clause` and :class:`Sentence`; classify turns sentences into
:class:`Evidence`; any stage may record an :class:`Error` for one input file.
Field names are the column names of the output tables in SPEC.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Any


@dataclass
class Document:
    """One input file as read: identity, metadata from its first page, and its pages' text (a
    ``documents.csv`` row).
    """

    doc_id: str
    path: str
    sha256: str
    symbol: str = ""
    body: str = ""
    doc_type: str = "other"
    date: str = ""
    title: str = ""
    pages: int = 0
    language: str = ""
    engine: str = ""
    status: str = "ok"
    error: str = ""
    # Not written to documents.csv: the text itself and what file names tell.
    page_texts: list[str] = field(default_factory=list, repr=False)
    speaker_iso3: str = ""  # General Debate files name their State

    TABLE_COLUMNS = ("doc_id path sha256 symbol body doc_type date title pages language engine status error").split()

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.TABLE_COLUMNS}


@dataclass
class Speech:
    """One statement in a record, with its speaker, delegation, role and pages (a ``speeches.csv`` row)."""

    doc_id: str
    symbol: str
    seq: int
    speaker: str
    delegation: str
    iso3: str
    role: str
    spoke_in: str
    page_start: int
    page_end: int
    n_words: int
    text: str
    start: int = 0  # character offsets of the text in the document's text (not columns)
    end: int = 0

    TABLE_COLUMNS = ("doc_id symbol seq speaker delegation iso3 role spoke_in page_start page_end n_words text").split()

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.TABLE_COLUMNS}


@dataclass
class Vote:
    """One State's vote on one decision (a ``votes.csv`` row)."""

    doc_id: str
    symbol: str
    vote_seq: int
    subject: str
    outcome: str
    resolution: str
    state: str
    iso3: str
    vote: str
    page: int = 0
    source: str = "list"  # "list": named in the record's lists; "cover page": a unanimous vote without lists

    TABLE_COLUMNS = "doc_id symbol vote_seq subject outcome resolution state iso3 vote source".split()

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.TABLE_COLUMNS}


@dataclass
class Decision:
    """One decision taken in a meeting, with how it was taken and the counts (a ``decisions.csv`` row).

    ``method`` is ``recorded vote``, ``show of hands``, ``without a vote`` or
    ``consensus``; the counts are those of the lists where the record prints
    them, else those the President announces, else empty.
    """

    doc_id: str
    symbol: str
    seq: int
    subject: str
    outcome: str
    resolution: str
    method: str
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    page: int = 0

    TABLE_COLUMNS = "doc_id symbol seq subject outcome resolution method yes no abstain page".split()

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.TABLE_COLUMNS}


@dataclass
class Clause:
    """One paragraph of a resolution, with its refrain flag and slots (a ``clauses.csv`` row)."""

    doc_id: str
    symbol: str
    para: str
    kind: str  # "preambular" or "operative"
    verb: str
    text: str
    refrain: bool = False
    addressee: str = ""
    mode: str = ""
    assistance: str = ""
    target: str = ""
    page: int = 1
    legal_basis: str = ""
    situation: str = ""

    TABLE_COLUMNS = (
        "doc_id symbol para kind verb text refrain addressee mode assistance target legal_basis situation"
    ).split()

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.TABLE_COLUMNS}


@dataclass
class Sentence:
    """One sentence of a speech with its page and offsets (a ``sentences.parquet`` row, before its stance)."""

    sentence_id: str
    doc_id: str
    seq: int  # speech number; 0 where the document has no speeches
    page: int
    start: int  # character offsets in the document's text
    end: int
    text: str
    context: str = ""
    speaker: str = ""  # delegation as printed
    speaker_iso3: str = ""

    TABLE_COLUMNS = "sentence_id doc_id seq page start end speaker speaker_iso3 text context".split()

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.TABLE_COLUMNS}


@dataclass
class Evidence:
    """One sentence the stance model did not call ``none``, with its slots and where it is (an
    ``evidence.csv`` row).
    """

    evidence_id: str
    doc_id: str
    symbol: str
    date: str
    year: str
    speaker: str
    speaker_iso3: str
    stance: str
    confidence: float
    assister: str
    assisted: str
    assistance: str
    violation: str
    legal_basis: str
    page: int
    sentence: str
    context: str
    model: str
    situation: str = ""

    TABLE_COLUMNS = (
        "evidence_id doc_id symbol date year speaker speaker_iso3 stance confidence assister "
        "assisted assistance violation legal_basis situation page sentence context model"
    ).split()

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.TABLE_COLUMNS}


@dataclass
class Error:
    """Why one input, or one part of it, did not come out (an ``errors.csv`` row)."""

    path: str
    stage: str
    reason: str

    TABLE_COLUMNS = ("path", "stage", "reason")

    def row(self) -> dict[str, Any]:
        return asdict(self)


def columns(record_type: type) -> list[str]:
    """Output columns of a record type, in table order."""
    return list(record_type.TABLE_COLUMNS)  # type: ignore[attr-defined]


# -- the seams between stages -------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One file for a worker: what ``process_file`` reads."""

    path: str
    sha256: str
    engine: str = "auto"
    model_path: str | None = None


@dataclass(frozen=True)
class Unit:
    """A stretch of a document's text spoken for one State: a speech, or the whole document."""

    seq: int  # speech number; 0 where the document has no speeches
    start: int  # character offsets in the document's text
    end: int
    speaker: str  # delegation as printed (or the organ, for a resolution)
    speaker_iso3: str


# -- the cached tables: one definition of each (columns and Arrow types) -----------

# Every table a document's results are cached in, in the order they are written.
TABLES = ("documents", "speeches", "decisions", "votes", "clauses", "sentences", "evidence", "errors")

# evidence.csv: the cached columns, then the review state a corrections file gives
# (``unreviewed``, ``confirmed``, ``corrected``, ``added``) and the model's own stance.
EVIDENCE_COLUMNS = [*Evidence.TABLE_COLUMNS, "review", "model_stance"]

# The files ``d2r run`` writes into ``--out`` (beside report.html): each cached
# table but the sentences as CSV, the two tables counted from the evidence, and
# the sentences with their stances as Parquet.
OUTPUT_FILES = (
    *(f"{t}.csv" for t in TABLES if t != "sentences"),
    "states.csv",
    "accusations.csv",
    "sentences.parquet",
)

# The columns of sentences.parquet: a sentence with the stance it was given.
SENTENCE_COLUMNS = [
    "sentence_id",
    "doc_id",
    "seq",
    "page",
    "start",
    "end",
    "speaker_iso3",
    "stance",
    "confidence",
    "text",
]
ERROR_COLUMNS = ["path", "stage", "reason", "doc_id"]  # cached errors keep the document they belong to


def _schema(record_type: type, extra: dict[str, str] | None = None, names: list[str] | None = None) -> Any:
    import pyarrow as pa

    arrow = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    types = {f.name: f.type for f in fields(record_type)}
    out = []
    for name in names or columns(record_type):
        kind = str((extra or {}).get(name) or types.get(name, "str")).split(" ")[0]
        out.append(pa.field(name, arrow.get(kind, pa.string())))
    return pa.schema(out)


@lru_cache(maxsize=1)
def schemas() -> dict[str, Any]:
    """The Arrow schema of every cached table.

    Built on first use: pyarrow is imported after the workers have started, not before.
    """
    import pyarrow as pa

    return {
        "documents": _schema(Document),
        "speeches": _schema(Speech),
        "decisions": _schema(Decision),
        "votes": _schema(Vote),
        "clauses": _schema(Clause),
        "sentences": _schema(Sentence, {"stance": "str", "confidence": "float"}, SENTENCE_COLUMNS),
        "evidence": _schema(Evidence),
        "errors": pa.schema([pa.field(name, pa.string()) for name in ERROR_COLUMNS]),
    }


__all__ = [
    "Document",
    "Speech",
    "Vote",
    "Decision",
    "Clause",
    "Sentence",
    "Evidence",
    "Error",
    "Task",
    "Unit",
    "TABLES",
    "SENTENCE_COLUMNS",
    "ERROR_COLUMNS",
    "columns",
    "schemas",
]
