"""Merge returned copies of one plan: nothing anyone typed is dropped.

One plan is emailed to many people and comes back as many copies. Check-ins
are rows, so they are unioned (a row identical in several copies is kept
once), except a row a newer save of the same file corrected (``lineage``).
The other inputs are cells (an action's Done mark and Notes, an
anti-goal's Last reviewed and Feedback): when two copies hold different
values typed into the same cell, the newest file wins and the conflict is
reported with both files and both values; a value a copy holds only because
it was written there (built, split or re-planned) never beats a typed one.
A typed As-of date is kept only when every copy holds it. Copies of an
older version are carried forward by row id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from . import layout, layout_meta
from .asbuilt import is_edit
from .conflicts import Conflict as Conflict  # re-exported: what merge reports
from .conflicts import DeletedRow as DeletedRow
from .conflicts import Unplaced as Unplaced
from .conflicts import placed
from .errors import MergeError as MergeError  # re-exported: raised here
from .lineage import Key, content_key, superseded
from .model import (
    Action,
    AntiGoal,
    CheckIn,
    Goal,
    Milestone,
    Owner,
    Plan,
    Snapshot,
    UserColumn,
)
from .names import person_key
from .parts import missing_parts

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Copy:
    """One returned copy: its file, when it was last saved, and what it holds."""

    file: str
    modified: float
    snapshot: Snapshot


@dataclass(frozen=True, slots=True)
class MergeResult:
    """One merged snapshot, the conflicts found and what older copies could not place."""

    snapshot: Snapshot
    conflicts: tuple[Conflict, ...]
    unplaced: tuple[Unplaced, ...] = ()
    #: Files of an older version whose inputs were carried forward by row id.
    carried: tuple[str, ...] = ()


def merge_copies(copies: Sequence[Copy]) -> tuple[Snapshot, list[Conflict]]:
    """Merge copies of one plan into one snapshot (see :func:`merge_all`).

    Raises:
        MergeError: no copies, or copies of different plans.
    """
    result = merge_all(copies)
    return result.snapshot, list(result.conflicts)


def merge_all(
    copies: Sequence[Copy], *, complete: Callable[[Plan], Plan] | None = None
) -> MergeResult:
    """Merge copies of one plan into one snapshot, carrying older versions forward.

    The newest version's copies give the plan (the parts' owners and actions
    unioned). Copies of an older version (returned after a re-plan) give
    their inputs by row id: every check-in, and the Done marks, notes,
    reviews and feedback of rows the current version still has; the rest is
    returned as :class:`Unplaced`, never dropped silently. ``complete`` adds
    the rows of the whole current plan that no copy given holds (``collect``
    knows it from ``--expect``), so older copies carry into those rows too.

    Raises:
        MergeError: no copies, or copies of different plans.
    """
    if not copies:
        raise MergeError("nothing to merge")
    first = copies[0]
    for c in copies[1:]:
        a, b = first.snapshot.plan, c.snapshot.plan
        if a.id != b.id:
            raise MergeError(
                f"{c.file} is plan {b.id!r} but {first.file} is plan {a.id!r}; merge copies "
                "of one plan at a time"
            )
    latest = max(c.snapshot.plan.version for c in copies)
    current = sorted(
        (c for c in copies if c.snapshot.plan.version == latest), key=lambda c: (c.modified, c.file)
    )
    plan = current[-1].snapshot.plan
    if any(c.snapshot.plan.part for c in current):
        plan = _union_of_parts(current)
    if complete is not None:
        plan = complete(plan)
    plan = _with_deleted_rows(plan, current)
    unplaced: list[Unplaced] = []
    ordered = [
        c if c.snapshot.plan.version == latest else _carried_forward(c, plan, unplaced)
        for c in sorted(copies, key=lambda c: (c.modified, c.file))  # oldest first
    ]
    conflicts: list[Conflict] = []
    # Every input cell of a row with an id, as the layout declares them.
    cells: dict[str, Any] = {
        col.field: _cells(ordered, spec.name, col.header, _getter(col.field), conflicts)
        for spec, col in layout.row_inputs()
    }
    merged = replace(
        current[-1].snapshot,
        plan=plan,
        check_ins=_union_of_check_ins(ordered, conflicts),
        as_of=_agreed_as_of(ordered, conflicts),
        file=current[-1].file,
        user_columns=_union_of_user_columns(ordered, conflicts),
        **cells,
    )
    carried = tuple(c.file for c in copies if c.snapshot.plan.version != latest)
    return MergeResult(merged, tuple(conflicts), tuple(unplaced), carried)


def merge_whole(copies: Sequence[Copy]) -> MergeResult:
    """:func:`merge_all`, refusing a merge of parts that leaves someone out.

    ``collect`` may roll up a month with a part missing (Returns says who);
    a merged workbook, though, becomes the plan people replan and send out
    again, and one built from four of five parts has lost a person, their
    actions and their share of every goal.

    Raises:
        MergeError: as :func:`merge_all`, or the parts given do not cover
            every owner's share (name the missing parts, or add the whole plan).
    """
    result = merge_all(copies)
    plan = result.snapshot.plan
    result = replace(result, conflicts=placed(result.conflicts, plan, result.snapshot.check_ins))
    if not any(c.snapshot.plan.part for c in copies):
        return result
    if (one := _one_persons_part(copies)) is not None:  # two saves of Ravi's part: Ravi's part
        merged = replace(plan, part=one.part, plan_owners=one.plan_owners)
        return replace(result, snapshot=replace(result.snapshot, plan=merged))
    short = []
    for g in plan.goals:
        if g.measure != "sum":  # readings are not split, so the workbook keeps no shares
            continue
        covered = sum(o.share_of(g.id) for o in plan.owners)
        if covered < 1 - 1e-6:
            short.append(f"{g.id} {covered:.0%}")
    missing = missing_parts([c.snapshot.plan for c in copies])  # named by the parts
    if short or missing:
        gone = _missing_parts_said(missing)
        cover = f"; the parts cover only {'; '.join(short)} of the shares" if short else ""
        raise MergeError(
            f"{gone} (parts given: {', '.join(o.name for o in plan.owners)}){cover}. Merge "
            f"every part, or add the whole plan (the workbook that was split) to the files"
            f"{_older_whole_said(copies)}; nothing was written"
        )
    return result


def _one_persons_part(copies: Sequence[Copy]) -> Plan | None:
    """The newest plan when every copy is a part of one person, of one version (else None)."""
    plans = [c.snapshot.plan for c in sorted(copies, key=lambda c: (c.modified, c.file))]
    if not all(p.part for p in plans) or len({p.version for p in plans}) != 1:
        return None
    return plans[-1] if len({person_key(p.part) for p in plans}) == 1 else None


def _older_whole_said(copies: Sequence[Copy]) -> str:
    """Why a whole plan given does not count: it is of an older version than the parts."""
    newest = max(c.snapshot.plan.version for c in copies)
    old = [c for c in copies if not c.snapshot.plan.part and c.snapshot.plan.version < newest]
    if not old:
        return ""
    return (
        f" ({old[0].file} is the whole plan of version {old[0].snapshot.plan.version}, the "
        f"parts are of version {newest}: add the whole version-{newest} plan)"
    )


def _missing_parts_said(missing: Sequence[str]) -> str:
    """ "the part of A is missing", "the parts of A, B and C are missing" (or "a part is")."""
    if not missing:
        return "a part is missing"
    if len(missing) == 1:
        return f"the part of {missing[0]} is missing"
    return f"the parts of {', '.join(missing[:-1])} and {missing[-1]} are missing"


def _getter(name: str) -> Callable[[Snapshot], Mapping[str, object]]:
    def get(snapshot: Snapshot) -> Mapping[str, object]:
        found: Mapping[str, object] = getattr(snapshot, name)
        return found

    return get


def _union_of_user_columns(
    ordered: Sequence[Copy], conflicts: list[Conflict]
) -> tuple[UserColumn, ...]:
    """Every column users inserted in any copy; per row the value typed (as :func:`_cells`)."""
    columns: dict[tuple[str, str], dict[str, object]] = {}
    for c in ordered:
        for user in c.snapshot.user_columns:
            columns.setdefault((user.sheet, user.header), {})
    out = []
    for sheet, header in columns:

        def get(snap: Snapshot, sheet: str = sheet, header: str = header) -> dict[str, object]:
            found: dict[str, object] = {}
            for user in snap.user_columns:
                if (user.sheet, user.header) == (sheet, header):
                    found.update(user.values)
            return found

        values = _cells(ordered, sheet, header, get, conflicts)
        out.append(UserColumn(sheet, header, tuple(values.items())))
    return tuple(out)


def _union_of_check_ins(ordered: Sequence[Copy], conflicts: list[Conflict]) -> tuple[CheckIn, ...]:
    """Every check-in of every copy once (a row identical in several copies is one).

    A row that a newer save of the same file edited (``lineage``) is not
    added: the newer row is, and each changed cell is a conflict.
    """
    found = superseded(ordered)
    conflicts.extend(found.conflicts)
    seen: set[Key] = set()
    check_ins: list[CheckIn] = []
    for i, c in enumerate(ordered):
        dropped = found.dropped.get(i, set())
        for ci in c.snapshot.check_ins:
            if ci.row in dropped:
                continue
            k = content_key(ci)
            if k not in seen:
                seen.add(k)
                check_ins.append(ci)
    check_ins.sort(key=lambda ci: (ci.date, ci.goal, ci.owner))
    return tuple(replace(ci, row=i + 2) for i, ci in enumerate(check_ins))


def _carried_forward(copy: Copy, plan: Plan, unplaced: list[Unplaced]) -> Copy:
    """An older-version copy's inputs, kept where the current plan has their row."""
    snap = copy.snapshot
    kept: dict[str, Any] = {}
    for spec, col in layout.row_inputs():
        ids = row_ids(plan, spec.name)
        out = kept.setdefault(col.field, {})
        for item, value in getattr(snap, col.field).items():
            if item in ids:
                out[item] = value
            elif value not in (None, ""):
                shown = value.isoformat() if isinstance(value, date) else str(value)
                unplaced.append(
                    Unplaced(copy.file, snap.plan.version, spec.name, item, col.header, shown)
                )
    users = []
    for user in snap.user_columns:
        ids = row_ids(plan, user.sheet) if user.sheet != layout.CHECK_INS else set()
        here = tuple((rid, v) for rid, v in user.values if rid in ids)
        unplaced.extend(
            Unplaced(copy.file, snap.plan.version, user.sheet, rid, user.header, str(v))
            for rid, v in user.values
            if rid not in ids
        )
        users.append(replace(user, values=here))
    return replace(copy, snapshot=replace(snap, user_columns=tuple(users), **kept))


