"""The monthly roll-up workbook: every plan's goals, owners, anti-goals, the log, the trend.

Values only (no formulas): a roll-up is a report of what the engine found
on one date, read by people and by the next month's scripts. It looks like
the plan workbook (the same header band and status colours), filters on
every table, breaches and overdue reviews first on the Anti-goals sheet.
Text from the files is neutralised (a cell starting ``=`` ``+`` ``-`` ``@``
or a control character is written as text with a leading quote), because
the files came from people and programs we do not control.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import rules
from .engine import StatusReport
from .model import Plan
from .reports.data import neutralise

if TYPE_CHECKING:
    from .changes import Change
    from .history import HistoryRow
    from .returns import ReturnRow

SUMMARY = "Summary"
OWNERS = "Owners"
ANTI_GOALS = "Anti-goals"
IMPORT_LOG = "Import log"
TREND = "Trend"
TREND_STATUSES = (
    rules.DONE,
    rules.ON_TRACK,
    rules.AT_RISK,
    rules.OFF_TRACK,
    rules.MISSED,
    rules.NOT_STARTED,
)
_ANTI_ORDER = {s: i for i, s in enumerate(rules.ANTI_GOAL_STATUSES)}


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
) -> None:
    """Write the roll-up workbook to ``path`` (the caller makes it atomic)."""
    import xlsxwriter

    from .rollupviews import attainment_trend, changes_sheet, coverage_sheet, returns_sheet
    from .writer.book import HEADER_FILL, HEADER_FONT, STATUS_COLOURS

    with warnings.catch_warnings():
        warnings.filterwarnings("error", module=r"xlsxwriter(\.|$)")
        wb = xlsxwriter.Workbook(
            str(path),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        try:
            wb.set_properties(
                {
                    "title": f"backplan roll-up {month}",
                    "created": datetime(as_of.year, as_of.month, as_of.day),
                }
            )
            fmt = _Formats(wb, HEADER_FILL, HEADER_FONT)
            summary_rows = [
                [
                    r.plan.id,
                    r.plan.version,
                    r.plan.title,
                    g.id,
                    g.name,
                    g.owner,
                    _team(r.plan, g.owner),
                    g.status,
                    g.actual,
                    g.expected,
                    g.target,
                    g.projected,
                    g.rate_needed,
                    g.deadline,
                    r.files,
                ]
                for r in plans
                for g in r.report.goals
            ]
            _table(
                wb,
                fmt,
                SUMMARY,
                [
                    "Plan",
                    "Version",
                    "Title",
                    "Goal ID",
                    "Goal",
                    "Owner",
                    "Team",
                    "Status",
                    "Actual",
                    "Expected",
                    "Target",
                    "Projected",
                    "Rate needed",
                    "Deadline",
                    "Files",
                ],
                summary_rows,
                [18, 8, 24, 7, 22, 18, 10, 12, 13, 13, 13, 13, 13, 11, 6],
                title=f"Roll-up for {month}, as of {as_of.isoformat()}",
            )
            returns_sheet(wb, fmt, returns)
            changes_sheet(wb, fmt, changes, STATUS_COLOURS)
            coverage_sheet(wb, fmt, plans)
            owner_rows = [
                [
                    r.plan.id,
                    o.id,
                    o.name,
                    o.role,
                    o.team,
                    o.status,
                    "; ".join(
                        f"{p.goal}: {p.actual:,.0f} of {p.target:,.0f} ({p.status})"
                        for p in o.parts
                        if p.share > 0
                    ),
                ]
                for r in plans
                for o in r.report.owners
            ]
            _table(
                wb,
                fmt,
                OWNERS,
                ["Plan", "ID", "Owner", "Role", "Team", "Status", "Parts"],
                owner_rows,
                [18, 6, 20, 20, 10, 12, 70],
            )
            anti = sorted(
                ((r.plan.id, x) for r in plans for x in r.report.anti_goals),
                key=lambda px: (_ANTI_ORDER.get(px[1].status, 99), px[0], px[1].id),
            )
            anti_rows = [
                [
                    pid,
                    x.id,
                    x.avoid,
                    x.instead,
                    x.owner,
                    x.latest,
                    x.limit,
                    x.direction,
                    x.last_reviewed,
                    x.status,
                ]
                for pid, x in anti
            ]
            _table(
                wb,
                fmt,
                ANTI_GOALS,
                [
                    "Plan",
                    "ID",
                    "Avoid",
                    "Instead",
                    "Owner",
                    "Latest",
                    "Limit",
                    "Direction",
                    "Last reviewed",
                    "Status",
                ],
                anti_rows,
                [18, 6, 36, 36, 18, 9, 9, 9, 12, 14],
            )
            log_rows = [[e.file, e.plan_id, e.version, e.result, e.problems] for e in log]
            _table(
                wb,
                fmt,
                IMPORT_LOG,
                ["File", "Plan", "Version", "Result", "Problems"],
                log_rows,
                [40, 18, 8, 12, 90],
            )
            months = sorted(trend)
            trend_rows = [[m, *(trend[m].get(s, 0) for s in TREND_STATUSES)] for m in months]
            ws = _table(
                wb,
                fmt,
                TREND,
                ["Month", *TREND_STATUSES],
                trend_rows,
                [10] + [11] * 6,
                title="Goals by status, month by month",
            )
            if trend_rows:
                chart = wb.add_chart({"type": "column", "subtype": "stacked"})
                for i, status in enumerate(TREND_STATUSES, start=1):
                    colour = STATUS_COLOURS.get(status, ("#CCCCCC", "#333333"))[1]
                    chart.add_series(
                        {
                            "name": [TREND, 1, i],
                            "categories": [TREND, 2, 0, 1 + len(trend_rows), 0],
                            "values": [TREND, 2, i, 1 + len(trend_rows), i],
                            "fill": {"color": colour},
                        }
                    )
                chart.set_title({"name": "Goals by status"})
                chart.set_y_axis({"name": "Goals", "major_gridlines": {"visible": True}})
                chart.set_legend({"position": "bottom"})
                chart.set_size({"width": 640, "height": 320})
                ws.insert_chart(3 + len(trend_rows), 0, chart)
            attainment_trend(wb, ws, fmt, attainment, 3 + len(trend_rows) + 18)
            ws.fit_to_pages(1, 1)  # both charts on one printed page
            coloured: list[tuple[str, int, int]] = [
                (SUMMARY, 7, len(summary_rows)),
                (OWNERS, 5, len(owner_rows)),
                (ANTI_GOALS, 9, len(anti_rows)),
            ]
            for name, col, n in coloured:
                if n:
                    sheet = wb.get_worksheet_by_name(name)
                    _status_colours(wb, sheet, col, n, STATUS_COLOURS)
        finally:
            wb.close()


def _team(plan: Plan, owner_name: str) -> str:
    return next((o.team for o in plan.owners if o.name == owner_name), "")


class _Formats:
    def __init__(self, wb: Any, fill: str, font: str) -> None:
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
        self.header = wb.add_format(
            {
                **base,
                "bold": True,
                "bg_color": fill,
                "font_color": font,
                "text_wrap": True,
                "border": 1,
            }
        )
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.number = wb.add_format({**base, "num_format": "#,##0.##"})
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.stamp = wb.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"})
        self.percent = wb.add_format({**base, "num_format": "0.0%"})
        self.times = wb.add_format({**base, "num_format": '0.00"x"'})
        self.change = wb.add_format({**base, "num_format": "+0.0%;-0.0%;0.0%"})


def _table(
    wb: Any,
    fmt: _Formats,
    name: str,
    headers: list[str],
    rows: list[list[Any]],
    widths: Sequence[float],
    title: str = "",
    number_formats: dict[int, Any] | None = None,
) -> Any:
    ws = wb.add_worksheet(name)
    top = 0
    if title:
        ws.write_string(0, 0, title, fmt.title)
        top = 1
    for c, (h, w) in enumerate(zip(headers, widths, strict=True)):
        ws.set_column(c, c, w, fmt.text if w >= 30 else None)
        ws.write_string(top, c, h, fmt.header)
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, fmt.stamp)
            elif isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), fmt.date)
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value, (number_formats or {}).get(c, fmt.number))
            else:
                ws.write_string(r, c, str(neutralise(value))[:32767])
    ws.freeze_panes(top + 1, 0)
    ws.autofilter(top, 0, top + max(1, len(rows)), len(headers) - 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top)
    return ws


def _status_colours(
    wb: Any, ws: Any, col: int, n: int, colours: dict[str, tuple[str, str]]
) -> None:
    first_row = 2 if ws.name == SUMMARY else 1
    for status, (fill, font) in colours.items():
        ws.conditional_format(
            first_row,
            col,
            first_row + n - 1,
            col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{status}"',
                "format": wb.add_format({"bg_color": fill, "font_color": font}),
            },
        )
