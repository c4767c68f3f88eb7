"""Won deals into check-ins: each deal once, on its owner, on the day it closed.

A deal becomes one check-in of a goal measured as a sum: dated by its close
date, owned by the plan's owner it names (matched as names are matched
everywhere, :func:`backplan_xlsx.names.find_person`, or by e-mail), valued
at its amount, commented with its name, and carrying its id in the
Check-ins ``Ref`` column. A deal already in the workbook (same Ref) is not
added again; one whose amount changed since is reported, never doubled.
Rows that cannot be placed (no such owner, no readable date or amount, a
date outside the plan) are listed by line and left out: the user fixes the
export or the Owners sheet and imports again, which adds only what is new.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from ..errors import ExportError
from ..model import CheckIn, Plan, Snapshot
from ..names import find_person, person_key
from . import amounts
from .exports import ExportTable, Value
from .vendors import (
    GENERIC,
    NEEDED,
    Filter,
    Vendor,
    column_index,
    parse_where,
    recognise,
    resolve_columns,
)

#: Amounts closer than this are the same amount (cents, float noise).
SAME_AMOUNT = 0.005


@dataclass(frozen=True, slots=True)
class Unplaced:
    """An export row left out, and why (``line`` as the file numbers it)."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ChangedDeal:
    """A deal imported before whose amount differs now: reported, not added again."""

    line: int
    ref: str
    name: str
    was: float
    now: float
    row: int


@dataclass(frozen=True, slots=True)
class LinkedDeal:
    """A deal someone had typed by hand (no Ref): its Ref is filled in, nothing added."""

    line: int
    ref: str
    row: int


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import adds, skips and notices, and the snapshot with the new check-ins."""

    export: str
    vendor: str
    added: tuple[CheckIn, ...]
    snapshot: Snapshot
    #: How the export was read and which defaults applied, one sentence each.
    notes: tuple[str, ...] = ()
    already: int = 0
    changed: tuple[ChangedDeal, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()
    #: Rows the filter (``--where`` or the vendor's won stage) left out.
    filtered: int = 0
    #: On a split part: other people's rows, by the name the export gives.
    others: tuple[tuple[str, int], ...] = ()
    #: What the export's numbers count: "line" (CSV) or "row" (xlsx).
    unit: str = "line"
    linked: tuple[LinkedDeal, ...] = ()

    @property
    def changes_workbook(self) -> bool:
        """Whether saving it changes the workbook (check-ins added or Refs filled in)."""
        return bool(self.added or self.linked)

    @property
    def total(self) -> float:
        """The sum of the added check-ins' values."""
        return sum(c.value for c in self.added)


@dataclass(frozen=True, slots=True)
class _Reading:
    """How this export's cells are read: columns, filters, goal, conventions."""

    columns: dict[str, int]
    filters: tuple[Filter, ...]
    goal: str
    mark: str
    order: amounts.DateOrder
    vendor: Vendor


def plan_import(
    snapshot: Snapshot,
    table: ExportTable,
    *,
    mapping: Mapping[str, str] | None = None,
    where: Sequence[str] = (),
    day_first: bool | None = None,
) -> ImportResult:
    """The check-ins an export adds to a workbook's snapshot (nothing is written).

    Args:
        snapshot: the workbook as read (a whole plan or a split part).
        table: the export (see :func:`~backplan_xlsx.crm.exports.read_export`).
        mapping: ``--map`` as {field: column}, ``goal`` a goal id or a column.
        where: ``--where`` filters; none means the vendor's won stage.
        day_first: how to read 03/04/2027 when the file cannot tell (None:
            the vendor's and the file's convention).

    Raises:
        ExportError: a needed column cannot be found, a mapped column or goal
            does not exist, or the goal is not measured as a sum.
    """
    mapping = dict(mapping or {})
    notes: list[str] = []
    reading = _reading(snapshot.plan, table, mapping, where, day_first, notes)
    owners = _Owners(snapshot.plan)
    tally = _Tally(snapshot, table.unit)
    for line, cells in table.rows:
        if sum(c is not None for c in cells) <= 1:
            continue  # a report's title, totals or copyright line, not a deal
        if not all(f.keeps(cells[f.column]) for f in reading.filters):
            tally.filtered += 1
            continue
        deal = _deal(reading, cells, table, owners, snapshot.plan, line)
        if deal is not None:  # None: a line with no date, owner, amount or id
            tally.take(line, deal)
    return tally.result(snapshot, table, reading.vendor.name, tuple(notes))


