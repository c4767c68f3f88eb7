"""The Python engine: a snapshot and a date in, every status and figure out.

This is what ``status`` reports and what the writer caches in formula
cells, so a workbook opened by a program that never recalculates still
shows the right numbers. It only combines :mod:`backplan_xlsx.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import rules
from .model import AntiGoal, Goal, Milestone, Owner, Snapshot


@dataclass(frozen=True, slots=True)
class GoalStatus:
    """A goal over its whole window, with the long-term view."""

    id: str
    name: str
    unit: str
    owner: str
    baseline: float
    target: float
    deadline: date
    actual: float
    expected: float
    projected: float
    rate_needed: float
    periods_left: int
    cadence: str
    status: str
    #: +1 for a goal that moves up, -1 for one that moves down.
    direction: int = 1


@dataclass(frozen=True, slots=True)
class MilestoneStatus:
    """A checkpoint and how its goal stands against it."""

    id: str
    goal: str
    name: str
    owner: str
    start: date
    due: date
    start_value: float
    target: float
    actual: float
    expected: float
    status: str


@dataclass(frozen=True, slots=True)
class ActionStatus:
    """An action: Done, Open or Overdue."""

    id: str
    milestone: str
    goal: str
    action: str
    owner: str
    due: date
    done: bool
    status: str


@dataclass(frozen=True, slots=True)
class OwnerPart:
    """An owner's share of one goal (``sum`` goals only: readings do not split)."""

    goal: str
    share: float
    target: float
    actual: float
    expected: float
    status: str


@dataclass(frozen=True, slots=True)
class OwnerStatus:
    """An owner, judged on their shares: the worst of their parts."""

    id: str
    name: str
    role: str
    team: str
    parts: tuple[OwnerPart, ...]
    status: str


