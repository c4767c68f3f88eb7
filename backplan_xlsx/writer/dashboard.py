"""The Dashboard: each goal's headline figures, counts that need attention, charts.

Every figure is a formula pointing at the Goals, Milestones, Actions, Owners
and Anti-goals sheets (cached, like all formulas), so the Dashboard can never
disagree with them. The charts read the Milestones sheet: per goal, the
cumulative target at each due date against the actual up to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .. import layout, rules
from ..model import Goal
from ..parts import share_formula
from .book import (
    MUTED_FONT,
    Book,
    Cached,
    Sheet,
    absolute,
    display_format,
    goal_number_format,
    quote_sheet,
)
from .datasheets import share_cells

G = layout.GOAL
M = layout.MILESTONE


@dataclass(frozen=True, slots=True)
class Figure:
    """A Dashboard column: the Goals column it shows (its header and format), and a width."""

    column: layout.Column
    width: float

    @property
    def text(self) -> bool:
        """Text figures are referenced as ``""&Goals!$D$2`` so an empty one stays empty."""
        return self.column.kind in ("id", "text")


FIGURES = (
    Figure(G.id, 7),
    Figure(G.name, 24),
    Figure(G.unit, 7),
    Figure(G.target, 13),
    Figure(G.deadline, 11),
    Figure(G.actual, 13),
    Figure(G.expected, 13),
    Figure(G.projected, 13),
    Figure(G.rate_needed, 13),
    Figure(G.periods_left, 9),
    Figure(G.status, 12),
)
HEADER_ROW = 3
CHART_WIDTH = 470
CHART_HEIGHT = 300
CHART_ROWS = 17


def _count(sheet: str, column: str, status: str) -> str:
    letter = column
    return f'COUNTIF({quote_sheet(sheet)}${letter}:${letter},"{status}")'


def write_dashboard(book: Book, sheet: Sheet) -> None:
    """Headline table, an at-a-glance block and one chart per goal."""
    plan, report = book.snapshot.plan, book.report
    styles = book.styles
    ws = sheet.ws
    for i, fig in enumerate(FIGURES):
        ws.set_column(i, i, fig.width)
    title = styles.get(bold=True, font_size=18, font_color="#1F4E78", valign="vcenter")
    muted = styles.get(font_color=MUTED_FONT, italic=True)
    label = styles.get(bold=True)
    sheet.merge(0, 0, 0, len(FIGURES) - 1, f"{plan.title}: dashboard", title)
    ws.set_row(0, 30)
    sheet.text(1, 0, "As of", label)
    sheet.formula(
        1,
        1,
        rules.AS_OF,
        styles.get(num_format=layout.DATE, bold=True, align="left"),
        rules.serial(report.as_of),
    )
    sheet.merge(1, 2, 1, len(FIGURES) - 1, "Change the as-of date on the Start sheet.", muted)

    head = styles.header()
    for i, fig in enumerate(FIGURES):
        sheet.text(HEADER_ROW, i, fig.column.header, head)
    ws.set_row(HEADER_ROW, 30)
    shares = share_cells(book)
    for k, st in enumerate(report.goals):
        row = HEADER_ROW + 1 + k
        goal_row = book.goal_rows[st.id]
        number = goal_number_format(book.snapshot.plan.goal(st.id))
        for i, fig in enumerate(FIGURES):
            shown = display_format(fig.column.fmt, number)
            fmt = styles.get(num_format=shown) if shown else styles.get()
            ref = absolute(layout.GOALS, layout.GOALS_LAYOUT.letter(fig.column), goal_row)
            if fig.column is G.target and st.id in shares:  # a part: the owner's target
                base = absolute(layout.GOALS, layout.GOALS_LAYOUT.letter(G.baseline), goal_row)
                ref = share_formula(base, ref, shares[st.id])
            if fig.text:
                ref = f'""&{ref}'  # an empty cell's reference shows 0; text stays text
            # The goal's status item holds each figure under its column's key.
            value: Cached = getattr(st, fig.column.key)
            if isinstance(value, date):
                value = rules.serial(value)
            sheet.formula(row, i, ref, fmt, value)
    last_goal_row = HEADER_ROW + len(report.goals)
    status_col = len(FIGURES) - 1
    sheet.status_colours(styles, HEADER_ROW + 1, status_col, last_goal_row, rules.PROGRESS_STATUSES)

    row = _glance(book, last_goal_row + 2)
    _charts(book, row + 1)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.hide_gridlines(2)
    sheet.print_setup(plan.title, fit_height=1, repeat_header=False)
    sheet.protect(autofilter=False)


def _glance(book: Book, row: int) -> int:
    """Counts that need attention, as COUNTIF formulas; returns the next free row."""
    report = book.report
    styles = book.styles
    sheet = book.sheets[layout.DASHBOARD]
    sheet.merge(row, 0, row, 1, "At a glance", styles.header())
    sheet.text(row, 2, "Count", styles.header())
    owners = layout.owners_layout(
        tuple(g.id for g in book.snapshot.plan.goals if g.measure == "sum")
    )
    m_status = [m.status for m in report.milestones]
    a_status = [a.status for a in report.actions]
    o_status = [o.status for o in report.owners]
    x_status = [x.status for x in report.anti_goals]
    m_col = layout.MILESTONES_LAYOUT.letter(M.status)
    a_col = layout.ACTIONS_LAYOUT.letter(layout.ACTION.status)
    o_col = owners.letter(layout.OWNER.status)
    x_col = layout.ANTI_GOALS_LAYOUT.letter(layout.ANTI_GOAL.status)
    lines = (
        ("Milestones missed", layout.MILESTONES, m_col, rules.MISSED, m_status),
        ("Actions overdue", layout.ACTIONS, a_col, rules.OVERDUE, a_status),
        ("Actions open", layout.ACTIONS, a_col, rules.OPEN, a_status),
        ("Actions done", layout.ACTIONS, a_col, rules.DONE, a_status),
        ("Owners off track", layout.OWNERS, o_col, rules.OFF_TRACK, o_status),
        ("Owners at risk", layout.OWNERS, o_col, rules.AT_RISK, o_status),
        ("Anti-goals breached", layout.ANTI_GOALS, x_col, rules.BREACHED, x_status),
        ("Anti-goals to review", layout.ANTI_GOALS, x_col, rules.REVIEW_OVERDUE, x_status),
    )
    text = styles.get()
    number = styles.get(num_format="0", bold=True, align="center")
    for k, (what, sheet_name, letter, status, found) in enumerate(lines, start=1):
        sheet.merge(row + k, 0, row + k, 1, what, text)
        sheet.formula(row + k, 2, _count(sheet_name, letter, status), number, found.count(status))
    return row + len(lines) + 1


def _charts(book: Book, row: int) -> None:
    """One line chart per goal: cumulative target vs actual at each milestone."""
    plan = book.snapshot.plan
    ws = book.sheets[layout.DASHBOARD].ws
    placed = 0
    for goal in plan.goals:
        rows = [i + 1 for i, m in enumerate(plan.milestones) if m.goal == goal.id]
        if not rows:
            continue
        first, last = rows[0], rows[-1]
        if last - first + 1 != len(rows):  # pragma: no cover - the planner groups by goal
            raise ValueError(f"milestones of {goal.id} are not on adjacent rows")
        chart = _goal_chart(book, goal, first, last)
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
        at_row = row + (placed // 2) * CHART_ROWS
        at_col = 0 if placed % 2 == 0 else 5
        x_offset = 0 if placed % 2 == 0 else 15
        placed += 1
        if ws.insert_chart(at_row, at_col, chart, {"x_offset": x_offset, "y_offset": 5}) != 0:
            book.sheets[layout.DASHBOARD].check(-1, at_row, at_col, "a chart")


def _goal_chart(book: Book, goal: Goal, first: int, last: int) -> Any:
    """A goal's line chart: the cumulative target at each due date, the actual to date."""
    plan = book.snapshot.plan
    spec = layout.MILESTONES_LAYOUT
    due, target, actual = (spec.index(c) for c in (M.due, M.target, M.actual))
    chart = book.workbook.add_chart({"type": "line"})
    cats = [layout.MILESTONES, first, due, last, due]
    chart.add_series(
        {
            "name": M.target.header,
            "categories": cats,
            "values": [layout.MILESTONES, first, target, last, target],
            "line": {"color": "#1F4E78", "width": 2, "dash_type": "dash"},
        }
    )
    # The Actual line stops at the as-of date: only milestones whose window
    # has begun. A formula cannot end a line in every engine (LibreOffice
    # plots #N/A and "" as zero), so the range is set at build time and
    # every rebuild (merge, replan, collect, build --keep) moves it on.
    begun = [
        i + 1
        for i, m in enumerate(plan.milestones)
        if m.goal == goal.id and m.start <= book.report.as_of
    ]
    if begun:
        chart.add_series(
            {
                "name": "Actual to date",
                "categories": cats,
                "values": [layout.MILESTONES, first, actual, begun[-1], actual],
                "line": {"color": "#C55A11", "width": 2.5},
                "marker": {
                    "type": "circle",
                    "size": 5,
                    "fill": {"color": "#C55A11"},
                    "border": {"color": "#C55A11"},
                },
            }
        )
    unit = f" ({goal.unit})" if goal.unit else ""
    chart.set_title(
        {
            "name": f"{goal.id} {goal.name}{unit}: target vs actual",
            "name_font": {"size": 11, "bold": True},
        }
    )
    chart.set_x_axis({"num_format": "mmm yy", "num_font": {"size": 8, "rotation": -45}})
    chart.set_y_axis(
        {
            "num_format": goal_number_format(goal),
            "num_font": {"size": 8},
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
        }
    )
    chart.set_legend({"position": "bottom"})
    return chart
