"""The history store's trend, as table, JSON, CSV or an HTML page with a line chart.

One row per month and item; the chart draws, per item, its actual as a
share of its target month by month (items count different units, so each
is scaled to its own target), with the status of each point as its colour.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Literal

from ..history import HistoryRow
from .common import tone
from .data import _write_csv
from .html import _FILL, _mark, _page, _table

TrendFormat = Literal["table", "json", "csv", "html"]
COLUMNS = ("month", "plan", "kind", "id", "name", "status", "actual", "expected", "target")


def _row(r: HistoryRow) -> dict[str, object]:
    return {
        "month": r.month,
        "plan": r.plan_id,
        "kind": r.kind,
        "id": r.item_id,
        "name": r.name,
        "status": r.status,
        "actual": r.actual,
        "expected": r.expected,
        "target": r.target,
    }


def _fig(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def render_trend(rows: Sequence[HistoryRow], fmt: TrendFormat = "table") -> str:
    """Render history rows (oldest month first)."""
    if fmt == "json":
        return json.dumps({"rows": [_row(r) for r in rows]}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _write_csv([_row(r) for r in rows], COLUMNS)
    if fmt == "html":
        return _html(rows)
    from tabulate import tabulate

    if not rows:
        return "No history yet: run `backplan collect` first.\n"
    table = [
        [
            r.month,
            r.plan_id,
            r.kind,
            r.item_id,
            r.name[:40],
            r.status,
            _fig(r.actual),
            _fig(r.target),
        ]
        for r in rows
    ]
    headers = ["Month", "Plan", "Kind", "ID", "Name", "Status", "Actual", "Target"]
    return tabulate(table, headers=headers, disable_numparse=True) + "\n"


def trend_chart(rows: Sequence[HistoryRow], width: int = 960, height: int = 320) -> str:
    """Inline SVG: each item's actual / target per month, coloured by status."""
    months = sorted({r.month for r in rows})
    series: dict[tuple[str, str], list[HistoryRow]] = {}
    for r in rows:
        if r.actual is not None and r.target:
            series.setdefault((r.plan_id, r.item_id), []).append(r)
    if not months or not series:
        return ""
    left, right, top, bottom = 56, 180, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(1.0, max(r.actual / r.target for s in series.values() for r in s if r.target))  # type: ignore[operator]

    def x(month: str) -> float:
        return left + (months.index(month) + 0.5) * plot_w / len(months)

    def y(share: float) -> float:
        return top + plot_h * (1 - share / peak)

    label = "Trend of actual against target"
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{label}">']
    for k in range(5):
        share = peak * k / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(share):.1f}" y2="{y(share):.1f}" '
            'stroke="#e5e7eb"/>'
            f'<text x="{left - 6}" y="{y(share) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#6b7280">{share:.0%}</text>'
        )
    for m in months:
        parts.append(
            f'<text x="{x(m):.1f}" y="{height - 16}" text-anchor="middle" font-size="11" '
            f'fill="#6b7280">{escape(m)}</text>'
        )
    palette = ["#1F4E78", "#b26a00", "#2e7d32", "#6a1b9a", "#00838f", "#c62828", "#5d4037"]
    for i, ((plan, item), points) in enumerate(sorted(series.items())):
        colour = palette[i % len(palette)]
        coords = [(x(p.month), y(p.actual / p.target)) for p in points]  # type: ignore[operator]
        path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (cx, cy), p in zip(coords, points, strict=True):
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{_FILL[tone(p.status)]}">'
                f"<title>{escape(p.month)} {escape(item)}: {escape(p.status)}</title></circle>"
            )
        ly = top + 14 + i * 16
        label = f"{plan} {item}"
        parts.append(
            f'<line x1="{width - right + 12}" x2="{width - right + 30}" y1="{ly - 4}" '
            f'y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{width - right + 34}" y="{ly}" font-size="11">{escape(label[:26])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _html(rows: Sequence[HistoryRow]) -> str:
    months = sorted({r.month for r in rows})
    span = f"{months[0]} to {months[-1]}" if months else "no months yet"
    chart = trend_chart(rows)
    body = (
        f"<header><h1>backplan history</h1><p>{escape(span)}; actual as a share of "
        "target, month by month</p></header>"
        + (f'<div class="chart">{chart}</div>' if chart else "<p>No figures to chart.</p>")
        + "<h2>Rows</h2>"
        + _table(
            ["Month", "Plan", "Kind", "ID", "Name", "Status", "Actual", "Target"],
            [
                [
                    r.month,
                    r.plan_id,
                    r.kind,
                    r.item_id,
                    r.name,
                    _mark(r.status),
                    _fig(r.actual),
                    _fig(r.target),
                ]
                for r in rows
            ],
        )
    )
    return _page("backplan history", body)
