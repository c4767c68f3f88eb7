"""A part of the plan (from ``split``) judged as one person's share of it.

A part holds one owner's actions and check-ins under the team's goals, so
judging its goals against the team's targets would call a person who is
exactly on their pace Off track. Reports on a part therefore judge each
``sum`` goal (and its milestones) on the owner's share: baseline plus the
share of every increment. ``latest`` goals are readings and do not split.
A goal the owner has no share of is not theirs to be judged on: it is left
out of the part's report (its milestones too), so a person is never Off
track on someone else's goal. The workbook itself is untouched: merging the
parts gives the team view.
"""

from __future__ import annotations

from dataclasses import replace

from .model import Owner, Plan, Snapshot
from .names import same_person


def part_owner(plan: Plan) -> Owner | None:
    """The owner whose part this is (None for the whole plan)."""
    if not plan.part:
        return None
    key = plan.part.strip().casefold()
    return next((o for o in plan.owners if o.name.strip().casefold() == key), None)


def judged_on_share(snapshot: Snapshot) -> Snapshot:
    """The snapshot as its owner's share of the plan (the snapshot itself for a whole plan)."""
    plan = snapshot.plan
    owner = part_owner(plan)
    if owner is None:
        return snapshot
    # A ``latest`` goal has no shares on the Owners sheet: it is theirs when they own it.
    theirs = {
        g.id
        for g in plan.goals
        if owner.share_of(g.id) > 0 or (g.measure == "latest" and same_person(g.owner, owner.name))
    }
    shares = {
        g.id: owner.share_of(g.id)
        for g in plan.goals
        if g.measure == "sum" and g.id in theirs and owner.share_of(g.id) < 1
    }
    if not shares and len(theirs) == len(plan.goals):
        return snapshot

    base = {g.id: g.baseline for g in plan.goals}
    goals = tuple(
        replace(g, target=_share(g.baseline, g.target, shares[g.id])) if g.id in shares else g
        for g in plan.goals
        if g.id in theirs
    )
    milestones = tuple(
        replace(
            m,
            start_value=_share(base[m.goal], m.start_value, shares[m.goal]),
            target=_share(base[m.goal], m.target, shares[m.goal]),
        )
        if m.goal in shares
        else m
        for m in plan.milestones
        if m.goal in theirs
    )
    whole_share = tuple((gid, 1.0 if gid in shares else s) for gid, s in owner.shares)
    owners = tuple(replace(o, shares=whole_share) if o is owner else o for o in plan.owners)
    return replace(snapshot, plan=replace(plan, goals=goals, milestones=milestones, owners=owners))


def _share(baseline: float, value: float, share: float) -> float:
    """The owner's part of a cumulative value: the baseline plus their share of the rise."""
    return baseline + share * (value - baseline)