class _Tally:
    """An import's running count: what is added, linked, already there, changed, left out."""

    def __init__(self, snapshot: Snapshot, unit: str) -> None:
        self.unit = unit
        self.by_ref = {c.ref: c for c in snapshot.check_ins if c.ref}
        # Rows typed by hand (no Ref) that a deal may be: same day, goal, owner and amount.
        self.by_hand = {_same(c): c for c in reversed(snapshot.check_ins) if not c.ref}
        self.added: list[CheckIn] = []
        self.linked: list[LinkedDeal] = []
        self.unplaced: list[Unplaced] = []
        self.changed: list[ChangedDeal] = []
        self.others: Counter[str] = Counter()
        self.spelled: dict[str, str] = {}  # one person's rows counted once, as first spelled
        self.seen: dict[str, int] = {}
        self.filtered = self.already = 0
        self.next_row = max((c.row for c in snapshot.check_ins), default=1) + 1

    def take(self, line: int, deal: CheckIn | Unplaced | str) -> None:
        """Count one row: a check-in to add, or why it is not added."""
        if isinstance(deal, Unplaced):
            self.unplaced.append(deal)
        elif isinstance(deal, str):
            self.others[self.spelled.setdefault(person_key(deal), deal)] += 1
        elif deal.ref in self.seen:
            first = self.seen[deal.ref]
            self.unplaced.append(
                Unplaced(line, f"deal {deal.ref} again (first on {self.unit} {first})")
            )
        else:
            self.seen[deal.ref] = line
            self._place(line, deal)

    def _place(self, line: int, deal: CheckIn) -> None:
        before = self.by_ref.get(deal.ref)
        if before is not None:
            if abs(before.value - deal.value) < SAME_AMOUNT:
                self.already += 1
            else:
                self.changed.append(
                    ChangedDeal(line, deal.ref, deal.comment, before.value, deal.value, before.row)
                )
            return
        typed = self.by_hand.pop(_same(deal), None)
        if typed is not None:
            self.linked.append(LinkedDeal(line, deal.ref, typed.row))
            return
        self.added.append(replace(deal, row=self.next_row))
        self.next_row += 1

    def result(
        self, snapshot: Snapshot, table: ExportTable, vendor: str, notes: tuple[str, ...]
    ) -> ImportResult:
        """The counts as an :class:`ImportResult`, its snapshot holding the new check-ins."""
        refs = {d.row: d.ref for d in self.linked}
        kept = tuple(
            replace(c, ref=refs[c.row]) if c.row in refs else c for c in snapshot.check_ins
        )
        return ImportResult(
            table.file,
            vendor,
            tuple(self.added),
            replace(snapshot, check_ins=kept + tuple(self.added)),
            notes,
            self.already,
            tuple(self.changed),
            tuple(self.unplaced),
            self.filtered,
            tuple(sorted(self.others.items())),
            self.unit,
            tuple(self.linked),
        )


def _same(c: CheckIn) -> tuple[date, str, str, float]:
    """What a deal and a check-in typed by hand for it share."""
    return (c.date, c.goal.casefold(), person_key(c.owner), round(c.value, 2))


def _given(where: Sequence[str], table: ExportTable) -> tuple[Filter, ...]:
    return tuple(parse_where(w, table.headers, table.file) for w in where)


def _won_filter(
    vendor: Vendor, table: ExportTable, where: Sequence[str], notes: list[str]
) -> tuple[Filter, ...]:
    """The vendor's won-stage filter, unless a ``--where`` is on that column itself.

    A ``--where`` on another column (deal type, region) narrows the won
    deals; it never lets lost or open deals in as won revenue.
    """
    if vendor.won is None:
        return ()
    header, won = vendor.won
    try:
        index = column_index(table.headers, header, "won filter", table.file)
    except ExportError:
        notes.append(f"No {header!r} column: every row is taken as a won deal.")
        return ()
    if any(f.column == index for f in _given(where, table)):
        return ()  # the user chose the stages themselves
    stage = Filter(index, table.headers[index], won)
    also = " and the --where filters" if where else ""
    notes.append(
        f"Only won deals count: rows where {stage}{also} (a --where on "
        f"{table.headers[index]!r} chooses other stages)."
    )
    return (stage,)


