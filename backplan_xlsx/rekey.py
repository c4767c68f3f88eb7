"""Which row of a rebuilt plan is which row of the old one, and its id kept.

The planner numbers rows by position (A1 is the first action planned), so a
new owner, a changed target or a milestone removed would renumber rows: A6
was Ravi's and would be Liam's. Every row keeps its id instead
(:func:`keep_ids`), because copies of the old version are carried forward,
and history is kept, by row id. A row is recognised by what it is: an
action by its goal, owner, due date and words (numbers aside, since a
changed target changes "Close 3 deals" into "Close 4 deals"); an anti-goal
by what it avoids; a goal by its name; an owner by their name; a milestone
by its goal and due date. Goals keep the ids the spec gives them (the spec
names its goals by id); their inputs and check-ins follow them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from . import layout, rowids
from .model import CheckIn, Plan, Snapshot, UserColumn
from .names import person_key
from .rules.words import singular

_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


_COUNTED = re.compile(r"(# )([^\W\d_]+)")


def _words(text: str) -> str:
    """An action's words with numbers aside: "Close 1 deal" and "Close 3 deals" match."""
    words = " ".join(_DIGITS.sub("#", text).split()).casefold()
    return _COUNTED.sub(lambda m: m.group(1) + singular(m.group(2)), words)


def _identities(plan: Plan, sheet: str) -> list[tuple[str, tuple[tuple[object, ...], ...]]]:
    """(row id, its identities from the most to the least exact) for each row of a sheet."""
    goal_names = {g.id: g.name.casefold() for g in plan.goals}
    if sheet == layout.ACTIONS:
        return [
            (
                a.id,
                (
                    (goal_names.get(a.goal, a.goal), person_key(a.owner), a.due, a.action.strip()),
                    (goal_names.get(a.goal, a.goal), person_key(a.owner), a.due, _words(a.action)),
                ),
            )
            for a in plan.actions
        ]
    if sheet == layout.ANTI_GOALS:
        return [(x.id, ((" ".join(x.avoid.split()).casefold(),),)) for x in plan.anti_goals]
    if sheet == layout.GOALS:
        return [(g.id, ((g.name.casefold(),),)) for g in plan.goals]
    if sheet == layout.OWNERS:
        return [(o.id, ((person_key(o.name),),)) for o in plan.owners]
    if sheet == layout.MILESTONES:
        return [(m.id, ((goal_names.get(m.goal, m.goal), m.due),)) for m in plan.milestones]
    return []


def row_map(old: Plan, new: Plan, sheet: str) -> dict[str, str | None]:
    """Old row id → the new plan's id of the same row (None when it has none).

    The same id still describing the same row wins; then each identity, most
    exact first, pairs rows in order (two identical rows pair first with first).
    """
    before, after = _identities(old, sheet), _identities(new, sheet)
    taken: set[str] = set()
    out: dict[str, str | None] = {}
    same = {rid: ids for rid, ids in after}
    for rid, ids in before:
        if rid in same and same[rid][0] == ids[0]:
            out[rid] = rid
            taken.add(rid)
    tiers = max((len(ids) for _, ids in before), default=0)
    for tier in range(tiers):
        free: dict[tuple[object, ...], list[str]] = {}
        for rid, ids in after:
            if rid not in taken and tier < len(ids):
                free.setdefault(ids[tier], []).append(rid)
        for rid, ids in before:
            if rid in out or tier >= len(ids):
                continue
            match = free.get(ids[tier])
            if match:
                found = match.pop(0)
                out[rid] = found
                taken.add(found)
    for rid, _ in before:
        out.setdefault(rid, None)
    return out


def _moved(values: dict[str, Any], ids: dict[str, str | None]) -> dict[str, Any]:
    """Inputs by old id → by new id (those whose row is gone left out: see ``gone``)."""
    out: dict[str, Any] = {}
    for rid, value in values.items():
        target = ids.get(rid, rid)
        if target is not None:
            out[target] = value
    return out


#: Per sheet, an old row id → the id of the same row in the new plan (None: it has none).
RowMaps = dict[str, dict[str, str | None]]

#: The sheets whose ids the planner numbers by position, and their id prefixes.
_NUMBERED: tuple[tuple[str, str], ...] = (
    (layout.MILESTONES, "M"),
    (layout.ACTIONS, "A"),
    (layout.OWNERS, "O"),
    (layout.ANTI_GOALS, "X"),
)
_SHEETS = (layout.GOALS, layout.MILESTONES, layout.ACTIONS, layout.OWNERS, layout.ANTI_GOALS)


