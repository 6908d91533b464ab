"""The report's charts, drawn as inline SVG (no script, nothing fetched)."""

from __future__ import annotations

import math
from html import escape
from typing import cast

import pandas as pd

STANCE_COLOURS = {"affirm": "#1b9e77", "accuse": "#d95f02", "deny": "#7570b3", "admit": "#e7298a"}
STANCES = list(STANCE_COLOURS)
VOTE_COLOURS = {"yes": "#1b9e77", "abstain": "#bbbbbb", "no": "#d95f02"}


def html_text(value: object) -> str:
    """A cell's value as escaped HTML text; missing values are empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return escape(str(value), quote=True)


def bars_by_year(
    frame: pd.DataFrame, title: str, stack: str | None = None, colours: dict[str, str] | None = None
) -> str:
    """A stacked bar chart (years on x) as inline SVG; ``colours`` names the stacked values (stances by default)."""
    if frame.empty:
        return f"<p class='empty'>No {escape(title.lower())} in this run.</p>"
    years = sorted(y for y in frame["year"].unique() if y)
    if not years:
        return f"<p class='empty'>No dated {escape(title.lower())} in this run.</p>"
    palette = colours or STANCE_COLOURS
    keys = list(palette) if stack else ["count"]
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
        x, base = pad + i * step + 2, float(height)
        for key in keys:
            n = counts[year].get(key, 0)
            if not n:
                continue
            h = (height - 20) * n / top  # float: bars are placed to a tenth of a pixel
            colour = palette.get(key, "#4477aa")
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
            + " ".join(f"<span style='background:{c}'></span>{s}" for s, c in palette.items())
            + "</p>"
        )
    return "".join(parts)


def network_chart(accusations: pd.DataFrame, limit: int = 40) -> str:
    """Accuser -> accused arrows on a circle, the strongest ``limit`` pairs."""
    if accusations.empty:
        return "<p class='empty'>No accusation naming an assister in this run.</p>"
    pairs = cast(pd.DataFrame, accusations.groupby(["accuser_iso3", "accused"], as_index=False)["count"].sum())
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
    for accuser, accused, count in pairs[["accuser_iso3", "accused", "count"]].itertuples(index=False, name=None):
        (x1, y1), (x2, y2) = pos[accuser], pos[accused]
        w = 1 + 4 * count / top
        parts.append(
            f"<line x1='{x1:.0f}' y1='{y1:.0f}' x2='{x2:.0f}' y2='{y2:.0f}' stroke='#d95f02' stroke-opacity='0.6' stroke-width='{w:.1f}' marker-end='url(#arrow)'><title>{html_text(accuser)} accuses {html_text(accused)}: {count}</title></line>"
        )
    for node, (x, y) in pos.items():
        parts.append(
            f"<circle cx='{x:.0f}' cy='{y:.0f}' r='14' fill='#fff' stroke='#333'/><text x='{x:.0f}' y='{y + 4:.0f}' font-size='9' text-anchor='middle'>{html_text(node[:6])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