def row_ids(plan: Plan, sheet: str) -> set[str]:
    """The row ids a plan gives a data sheet (G1…, M1…, A1…, O1…, X1…)."""
    return {item.id for item in _rows(plan, sheet)}


def _rows(plan: Plan, sheet: str) -> Sequence[Goal | Milestone | Action | Owner | AntiGoal]:
    attr = layout_meta.RECORDED_ROWS.get(sheet)
    found: Sequence[Goal | Milestone | Action | Owner | AntiGoal] = (
        getattr(plan, attr) if attr else ()
    )
    return found


def deleted_rows(copies: Sequence[Copy], wholes: Sequence[Plan] = ()) -> list[DeletedRow]:
    """Rows deleted from a current-version copy that no copy of that version still holds.

    A row one person deleted from their copy (or part) is still the plan's:
    merging it away would drop the row and whatever was typed into it. It is
    taken from any copy that still holds it (the whole plan among the files),
    or from ``wholes`` (whole plans of that version given besides, such as
    collect's ``--expect``); these are the ones none does.
    """
    if not copies:
        return []
    latest = max(c.snapshot.plan.version for c in copies)
    current = [c for c in copies if c.snapshot.plan.version == latest]
    pid = current[0].snapshot.plan.id
    plans = [c.snapshot.plan for c in current]
    plans += [w for w in wholes if w.id == pid and w.version == latest]
    held = {
        (sheet, i.id.casefold())
        for plan in plans
        for sheet in layout_meta.RECORDED_ROWS
        for i in _rows(plan, sheet)
    }
    return [
        DeletedRow(c.file, sheet, rid)
        for c in current
        for sheet, rid in c.snapshot.missing_rows
        if (sheet, rid.casefold()) not in held
    ]


