"""Which row of a rebuilt plan is which row of the old one, when ids moved.

Ids are positions in the spec (A1 is the first action planned), so a new
owner, a changed target or a goal added in front renumbers rows: A6 was
Ravi's and is now Liam's. Inputs must follow the row, not the number, or a
Done mark lands on somebody else's action. A row is recognised by what it
is: an action by its goal, owner, due date and words (numbers aside, since
a changed target changes "Close 3 deals" into "Close 4 deals"); an
anti-goal by what it avoids; a goal by its name; an owner by their name; a
milestone by its goal and due date.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from . import layout
from .model import Plan, Snapshot, UserColumn
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


def follow_rows(snap: Snapshot, new: Plan) -> tuple[Snapshot, dict[str, set[str]]]:
    """The snapshot's inputs re-keyed to ``new``'s row ids, and per sheet the old
    ids that have no row in ``new`` (their inputs are left out: the caller names them)."""
    sheets = (layout.GOALS, layout.MILESTONES, layout.ACTIONS, layout.OWNERS, layout.ANTI_GOALS)
    maps = {sheet: row_map(snap.plan, new, sheet) for sheet in sheets}
    gone = {sheet: {rid for rid, to in m.items() if to is None} for sheet, m in maps.items()}
    fields: dict[str, Any] = {}
    for spec, col in layout.row_inputs():
        fields[col.field] = _moved(getattr(snap, col.field), maps.get(spec.name, {}))
    columns = tuple(
        UserColumn(u.sheet, u.header, tuple(_moved(dict(u.values), maps.get(u.sheet, {})).items()))
        for u in snap.user_columns
    )
    return replace(snap, user_columns=columns, **fields), gone
