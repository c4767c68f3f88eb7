"""What a merge reports: conflicting edits, inputs it could not place, rows it lost.

Each is a frozen record with the sentence people read. A conflict is
named by sheet, row id and column, and once the merged workbook's rows are
known (:func:`placed`) by the cell it holds there too: ``Actions!I7``, the
cell to look at in the file ``merge`` wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from . import layout, layout_meta
from .model import CheckIn, Plan


@dataclass(frozen=True, slots=True)
class Conflict:
    """The same input cell edited differently in two copies.

    ``kept_file`` is empty when no copy's value was kept (the As-of date,
    which becomes the merged plan's only when every copy agrees). ``cell``
    is where the merged workbook holds it (empty until :func:`placed`).
    """

    sheet: str
    item: str
    column: str
    kept_file: str
    kept: str
    other_file: str
    other: str
    cell: str = ""
    #: A check-in row of ``kept_file`` that ``other_file``, a newer save of the
    #: same file, no longer holds: kept, and said (``lineage``).
    gone: bool = False

    def __str__(self) -> str:
        where = (
            f"{self.sheet}!{self.cell} ({self.item} {self.column})"
            if self.cell
            else (f"{self.sheet}, {self.item} {self.column}")
        )
        if self.gone:
            return (
                f"{where}: {self.kept!r} in {self.kept_file} is not in {self.other_file}, a "
                "newer save of the same file; kept (if it was deleted on purpose, delete it "
                "from the merged workbook)"
            )
        if not self.kept_file:
            return (
                f"{where}: {self.other!r} in {self.other_file} but not in every copy; the "
                f"merged workbook keeps {self.kept} (type the date there, or use --as-of)"
            )
        return (
            f"{where}: {self.kept!r} in {self.kept_file} (newer, kept) vs {self.other!r} "
            f"in {self.other_file}"
        )


def placed(
    conflicts: Sequence[Conflict], plan: Plan, check_ins: Sequence[CheckIn] = ()
) -> tuple[Conflict, ...]:
    """The conflicts with the cell each is in when ``plan`` is written (rows in plan order).

    A check-in's is the row of ``check_ins`` (as written) that holds the
    value kept. A column the layout does not declare (one a user inserted)
    or a row the plan does not hold keeps its conflict unplaced: named by id only.
    """
    out = []
    for c in conflicts:
        if c.sheet == layout.CHECK_INS:
            out.append(_placed_check_in(c, check_ins))
            continue
        spec = layout.DATA_LAYOUTS.get(c.sheet)
        attr = layout_meta.RECORDED_ROWS.get(c.sheet)
        column = (
            next((col for col in spec.columns if col.header == c.column), None) if spec else None
        )
        rows = [r.id for r in getattr(plan, attr)] if attr else []
        if spec is None or column is None or c.item not in rows:
            out.append(c)
            continue
        out.append(replace(c, cell=spec.at(column, rows.index(c.item) + 2)))
    return tuple(out)


def _placed_check_in(c: Conflict, check_ins: Sequence[CheckIn]) -> Conflict:
    from .lineage import item_of, shown

    spec = layout.CHECK_INS_LAYOUT
    column = next((col for col in spec.columns if col.header == c.column), None)
    for ci in check_ins:
        held = ci.value if column is layout.CHECK_IN.value else ci.comment.strip()
        if column is not None and item_of(ci) == c.item and shown(held) == c.kept:
            return replace(c, cell=spec.at(column, ci.row))
    return c


@dataclass(frozen=True, slots=True)
class Unplaced:
    """An input of an older-version copy whose row the current version no longer has."""

    file: str
    version: int
    sheet: str
    item: str
    column: str
    value: str
    #: Why the current version may hold the row after all (collect: parts missing).
    hint: str = ""

    def __str__(self) -> str:
        where = (
            f"has no row in the current version's copies read ({self.hint})"
            if self.hint
            else "has no row in the current version; type it again where it belongs now"
        )
        return (
            f"{self.file} (version {self.version}), {self.sheet}: {self.item} {self.column} "
            f"{self.value!r} {where}"
        )


@dataclass(frozen=True, slots=True)
class DeletedRow:
    """A row a copy's build record lists, gone from the copy, that no copy merged holds."""

    file: str
    sheet: str
    item: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.sheet} row {self.item} was deleted; copy it back from the "
            "original, or add the whole plan to the merge"
        )