def _with_deleted_rows(plan: Plan, current: Sequence[Copy]) -> Plan:
    """The plan with every row a copy deleted taken back from a copy that holds it.

    Raises:
        MergeError: a deleted row no copy holds (named by file, sheet and id).
    """
    held = {
        (sheet, i.id.casefold()) for sheet in layout_meta.RECORDED_ROWS for i in _rows(plan, sheet)
    }
    lost = [d for d in deleted_rows(current) if (d.sheet, d.item.casefold()) not in held]
    if lost:
        raise MergeError("\n".join([*(str(d) for d in lost), "nothing was written"]))
    wanted = {(s, rid.casefold()) for c in current for s, rid in c.snapshot.missing_rows}
    if not wanted:
        return plan
    changes: dict[str, Any] = {}
    for sheet, attr in layout_meta.RECORDED_ROWS.items():
        have = {i.id.casefold() for i in _rows(plan, sheet)}
        taken = {
            i.id.casefold(): i
            for c in current  # oldest first: the newest copy holding a row gives it
            for i in _rows(c.snapshot.plan, sheet)
            if (sheet, i.id.casefold()) in wanted and i.id.casefold() not in have
        }
        if taken:
            rows = [*_rows(plan, sheet), *taken.values()]
            changes[attr] = tuple(sorted(rows, key=lambda i: _number(i.id)))
    return replace(plan, **changes) if changes else plan


