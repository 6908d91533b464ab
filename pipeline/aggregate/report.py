"""``report.html``: the run's story in one self-contained, offline file.

Charts are inline SVG drawn here; the only script is a few lines of inline
JavaScript that filter the evidence table.  Nothing is fetched from the
network, and every piece of document text is HTML-escaped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd

from pipeline import __version__
from pipeline.aggregate.charts import STANCES, VOTE_COLOURS, bars_by_year, network_chart
from pipeline.aggregate.charts import html_text as _e
from pipeline.aggregate.refrain_votes import STATE_ROLE, GaVotes
from pipeline.aggregate.tables import Tables
from pipeline.countries import country_name
from pipeline.files import atomic_write_text
from pipeline.paths import default_model_path


def _table(
    frame: pd.DataFrame,
    columns: list[str],
    table_id: str = "",
    limit: int | None = None,
    links: dict | None = None,
    row_id: str = "",
) -> str:
    if frame.empty:
        return "<p class='empty'>None in this run.</p>"
    rows = frame.head(limit) if limit else frame
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for row in rows.to_dict("records"):
        cells = []
        for c in columns:
            value = _e(row.get(c))
            if links and c in links:
                href = links[c](row)
                if href:
                    value = f"<a href='{_e(href)}'>{value}</a>"
            cells.append(f"<td>{value}</td>")
        ident = f" data-id='{_e(row.get(row_id))}'" if row_id else ""
        body.append(f"<tr{ident}>" + "".join(cells) + "</tr>")
    more = (
        f"<p>Showing {len(rows)} of {len(frame)} rows; the CSV has them all.</p>"
        if limit and len(frame) > limit
        else ""
    )
    ident = f" id='{table_id}'" if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def summary_counts(tables: Tables, files: int | None = None, sentences: int | None = None) -> dict[str, int]:
    """The run summary the report opens with (``files`` and ``sentences`` when the run knows them)."""
    documents = tables.documents
    counts = {} if files is None else {"files": files}
    counts.update(
        documents=int((documents["status"] == "ok").sum()) if not documents.empty else 0,
        pages=int(pd.to_numeric(documents["pages"], errors="coerce").fillna(0).sum()) if not documents.empty else 0,
        errors=len(tables.errors),
        speeches=len(tables.speeches),
        decisions=len(tables.decisions),
        votes=len(tables.votes),
        clauses=len(tables.clauses),
    )
    if sentences is not None:
        counts["sentences"] = sentences
    counts["evidence"] = len(tables.evidence)
    return counts


def write_report(out: Path, tables: Tables, counts: dict[str, Any]) -> Path:
    """Write ``out/report.html`` from the run's tables, into the page template ``report.html``."""
    out = Path(out)
    documents, evidence, states, accusations = tables.documents, tables.evidence, tables.states, tables.accusations
    clauses, votes, errors = tables.clauses, tables.votes, tables.errors
    ev = evidence.copy() if not evidence.empty else pd.DataFrame(columns=["year", "stance"])
    refrain = _refrain_by_year(clauses, documents)
    evidence_columns = [
        "symbol", "date", "speaker_iso3", "stance", "confidence", "assister", "assisted", "assistance",
        "violation", "legal_basis", "situation", "page", "sentence", "review",
    ]  # fmt: skip
    doc_link = _doc_linker(documents, out)
    html = _template().substitute(
        version=__version__,
        summary="".join(f"<div class='stat'><b>{_e(v)}</b><span>{_e(k)}</span></div>" for k, v in counts.items()),
        stances_chart=bars_by_year(ev, "Stances", stack="stance"),
        stances_table=_table(_per_state(states), ["iso3", "state", *STANCES, "total"], limit=60),
        network=network_chart(accusations),
        accusations_table=_table(
            accusations, ["accuser_iso3", "accused", "assisted", "count", "first_date", "last_date"], limit=100
        ),
        clauses_chart=bars_by_year(refrain if not refrain.empty else pd.DataFrame(columns=["year"]), "Refrain clauses"),
        clauses_table=_table(
            refrain,
            ["symbol", "para", "verb", "addressee", "mode", "assistance", "target", "legal_basis", "text"],
            limit=200,
        ),
        votes_table=_table(
            _decision_summary(tables.decisions, votes),
            ["symbol", "seq", "subject", "method", "outcome", "resolution", "yes", "no", "abstain", "states_no"],
        ),
        ga_votes=ga_votes_section(tables.ga_votes, states),
        precision_note=_precision_note(),
        evidence_table=_table(
            evidence,
            evidence_columns,
            table_id="evidence-table",
            limit=2000,
            row_id="evidence_id",
            links={"page": doc_link, "symbol": doc_link},
        ),  # fmt: skip
        errors_table=_table(errors, ["path", "stage", "reason"], limit=500),
    )
    path = out / "report.html"
    atomic_write_text(path, html)
    return path


