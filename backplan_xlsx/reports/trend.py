"""The history store's trend, as table, JSON, CSV or an HTML page with a line chart.

One row per month and item, with its attainment (progress ÷ plan path
progress) and the change since the item's previous month in the store. The
chart draws, per item, its attainment month by month (items count
different units; attainment puts them on one scale), with the plan path as
the dashed 100% line and the status of each point as its colour.
:func:`render_changes` renders the Changes view (``history --changes``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

from ..changes import Change
from ..history import HistoryRow
from .common import tone
from .data import _write_csv
from .html import _FILL, _mark, _page, _table

#: The columns of a trend row, in every format that lists rows.
ROW_HEADERS = (
    "Month",
    "Plan",
    "Kind",
    "ID",
    "Name",
    "Status",
    "Actual",
    "Target to date",
    "Target",
    "Attainment",
    "Change",
)

TrendFormat = Literal["table", "json", "csv", "html"]
COLUMNS = (
    "month",
    "plan",
    "kind",
    "id",
    "name",
    "goal",
    "status",
    "actual",
    "expected",
    "target",
    "attainment",
    "change",
)
CHANGE_COLUMNS = (
    "plan",
    "kind",
    "id",
    "name",
    "goal",
    "month",
    "previous_month",
    "actual",
    "target_to_date",
    "target",
    "attainment",
    "previous_attainment",
    "change",
    "actual_change",
    "status_then",
    "status_now",
    "worsened",
    "returns",
)


def _changes_since(rows: Sequence[HistoryRow]) -> list[float | None]:
    """Each row's attainment minus its item's attainment in the previous month listed."""
    last: dict[tuple[str, str, str], HistoryRow] = {}
    out: list[float | None] = []
    for r in sorted(rows, key=lambda r: r.month):
        prev = last.get((r.plan_id, r.kind, r.item_id))
        if prev and prev.attainment is not None and r.attainment is not None:
            out.append(r.attainment - prev.attainment)
        else:
            out.append(None)
        last[(r.plan_id, r.kind, r.item_id)] = r
    order = sorted(range(len(rows)), key=lambda i: rows[i].month)
    back: list[float | None] = [None] * len(rows)
    for k, i in enumerate(order):
        back[i] = out[k]
    return back


def _row(r: HistoryRow, change: float | None = None) -> dict[str, object]:
    return {
        "month": r.month,
        "plan": r.plan_id,
        "kind": r.kind,
        "id": r.item_id,
        "name": r.name,
        "goal": r.goal_id or None,
        "status": r.status,
        "actual": r.actual,
        "expected": r.expected,
        "target": r.target,
        "attainment": r.attainment,
        "change": change,
    }


def _pct(value: float | None, sign: bool = False) -> str:
    if value is None:
        return ""
    return f"{value * 100:+.1f} pts" if sign else f"{value:.1%}"


def _fig(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def render_trend(rows: Sequence[HistoryRow], fmt: TrendFormat = "table") -> str:
    """Render history rows (oldest month first)."""
    changes = _changes_since(rows)
    data = [_row(r, c) for r, c in zip(rows, changes, strict=True)]
    if fmt == "json":
        return json.dumps({"rows": data}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _write_csv(data, COLUMNS)
    if fmt == "html":
        return _html(rows, changes)
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
            _fig(r.expected),
            _fig(r.target),
            _pct(r.attainment),
            _pct(c, sign=True),
        ]
        for r, c in zip(rows, changes, strict=True)
    ]
    headers = list(ROW_HEADERS)
    return tabulate(table, headers=headers, disable_numparse=True) + "\n"


@dataclass(frozen=True, slots=True)
class _Scale:
    """Where a month and an attainment land on the trend chart."""

    months: list[str]
    width: int
    height: int
    peak: float
    floor: float
    left: int = 56
    right: int = 240
    top: int = 16
    bottom: int = 40

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    def x(self, month: str) -> float:
        return self.left + (self.months.index(month) + 0.5) * self.plot_w / len(self.months)

    def y(self, share: float) -> float:
        plot_h = self.height - self.top - self.bottom
        return self.top + plot_h * (self.peak - share) / (self.peak - self.floor)


def trend_chart(rows: Sequence[HistoryRow], width: int = 960, height: int = 340) -> str:
    """Inline SVG: each item's attainment per month, coloured by status, and the plan path."""
    months = sorted({r.month for r in rows})
    series: dict[tuple[str, str], list[HistoryRow]] = {}
    for r in rows:
        if r.attainment is not None:
            series.setdefault((r.plan_id, r.item_id), []).append(r)
    if not months or not series:
        return ""
    values = [r.attainment for s in series.values() for r in s if r.attainment is not None]
    # Round gridlines: steps of 20 points (40 past 160%), from 0 or below, to 120% or above.
    step = 0.2 if max(values) - min(0.0, min(values)) <= 1.6 else 0.4
    peak = max(1.2, math.ceil(max(values) / step - 1e-9) * step)
    floor = min(0.0, math.floor(min(values) / step + 1e-9) * step)
    scale = _Scale(months, width, height, peak, floor)
    label = "Attainment month over month against the plan path"
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{label}">']
    parts.extend(_grid(scale, step))
    one_plan = len({plan for plan, _ in series}) == 1
    for i, ((plan, item), points) in enumerate(sorted(series.items())):
        parts.extend(_series(scale, i, "" if one_plan else f"{plan} ", item, points))
    parts.append("</svg>")
    return "".join(parts)