@dataclass(frozen=True, slots=True)
class AntiGoalStatus:
    """An anti-goal's guardrail and review state."""

    id: str
    avoid: str
    instead: str
    owner: str
    latest: float | None
    limit: float | None
    direction: str
    last_reviewed: date | None
    status: str


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Everything ``status`` says about a plan on a date."""

    plan_id: str
    title: str
    version: int
    file: str
    as_of: date
    goals: tuple[GoalStatus, ...]
    milestones: tuple[MilestoneStatus, ...]
    actions: tuple[ActionStatus, ...]
    owners: tuple[OwnerStatus, ...]
    anti_goals: tuple[AntiGoalStatus, ...]
    #: The owner whose part of the plan this is (``split``); empty for the whole plan.
    part: str = ""


def _goal_status(snap: Snapshot, idx: rules.CheckInIndex, goal: Goal, as_of: date) -> GoalStatus:
    plan = snap.plan
    way = rules.direction(goal.baseline, goal.target)
    until = min(as_of, goal.deadline)
    act = idx.actual(goal.measure, goal.baseline, until, goal.id)
    ms = plan.milestones_of(goal.id)
    exp = rules.path(ms, goal.baseline, goal.target, plan.start, goal.deadline, as_of)
    left = rules.periods_left((m.due for m in ms), as_of)
    return GoalStatus(
        id=goal.id,
        name=goal.name,
        unit=goal.unit,
        owner=goal.owner,
        baseline=goal.baseline,
        target=goal.target,
        deadline=goal.deadline,
        actual=act,
        expected=exp,
        projected=rules.projected(
            goal.measure, goal.baseline, act, goal.target, exp, plan.start, goal.deadline, as_of
        ),
        rate_needed=rules.rate_needed(goal.target, act, left, way),
        periods_left=left,
        cadence=goal.cadence,
        status=rules.progress_status(
            act,
            goal.target,
            exp,
            plan.start,
            goal.deadline,
            as_of,
            plan.thresholds,
            baseline=goal.baseline,
            direction=way,
        ),
        direction=way,
    )


def _milestone_status(
    snap: Snapshot, idx: rules.CheckInIndex, goal: Goal, m: Milestone, as_of: date
) -> MilestoneStatus:
    act = idx.actual(goal.measure, goal.baseline, min(as_of, m.due), goal.id)
    exp = rules.expected(m.start_value, m.target, m.start, m.due, as_of)
    status = rules.progress_status(
        act,
        m.target,
        exp,
        m.start,
        m.due,
        as_of,
        snap.plan.thresholds,
        baseline=goal.baseline,
        direction=rules.direction(goal.baseline, goal.target),
    )
    return MilestoneStatus(
        m.id, m.goal, m.name, m.owner, m.start, m.due, m.start_value, m.target, act, exp, status
    )


def _owner_status(
    snap: Snapshot,
    idx: rules.CheckInIndex,
    o: Owner,
    goals: dict[str, GoalStatus],
    as_of: date,
) -> OwnerStatus:
    """An owner judged on their share of each ``sum`` goal, in its direction.

    Only goals they have a share of are parts: a 0 share (or none) would
    otherwise be "Done" at once (0 of 0), or judge them on someone else's goal.
    """
    plan = snap.plan
    parts = []
    for g in plan.goals:
        share = o.share_of(g.id)
        if g.measure != "sum" or share <= 0:
            continue  # not theirs: a goal they have no share of is not judged for them
        target = rules.owner_target(share, g.target, g.baseline)
        act = idx.actual("sum", 0.0, min(as_of, g.deadline), g.id, owner=o.name)
        exp = rules.owner_expected(share, goals[g.id].expected, g.baseline)
        status = rules.progress_status(
            act,
            target,
            exp,
            plan.start,
            g.deadline,
            as_of,
            plan.thresholds,
            baseline=0.0,
            direction=rules.direction(g.baseline, g.target),
        )
        parts.append(OwnerPart(g.id, share, target, act, exp, status))
    return OwnerStatus(
        o.id, o.name, o.role, o.team, tuple(parts), rules.worst(p.status for p in parts)
    )


def _anti_goal_status(
    snap: Snapshot, idx: rules.CheckInIndex, x: AntiGoal, as_of: date
) -> AntiGoalStatus:
    latest = idx.latest(x.id, as_of)
    reviewed = snap.reviews.get(x.id)
    status = rules.anti_goal_status(
        latest, x.limit, x.direction, reviewed, x.review_every_days, as_of, snap.plan.start
    )
    return AntiGoalStatus(
        x.id, x.avoid, x.instead, x.owner, latest, x.limit, x.direction, reviewed, status
    )


def evaluate(snap: Snapshot, as_of: date) -> StatusReport:
    """Every status and figure of a plan as of a date.

    Args:
        snap: the plan and what people typed (see :class:`Snapshot`).
        as_of: the date to judge on; check-ins after it do not count.
    """
    plan = snap.plan
    goals = {g.id: g for g in plan.goals}
    idx = rules.CheckInIndex(snap.check_ins)
    goal_rows = tuple(_goal_status(snap, idx, g, as_of) for g in plan.goals)
    by_goal = {g.id: g for g in goal_rows}
    milestones = tuple(
        _milestone_status(snap, idx, goals[m.goal], m, as_of) for m in plan.milestones
    )
    actions = tuple(
        ActionStatus(
            a.id,
            a.milestone,
            a.goal,
            a.action,
            a.owner,
            a.due,
            rules.is_done(snap.done.get(a.id)),
            rules.action_status(rules.is_done(snap.done.get(a.id)), a.due, as_of),
        )
        for a in plan.actions
    )
    owners = tuple(_owner_status(snap, idx, o, by_goal, as_of) for o in plan.owners)
    anti = tuple(_anti_goal_status(snap, idx, x, as_of) for x in plan.anti_goals)
    return StatusReport(
        plan.id,
        plan.title,
        plan.version,
        snap.file,
        as_of,
        goal_rows,
        milestones,
        actions,
        owners,
        anti,
        part=plan.part,
    )
