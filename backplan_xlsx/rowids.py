"""Row ids: M7, A15, O3, X2, numbered per sheet, and never given to another row.

Copies of an older version are carried forward by row id, and the history
is kept by id, so an id that once named a row must never name another one.
A new row is numbered above every id the plan has used; when a version
drops its highest rows (an owner removed, a milestone taken out), the
highest number used is kept in the plan (``Plan.used_ids``, the
``_backplan`` key ``used_ids``) so that a later version does not number a
new row with it. Goal ids are the spec's own and are not numbered here.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Plan

#: Id prefix → the plan's rows it numbers.
NUMBERED = {"M": "milestones", "A": "actions", "O": "owners", "X": "anti_goals"}


def number(rid: str, prefix: str) -> int:
    """The number of ``rid`` when it is ``prefix`` and digits (``A15`` → 15), else 0."""
    rest = rid[len(prefix) :]
    return int(rest) if rid[: len(prefix)] == prefix and rest.isdigit() else 0


def highest(ids: Iterable[str], prefix: str) -> int:
    """The highest number among ``ids`` with this prefix (0 when there is none)."""
    return max((number(i, prefix) for i in ids), default=0)


def _own(plan: Plan, prefix: str) -> list[str]:
    return [r.id for r in getattr(plan, NUMBERED[prefix])]


def next_number(plan: Plan, prefix: str, *also: Iterable[str]) -> int:
    """The number a new row of this prefix gets: above the plan's rows, the numbers it
    has used before (``used_ids``) and ``also`` (rows deleted from a copy, say)."""
    ids = [*_own(plan, prefix), *plan.used_ids, *(i for more in also for i in more)]
    return highest(ids, prefix) + 1


def used_above(plan: Plan, *used: Iterable[str]) -> tuple[str, ...]:
    """Per prefix, the highest id used (``used``, or ``plan.used_ids``) when it is above
    every row ``plan`` holds: what the plan must remember to never number a row with it."""
    ids = [*plan.used_ids, *(i for more in used for i in more)]
    out = []
    for prefix in NUMBERED:
        top = highest(ids, prefix)
        if top > highest(_own(plan, prefix), prefix):
            out.append(f"{prefix}{top}")
    return tuple(out)