def _grid(scale: _Scale, step: float) -> list[str]:
    """Gridlines with their percentages, the month labels and the dashed plan path."""
    left, right, top, width = scale.left, scale.right, scale.top, scale.width
    x, y, plot_w = scale.x, scale.y, scale.plot_w
    parts = []
    for k in range(round((scale.peak - scale.floor) / step) + 1):
        share = scale.floor + step * k
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(share):.1f}" y2="{y(share):.1f}" '
            'stroke="#e5e7eb"/>'
            f'<text x="{left - 6}" y="{y(share) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#6b7280">{share:.0%}</text>'
        )
    for m in scale.months:
        parts.append(
            f'<text x="{x(m):.1f}" y="{scale.height - 16}" text-anchor="middle" font-size="11" '
            f'fill="#6b7280">{escape(m)}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y(1.0):.1f}" y2="{y(1.0):.1f}" '
        'stroke="#333" stroke-width="1.5" stroke-dasharray="6 4"/>'
        f'<line x1="{width - right + 12}" x2="{width - right + 30}" y1="{top + 6}" '
        f'y2="{top + 6}" stroke="#333" stroke-width="1.5" stroke-dasharray="6 4"/>'
        f'<text x="{width - right + 34}" y="{top + 10}" font-size="11">plan path (100%)</text>'
    )
    return parts


_PALETTE = ("#1F4E78", "#b26a00", "#2e7d32", "#6a1b9a", "#00838f", "#c62828", "#5d4037")


def _series(
    scale: _Scale, i: int, prefix: str, item: str, points: Sequence[HistoryRow]
) -> list[str]:
    """One item's line, a dot per month coloured by status, and its legend entry.

    ``prefix`` starts the legend: the plan id, or nothing when the chart shows one plan.
    """
    colour = _PALETTE[i % len(_PALETTE)]
    coords = [(scale.x(p.month), scale.y(p.attainment)) for p in points if p.attainment is not None]
    path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
    parts = [f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>']
    for (cx, cy), p in zip(coords, points, strict=True):
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{_FILL[tone(p.status)]}" '
            f'stroke="{colour}" stroke-width="1.5">'
            f"<title>{escape(p.month)} {escape(item)}: {p.attainment:.0%}, "
            f"{escape(p.status)}</title></circle>"
        )
    ly = scale.top + 30 + i * 16
    label = prefix + f"{item} {points[-1].name}"
    edge = scale.width - scale.right
    parts.append(
        f'<line x1="{edge + 12}" x2="{edge + 30}" y1="{ly - 4}" '
        f'y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>'
        f'<text x="{edge + 34}" y="{ly}" font-size="11">{escape(label[:34])}</text>'
    )
    return parts


def _html(rows: Sequence[HistoryRow], changes: Sequence[float | None]) -> str:
    months = sorted({r.month for r in rows})
    span = f"{months[0]} to {months[-1]}" if months else "no months yet"
    # An owner's overall row repeats their weakest part: chart the parts when there are some.
    charted = [r for r in rows if r.kind == "owner_part"] or list(rows)
    chart = trend_chart(charted)
    body = (
        f"<header><h1>backplan history</h1><p>{escape(span)}; attainment (progress ÷ plan "
        "path progress, in the goal's direction), month by month; the dashed line is the "
        "plan path</p></header>"
        + (f'<div class="chart">{chart}</div>' if chart else "<p>No figures to chart.</p>")
        + "<h2>Rows</h2>"
        + _table(
            list(ROW_HEADERS),
            [
                [
                    r.month,
                    r.plan_id,
                    r.kind,
                    r.item_id,
                    r.name,
                    _mark(r.status),
                    _fig(r.actual),
                    _fig(r.expected),
                    _fig(r.target),
                    _pct(r.attainment),
                    _pct(c, sign=True),
                ]
                for r, c in zip(rows, changes, strict=True)
            ],
        )
    )
    return _page("backplan history", body)


def _change_row(c: Change) -> dict[str, object]:
    from .collect import change_json

    return change_json(c)


def render_changes(changes: Sequence[Change], fmt: TrendFormat = "table") -> str:
    """The Changes view: each goal and owner's part against last month, worsened first."""
    data = [_change_row(c) for c in changes]
    if fmt == "json":
        return json.dumps({"changes": data}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _write_csv(data, CHANGE_COLUMNS)
    headers = [
        "Plan",
        "Kind",
        "ID",
        "Name",
        "Actual",
        "Target to date",
        "Attainment",
        "Last month",
        "Change",
        "Status then",
        "Status now",
    ]
    table = [
        [
            c.plan,
            c.who,
            c.id,
            c.name[:40],
            _fig(c.actual),
            _fig(c.target_to_date),
            _pct(c.attainment),
            _pct(c.previous_attainment),
            _pct(c.change, sign=True),
            c.status_then,
            ("▼ " if c.worsened else "") + c.status_now,
        ]
        for c in changes
    ]
    month = changes[0].month if changes else ""
    then = next((c.previous_month for c in changes if c.previous_month), "")
    head = f"{month} against {then}" if then else f"{month}: no earlier month in the history"
    if fmt == "html":
        marked = [
            [*row[:9], _mark(c.status_then) if c.status_then else "", _mark(c.status_now)]
            for row, c in zip(table, changes, strict=True)
        ]
        body = (
            f"<header><h1>Change since last month</h1><p>{escape(head)}; worsened first</p>"
            "</header>" + _table(headers, marked)
        )
        return _page("backplan changes", body)
    from tabulate import tabulate

    if not changes:
        return "No history yet: run `backplan collect` first.\n"
    return (
        f"Change since last month: {head}\n"
        + tabulate(table, headers=headers, disable_numparse=True)
        + "\n"
    )
