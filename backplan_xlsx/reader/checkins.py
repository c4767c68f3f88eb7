"""Check-ins: every reading people typed, to the last non-blank row.

Rows appended below the prepared ones count, rows may be in any order and
blank rows are skipped. A row whose date or value cannot be read is left
out of the figures and named by cell (``Check-ins!A17``), never read as 0.

This is the one sheet that grows (thousands of rows in a year of weekly
check-ins by a big team), so the common row (a date cell, text ids, a
number) takes a fast path over the raw values; anything else goes through
the strict parsers of :class:`~backplan_xlsx.reader.cells.RowReader`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from .. import layout
from ..errors import Problem
from ..model import CheckIn
from ..names import person_key
from ..values import MAX_MAGNITUDE
from .cells import RowReader, SkipRow
from .plan import Recovered, open_table
from .source import Source
from .usercols import inserted_columns

_KEYS = ("date", "goal", "owner", "value", "comment", "ref")
_SPACE = " \t\r\n\u00a0"
_GOAL_HINT = "the goal or anti-goal ID (G1…, X1…)"


def read_check_ins(
    src: Source, out: Recovered, start: date, problems: list[Problem]
) -> tuple[CheckIn, ...]:
    """Every non-blank Check-ins row as a CheckIn (``row`` is the sheet row).

    The sheet is streamed (rows are walked top to bottom, once), so a million
    rows cost the CheckIns, not a second copy of the sheet in Python lists.
    """
    src.stream(layout.CHECK_INS)
    table = open_table(src, layout.CHECK_INS_LAYOUT, problems)
    if table is None:
        return ()
    out.tables[layout.CHECK_INS] = table
    cells = RowReader(table, src.name, problems, src.date1904)
    check = _Checks(cells, out, start)
    cols = [table.columns.get(k, -1) for k in _KEYS]
    cd, cg, co, cv, cc, cr = cols
    width = max(cols) + 1
    found: list[CheckIn] = []
    # Columns people inserted: their values ride on each reading (the rows stream past once).
    inserted = inserted_columns(table)
    rows = table.grid.rows
    # What check.row() would find nothing to say about, tested here without a call.
    known, sum_goals, owners = check.known, check.sum_goals, check.owners
    first, last, last_row = check.first, check.last or date.max, layout.CHECK_IN_LAST_ROW
    for r in range(table.header_row + 1, len(rows)):
        line = rows[r]
        if len(line) < width:
            line = line + [""] * (width - len(line))
        raw_day, raw_goal, raw_value = line[cd], line[cg], line[cv]
        raw_owner = line[co] if co >= 0 else ""
        raw_comment = line[cc] if cc >= 0 else ""
        day: date
        value: float
        try:
            if (
                isinstance(raw_day, date)  # so not blank
                and isinstance(raw_goal, str)
                and isinstance(raw_owner, str)
                and type(raw_value) is float
                and -MAX_MAGNITUDE <= raw_value <= MAX_MAGNITUDE  # not NaN, no overflowing sums
            ):
                day = raw_day.date() if isinstance(raw_day, datetime) else raw_day
                goal = raw_goal.strip(_SPACE) or cells.need_text(r, "goal", _GOAL_HINT)
                value = raw_value
                owner = raw_owner.strip(_SPACE)
                typed = ""
            elif _blank(raw_day) and _blank(raw_goal) and _blank(raw_owner) and _blank(raw_value):
                continue
            else:
                day = cells.need_date(r, "date", "the date of the reading (YYYY-MM-DD)")
                goal = cells.need_text(r, "goal", _GOAL_HINT)
                value = cells.need_number(r, "value", "the value (a number)")
                owner = cells.text(r, "owner")
                typed = _typed_as_text(raw_day, raw_value)
        except SkipRow:
            continue
        key = goal.casefold()
        if not (
            key in known
            and (
                key not in sum_goals or (owner and (owner in owners or person_key(owner) in owners))
            )
            and first <= day <= last
        ):
            check.row(r, day, goal, owner)
        if r >= last_row:
            check.beyond.append(r)
        comment = (
            raw_comment.strip(_SPACE) if type(raw_comment) is str else cells.text(r, "comment")
        )
        raw_ref = line[cr] if cr >= 0 else ""
        ref = raw_ref.strip(_SPACE) if type(raw_ref) is str else cells.text(r, "ref")
        reading = CheckIn(day, goal, owner, value, comment, r + 1, ref, as_text=typed)
        if inserted:
            reading = _with_inserted(reading, line, inserted)
        found.append(reading)
    check.finish()
    return tuple(found)


def _with_inserted(
    reading: CheckIn, line: Sequence[object], inserted: list[tuple[int, str]]
) -> CheckIn:
    pairs = tuple(
        (header, line[c]) for c, header in inserted if c < len(line) and not _blank(line[c])
    )
    return replace(reading, extra=pairs) if pairs else reading


def _typed_as_text(raw_day: object, raw_value: object) -> str:
    """The text typed where the date or value belongs (the formulas ignore it), else ""."""
    if isinstance(raw_value, str):
        return raw_value.strip(_SPACE)
    if isinstance(raw_day, str):
        return raw_day.strip(_SPACE)
    return ""


def _blank(raw: object) -> bool:
    return raw == "" or raw is None or (isinstance(raw, str) and not raw.strip(_SPACE))


class _Checks:
    """The warnings about rows that are read: unknown ids, odd dates, rows past the formulas."""

    def __init__(self, cells: RowReader, out: Recovered, start: date) -> None:
        self.cells = cells
        self.known = {g.id.casefold() for g in out.goals} | {
            x.id.casefold() for x in out.anti_goals
        }
        self.sum_goals = {g.id.casefold() for g in out.goals if g.measure == "sum"}
        # Exact names first (the common, cheap case), then the keys people's spellings share.
        self.owners = {o.name for o in out.owners} | {person_key(o.name) for o in out.owners}
        self.first = start
        self.last = max((g.deadline for g in out.goals), default=None)
        self.beyond: list[int] = []

    def row(self, r: int, day: date, goal: str, owner: str) -> None:
        """The warnings about one row read (rows past the formulas are gathered by the caller)."""
        cells = self.cells
        key = goal.casefold()
        if key not in self.known:
            cells.report(
                r,
                "goal",
                "unknown-goal",
                f"{goal!r} is not a goal or anti-goal of this plan, so this reading counts "
                "for nothing; pick an ID from the dropdown (Goals or Anti-goals sheet)",
                "warning",
            )
        elif key in self.sum_goals and not owner:
            cells.report(
                r,
                "owner",
                "missing-owner",
                "has no owner: the reading counts for the goal but for nobody's share; "
                "pick the owner from the dropdown",
                "warning",
            )
        elif key in self.sum_goals and person_key(owner) not in self.owners:
            cells.report(
                r,
                "owner",
                "unknown-owner",
                f"{owner!r} is not on the Owners sheet: the reading counts for the goal but "
                "for nobody's share; pick a name from the dropdown",
                "warning",
            )
        if day < self.first:
            cells.report(
                r,
                "date",
                "date-outside-plan",
                f"{day.isoformat()} is before the plan starts ({self.first.isoformat()}); "
                "check the date (status counts it as progress made before the start)",
                "warning",
            )
        elif self.last is not None and day > self.last:
            cells.report(
                r,
                "date",
                "date-outside-plan",
                f"{day.isoformat()} is after the last deadline ({self.last.isoformat()}); "
                "check the date (no deadline counts it)",
                "warning",
            )

    def finish(self) -> None:
        """One warning for all rows past the formulas' range, at the first of them."""
        if not self.beyond:
            return
        first, n = self.beyond[0], len(self.beyond)
        rows = f"this row and {n - 1} more below it are" if n > 1 else "this row is"
        self.cells.report(
            first,
            "date",
            "beyond-formulas",
            f"{rows} below row {layout.CHECK_IN_LAST_ROW}, past what the workbook's formulas "
            "read: status counts them, the workbook's latest readings do not. Move older "
            "rows to an archive copy or re-plan into a new workbook",
            "warning",
        )