@lru_cache(maxsize=1)
def _template() -> Template:
    """The page: HTML, CSS and the evidence filter's script, with ``$name`` slots for the run's parts."""
    return Template((resources.files("pipeline.aggregate") / "report.html").read_text(encoding="utf-8"))


def _doc_linker(documents: pd.DataFrame, out: Path) -> Callable[[dict[str, Any]], str]:
    """A row's link to its document (relative to the report) and page."""
    paths = dict(zip(documents["doc_id"], documents["path"])) if not documents.empty else {}

    def doc_link(row: dict[str, Any]) -> str:
        path = paths.get(row.get("doc_id"))
        if not path:
            return ""
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(out)).replace(os.sep, "/")
        page = row.get("page")
        return f"{rel}#page={page}" if page else rel

    return doc_link


def _refrain_by_year(clauses: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    refrain = clauses[clauses["refrain"] == True] if not clauses.empty else clauses  # noqa: E712
    if refrain.empty:
        return refrain
    dates = dict(zip(documents["doc_id"], documents["date"]))
    return refrain.assign(year=refrain["doc_id"].map(lambda d: str(dates.get(d, ""))[:4]))


def _per_state(states: pd.DataFrame) -> pd.DataFrame:
    """Stances per State as speaker, most active first."""
    if states.empty:
        return pd.DataFrame()
    speaking = states[states["role"] == "speaker"]
    per_state = speaking.pivot_table(index="iso3", columns="stance", values="count", aggfunc="sum", fill_value=0)
    per_state = per_state.reindex(columns=STANCES, fill_value=0)
    per_state["total"] = per_state.sum(axis=1)
    per_state = per_state.sort_values(["total"], ascending=False, kind="stable").reset_index()
    per_state.insert(1, "state", per_state["iso3"].map(country_name))
    return per_state


def _decision_summary(decisions: pd.DataFrame, votes: pd.DataFrame) -> pd.DataFrame:
    """One line per decision: how it was taken, the counts and who voted against."""
    if decisions.empty:
        return pd.DataFrame()
    against = (
        votes[votes["vote"] == "no"].groupby(["doc_id", "vote_seq"])["state"].agg(", ".join)
        if not votes.empty
        else pd.Series(dtype=str)
    )
    keys = list(zip(decisions["doc_id"], decisions["seq"]))
    return decisions.assign(states_no=[against.get(k, "") for k in keys])


def ga_votes_section(ga_votes: GaVotes | None, states: pd.DataFrame) -> str:
    """The report's part for ``--ga-votes`` (empty without it): votes on refrain calls by year, and per State."""
    if ga_votes is None:
        return ""
    votes, calls = ga_votes.votes, ga_votes.roll_calls
    by_year = (
        votes.assign(year=votes["date"].astype(str).str[:4]) if not votes.empty else pd.DataFrame(columns=["year"])
    )
    voters = states[states["role"] == STATE_ROLE] if not states.empty else states
    if not voters.empty:
        voters = voters.sort_values(["ga_no", "ga_abstain", "iso3"], ascending=[False, False, True], kind="stable")
    source = ""
    if not calls.empty and "calls_sha256" in calls:
        source = (
            f" Counted from un_roll_calls.csv (SHA-256 {_e(calls['calls_sha256'].iloc[0])}) and the "
            f"votes file (SHA-256 {_e(calls['votes_sha256'].iloc[0])})."
        )
    return (
        "<section id='ga-votes'><h2>General Assembly votes on calls to refrain</h2>"
        "<p class='note'>Recorded votes (1946-2019) on resolutions, paragraphs and amendments that call on States to "
        "stop or refrain from supporting a party, as selected by pipeline/data/ga_refrain_rules.csv "
        f"(refrain_roll_calls.csv lists them, refrain_votes.csv every State's vote).{source}</p>"
        + bars_by_year(by_year, "State votes on refrain calls", stack="vote", colours=VOTE_COLOURS)
        + "<h3>Per State, most votes against first</h3>"
        + _table(
            voters, ["iso3", "state", "count", "ga_yes", "ga_no", "ga_abstain", "first_date", "last_date"], limit=60
        )
        + "</section>"
    )


def _precision_note() -> str:
    """How far to trust a row, in the figures the model card records (never typed in here)."""
    try:
        card = json.loads((default_model_path().parent / "card.json").read_text(encoding="utf-8"))
        samples = card["metrics"]["running_text_precision"]["samples"]
        # A sample still agreeing with the model may have been drawn from a narrower model's rows
        # (the linear stage's, which the cascade keeps), so the lowest share is the one quoted.
        sample = min((s for s in samples if not s.get("stale")), key=lambda s: s["share"])
    except (OSError, ValueError, KeyError, TypeError):
        return (
            "<p class=\"note\">Stances are a model's reading, not a finding: this model's precision in running text\n"
            "has not been measured (see its card). Read the sentence before citing it.</p>"
        )
    half = next((r for r in sample["by_confidence"] if r["min_confidence"] == 0.5), None)
    confident = f", {half['share']:.0%} of those with confidence 0.5 or more" if half else ""
    return (
        '<p class="note">Stances are a model\'s reading, not a finding: in a checked sample of ordinary speeches\n'
        f"{sample['share']:.0%} of its rows had the right stance{confident} (corpora/README.md).\n"
        "Read the sentence before citing it.</p>"
    )


def rebuild_report(out: Path) -> Path:
    """``d2r report DIR``: the report again from the CSV tables in ``DIR``."""
    from pipeline.aggregate.safe_csv import unneutralise

    out = Path(out)

    def read(name: str) -> pd.DataFrame:
        path = out / f"{name}.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path} not found; run 'd2r run ... --out {out}' first")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        return frame.map(unneutralise) if not frame.empty else frame

    documents, speeches, votes, clauses = read("documents"), read("speeches"), read("votes"), read("clauses")
    evidence, states, errors = read("evidence"), read("states"), read("errors")
    accusations = read("accusations") if (out / "accusations.csv").exists() else pd.DataFrame()
    for frame, cols in ((evidence, ["confidence"]), (states, ["count"]), (accusations, ["count"])):
        for c in cols:
            if c in frame:
                frame[c] = pd.to_numeric(frame[c])
    if not clauses.empty:
        clauses["refrain"] = clauses["refrain"].map(lambda v: v == "True")
    decisions = read("decisions") if (out / "decisions.csv").exists() else pd.DataFrame()
    ga_votes = None
    if (out / "refrain_votes.csv").exists():
        ga_votes = GaVotes(votes=read("refrain_votes"), roll_calls=read("refrain_roll_calls"), states=pd.DataFrame())
        for c in ("ga_yes", "ga_no", "ga_abstain"):
            if c in states:
                states[c] = pd.to_numeric(states[c])
    tables = Tables(
        documents=documents,
        speeches=speeches,
        votes=votes,
        clauses=clauses,
        evidence=evidence,
        errors=errors,
        decisions=decisions,
        states=states,
        accusations=accusations,
        ga_votes=ga_votes,
    )
    return write_report(out, tables, summary_counts(tables))
