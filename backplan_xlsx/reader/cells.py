"""Reading one row's cells, each problem named by sheet and cell.

A row whose needed cell is empty or unreadable is left out (after its
problem is recorded) by raising :class:`SkipRow`; optional cells fall back
to their defaults. Text typed where a number or date belongs is read, with
a warning: the workbook's own formulas ignore such text until it is retyped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, cast

from .. import layout
from ..errors import Problem, Severity
from ..values import parse_date, parse_number
from .columns import Table, as_text, located

#: What each spreadsheet error says, for the message that names it.
ERROR_MEANINGS = {
    "#N/A": "a lookup found nothing",
    "#REF!": "it refers to a cell that was deleted",
    "#DIV/0!": "a division by zero",
    "#VALUE!": "a calculation with text or a wrong type",
    "#NAME?": "a function or name this spreadsheet does not know",
    "#NUM!": "a number out of range",
    "#NULL!": "ranges that do not meet",
    "#SPILL!": "a result that has no room to spill",
    "#CALC!": "a calculation the spreadsheet cannot do",
}


#: The most problems of one kind listed for one sheet; the rest are said in one line.
MAX_SAME = 1_000


class SkipRow(Exception):  # noqa: N818 - control flow, never leaves this package
    """The row cannot be used; its problem has been recorded."""


class RowReader:
    """Typed access to a table's cells, recording a located Problem for each bad one."""

    def __init__(self, table: Table, file: str, problems: list[Problem], date1904: bool) -> None:
        self.table = table
        self.file = file
        self.problems = problems
        self.date1904 = date1904
        self.same: dict[str, int] = {}

    def report(
        self, row: int, key: str, code: str, message: str, severity: Severity = "error"
    ) -> None:
        """Record a problem at the cell of ``key`` in ``row`` (the first MAX_SAME of a kind).

        400,000 rows with no owner would otherwise be 400,000 problems and
        a gigabyte of memory: past MAX_SAME of one kind on a sheet, one line
        says there are more, and the rest are counted out, not kept.
        """
        seen = self.same[code] = self.same.get(code, 0) + 1
        if seen > MAX_SAME:
            if seen == MAX_SAME + 1:
                self.problems.append(
                    Problem(
                        code,
                        severity,
                        f"and more cells like the ones above from here on (only the first "
                        f"{MAX_SAME:,} of a kind are listed on a sheet); fix them the same way",
                        file=self.file,
                        sheet=self.table.sheet,
                        cell=self.table.ref(row, key),
                    )
                )
            return
        self.problems.append(
            Problem(
                code,
                severity,
                message,
                file=self.file,
                sheet=self.table.sheet,
                cell=self.table.ref(row, key),
            )
        )

    def text(self, row: int, key: str, default: str = "") -> str:
        """A cell as trimmed text (``default`` when blank or the column is absent)."""
        return self.table.text(row, key) or default

    def need_text(self, row: int, key: str, what: str) -> str:
        """Text that must be there; empty skips the row."""
        return self.need(row, key, self.table.text(row, key), what)

    def need(self, row: int, key: str, got: str, what: str) -> str:
        """:meth:`need_text` of a text already read (by :meth:`Table.texts`)."""
        if not got:
            self.blank(row, key, what, need=True)
        return got

    def blank(self, row: int, key: str, what: str, *, need: bool) -> None:
        """A cell that reads as blank: an error cell is named, an empty needed one skips.

        Calamine reads ``#N/A`` as blank; the sheet's XML tells them apart.
        """
        error = self.table.error(row, key)
        if error is not None:
            why = ERROR_MEANINGS.get(error.upper(), "a formula that cannot be calculated")
            self.report(
                row, key, "error-cell", f"holds the error {error} ({why}); fix it or type {what}"
            )
            raise SkipRow
        if need:
            self.report(row, key, "missing-value", f"is empty; type {what}")
            raise SkipRow

    def optional_number(self, row: int, key: str, what: str, *, need: bool) -> float | None:
        """A number, or None when blank and not needed; bad or missing-and-needed skips."""
        got = self._optional(row, key, what, need, parse_number, "number", lambda v: f"{v:g}")
        return cast("float | None", got)

    def optional_date(self, row: int, key: str, what: str, *, need: bool) -> date | None:
        """A date, or None when blank and not needed; bad or missing-and-needed skips."""
        got = self._optional(
            row,
            key,
            what,
            need,
            lambda raw: parse_date(raw, date1904=self.date1904),
            "date",
            lambda v: v.isoformat(),
        )
        return cast("date | None", got)

    def _optional(
        self,
        row: int,
        key: str,
        what: str,
        need: bool,
        parse: Callable[[object], Any],
        kind: str,
        show: Callable[[Any], str],
    ) -> Any:
        """One typed cell: blank, a problem (reported), or the value (warned if typed as text)."""
        raw = self.table.get(row, key)
        got = parse(raw)
        if got is None:
            try:
                self.blank(row, key, what, need=need)
            except SkipRow:
                if need:
                    raise
            return None
        if isinstance(got, Problem):
            self._bad(got, row, key, need)
            return None
        if isinstance(raw, str):
            self.problems.append(
                as_text(self.file, self.table.sheet, self.table.ref(row, key), raw, kind, show(got))
            )
        return got

    def need_number(self, row: int, key: str, what: str) -> float:
        """A number that must be there; empty or unreadable skips the row."""
        got = self.optional_number(row, key, what, need=True)
        assert got is not None  # need=True raises SkipRow instead of returning None
        return got

    def need_date(self, row: int, key: str, what: str) -> date:
        """A date that must be there; empty or unreadable skips the row."""
        got = self.optional_date(row, key, what, need=True)
        assert got is not None  # need=True raises SkipRow instead of returning None
        return got

    def _bad(self, p: Problem, row: int, key: str, need: bool) -> None:
        self.problems.append(located(p, self.file, self.table.sheet, self.table.ref(row, key)))
        if need:
            raise SkipRow

    def row_id(self, row: int, seen: set[str], what: str, rid: str | None = None) -> str:
        """The row's ID: present and unique (ids compare ignoring case), or the row is skipped.

        A row without an ID is skipped unreported here: :mod:`.idless` says
        whether what it holds would be lost.

        ``rid`` is the ID cell's text when the caller has read it already.
        """
        if rid is None:
            rid = self.table.text(row, layout.ID_KEY)
        if not rid:
            raise SkipRow  # what an ID-less row holds is judged by :mod:`.idless`
        key = rid.casefold()
        if key in seen:
            self.report(
                row,
                layout.ID_KEY,
                "duplicate-id",
                f"{rid} appears twice; only the first row counts. Give this row its own ID "
                "from the original workbook, or delete it",
            )
            raise SkipRow
        seen.add(key)
        return rid
