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
from .columns import Table
from .plan import Recovered, open_table
from .source import Source
from .usercols import inserted_columns

_C = layout.CHECK_IN
_DATE, _GOAL, _OWNER, _VALUE, _COMMENT, _REF = (
    c.key for c in (_C.date, _C.goal, _C.owner, _C.value, _C.comment, _C.ref)
)
_KEYS = (_DATE, _GOAL, _OWNER, _VALUE, _COMMENT, _REF)
_SPACE = " \t\r\n\u00a0"


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
    reader = _RowReader(table, cells, check)
    rows = table.grid.rows
    found: list[CheckIn] = []
    for r in range(table.header_row + 1, len(rows)):
        reading = reader.read(r, rows[r])
        if reading is not None:
            found.append(reading)
    check.finish()
    return tuple(found)


class _RowReader:
    """One Check-ins row at a time: the common row on a fast path, anything else strictly.

    The common row (a date cell, text ids, a number) is tested on the raw
    values, and the warnings :meth:`_Checks.row` would find nothing to say
    about are ruled out here without a call.
    """

    __slots__ = ("cells", "check", "cols", "width", "inserted", "last_row")

    def __init__(self, table: Table, cells: RowReader, check: _Checks) -> None:
        self.cells, self.check = cells, check
        self.cols = [table.columns.get(k, -1) for k in _KEYS]
        self.width = max(self.cols) + 1
        # Columns people inserted: their values ride on each reading (rows stream past once).
        self.inserted = inserted_columns(table)
        self.last_row = layout.CHECK_IN_LAST_ROW

    def read(self, r: int, line: Sequence[object]) -> CheckIn | None:
        """The row's reading, or None for a blank row or one that cannot be read."""
        if len(line) < self.width:
            line = [*line, *([""] * (self.width - len(line)))]
        cd, cg, co, cv, cc, cr = self.cols
        raw_day, raw_goal, raw_value = line[cd], line[cg], line[cv]
        raw_owner = line[co] if co >= 0 else ""
        cells, check = self.cells, self.check
        try:
            if (
                isinstance(raw_day, date)  # so not blank
                and isinstance(raw_goal, str)
                and isinstance(raw_owner, str)
                and type(raw_value) is float
                and -MAX_MAGNITUDE <= raw_value <= MAX_MAGNITUDE  # not NaN, no overflowing sums
            ):
                day = raw_day.date() if isinstance(raw_day, datetime) else raw_day
                goal = raw_goal.strip(_SPACE) or cells.need_text(r, _GOAL, _C.goal.hint)
                owner, value, typed = raw_owner.strip(_SPACE), raw_value, ""
            elif _blank(raw_day) and _blank(raw_goal) and _blank(raw_owner) and _blank(raw_value):
                return None
            else:
                day, goal, owner, value, typed = self._strict(r, raw_day, raw_value)
        except SkipRow:
            return None
        if isinstance(raw_goal, str) and raw_goal != goal and goal.casefold() in check.known:
            typed = typed or raw_goal  # " G2" matches no goal in the formulas: nor here, yet
            check.padded(r, raw_goal, goal)
        key = goal.casefold()
        if not (
            key in check.known
            and (
                key not in check.sum_goals
                or (owner and (owner in check.owners or person_key(owner) in check.owners))
            )
            and check.first <= day <= (check.last or date.max)
        ):
            check.row(r, day, goal, owner)
        if r >= self.last_row:
            check.beyond.append(r)
        raw_comment = line[cc] if cc >= 0 else ""
        comment = raw_comment.strip(_SPACE) if type(raw_comment) is str else cells.text(r, _COMMENT)
        raw_ref = line[cr] if cr >= 0 else ""
        ref = raw_ref.strip(_SPACE) if type(raw_ref) is str else cells.text(r, _REF)
        reading = CheckIn(day, goal, owner, value, comment, r + 1, ref, as_text=typed)
        return _with_inserted(reading, line, self.inserted) if self.inserted else reading

    def _strict(
        self, r: int, raw_day: object, raw_value: object
    ) -> tuple[date, str, str, float, str]:
        """A row off the fast path, through the strict parsers (bad cells skip the row)."""
        cells = self.cells
        day = cells.need_date(r, _DATE, _C.date.hint)
        goal = cells.need_text(r, _GOAL, _C.goal.hint)
        value = cells.need_number(r, _VALUE, _C.value.hint)
        return day, goal, cells.text(r, _OWNER), value, _typed_as_text(raw_day, raw_value)


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

    def padded(self, r: int, raw: str, goal: str) -> None:
        """A goal id typed with spaces around it: the formulas' SUMIFS match none."""
        self.cells.report(
            r,
            _GOAL,
            "goal-with-spaces",
            f"{raw!r} has spaces around {goal!r}: the workbook's own formulas count this "
            f"reading for no goal, so status leaves it out too; pick {goal} from the dropdown, "
            "or run merge or replan, which write it as the id",
            "warning",
        )

    def row(self, r: int, day: date, goal: str, owner: str) -> None:
        """The warnings about one row read (rows past the formulas are gathered by the caller)."""
        cells = self.cells
        key = goal.casefold()
        if key not in self.known:
            cells.report(
                r,
                _GOAL,
                "unknown-goal",
                f"{goal!r} is not a goal or anti-goal of this plan, so this reading counts "
                "for nothing; pick an ID from the dropdown (Goals or Anti-goals sheet)",
                "warning",
            )
        elif key in self.sum_goals and not owner:
            cells.report(
                r,
                _OWNER,
                "missing-owner",
                "has no owner: the reading counts for the goal but for nobody's share; "
                "pick the owner from the dropdown",
                "warning",
            )
        elif key in self.sum_goals and person_key(owner) not in self.owners:
            cells.report(
                r,
                _OWNER,
                "unknown-owner",
                f"{owner!r} is not on the Owners sheet: the reading counts for the goal but "
                "for nobody's share; pick a name from the dropdown",
                "warning",
            )
        if day < self.first:
            cells.report(
                r,
                _DATE,
                "date-outside-plan",
                f"{day.isoformat()} is before the plan starts ({self.first.isoformat()}); "
                "check the date (status counts it as progress made before the start)",
                "warning",
            )
        elif self.last is not None and day > self.last:
            cells.report(
                r,
                _DATE,
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
            _DATE,
            "beyond-formulas",
            f"{rows} below row {layout.CHECK_IN_LAST_ROW}, past what the workbook's formulas "
            "read: status counts them, the workbook's latest readings do not. Move older "
            "rows to an archive copy or re-plan into a new workbook",
            "warning",
        )
