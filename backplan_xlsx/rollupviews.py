"""The roll-up's answers to an ops lead's questions: Returns, Changes, Coverage, Attainment.

One function per sheet, called by :func:`backplan_xlsx.rollup.write_rollup`
with the roll-up being written; each builds one row per item with the
fields its layout (:mod:`backplan_xlsx.layout_rollup`) declares: who sent
their part back (missing first), what changed since last month (worsened
first), pipeline coverage for funnel goals, and attainment month over month
against the plan path (a table on its own sheet, the chart on the Trend
sheet).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import layout_rollup
from .returns import MISSING, RETURNED, UNTOUCHED, ReturnRow
from .rollup import PlanResult

if TYPE_CHECKING:
    from .changes import Change
    from .history import HistoryRow
    from .rollupsheet import ReportSheet, Rollup, Row

RETURNS = layout_rollup.RETURNS.name
RETURNS_HEADERS = layout_rollup.RETURNS.headers
CHANGES = layout_rollup.CHANGES.name
CHANGES_HEADERS = layout_rollup.CHANGES.headers
ATTAINMENT = layout_rollup.ATTAINMENT_NAME
COVERAGE = layout_rollup.COVERAGE.name
COVERAGE_HEADERS = layout_rollup.COVERAGE.headers


def returns_sheet(out: Rollup, returns: Sequence[ReturnRow]) -> None:
    """Who sent their part back: Missing first, then Untouched, then Returned."""
    from .rollupsheet import table

    order = {MISSING: 0, UNTOUCHED: 1, RETURNED: 2}
    ranked = sorted(returns, key=lambda r: (order.get(r.state, 9), r.plan, r.owner))
    rows: list[Row] = [
        {"plan": r.plan, "owner": r.owner, "state": r.state, "file": r.file, "modified": r.modified}
        for r in ranked
    ]
    table(out, layout_rollup.RETURNS, rows)


def changes_sheet(out: Rollup, changes: Sequence[Change], plans: Sequence[PlanResult] = ()) -> None:
    """Each goal and owner's part against last month, worsened first (as :func:`compare` sorts).

    ``plans`` give each goal's unit, so a % goal's figures show as
    percentages (the history rows carry no unit).
    """
    from .rollupsheet import Measure, table

    unit = {(p.plan.id, g.id): g.unit for p in plans for g in p.plan.goals}

    rows: list[Row] = [
        {
            "month": c.month,
            "previous_month": c.previous_month,
            "plan": c.plan,
            "kind": c.who.capitalize(),
            "id": c.id,
            "name": c.name,
            "goal": c.goal,
            "actual": Measure(c.actual, unit.get((c.plan, c.goal), "")),
            "target_to_date": Measure(c.target_to_date, unit.get((c.plan, c.goal), "")),
            "attainment": c.attainment,
            "previous_attainment": c.previous_attainment,
            "change": c.change,
            "status_then": c.status_then,
            "status_now": c.status_now,
            "worsened": "yes" if c.worsened else "",
            "returns": c.returns,
        }
        for c in changes
    ]
    table(out, layout_rollup.CHANGES, rows)


def coverage_sheet(out: Rollup, plans: Sequence[PlanResult]) -> None:
    """Open pipeline against what the win rate requires, per funnel goal (see ``coverage``)."""
    from .coverage import plan_coverage
    from .rollupsheet import table

    # The row is the Coverage record itself, field by field as the layout names them.
    rows: list[Row] = [
        {**{f: getattr(c, f) for f in layout_rollup.COVERAGE.fields}, "covered": _yes(c.covered)}
        for p in plans
        for c in plan_coverage(p.plan, p.report)
    ]
    table(out, layout_rollup.COVERAGE, rows)


def attainment_trend(
    out: Rollup, trend: ReportSheet, rows: Sequence[HistoryRow], chart_row: int
) -> None:
    """Attainment month over month, one line per goal (or owner's part), with the plan path.

    The figures go on their own sheet (Attainment) so the Trend sheet's
    status table stays one table; the chart is drawn on the Trend sheet. The
    plan path is attainment 100%: on it, actual equals the target to date.
    """
    from .rollupsheet import table

    series: dict[str, dict[str, float]] = {}
    for r in rows:
        if r.attainment is not None:
            label = f"{r.plan_id} {r.item_id} {r.name}"
            series.setdefault(label[:60], {})[r.month] = r.attainment
    months = sorted({m for s in series.values() for m in s})
    names = tuple(sorted(series))
    spec = layout_rollup.attainment_layout(names)
    lines: list[Row] = [
        {
            "month": month,
            **{f"series {i}": series[n].get(month) for i, n in enumerate(names)},
            "plan_path": 1.0,
        }
        for month in months
    ]
    table(
        out,
        spec,
        lines,
        "Attainment: actual progress ÷ plan path progress, in the goal's direction",
    )
    if not lines:
        trend.text(chart_row, 0, "No attainment yet: the plan path has not moved.")
        return
    _attainment_chart(out, trend, len(spec.columns), 1 + len(months), chart_row)


def _attainment_chart(out: Rollup, trend: ReportSheet, columns: int, last: int, row: int) -> None:
    """One line per series of the Attainment sheet; the plan path (its last column) dashed."""
    chart = out.workbook.add_chart({"type": "line"})
    palette = ["#1F4E78", "#B26A00", "#2E7D32", "#6A1B9A", "#00838F", "#C62828", "#5D4037"]
    for i in range(1, columns):
        path = i == columns - 1
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
    trend.check(trend.ws.insert_chart(row, 0, chart), row, 0, "the attainment chart")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
