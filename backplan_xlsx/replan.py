"""Re-plan the remaining path from real actuals: a new version, nothing lost.

Backward plans go stale; the method's answer to inflexibility is to re-plan
from where the team really is. Milestones already due stay as they were
(their statuses are history). The remaining path starts *at the re-plan
date from the actual then*, so its first window runs from the as-of date
and its start value is the actual, not the old target the team may have
missed. Remaining milestones on the same dates keep their ids; actions
already done, and actions written by hand, are kept; funnel actions for the
remaining path are derived again. Every check-in stays: they hang off goal
ids, which never change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from . import rowids, rules
from .errors import ReplanError as ReplanError  # re-exported: raised here
from .model import Action, CheckIn, DoneMark, Goal, Milestone, Plan
from .planner import curve_fractions, due_dates, funnel_actions, funnel_count, step_target


@dataclass(frozen=True, slots=True)
class Change:
    """One line of what a re-plan changed, e.g. ``M7: target 1,200,000 → 1,350,000``."""

    item: str
    what: str

    def __str__(self) -> str:
        return f"{self.item}: {self.what}"


def _remaining_path(
    goal: Goal, as_of: date, actual: float, kept_last: date | None
) -> list[tuple[date, float]]:
    """(due, cumulative target) from the as-of date's actual to the goal's target."""
    start = max(as_of, kept_last) if kept_last else as_of
    dues = due_dates(start, goal.deadline, goal.cadence)
    if not dues:
        dues = [goal.deadline]
    curve = goal.curve
    if not isinstance(curve, str):
        curve = tuple(curve[-len(dues) :]) if len(curve) >= len(dues) else "linear"
        if not isinstance(curve, str) and sum(curve) <= 0:
            curve = "linear"
    fractions = curve_fractions(curve, as_of, dues)
    path: list[tuple[date, float]] = []
    floor = actual
    for due, frac in zip(dues, fractions, strict=True):
        floor = step_target(goal, floor, actual + (goal.target - actual) * frac)
        path.append((due, floor))
    path[-1] = (path[-1][0], goal.target)
    return path


def replan(
    plan: Plan,
    check_ins: Sequence[CheckIn],
    as_of: date,
    *,
    done: Mapping[str, DoneMark] | None = None,
    targets: Mapping[str, float] | None = None,
    deadlines: Mapping[str, date] | None = None,
    typed_into: Collection[str] = (),
    used: Iterable[str] = (),
) -> tuple[Plan, list[Change]]:
    """A new version of ``plan`` whose remaining path starts from the actuals.

    Args:
        plan: the plan as read from the workbook.
        check_ins: every check-in (all are kept; they only set the actuals).
        as_of: the re-plan date.
        done: action id → Done cell, so done actions survive.
        typed_into: ids of actions someone typed into (notes, their own
            columns): kept like done ones, so nothing typed is dropped.
        targets: goal id → new target. deadlines: goal id → new deadline.
        used: ids of rows deleted from the workbook (its build record's):
            like every id the plan has used, never given to a new row.

    Returns:
        The new plan (version + 1) and what changed, one line per change.

    Raises:
        ReplanError: a part of the plan (from ``split``: one person's actuals
            would re-plan the team's milestones), a goal already reached, or a
            deadline not after the as-of date.
    """
    _refuse(plan, as_of)
    # A number typed as text is written back as a number: plan from it as one.
    check_ins = rules.as_numbers(tuple(check_ins))
    changes: list[Change] = []
    used = tuple(used)
    goals, settled = _new_goals(plan, check_ins, as_of, targets or {}, deadlines or {}, changes)
    new_plan = replace(plan, goals=tuple(goals), version=plan.version + 1)
    next_m = rowids.next_number(plan, "M", used)
    milestones = _new_milestones(plan, goals, check_ins, as_of, next_m, changes, settled)
    done = done or {}
    keep = {a.id for a in plan.actions if rules.is_done(done.get(a.id)) or a.goal in settled}
    keep |= set(typed_into)
    next_a = rowids.next_number(plan, "A", used)
    actions = _replan_actions(plan, new_plan, milestones, as_of, keep, next_a, changes, settled)
    out = replace(new_plan, milestones=tuple(milestones), actions=tuple(actions))
    olds = [r.id for attr in rowids.NUMBERED.values() for r in getattr(plan, attr)]
    return replace(out, used_ids=rowids.used_above(out, plan.used_ids, olds, used)), changes


def _refuse(plan: Plan, as_of: date) -> None:
    """Refuse a part (one person's actuals) and a re-plan date before the plan starts."""
    if plan.part:
        raise ReplanError(
            f"this workbook is {plan.part}'s part of plan {plan.id!r} (from backplan split): "
            "re-planning it would set the team's milestones from one person's check-ins. "
            "Merge the parts first (backplan merge PARTS… -o PLAN.xlsx), then replan the "
            "merged workbook"
        )
    if as_of < plan.start:
        raise ReplanError(
            f"{as_of} is before the plan starts ({plan.start}): there are no actuals to "
            "re-plan from yet; give --as-of a date on or after the start"
        )


def _new_goals(
    plan: Plan,
    check_ins: Sequence[CheckIn],
    as_of: date,
    targets: Mapping[str, float],
    deadlines: Mapping[str, date],
    changes: list[Change],
) -> tuple[list[Goal], set[str]]:
    """The goals with their new targets and deadlines, and the ids of those kept as planned.

    A goal already reached, or past its deadline, has nothing left to re-plan:
    it is kept as it was (its milestones and actions too) and said so, and the
    others are re-planned. Given a new target or deadline, it must be one
    that leaves something to do; when every goal is settled, nothing is.
    """
    known = {g.id for g in plan.goals}
    for gid in [*targets, *deadlines]:
        if gid not in known:
            raise ReplanError(f"{gid} is not a goal of this plan ({', '.join(sorted(known))})")
    goals: list[Goal] = []
    settled: set[str] = set()
    for g in plan.goals:
        new = replace(
            g, target=targets.get(g.id, g.target), deadline=deadlines.get(g.id, g.deadline)
        )
        if new.target != g.target:
            changes.append(Change(g.id, f"target {g.target:,.10g} → {new.target:,.10g}"))
        if new.deadline != g.deadline:
            changes.append(Change(g.id, f"deadline {g.deadline} → {new.deadline}"))
        if new.target == new.baseline:
            raise ReplanError(f"{g.id}: a target of {new.target:,.10g} equals the baseline")
        why = _nothing_left(new, check_ins, as_of)
        if why and (g.id in targets or g.id in deadlines):
            raise ReplanError(why)  # what was asked for leaves nothing to do
        if why:
            settled.add(g.id)
            changes.append(Change(g.id, f"kept as planned: {why.split(': ', 1)[1]}"))
        goals.append(new)
    if len(settled) == len(goals):
        raise ReplanError(
            "every goal is reached or past its deadline, so there is nothing to re-plan: "
            + "; ".join(c.what for c in changes if c.what.startswith("kept as planned"))
        )
    return goals, settled


def _nothing_left(goal: Goal, check_ins: Sequence[CheckIn], as_of: date) -> str:
    """Why ``goal`` has no path left to re-plan (its deadline passed, its target reached), or ""."""
    if goal.deadline <= as_of:
        return (
            f"{goal.id}: the deadline {goal.deadline} is not after {as_of}; give a new one "
            f"with --deadline {goal.id}=YYYY-MM-DD"
        )
    actual = rules.actual(goal.measure, goal.baseline, check_ins, as_of, goal.id)
    if (actual - goal.target) * rules.direction(goal.baseline, goal.target) >= 0:
        return (
            f"{goal.id}: {goal.name} has already reached its target ({actual:,.10g} of "
            f"{goal.target:,.10g}); raise it with --target {goal.id}=N to plan further"
        )
    return ""


def _new_milestones(
    plan: Plan,
    goals: Sequence[Goal],
    check_ins: Sequence[CheckIn],
    as_of: date,
    next_m: int,
    changes: list[Change],
    settled: Collection[str] = (),
) -> list[Milestone]:
    """Milestones already due as they were, then each goal's remaining path from its actual.

    A remaining milestone on the same date as an old one keeps its id; a new
    one is numbered from ``next_m``, above every id the plan has used.
    """
    milestones: list[Milestone] = []
    old_by_goal_due = {(m.goal, m.due): m for m in plan.milestones}
    for g in goals:
        old = plan.milestones_of(g.id)
        if g.id in settled:
            milestones.extend(old)
            continue
        kept = [m for m in old if m.due <= as_of and m.due < g.deadline]
        milestones.extend(kept)
        actual = rules.actual(g.measure, g.baseline, check_ins, as_of, g.id)
        start, start_value = as_of, actual
        for due, target in _remaining_path(g, as_of, actual, kept[-1].due if kept else None):
            previous = old_by_goal_due.get((g.id, due))
            mid = previous.id if previous and previous.due > as_of else f"M{next_m}"
            if mid == f"M{next_m}":
                next_m += 1
            m = Milestone(
                id=mid,
                goal=g.id,
                name=f"{g.name} by {due.isoformat()}",
                start=start,
                due=due,
                start_value=start_value,
                target=target,
                owner=g.owner,
            )
            if previous is None or previous.due <= as_of:
                changes.append(Change(mid, f"new, due {due}, target {target:,.10g}"))
            elif previous.target != target:
                changes.append(Change(mid, f"target {previous.target:,.10g} → {target:,.10g}"))
            milestones.append(m)
            start, start_value = due, target
    new_ids = {m.id for m in milestones}
    for m in plan.milestones:
        if m.id not in new_ids:
            changes.append(Change(m.id, f"dropped (was due {m.due})"))
    return milestones


def _replan_actions(
    plan: Plan,
    new_plan: Plan,
    milestones: Sequence[Milestone],
    as_of: date,
    typed_into: Collection[str],
    next_a: int,
    changes: list[Change],
    settled: Collection[str] = (),
) -> list[Action]:
    kept_ms = {m.id: m for m in milestones if m.due <= as_of}
    remaining = [m for m in milestones if m.due > as_of]
    keep: list[Action] = []
    goals = {g.id: g for g in new_plan.goals}
    for a in plan.actions:
        goal = goals.get(a.goal)
        hand_written = a.count is None and (goal is None or funnel_count(goal, a.action) is None)
        if a.milestone in kept_ms or a.id in typed_into or hand_written:
            home = a.milestone
            if home not in {m.id for m in milestones}:
                home = next((m.id for m in remaining if m.goal == a.goal and m.due >= a.due), "")
                home = home or next((m.id for m in remaining if m.goal == a.goal), a.milestone)
            keep.append(replace(a, milestone=home))
    derived: list[Action] = []
    dated = replace(new_plan, start=as_of)
    for g in new_plan.goals:
        if g.id not in settled:  # a settled goal keeps its actions as they were
            derived.extend(funnel_actions(dated, g, [m for m in remaining if m.goal == g.id]))
    # A window that was partly worked keeps its done funnel actions; derive only what is new.
    out = list(keep)
    for a in derived:
        out.append(replace(a, id=f"A{next_a}"))
        next_a += 1
    dropped = len([a for a in plan.actions if a.id not in {k.id for k in keep}])
    if dropped or derived:
        changes.append(
            Change("actions", f"{dropped} open funnel actions replaced by {len(derived)} new ones")
        )
    order = {m.id: i for i, m in enumerate(milestones)}
    out.sort(key=lambda a: (order.get(a.milestone, len(order)), a.due, int(a.id[1:])))
    return out