def keep_ids(
    old: Plan, new: Plan, used: Mapping[str, Iterable[str]] | None = None
) -> tuple[Plan, RowMaps]:
    """``new`` with every row the old plan has under its old id; new rows numbered above.

    A row of ``new`` that is a row of ``old`` (see :func:`row_map`) takes the
    old row's id; every other row takes a number above the highest the old
    plan used for its sheet (its rows, its ``used_ids``, and ``used``: sheet →
    ids its build record lists, rows since deleted included), so an id is
    never given to another row and a removed row's id stays unused; the
    highest used above the new plan's rows is kept in its ``used_ids``.
    Actions follow their milestone's id.

    Returns:
        The renumbered plan, and per sheet old id → its id in that plan (None:
        the row is gone), for :func:`follow_rows`.
    """
    maps: RowMaps = {}
    renamed: dict[str, dict[str, str]] = {}
    before = [i for sheet, ids in (used or {}).items() for i in ids]
    for sheet, prefix in _NUMBERED:
        pairs = row_map(old, new, sheet)
        back = {to: rid for rid, to in pairs.items() if to is not None}
        fresh = rowids.next_number(old, prefix, before) - 1
        ids: dict[str, str] = {}
        for rid in _ids_of(new, sheet):
            if rid not in back:
                fresh += 1
            ids[rid] = back.get(rid, f"{prefix}{fresh}")
        renamed[sheet] = ids
        maps[sheet] = {rid: (rid if to is not None else None) for rid, to in pairs.items()}
    maps[layout.GOALS] = row_map(old, new, layout.GOALS)
    ms, acts = renamed[layout.MILESTONES], renamed[layout.ACTIONS]
    plan = replace(
        new,
        milestones=tuple(replace(m, id=ms[m.id]) for m in new.milestones),
        actions=tuple(
            replace(a, id=acts[a.id], milestone=ms.get(a.milestone, a.milestone))
            for a in new.actions
        ),
        owners=tuple(replace(o, id=renamed[layout.OWNERS][o.id]) for o in new.owners),
        anti_goals=tuple(replace(x, id=renamed[layout.ANTI_GOALS][x.id]) for x in new.anti_goals),
    )
    olds = [r.id for attr in rowids.NUMBERED.values() for r in getattr(old, attr)]
    return replace(plan, used_ids=rowids.used_above(plan, old.used_ids, olds, before)), maps


def _ids_of(plan: Plan, sheet: str) -> list[str]:
    return [rid for rid, _ in _identities(plan, sheet)]


def follow_rows(
    snap: Snapshot, new: Plan, maps: RowMaps | None = None
) -> tuple[Snapshot, dict[str, set[str]]]:
    """The snapshot's inputs re-keyed to ``new``'s row ids, and per sheet the old
    ids that have no row in ``new`` (their inputs are left out: the caller names them).

    ``maps`` (from :func:`keep_ids`) says which row is which; without it rows
    are paired by :func:`row_map`. Check-ins follow their goal or anti-goal.
    """
    if maps is None:
        maps = {sheet: row_map(snap.plan, new, sheet) for sheet in _SHEETS}
    gone = {sheet: {rid for rid, to in m.items() if to is None} for sheet, m in maps.items()}
    fields: dict[str, Any] = {}
    for spec, col in layout.row_inputs():
        fields[col.field] = _moved(getattr(snap, col.field), maps.get(spec.name, {}))
    columns = tuple(
        UserColumn(u.sheet, u.header, tuple(_moved(dict(u.values), maps.get(u.sheet, {})).items()))
        for u in snap.user_columns
    )
    check_ins = _check_ins_moved(snap.check_ins, maps)
    return replace(snap, user_columns=columns, check_ins=check_ins, **fields), gone


def _check_ins_moved(check_ins: tuple[CheckIn, ...], maps: RowMaps) -> tuple[CheckIn, ...]:
    """Each check-in on its goal's (or anti-goal's) id in the new plan.

    One whose goal the new plan lacks keeps what it says (it is a row someone
    typed; ``check`` names a goal that is not in the plan).
    """
    to = {**maps.get(layout.ANTI_GOALS, {}), **maps.get(layout.GOALS, {})}
    moved = {rid: new for rid, new in to.items() if new is not None and new != rid}
    if not moved:
        return check_ins
    return tuple(replace(c, goal=moved[c.goal]) if c.goal in moved else c for c in check_ins)
