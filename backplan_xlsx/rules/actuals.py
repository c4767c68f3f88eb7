"""Actuals: what the check-ins add up to, and the formulas that add them up the same way."""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from ..model import CheckIn, Snapshot
from ..names import APOSTROPHES, person_key
from .words import ArrayFormula, Measure


def _goal_key(goal_id: str) -> str:
    return goal_id.casefold()


def counts(c: CheckIn) -> bool:
    """Whether a check-in counts: not while its value or date is text ("40,000").

    The workbook's formulas skip text (SUMIFS ignores it, the owner and
    latest formulas test ISNUMBER), so the Python engine skips it too and
    ``status`` says what the workbook shows; the reader names the cell. Every
    rewrite writes the value as a number (:func:`as_numbers`), and from then
    on both count it.
    """
    return not c.as_text


def as_numbers(check_ins: tuple[CheckIn, ...]) -> tuple[CheckIn, ...]:
    """The check-ins as a rewrite writes them: a value typed as text becomes its number."""
    if not any(c.as_text for c in check_ins):
        return check_ins
    return tuple(replace(c, as_text="") if c.as_text else c for c in check_ins)


def as_rewritten(snapshot: Snapshot) -> Snapshot:
    """The snapshot as a rewrite (merge, replan, split) writes it: text numbers as numbers.

    The one place both the writer and ``collect`` take it from, so the
    figures of collect's merged result are those of ``merge``'s workbook.
    """
    check_ins = as_numbers(snapshot.check_ins)
    return snapshot if check_ins is snapshot.check_ins else replace(snapshot, check_ins=check_ins)


def actual(
    measure: Measure,
    baseline: float,
    check_ins: Iterable[CheckIn],
    until: date,
    goal_id: str,
    owner: str | None = None,
) -> float:
    """A goal's actual from its check-ins dated on or before ``until``.

    ``sum``: the baseline plus the sum of the check-ins. ``latest``: the value
    of the latest check-in (by date, then by row), or the baseline when there
    is none. Ids match ignoring case, as the spreadsheet's ``=`` does; owner
    names match as :func:`backplan_xlsx.names.person_key` says.
    """
    key = _goal_key(goal_id)
    who = person_key(owner) if owner is not None else None
    rows = [
        c
        for c in check_ins
        if c.goal.casefold() == key
        and c.date <= until
        and (who is None or person_key(c.owner) == who)
        and counts(c)
    ]
    if measure == "sum":
        total = 0.0
        for c in rows:
            total += c.value
        return baseline + total
    if not rows:
        return baseline
    return max(rows, key=lambda c: (c.date, c.row)).value


def latest_reading(check_ins: Iterable[CheckIn], goal_id: str, until: date) -> float | None:
    """The latest reading of a goal or anti-goal on or before ``until``, if any."""
    key = _goal_key(goal_id)
    rows = [c for c in check_ins if c.goal.casefold() == key and c.date <= until and counts(c)]
    if not rows:
        return None
    return max(rows, key=lambda c: (c.date, c.row)).value


class _Series:
    """One goal's (or one owner's part's) check-ins, day by day, with running sums.

    Check-ins are folded into days first: a plan has a few hundred days and
    maybe hundreds of thousands of rows, so only the days are ever sorted.
    """

    __slots__ = ("_days", "_last", "dates", "sums", "values")

    def __init__(self) -> None:
        self._days: dict[date, float] = {}
        self._last: dict[date, tuple[int, float]] = {}
        self.dates: list[date] = []
        self.sums: list[float] = []
        self.values: list[float] = []

    def add(self, c: CheckIn) -> None:
        self._days[c.date] = self._days.get(c.date, 0.0) + c.value
        seen = self._last.get(c.date)
        if seen is None or c.row > seen[0]:
            self._last[c.date] = (c.row, c.value)

    def finish(self) -> _Series:
        self.dates = sorted(self._days)
        sums = [0.0]
        for d in self.dates:
            sums.append(sums[-1] + self._days[d])
        self.sums = sums
        self.values = [self._last[d][1] for d in self.dates]
        return self

    def total(self, until: date) -> float:
        return self.sums[bisect_right(self.dates, until)]

    def latest(self, until: date) -> float | None:
        k = bisect_right(self.dates, until)
        return self.values[k - 1] if k else None


class CheckInIndex:
    """The check-ins grouped once, so each of a plan's actuals is a lookup.

    The same rules as :func:`actual` and :func:`latest_reading` (a property
    test holds them equal): a plan with 200,000 check-ins and hundreds of
    milestones and owner parts would otherwise scan every row for each.
    Sums run day by day, so they may differ from a row-order sum in the last
    bits, as a spreadsheet's compensated SUMIFS does.
    """

    def __init__(self, check_ins: Iterable[CheckIn]) -> None:
        series: dict[tuple[str, str | None], _Series] = {}
        for c in check_ins:
            if c.as_text:  # not counted (see counts)
                continue
            goal = c.goal.casefold()
            for key in ((goal, None), (goal, person_key(c.owner))):
                found = series.get(key)
                if found is None:
                    found = series[key] = _Series()
                found.add(c)
        self._series = {k: v.finish() for k, v in series.items()}

    def actual(
        self,
        measure: Measure,
        baseline: float,
        until: date,
        goal_id: str,
        owner: str | None = None,
    ) -> float:
        """:func:`actual`, looked up."""
        who = person_key(owner) if owner is not None else None
        series = self._series.get((_goal_key(goal_id), who))
        if series is None:
            return baseline
        if measure == "sum":
            return baseline + series.total(until)
        found = series.latest(until)
        return baseline if found is None else found

    def latest(self, goal_id: str, until: date) -> float | None:
        """:func:`latest_reading`, looked up."""
        series = self._series.get((_goal_key(goal_id), None))
        return None if series is None else series.latest(until)


