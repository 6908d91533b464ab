"""``report.html``: the run's story in one self-contained, offline file.

Charts are inline SVG drawn here; the only script is a few lines of inline
JavaScript that filter the evidence table.  Nothing is fetched from the
network, and every piece of document text is HTML-escaped.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from functools import lru_cache
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd

from pipeline import __version__
from pipeline.countries import country_name
from pipeline.files import atomic_write_text
from pipeline.paths import default_model_path

STANCE_COLOURS = {"affirm": "#1b9e77", "accuse": "#d95f02", "deny": "#7570b3", "admit": "#e7298a"}
STANCES = list(STANCE_COLOURS)


def _e(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return escape(str(value), quote=True)


def _bars_by_year(frame: pd.DataFrame, title: str, stack: str | None = None) -> str:
    """A stacked bar chart (years on x) as inline SVG."""
    if frame.empty:
        return f"<p class='empty'>No {escape(title.lower())} in this run.</p>"
    years = sorted(y for y in frame["year"].unique() if y)
    if not years:
        return f"<p class='empty'>No dated {escape(title.lower())} in this run.</p>"
    keys = STANCES if stack else ["count"]
    counts = {y: {k: 0 for k in keys} for y in years}
    for row in frame.itertuples(index=False):
        if row.year in counts:
            counts[row.year][getattr(row, stack) if stack else "count"] += 1
    top = max(sum(v.values()) for v in counts.values()) or 1
    width, height, pad = max(320, 28 * len(years) + 60), 220, 40
    step = (width - pad - 10) / len(years)
    parts = [
        f"<svg role='img' aria-label='{escape(title)}' width='{width}' height='{height + 40}' viewBox='0 0 {width} {height + 40}'>"
    ]
    parts.append(f"<line x1='{pad}' y1='{height}' x2='{width - 10}' y2='{height}' stroke='#444'/>")
    parts.append(f"<text x='4' y='14' font-size='11'>{top}</text><text x='4' y='{height}' font-size='11'>0</text>")
    for i, year in enumerate(years):
        x, base = pad + i * step + 2, height
        for key in keys:
            n = counts[year].get(key, 0)
            if not n:
                continue
            h = (height - 20) * n / top
            colour = STANCE_COLOURS.get(key, "#4477aa")
            parts.append(
                f"<rect x='{x:.1f}' y='{base - h:.1f}' width='{max(2, step - 4):.1f}' height='{h:.1f}' fill='{colour}'><title>{escape(year)} {escape(key)}: {n}</title></rect>"
            )
            base -= h
        parts.append(
            f"<text x='{x + step / 2 - 2:.1f}' y='{height + 14}' font-size='10' transform='rotate(60 {x + step / 2 - 2:.1f} {height + 14})'>{escape(year)}</text>"
        )
    parts.append("</svg>")
    if stack:
        parts.append(
            "<p class='legend'>"
            + " ".join(f"<span style='background:{c}'></span>{s}" for s, c in STANCE_COLOURS.items())
            + "</p>"
        )
    return "".join(parts)


def _network(accusations: pd.DataFrame, limit: int = 40) -> str:
    """Accuser -> accused arrows on a circle, the strongest ``limit`` pairs."""
    if accusations.empty:
        return "<p class='empty'>No accusation naming an assister in this run.</p>"
    pairs = accusations.groupby(["accuser_iso3", "accused"], as_index=False)["count"].sum()
    pairs = pairs.sort_values(["count", "accuser_iso3", "accused"], ascending=[False, True, True]).head(limit)
    nodes = sorted(set(pairs["accuser_iso3"]) | set(pairs["accused"]))
    size, r = 520, 200
    pos = {
        n: (
            size / 2 + r * math.cos(2 * math.pi * i / len(nodes)),
            size / 2 + r * math.sin(2 * math.pi * i / len(nodes)),
        )
        for i, n in enumerate(nodes)
    }
    top = pairs["count"].max()
    parts = [
        f"<svg role='img' aria-label='accusation network' width='{size}' height='{size}' viewBox='0 0 {size} {size}'>",
        "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='6' markerHeight='6' orient='auto'><path d='M0,0 L10,5 L0,10 z' fill='#d95f02'/></marker></defs>",
    ]
    for row in pairs.itertuples(index=False):
        (x1, y1), (x2, y2) = pos[row.accuser_iso3], pos[row.accused]
        w = 1 + 4 * row.count / top
        parts.append(
            f"<line x1='{x1:.0f}' y1='{y1:.0f}' x2='{x2:.0f}' y2='{y2:.0f}' stroke='#d95f02' stroke-opacity='0.6' stroke-width='{w:.1f}' marker-end='url(#arrow)'><title>{_e(row.accuser_iso3)} accuses {_e(row.accused)}: {row.count}</title></line>"
        )
    for node, (x, y) in pos.items():
        parts.append(
            f"<circle cx='{x:.0f}' cy='{y:.0f}' r='14' fill='#fff' stroke='#333'/><text x='{x:.0f}' y='{y + 4:.0f}' font-size='9' text-anchor='middle'>{_e(node[:6])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(
    frame: pd.DataFrame, columns: list[str], table_id: str = "", limit: int | None = None, links: dict | None = None
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
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f"<p>Showing {len(rows)} of {len(frame)} rows; the CSV has them all.</p>"
        if limit and len(frame) > limit
        else ""
    )
    ident = f" id='{table_id}'" if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def summary_counts(documents, speeches, votes, clauses, evidence, errors, files=None, sentences=None) -> dict:
    """The run summary the report opens with (``files`` and ``sentences`` when the run knows them)."""
    counts = {} if files is None else {"files": files}
    counts.update(
        documents=int((documents["status"] == "ok").sum()) if not documents.empty else 0,
        pages=int(pd.to_numeric(documents["pages"], errors="coerce").fillna(0).sum()) if not documents.empty else 0,
        errors=len(errors),
        speeches=len(speeches),
        votes=len(votes),
        clauses=len(clauses),
    )
    if sentences is not None:
        counts["sentences"] = sentences
    counts["evidence"] = len(evidence)
    return counts


def write_report(
    out: Path,
    documents: pd.DataFrame,
    speeches: pd.DataFrame,
    votes: pd.DataFrame,
    clauses: pd.DataFrame,
    evidence: pd.DataFrame,
    states: pd.DataFrame,
    accusations: pd.DataFrame,
    errors: pd.DataFrame,
    counts: dict[str, Any],
) -> Path:
    """Write ``out/report.html`` from the run's tables, into the page template ``report.html``."""
    out = Path(out)
    ev = evidence.copy() if not evidence.empty else pd.DataFrame(columns=["year", "stance"])
    refrain = _refrain_by_year(clauses, documents)
    evidence_columns = [
        "symbol", "date", "speaker_iso3", "stance", "confidence", "assister", "assisted", "assistance",
        "violation", "legal_basis", "situation", "page", "sentence",
    ]  # fmt: skip
    doc_link = _doc_linker(documents, out)
    html = _template().substitute(
        version=__version__,
        summary="".join(f"<div class='stat'><b>{_e(v)}</b><span>{_e(k)}</span></div>" for k, v in counts.items()),
        stances_chart=_bars_by_year(ev, "Stances", stack="stance"),
        stances_table=_table(_per_state(states), ["iso3", "state", *STANCES, "total"], limit=60),
        network=_network(accusations),
        accusations_table=_table(
            accusations, ["accuser_iso3", "accused", "assisted", "count", "first_date", "last_date"], limit=100
        ),
        clauses_chart=_bars_by_year(
            refrain if not refrain.empty else pd.DataFrame(columns=["year"]), "Refrain clauses"
        ),
        clauses_table=_table(
            refrain,
            ["symbol", "para", "verb", "addressee", "mode", "assistance", "target", "legal_basis", "text"],
            limit=200,
        ),
        votes_table=_table(
            _vote_summary(votes),
            ["symbol", "vote_seq", "subject", "outcome", "resolution", "yes", "no", "abstain", "states_no"],
        ),
        precision_note=_precision_note(),
        evidence_table=_table(
            evidence,
            evidence_columns,
            table_id="evidence-table",
            limit=2000,
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


def _vote_summary(votes: pd.DataFrame) -> pd.DataFrame:
    """One line per recorded vote: the counts and who voted against."""
    if votes.empty:
        return pd.DataFrame()
    return votes.groupby(["symbol", "vote_seq", "subject", "outcome", "resolution"], as_index=False).agg(
        yes=("vote", lambda v: int((v == "yes").sum())),
        no=("vote", lambda v: int((v == "no").sum())),
        abstain=("vote", lambda v: int((v == "abstain").sum())),
        states_no=("state", lambda s: ", ".join(s[votes.loc[s.index, "vote"] == "no"])),
    )


def _precision_note() -> str:
    """How far to trust a row, in the figures the model card records (never typed in here)."""
    try:
        card = json.loads((default_model_path().parent / "card.json").read_text(encoding="utf-8"))
        samples = card["metrics"]["running_text_precision"]["samples"]
        sample = next(s for s in samples if not s.get("stale"))
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
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

    def read(name):
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
    counts = summary_counts(documents, speeches, votes, clauses, evidence, errors)
    return write_report(out, documents, speeches, votes, clauses, evidence, states, accusations, errors, counts)
