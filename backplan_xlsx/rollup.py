"""The monthly roll-up workbook: every plan's goals, owners, anti-goals, the log, the trend.

Values only (no formulas): a roll-up is a report of what the engine found
on one date, read by people and by the next month's scripts. It looks like
the plan workbook (the same header band and status colours), filters on
every table, breaches and overdue reviews first on the Anti-goals sheet.
Text from the files is neutralised (a cell starting ``=`` ``+`` ``-`` ``@``
or a control character is written as text with a leading quote), because
the files came from people and programs we do not control.

Each sheet is declared in :mod:`backplan_xlsx.layout_rollup` and written by
one step here or in :mod:`backplan_xlsx.rollupviews`: build one row per item
with the layout's fields, then :func:`backplan_xlsx.rollupsheet.table`
writes them through the plan workbook's checked writer.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import layout_rollup
from .engine import StatusReport
from .model import Plan, Snapshot

if TYPE_CHECKING:
    from .changes import Change
    from .history import HistoryRow
    from .returns import ReturnRow
    from .rollupsheet import ReportSheet, Rollup, Row

SUMMARY = layout_rollup.SUMMARY.name
OWNERS = layout_rollup.OWNERS.name
ANTI_GOALS = layout_rollup.ANTI_GOALS.name
IMPORT_LOG = layout_rollup.IMPORT_LOG.name
TREND = layout_rollup.TREND.name
TREND_STATUSES = layout_rollup.TREND_STATUSES
#: Where the attainment chart goes on the Trend sheet: below the status chart.
STATUS_CHART_ROWS = 18


@dataclass(frozen=True, slots=True)
class ImportEntry:
    """One file of the import: what it was and what became of it."""

    file: str
    plan_id: str
    version: int | None
    result: str
    problems: str = ""


@dataclass(frozen=True, slots=True)
class PlanResult:
    """A merged plan and its status as of the import date."""

    plan: Plan
    report: StatusReport
    files: int
    #: The merged inputs judged (what the next month's collect starts from).
    snapshot: Snapshot | None = None


def write_rollup(
    path: Path,
    month: str,
    as_of: date,
    plans: Sequence[PlanResult],
    log: Sequence[ImportEntry],
    trend: dict[str, dict[str, int]],
    *,
    returns: Sequence[ReturnRow] = (),
    changes: Sequence[Change] = (),
    attainment: Sequence[HistoryRow] = (),
) -> tuple[str, ...]:
    """Write the roll-up workbook to ``path`` (the caller makes it atomic).

    Returns:
        The cells whose text was too long for a cell and was cut, with a
        mark, to fit (``Import log!E3 (40,000 characters)``): for the caller
        to report.

    Raises:
        WorkbookWriteError: XlsxWriter refused a cell (see ``writer.book.Sheet``).
    """
    import xlsxwriter

    from .rollupsheet import Formats, Rollup
    from .rollupviews import attainment_trend, changes_sheet, coverage_sheet, returns_sheet
    from .writer.book import HEADER_FILL, HEADER_FONT

    with warnings.catch_warnings():
        warnings.filterwarnings("error", module=r"xlsxwriter(\.|$)")
        wb = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "in_memory": True,  # no temp file per part: ~40% of a small book's write
            },
        )
        try:
            wb.set_properties(
                {
                    "title": f"backplan roll-up {month}",
                    "created": datetime(as_of.year, as_of.month, as_of.day),
                }
            )
            out = Rollup(wb, Formats(wb, HEADER_FILL, HEADER_FONT))
            summary_sheet(out, f"Roll-up for {month}, as of {as_of.isoformat()}", plans)
            returns_sheet(out, returns)
            changes_sheet(out, changes, plans)
            coverage_sheet(out, plans)
            owners_sheet(out, plans, returns)
            anti_goals_sheet(out, plans)
            import_log_sheet(out, log)
            trend_ws, below = trend_sheet(out, trend)
            attainment_trend(out, trend_ws, attainment, below)
            trend_ws.ws.fit_to_pages(1, 1)  # both charts on one printed page
        finally:
            wb.close()
    return tuple(out.cut)


def _team(plan: Plan, owner_name: str) -> str:
    return next((o.team for o in plan.owners if o.name == owner_name), "")


def summary_sheet(out: Rollup, title: str, plans: Sequence[PlanResult]) -> None:
    """Every plan's goals: status and figures as of the import date, each in its unit."""
    from .rollupsheet import Measure, table

    rows: list[Row] = [
        {
            "plan": r.plan.id,
            "version": r.plan.version,
            "title": r.plan.title,
            "goal_id": g.id,
            "goal": g.name,
            "owner": g.owner,
            "team": _team(r.plan, g.owner),
            "status": g.status,
            "actual": Measure(g.actual, g.unit),
            "expected": Measure(g.expected, g.unit),
            "target": Measure(g.target, g.unit),
            "projected": Measure(g.projected, g.unit),
            "rate_needed": Measure(g.rate_needed, g.unit),
            "deadline": g.deadline,
            "files": r.files,
        }
        for r in plans
        for g in r.report.goals
    ]
    table(out, layout_rollup.SUMMARY, rows, title)