class CheckInRanges:
    """The Check-ins columns as absolute references, for generated formulas.

    Whole columns feed SUMIFS (rows added below the prepared ones still
    count); array formulas get bounded ranges, because an engine evaluating
    a whole column as an array builds a million-row array.
    """

    def __init__(self, sheet: str, date: str, goal: str, owner: str, value: str, last: int):
        q = f"'{sheet}'!" if not sheet.isalnum() else f"{sheet}!"
        self.date_col = f"{q}${date}:${date}"
        self.goal_col = f"{q}${goal}:${goal}"
        self.owner_col = f"{q}${owner}:${owner}"
        self.value_col = f"{q}${value}:${value}"
        self.dates = f"{q}${date}$2:${date}${last}"
        self.goals = f"{q}${goal}$2:${goal}${last}"
        self.owners = f"{q}${owner}$2:${owner}${last}"
        self.values = f"{q}${value}$2:${value}${last}"
        #: The Value column from row 1, so INDEX by ROW() lands on the row.
        self.values_from_top = f"{q}${value}$1:${value}${last}"
        self.value_letter = value
        self.sheet_ref = q


def _text_literal(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def person_key_formula(ref: str) -> str:
    """The formula twin of :func:`backplan_xlsx.names.person_key`, case aside
    (``=`` ignores case): trimmed, every apostrophe look-alike made straight."""
    out = f"TRIM({ref})"
    for a in APOSTROPHES:
        out = f'SUBSTITUTE({out},"{a}","\'")'
    return out


def owner_match_formula(owners: str, name_ref: str, name: str) -> str:
    """1 where a Check-ins Owner cell names this owner, else 0 (element-wise).

    Plain ``=`` on the person keys: no SUMIFS criterion, so ``*``, ``?``,
    ``~``, ``<``, ``>`` and ``=`` in a name are plain characters. A formula
    cannot normalise Unicode, so the decomposed spelling is compared too.
    """
    cell = person_key_formula(owners)
    tests = [f"({cell}={person_key_formula(name_ref)})"]
    decomposed = unicodedata.normalize("NFD", name)
    if decomposed != unicodedata.normalize("NFC", name):
        plain = " ".join(p for p in decomposed.split(" ") if p)
        for a in APOSTROPHES:
            plain = plain.replace(a, "'")
        tests.append(f"({cell}={_text_literal(plain)})")
    # Never compare a bare boolean with a number: Excel and Gnumeric rank every
    # boolean above every number (FALSE>0 is TRUE there), LibreOffice does not.
    # A sum of booleans is a number everywhere; OR() would fold the array.
    return tests[0] if len(tests) == 1 else f"(({'+'.join(tests)})>0)"


def no_error(test: str) -> str:
    """An element-wise test that is FALSE, not an error, where a cell holds an error.

    A name typed as ``=Sam`` becomes a formula and ``#NAME?``; one error in
    the Owner or Goal column would otherwise turn every owner's figure into
    an error, while Python (which reads no name there) counts the row for nobody.
    """
    return f"IFERROR({test},FALSE)"


def day_after(until: str) -> str:
    """The first moment after the day ``until`` holds: a reading dated that day counts
    whatever time of day it carries (``2027-03-15 15:00`` is dated 2027-03-15)."""
    return f"(INT({until})+1)"


def actual_formula(
    measure: Measure,
    baseline: str,
    goal: str,
    until: str,
    r: CheckInRanges,
    owner: tuple[str, str] | None = None,
) -> str:
    """The formula twin of :func:`actual`. Arguments are cell references;
    ``owner`` is the owner's name cell and name (their own check-ins only)."""
    if measure == "latest":
        return latest_formula(goal, until, r, fallback=baseline)
    if owner is None:
        return (
            f"{baseline}+SUMIFS({r.value_col},{r.goal_col},{goal},"
            f'{r.date_col},"<"&{day_after(until)})'
        )
    who = no_error(owner_match_formula(r.owners, *owner))
    value = f"IF(ISNUMBER({r.values}),{r.values},0)"
    dated = f"IF(ISNUMBER({r.dates}),IF({r.dates}<{day_after(until)},{value},0),0)"
    return ArrayFormula(
        f"{baseline}+SUM(IF({no_error(f'{r.goals}={goal}')},IF({who},{dated},0),0))"
    )


def latest_formula(goal: str, until: str, r: CheckInRanges, fallback: str = '""') -> str:
    """The value at the latest date (then the highest row) with a numeric reading.

    Excel 2016 has no MAXIFS, so the conditional maxima are ``MAX(IF(...))``
    in an array formula; every branch has an explicit else, because
    LibreOffice's FALSE is the number 0.
    """

    def where(then: str) -> str:
        test = no_error(f"{r.goals}={goal}")
        return f"IF({test},IF(ISNUMBER({r.values}),IF(ISNUMBER({r.dates}),{then},0),0),0)"

    day = f"INT({r.dates})"  # the day of a reading typed with a time of day
    last_date = f"MAX({where(f'IF({r.dates}<{day_after(until)},{day},0)')})"
    last_row = f"MAX({where(f'IF({day}={last_date},ROW({r.dates}),0)')})"
    return ArrayFormula(f"IF({last_date}=0,{fallback},INDEX({r.values_from_top},{last_row}))")
