"""Split a plan into one workbook per owner, each holding their part.

The method's answer to poor communication: every person gets their own
workbook with their actions, their share of each goal, their check-ins and
the team's anti-goals, under the same plan id and version and marked as a
part (``Plan.part``), so ``merge`` and ``collect`` can put the parts back
together: owners and actions are unioned by id, check-ins by row.
"""

from __future__ import annotations

from dataclasses import replace

from .errors import SplitError as SplitError  # re-exported: raised here
from .model import Owner, Snapshot
from .names import person_key


def split_plan(snapshot: Snapshot) -> list[tuple[Owner, Snapshot]]:
    """One snapshot per owner: their actions and check-ins, everyone's anti-goals.

    Raises:
        SplitError: a check-in by someone who is not an owner of the plan
            (it would belong to no part and be lost).
    """
    plan = snapshot.plan
    if plan.part:
        raise SplitError(
            f"{snapshot.file or 'this workbook'} is already {plan.part}'s part; split the "
            "whole plan (merge the parts first)"
        )
    names = {person_key(o.name) for o in plan.owners}
    strays = [c for c in snapshot.check_ins if person_key(c.owner) not in names]
    if strays:
        rows = ", ".join(f"Check-ins row {c.row} ({c.owner!r})" for c in strays[:10])
        raise SplitError(
            f"{len(strays)} check-in(s) by someone who is not an owner of the plan would belong "
            f"to no part: {rows}. Fix the names first; nothing was written"
        )
    parts = []
    for owner in plan.owners:
        key = person_key(owner.name)
        actions = tuple(a for a in plan.actions if person_key(a.owner) == key)
        ids = {a.id for a in actions}
        everyone = tuple(o.name for o in plan.owners)
        part_plan = replace(
            plan, owners=(owner,), actions=actions, part=owner.name, plan_owners=everyone
        )
        parts.append(
            (
                owner,
                replace(
                    snapshot,
                    plan=part_plan,
                    check_ins=tuple(c for c in snapshot.check_ins if person_key(c.owner) == key),
                    done={k: v for k, v in snapshot.done.items() if k in ids},
                    notes={k: v for k, v in snapshot.notes.items() if k in ids},
                    problems=(),
                ),
            )
        )
    return parts