def _reading(
    plan: Plan,
    table: ExportTable,
    mapping: dict[str, str],
    where: Sequence[str],
    day_first: bool | None,
    notes: list[str],
) -> _Reading:
    """Columns, filter, goal and conventions for this export, each default said in ``notes``."""
    vendor = recognise(table.headers)
    goal_ids = [g.id for g in plan.goals] + [x.id for x in plan.anti_goals]
    columns = resolve_columns(vendor, table.headers, mapping, goal_ids, table.file)
    what = f"a {vendor.name}" if vendor is not GENERIC else "a table"
    notes.append(f"Read {table.file} as {what} ({table.read_as}): {len(table.rows)} rows.")
    missing = [f for f in NEEDED if f not in columns and not (f == "owner" and "email" in columns)]
    if missing:
        named = ", ".join(repr(h) for h in table.headers if h)
        raise ExportError(
            f"{table.file}: no column for the deal's {' and '.join(missing)}; name them with "
            f"--map, e.g. --map {','.join(f'{f}=COLUMN' for f in missing)} (its columns: {named})"
        )
    if "ref" not in columns:
        if "name" not in columns:
            raise ExportError(
                f"{table.file}: no deal id column, so a second import would add every deal "
                "again; add the id column to the export or name it with --map ref=COLUMN"
            )
        notes.append(
            f"No deal id column: deals are told apart by {table.headers[columns['name']]!r} "
            "and close date; add the id column to the export to be exact."
        )
    filters = (*_won_filter(vendor, table, where, notes), *_given(where, table))
    goal = _goal(plan, mapping, columns, notes)
    hint = "." if table.separator != ";" else ","
    values = [cells[columns["value"]] for _n, cells in table.rows]
    mark = amounts.decimal_mark(values, hint)
    dates = [cells[columns["date"]] for _n, cells in table.rows]
    fallback: amounts.DateOrder = (
        ("dmy" if day_first else "mdy")
        if day_first is not None
        else ("dmy" if table.separator == ";" or mark == "," else vendor.date_hint)
    )
    order, told = amounts.date_order(dates, fallback)
    if not told and day_first is None and any(amounts.is_ambiguous(d) for d in dates):
        shown = "day/month/year" if order == "dmy" else "month/day/year"
        flag = "--month-first" if order == "dmy" else "--day-first"
        notes.append(f"Dates like 03/04/2027 were read as {shown}; use {flag} if that is wrong.")
    return _Reading(columns, filters, goal, mark, order, vendor)


def _goal(
    plan: Plan, mapping: Mapping[str, str], columns: Mapping[str, int], notes: list[str]
) -> str:
    """The goal id deals count for: ``--map goal=G1``, else the first goal measured as a sum."""
    wanted = mapping.get("goal")
    if wanted is not None and "goal" not in columns:
        for g in plan.goals:
            if g.id.casefold() == wanted.casefold():
                if g.measure != "sum":
                    raise ExportError(
                        f"--map goal={wanted}: {g.id} ({g.name}) is measured by its latest "
                        "reading; deals add up, so import them into a goal measured as a sum"
                    )
                return g.id
        for x in plan.anti_goals:
            if x.id.casefold() == wanted.casefold():
                return x.id
        raise ExportError(f"--map goal={wanted}: no such goal or column")
    if "goal" in columns:
        return ""
    sums = [g for g in plan.goals if g.measure == "sum"]
    if not sums:
        raise ExportError(
            "this plan has no goal measured as a sum, and deals add up; "
            "name the goal with --map goal=G1"
        )
    g = sums[0]
    if len(sums) > 1:
        notes.append(
            f"Deals count for {g.id} ({g.name}), the first goal measured as a sum; "
            "use --map goal=ID for another."
        )
    return g.id


