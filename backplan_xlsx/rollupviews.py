"""The roll-up's answers to an ops lead's questions: Returns, Changes, Coverage, Attainment.

One function per sheet, called by :func:`backplan_xlsx.rollup.write_rollup`
with its workbook and formats: who sent their part back (missing first),
what changed since last month (worsened first), pipeline coverage for
funnel goals, and attainment month over month against the plan path (a
table on its own sheet, the chart on the Trend sheet).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .returns import MISSING, RETURNED, UNTOUCHED, ReturnRow
from .rollup import PlanResult, _Formats, _status_colours, _table

if TYPE_CHECKING:
    from .changes import Change
    from .history import HistoryRow

RETURNS = "Returns"
RETURNS_HEADERS = ("Plan", "Owner", "State", "File", "Modified")
CHANGES = "Changes"
CHANGES_HEADERS = (
    "Month",
    "Previous month",
    "Plan",
    "Kind",
    "ID",
    "Name",
    "Goal",
    "Actual",
    "Target to date",
    "Attainment",
    "Previous attainment",
    "Change",
    "Status then",
    "Status now",
    "Worsened",
)
ATTAINMENT = "Attainment"
COVERAGE = "Coverage"
COVERAGE_HEADERS = (
    "Plan",
    "Goal",
    "Pipeline goal",
    "Left to close",
    "Win rate",
    "Win rate from",
    "Required coverage",
    "Pipeline needed",
    "Open pipeline",
    "Coverage",
    "Covered",
)


def returns_sheet(wb: Any, fmt: _Formats, returns: Sequence[ReturnRow]) -> None:
    """Who sent their part back: Missing first, then Untouched, then Returned."""
    from .writer.book import AMBER, GREEN, RED

    order = {MISSING: 0, UNTOUCHED: 1, RETURNED: 2}
    ranked = sorted(returns, key=lambda r: (order.get(r.state, 9), r.plan, r.owner))
    ws = _table(
        wb,
        fmt,
        RETURNS,
        list(RETURNS_HEADERS),
        [[r.plan, r.owner, r.state, r.file, r.modified] for r in ranked],
        [18, 22, 11, 40, 18],
    )
    if ranked:
        _status_colours(wb, ws, 2, len(ranked), {RETURNED: GREEN, UNTOUCHED: AMBER, MISSING: RED})


def changes_sheet(
    wb: Any, fmt: _Formats, changes: Sequence[Change], colours: dict[str, tuple[str, str]]
) -> None:
    """Each goal and owner's part against last month, worsened first (as :func:`compare` sorts)."""
    rows = [
        [
            c.month,
            c.previous_month,
            c.plan,
            c.who.capitalize(),
            c.id,
            c.name,
            c.goal,
            c.actual,
            c.target_to_date,
            c.attainment,
            c.previous_attainment,
            c.change,
            c.status_then,
            c.status_now,
            "yes" if c.worsened else "",
        ]
        for c in changes
    ]
    ws = _table(
        wb,
        fmt,
        CHANGES,
        list(CHANGES_HEADERS),
        rows,
        [8, 9, 18, 7, 8, 22, 6, 13, 13, 11, 11, 9, 12, 12, 9],
        number_formats={9: fmt.percent, 10: fmt.percent, 11: fmt.change},
    )
    if rows:
        for col in (12, 13):
            _status_colours(wb, ws, col, len(rows), colours)


def coverage_sheet(wb: Any, fmt: _Formats, plans: Sequence[PlanResult]) -> None:
    """Open pipeline against what the win rate requires, per funnel goal (see ``coverage``)."""
    from .coverage import plan_coverage

    rows = [
        [
            c.plan,
            c.goal,
            c.pipeline_goal,
            c.left_to_close,
            c.win_rate,
            c.win_rate_from,
            c.required_coverage,
            c.pipeline_needed,
            c.open_pipeline,
            c.coverage,
            "yes" if c.covered else "no",
        ]
        for p in plans
        for c in plan_coverage(p.plan, p.report)
    ]
    _table(
        wb,
        fmt,
        COVERAGE,
        list(COVERAGE_HEADERS),
        rows,
        [18, 7, 9, 14, 9, 13, 10, 14, 14, 10, 8],
        number_formats={4: fmt.percent, 6: fmt.times, 9: fmt.times},
    )


def attainment_trend(
    wb: Any, trend_ws: Any, fmt: _Formats, rows: Sequence[HistoryRow], chart_row: int
) -> None:
    """Attainment month over month, one line per goal (or owner's part), with the plan path.

    The figures go on their own sheet (Attainment) so the Trend sheet's
    status table stays one table; the chart is drawn on the Trend sheet. The
    plan path is attainment 100%: on it, actual equals the target to date.
    """
    series: dict[str, dict[str, float]] = {}
    for r in rows:
        if r.attainment is not None:
            label = f"{r.plan_id} {r.item_id} {r.name}"
            series.setdefault(label[:60], {})[r.month] = r.attainment
    months = sorted({m for s in series.values() for m in s})
    names = sorted(series)
    table = [[month, *(series[n].get(month) for n in names), 1.0] for month in months]
    headers = ["Month", *names, "Plan path"]
    _table(
        wb,
        fmt,
        ATTAINMENT,
        headers,
        table,
        [10] + [14] * (len(headers) - 1),
        title="Attainment: actual progress ÷ plan path progress, in the goal's direction",
        number_formats=dict.fromkeys(range(1, len(headers)), fmt.percent),
    )
    if not table:
        trend_ws.write_string(chart_row, 0, "No attainment yet: the plan path has not moved.")
        return
    last = 1 + len(months)
    chart = wb.add_chart({"type": "line"})
    palette = ["#1F4E78", "#B26A00", "#2E7D32", "#6A1B9A", "#00838F", "#C62828", "#5D4037"]
    for i in range(1, len(headers)):
        path = i == len(headers) - 1
        colour = "#333333" if path else palette[(i - 1) % len(palette)]
        line: dict[str, Any] = {"color": colour, "width": 1.5 if path else 2.25}
        if path:
            line["dash_type"] = "dash"
        chart.add_series(
            {
                "name": [ATTAINMENT, 1, i],
                "categories": [ATTAINMENT, 2, 0, last, 0],
                "values": [ATTAINMENT, 2, i, last, i],
                "line": line,
                "marker": {"type": "none"}
                if path
                else {"type": "circle", "size": 6, "fill": {"color": colour}},
            }
        )
    chart.set_title({"name": "Attainment against the plan path"})
    chart.set_y_axis(
        {"name": "Attainment", "num_format": "0%", "major_gridlines": {"visible": True}}
    )
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 360})
    trend_ws.insert_chart(chart_row, 0, chart)
