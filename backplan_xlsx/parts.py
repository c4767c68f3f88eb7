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

from collections.abc import Sequence
from dataclasses import replace

from .model import Owner, Plan, Snapshot
from .names import person_key, same_person


def part_owner(plan: Plan) -> Owner | None:
    """The owner whose part this is (None for the whole plan)."""
    if not plan.part:
        return None
    key = plan.part.strip().casefold()
    return next((o for o in plan.owners if o.name.strip().casefold() == key), None)


def judged_on_share(snapshot: Snapshot) -> Snapshot:
    """The snapshot as its owner's share of the plan (the snapshot itself for a whole plan)."""
    return _on_share(snapshot, every_goal=False)


def part_view(snapshot: Snapshot) -> Snapshot:
    """:func:`judged_on_share` keeping every goal: what a part's own formulas compute.

    A part's workbook holds every goal's row; the rows of goals that are not
    the owner's keep the team's figures (reports leave them out).
    """
    return _on_share(snapshot, every_goal=True)


def part_shares(plan: Plan) -> dict[str, float]:
    """Goal id → the part owner's share, for each ``sum`` goal judged on a share below 1."""
    owner = part_owner(plan)
    if owner is None:
        return {}
    return {
        g.id: owner.share_of(g.id)
        for g in plan.goals
        if g.measure == "sum" and 0 < owner.share_of(g.id) < 1
    }


def _on_share(snapshot: Snapshot, *, every_goal: bool) -> Snapshot:
    plan = snapshot.plan
    owner = part_owner(plan)
    if owner is None:
        return snapshot
    # A ``latest`` goal has no shares on the Owners sheet: it is theirs when they own it.
    theirs = {
        g.id
        for g in plan.goals
        if every_goal
        or owner.share_of(g.id) > 0
        or (g.measure == "latest" and same_person(g.owner, owner.name))
    }
    shares = part_shares(plan)
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


def share_formula(baseline: str, value: str, share: str) -> str:
    """The formula twin of the owner's part of a cumulative value (see ``_share``)."""
    return f"({baseline}+{share}*({value}-{baseline}))"


def _share(baseline: float, value: float, share: float) -> float:
    """The owner's part of a cumulative value: the baseline plus their share of the rise."""
    return baseline + share * (value - baseline)


#: The most owner names a part records (a cell holds 32,767 characters).
MAX_PLAN_OWNERS = 500


def encode_owners(names: Sequence[str]) -> str:
    """The whole plan's owner names as a part's ``_backplan`` keeps them (compact JSON).

    A plan with more owners than fit keeps none: the import then knows who
    owes a part only from ``--expect`` and last month's history, as before.
    """
    import json

    text = json.dumps(list(names), ensure_ascii=False, separators=(",", ":"))
    return text if len(names) <= MAX_PLAN_OWNERS and len(text) <= 32_000 else ""


def decode_owners(text: str) -> tuple[str, ...]:
    """The names :func:`encode_owners` wrote; none for text that is not such a list."""
    if not text:
        return ()
    import json

    try:
        names = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return ()
    return tuple(n.strip() for n in names[:MAX_PLAN_OWNERS] if n.strip())


def missing_parts(plans: Sequence[Plan]) -> tuple[str, ...]:
    """The owners whose part is not among ``plans`` (the copies of one plan given to merge).

    Only parts of the newest version count, and a whole copy among them
    holds everyone's rows, so then none is missing.
    """
    if not plans:
        return ()
    newest = max(p.version for p in plans)
    current = [p for p in plans if p.version == newest]
    if any(not p.part for p in current):
        return ()
    everyone = next((p.plan_owners for p in current if p.plan_owners), ())
    have = {person_key(p.part) for p in current}
    return tuple(n for n in everyone if person_key(n) not in have)