def _agreed_as_of(ordered: Sequence[Copy], conflicts: list[Conflict]) -> date | None:
    """A typed As-of date when every copy holds it; otherwise none, and a conflict each.

    One person freezing their copy at a date must not freeze the whole plan.
    """
    typed = {c.snapshot.as_of for c in ordered}
    if len(typed) == 1:
        return typed.pop()
    for c in ordered:
        if c.snapshot.as_of is not None:
            conflicts.append(
                Conflict(
                    layout.START,
                    layout.AS_OF,
                    layout.NAMED_CELL_LABELS[layout.AS_OF],
                    "",
                    "=TODAY()",
                    c.file,
                    c.snapshot.as_of.isoformat(),
                )
            )
    return None


def _number(item_id: str) -> tuple[str, int]:
    digits = "".join(ch for ch in item_id if ch.isdigit())
    return (item_id.rstrip("0123456789"), int(digits) if digits else 0)


def _union_of_parts(ordered: Sequence[Copy]) -> Plan:
    """The whole plan again from its parts: owners and actions unioned by id."""
    owners = {o.id: o for c in ordered for o in c.snapshot.plan.owners}
    actions = {a.id: a for c in ordered for a in c.snapshot.plan.actions}
    newest = ordered[-1].snapshot.plan
    return replace(
        newest,
        owners=tuple(owners[k] for k in sorted(owners, key=_number)),
        actions=tuple(actions[k] for k in sorted(actions, key=_number)),
        part="",
        plan_owners=(),
    )


def _cells(
    ordered: Sequence[Copy],
    sheet: str,
    column: str,
    get: Callable[[Snapshot], Mapping[str, V]],
    conflicts: list[Conflict],
) -> dict[str, V]:
    """Per item the newest value someone typed; two different typed values are a conflict.

    A value a copy holds only because it was written there (as built or
    split, ``asbuilt``) is not an edit: it never beats a typed one, whatever
    the versions, and is kept only when nobody typed anything there.
    """
    out: dict[str, V] = {}
    source: dict[str, str] = {}
    typed: dict[str, bool] = {}
    for c in ordered:
        for item, value in get(c.snapshot).items():
            if value in (None, ""):
                continue
            edit = is_edit(c.snapshot, item, column, value)
            if item in out:
                if typed[item] and not edit:
                    continue
                if typed[item] and out[item] != value:
                    conflicts.append(
                        Conflict(
                            sheet, item, column, c.file, str(value), source[item], str(out[item])
                        )
                    )
            out[item] = value
            source[item] = c.file
            typed[item] = edit
    return out


#: Sheets whose cells people type into: a value there that cannot be read
#: would be dropped if the workbook were written again.
INPUT_SHEETS = layout.INPUT_SHEETS
#: A row without an ID that holds something typed (``reader.idless``): an error.
ROW_WITHOUT_ID = "missing-id"


def ensure_nothing_lost(snapshot: Snapshot) -> None:
    """Refuse to write a snapshot back when something people typed could not be read.

    A check-in whose date says "next tue" is left out of the figures; written
    back into a new workbook it would be gone. So is an action row someone
    typed without an ID: every input is carried by row id. So commands that
    rewrite a workbook (merge, replan, split, import, build --keep) stop and
    name the cells to fix first.

    Raises:
        MergeError: one problem per unreadable input cell or ID-less row.
    """
    lost = tuple(
        p
        for p in snapshot.problems
        if p.severity == "error"
        and (
            p.code == ROW_WITHOUT_ID
            or (
                p.sheet in INPUT_SHEETS
                and p.code.startswith(("bad-", "ambiguous-", "missing-value"))
            )
        )
    )
    if lost:
        head = (
            f"{snapshot.file or 'the workbook'}: {len(lost)} typed value(s) or row(s) cannot "
            "be read or kept and would be lost; fix them first (backplan check shows them "
            "all); nothing was written"
        )
        raise MergeError("\n".join([head, *(str(p) for p in lost)]))


def copy_of(path: Path, snapshot: Snapshot) -> Copy:
    """A :class:`Copy` of a file, dated by its last modification."""
    return Copy(path.name, path.stat().st_mtime, snapshot)