def owners_sheet(
    out: Rollup, plans: Sequence[PlanResult], returns: Sequence[ReturnRow] = ()
) -> None:
    """Every owner of every plan: their status, their part of each goal, what came back.

    An owner who sent nothing keeps the figures carried from before
    (:mod:`backplan_xlsx.carry`); Returns says ``Missing``.
    """
    from .names import person_key
    from .rollupsheet import table

    came_back = {(x.plan, person_key(x.owner)): x.state for x in returns}

    rows: list[Row] = [
        {
            "plan": r.plan.id,
            "id": o.id,
            "owner": o.name,
            "role": o.role,
            "team": o.team,
            "status": o.status,
            "parts": "; ".join(
                f"{p.goal}: {p.actual:,.0f} of {p.target:,.0f} ({p.status})"
                for p in o.parts
                if p.share > 0
            ),
            "returns": came_back.get((r.plan.id, person_key(o.name)), ""),
        }
        for r in plans
        for o in r.report.owners
    ]
    table(out, layout_rollup.OWNERS, rows)


def anti_goals_sheet(out: Rollup, plans: Sequence[PlanResult]) -> None:
    """Every anti-goal, breaches and overdue reviews first."""
    from . import rules
    from .rollupsheet import table

    order = {s: i for i, s in enumerate(rules.ANTI_GOAL_STATUSES)}
    anti = sorted(
        ((r, x) for r in plans for x in r.report.anti_goals),
        key=lambda rx: (order.get(rx[1].status, 99), rx[0].plan.id, rx[1].id),
    )
    rows: list[Row] = [
        {
            "plan": r.plan.id,
            "id": x.id,
            "avoid": x.avoid,
            "instead": x.instead,
            "owner": x.owner,
            "latest": x.latest,
            "limit": x.limit,
            "direction": x.direction,
            "last_reviewed": x.last_reviewed,
            "feedback": r.snapshot.feedback.get(x.id, "") if r.snapshot else "",
            "status": x.status,
        }
        for r, x in anti
    ]
    table(out, layout_rollup.ANTI_GOALS, rows)


def import_log_sheet(out: Rollup, log: Sequence[ImportEntry]) -> None:
    """Every file of the import and what became of it."""
    from .rollupsheet import table

    rows: list[Row] = [
        {
            "file": e.file,
            "plan": e.plan_id,
            "version": e.version,
            "result": e.result,
            "problems": e.problems,
        }
        for e in log
    ]
    table(out, layout_rollup.IMPORT_LOG, rows)


def trend_sheet(out: Rollup, trend: dict[str, dict[str, int]]) -> tuple[ReportSheet, int]:
    """Goals by status month by month, with a stacked chart; the sheet and the row below it."""
    from .rollupsheet import table
    from .writer.book import STATUS_COLOURS

    statuses = layout_rollup.TREND_STATUSES
    rows: list[Row] = [
        {"month": m, **{s: trend[m].get(s, 0) for s in statuses}} for m in sorted(trend)
    ]
    sheet = table(out, layout_rollup.TREND, rows, "Goals by status, month by month")
    if rows:
        chart = out.workbook.add_chart({"type": "column", "subtype": "stacked"})
        for i, status in enumerate(statuses, start=1):
            colour = STATUS_COLOURS.get(status, ("#CCCCCC", "#333333"))[1]
            chart.add_series(
                {
                    "name": [TREND, 1, i],
                    "categories": [TREND, 2, 0, 1 + len(rows), 0],
                    "values": [TREND, 2, i, 1 + len(rows), i],
                    "fill": {"color": colour},
                }
            )
        chart.set_title({"name": "Goals by status"})
        chart.set_y_axis({"name": "Goals", "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 640, "height": 320})
        row = 3 + len(rows)
        sheet.check(sheet.ws.insert_chart(row, 0, chart), row, 0, "the status chart")
    return sheet, 3 + len(rows) + STATUS_CHART_ROWS
