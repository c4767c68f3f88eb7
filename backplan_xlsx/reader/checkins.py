"""Check-ins: every reading people typed, to the last non-blank row.

Rows appended below the prepared ones count, rows may be in any order and
blank rows are skipped. A row whose date or value cannot be read is left
out of the figures and named by cell (``Check-ins!A17``), never read as 0.
"""

from __future__ import annotations

from datetime import date

from .. import layout
from ..errors import Problem
from ..model import CheckIn
from .cells import RowReader, SkipRow
from .plan import Recovered, open_table
from .source import Source


def read_check_ins(
    src: Source, out: Recovered, start: date, problems: list[Problem]
) -> tuple[CheckIn, ...]:
    """Every non-blank Check-ins row as a CheckIn (``row`` is the sheet row)."""
    table = open_table(src, layout.CHECK_INS_LAYOUT, problems)
    if table is None:
        return ()
    out.tables[layout.CHECK_INS] = table
    cells = RowReader(table, src.name, problems, src.date1904)
    known = {g.id.casefold() for g in out.goals} | {x.id.casefold() for x in out.anti_goals}
    sum_goals = {g.id.casefold() for g in out.goals if g.measure == "sum"}
    owners = {o.name.casefold() for o in out.owners}
    first = start
    last = max((g.deadline for g in out.goals), default=None)
    found: list[CheckIn] = []
    for r in table.data_rows(("date", "goal", "owner", "value")):
        try:
            day = cells.need_date(r, "date", "the date of the reading (YYYY-MM-DD)")
            goal = cells.need_text(r, "goal", "the goal or anti-goal ID (G1…, X1…)")
            value = cells.need_number(r, "value", "the value (a number)")
        except SkipRow:
            continue
        owner = cells.text(r, "owner")
        key = goal.casefold()
        if key not in known:
            cells.report(
                r,
                "goal",
                "unknown-goal",
                f"{goal!r} is not a goal or anti-goal of this plan, so this reading counts "
                "for nothing; pick an ID from the dropdown (Goals or Anti-goals sheet)",
                "warning",
            )
        elif key in sum_goals and not owner:
            cells.report(
                r,
                "owner",
                "missing-owner",
                "has no owner: the reading counts for the goal but for nobody's share; "
                "pick the owner from the dropdown",
                "warning",
            )
        elif owner and owner.casefold() not in owners and key in sum_goals:
            cells.report(
                r,
                "owner",
                "unknown-owner",
                f"{owner!r} is not on the Owners sheet: the reading counts for the goal but "
                "for nobody's share; pick a name from the dropdown",
                "warning",
            )
        _outside(cells, r, day, first, last)
        if r + 1 > layout.CHECK_IN_LAST_ROW:
            cells.report(
                r,
                "date",
                "beyond-formulas",
                f"is below row {layout.CHECK_IN_LAST_ROW}, past what the workbook's formulas "
                "read: status counts it, the workbook's latest readings do not. Move older "
                "rows to an archive copy or re-plan into a new workbook",
                "warning",
            )
        found.append(CheckIn(day, goal, owner, value, cells.text(r, "comment"), row=r + 1))
    return tuple(found)


def _outside(cells: RowReader, row: int, day: date, first: date | None, last: date | None) -> None:
    if first is not None and day < first:
        cells.report(
            row,
            "date",
            "date-outside-plan",
            f"{day.isoformat()} is before the plan starts ({first.isoformat()}); "
            "check the date (status counts it as progress made before the start)",
            "warning",
        )
    elif last is not None and day > last:
        cells.report(
            row,
            "date",
            "date-outside-plan",
            f"{day.isoformat()} is after the last deadline ({last.isoformat()}); "
            "check the date (no deadline counts it)",
            "warning",
        )