class _Owners:
    """The plan's owners found by name (as names match everywhere) or by e-mail."""

    def __init__(self, plan: Plan) -> None:
        self.names = [o.name for o in plan.owners]
        self.emails = {o.email.strip().casefold(): o.name for o in plan.owners if o.email}
        self.part = plan.part
        self._found: dict[tuple[str, str], str | None] = {}  # a few people, many rows

    def find(self, name: str, email: str) -> str | None:
        """The owner's name as the plan spells it, or None."""
        key = (name, email)
        if key not in self._found:
            self._found[key] = self._find(name, email)
        return self._found[key]

    def _find(self, name: str, email: str) -> str | None:
        for text in (name, email):
            if "@" in text and text.strip().casefold() in self.emails:
                return self.emails[text.strip().casefold()]
        return find_person(name, self.names) if name else None


def _cell(cells: tuple[Value, ...], columns: Mapping[str, int], field: str) -> Value:
    i = columns.get(field)
    return cells[i] if i is not None else None


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).strip()


def _deal(
    reading: _Reading,
    cells: tuple[Value, ...],
    table: ExportTable,
    owners: _Owners,
    plan: Plan,
    line: int,
) -> CheckIn | Unplaced | str | None:
    """One row as a check-in; an Unplaced; another person's name (a part); None for a footer."""
    cols = reading.columns
    raw_date, raw_value = _cell(cells, cols, "date"), _cell(cells, cols, "value")
    who, email = _text(_cell(cells, cols, "owner")), _text(_cell(cells, cols, "email"))
    ref, name = _text(_cell(cells, cols, "ref")), _text(_cell(cells, cols, "name"))
    if raw_date is None and raw_value is None and not who and not ref:
        return None
    owner = owners.find(who, email)
    if owner is None:
        if owners.part and (who or email):
            return who or email
        shown = f"{who or email!r} is not an owner of this plan" if who or email else "no owner"
        column = table.headers[cols["owner"]]
        return Unplaced(line, f"{shown} ({column}); add them to the Owners sheet or fix the name")
    day = amounts.parse_date(raw_date, reading.order)
    if day is None:
        shown = f"{_text(raw_date)!r} is not a date" if raw_date is not None else "no date"
        return Unplaced(line, f"{shown} ({table.headers[cols['date']]})")
    value = amounts.parse_amount(raw_value, reading.mark)
    if value is None:
        shown = f"{_text(raw_value)!r} is not an amount" if raw_value is not None else "no amount"
        return Unplaced(line, f"{shown} ({table.headers[cols['value']]})")
    outside = _outside(plan, day)
    if outside:
        return Unplaced(line, outside)
    goal = reading.goal or _goal_id(plan, _text(_cell(cells, cols, "goal")))
    if not goal:
        shown = _text(_cell(cells, cols, "goal"))
        return Unplaced(line, f"{shown!r} is not a goal or anti-goal of this plan")
    if not ref:
        ref = f"{name}|{day.isoformat()}"
    prefix = reading.vendor.prefix
    return CheckIn(day, goal, owner, value, name, 0, f"{prefix}:{ref}" if prefix else ref)


def _goal_id(plan: Plan, text: str) -> str:
    """The plan's id that ``text`` names ("" when none does)."""
    ids = [g.id for g in plan.goals] + [x.id for x in plan.anti_goals]
    return next((i for i in ids if i.casefold() == text.casefold()), "")


def _outside(plan: Plan, day: date) -> str:
    """Why a close date is no progress of this plan ("" when it is)."""
    if day < plan.start:
        return f"closed {day.isoformat()}, before the plan starts ({plan.start.isoformat()})"
    last = max((g.deadline for g in plan.goals), default=None)
    if last is not None and day > last:
        return f"closed {day.isoformat()}, after the last deadline ({last.isoformat()})"
    return ""


def save_import(path: Path, result: ImportResult, as_of: date) -> Path:
    """Write the workbook with the new check-ins, keeping a backup of the old one first.

    The workbook is written again from the snapshot through the writer, as
    ``merge`` and ``replan`` do, so every input read from it (Done marks,
    Notes, Feedback, Last reviewed, a typed As-of) is written back and every
    formula counts the new rows; the cached values are computed for ``as_of``.

    Returns:
        The backup's path.

    Raises:
        WorkbookWriteError: not an .xlsx, or it cannot be written.
    """
    from ..fileio import atomic_write, backup
    from ..writer import write_workbook
    from ..writer.overwrite import check_target

    path = Path(path)
    check_target(path, None)
    kept = backup(path)
    atomic_write(path, lambda tmp: write_workbook(result.snapshot, tmp, as_of))
    return kept
