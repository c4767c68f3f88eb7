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
from .returns import MISSING, RETURNED, UNTOUCHED, ReturnRow

if TYPE_CHECKING:
    from .changes import Change
    from .history import HistoryRow

SUMMARY = "Summary"
OWNERS = "Owners"
ANTI_GOALS = "Anti-goals"
IMPORT_LOG = "Import log"
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
            _returns_sheet(wb, fmt, returns)
            _changes_sheet(wb, fmt, changes, STATUS_COLOURS)
            _coverage_sheet(wb, fmt, plans)
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
            _attainment_trend(wb, ws, fmt, attainment, 3 + len(trend_rows) + 18)
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


def _returns_sheet(wb: Any, fmt: _Formats, returns: Sequence[ReturnRow]) -> None:
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


def _changes_sheet(
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


def _coverage_sheet(wb: Any, fmt: _Formats, plans: Sequence[PlanResult]) -> None:
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


def _attainment_trend(
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
