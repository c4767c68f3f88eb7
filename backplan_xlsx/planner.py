"""Backward planning: from each goal's deadline back to the plan start.

Due dates are laid from the deadline backward at the goal's cadence, so the
deadline is always a due date and the *first* window absorbs the remainder
(it may be short). Cumulative targets follow the goal's curve over elapsed
time, which gives a short first window a small target rather than a full
period's. With a funnel, each window's increment becomes deals to close,
then opportunities to open a sales cycle earlier, and so on up the stages,
each split among owners in whole numbers that add up exactly.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from .errors import Problem, SpecError
from .model import Action, Goal, Milestone, Plan
from .rules.words import count_text


@dataclass(frozen=True, slots=True)
class ExplicitMilestone:
    """A milestone the spec gives by hand (``index`` is its place in the list)."""

    index: int
    goal: str
    due: date
    target: float
    name: str = ""


@dataclass(frozen=True, slots=True)
class ExplicitAction:
    """An action the spec gives by hand; it joins the goal's next milestone."""

    index: int
    goal: str
    action: str
    owner: str
    due: date


@dataclass(frozen=True, slots=True)
class ExplicitParts:
    """Everything the spec fixes by hand, kept as given and checked."""

    milestones: tuple[ExplicitMilestone, ...] = ()
    actions: tuple[ExplicitAction, ...] = ()


def _months_back(d: date, months: int, month_end: bool) -> date:
    y, m = divmod(d.month - 1 - months, 12)
    year, month = d.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if month_end else min(d.day, last))


def due_dates(start: date, deadline: date, cadence: str) -> list[date]:
    """Due dates from the first to the deadline, laid backward at ``cadence``.

    A deadline on a month's last day keeps month ends (31 Dec, 30 Nov...).
    """
    if deadline <= start:
        return []
    month_end = deadline.day == calendar.monthrange(deadline.year, deadline.month)[1]
    out = [deadline]
    step = 1
    while True:
        if cadence == "weekly":
            d = deadline - timedelta(days=7 * step)
        else:
            d = _months_back(deadline, step * (3 if cadence == "quarterly" else 1), month_end)
        if d <= start:
            break
        out.append(d)
        step += 1
    out.reverse()
    return out


def curve_fractions(curve: str | Sequence[float], start: date, dues: Sequence[date]) -> list[float]:
    """The cumulative share of the increment due by each date, ending at 1."""
    if not isinstance(curve, str):
        weights = list(curve)
        total = sum(weights)
        acc, out = 0.0, []
        for w in weights:
            acc += w
            out.append(acc / total)
    else:
        span = (dues[-1] - start).days
        out = []
        for d in dues:
            t = (d - start).days / span
            if curve == "front-loaded":
                out.append(1 - (1 - t) ** 2)
            elif curve == "back-loaded":
                out.append(t * t)
            else:
                out.append(t)
    out[-1] = 1.0
    return out


def _round_target(goal: Goal, value: float) -> float:
    digits = 2 if abs(goal.target - goal.baseline) >= 10 else 4
    return round(value, digits)


def step_target(goal: Goal, previous: float, ideal: float) -> float:
    """The next cumulative target: ``ideal`` rounded, never back past ``previous``
    nor beyond the goal's target, in the goal's direction (up or down)."""
    rounded = _round_target(goal, ideal)
    if goal.target < goal.baseline:
        return min(previous, max(goal.target, rounded))
    return max(previous, min(goal.target, rounded))


class FairSplit:
    """One funnel stage's counts split window after window, fair over the whole plan.

    Splitting each window on its own hands every tie and every remainder
    to the same people: with 3 deals a month among shares of 30, 20, 20, 10,
    10 and 10%, the 10% owners would never get a deal to close all year.
    So each window gives out its count by what each owner is still owed
    of their share of every count so far: each window's parts are whole
    numbers that add up to its count exactly, and over the plan every owner
    stays within a unit or two of their share.
    """

    def __init__(self, shares: Sequence[float]) -> None:
        total = sum(shares)
        self.shares = [s / total for s in shares] if total > 0 else [0.0] * len(shares)
        self.given = [0] * len(shares)
        self.total = 0

    def split(self, count: int) -> list[int]:
        """This window's parts of ``count``, in the owners' order."""
        if count <= 0 or not self.shares or not any(self.shares):
            return [0] * len(self.shares)
        self.total += count
        need = [s * self.total - g for s, g in zip(self.shares, self.given, strict=True)]
        parts = [max(0, math.floor(n + 1e-9)) for n in need]
        left = count - sum(parts)
        by_owed = sorted(range(len(need)), key=lambda i: (-(need[i] - parts[i]), i))
        for i in by_owed[: max(0, left)]:
            parts[i] += 1
        while left < 0:  # more than the count: the least owed give one back, in turn
            for i in reversed(by_owed):
                if left < 0 and parts[i] > 0:
                    parts[i] -= 1
                    left += 1
        self.given = [g + p for g, p in zip(self.given, parts, strict=True)]
        return parts


def _problem(field: str, message: str, code: str) -> Problem:
    return Problem(code, "error", message, field=field)


#: A goal's path before it becomes milestones: due dates, cumulative targets, names.
_Path = tuple[list[date], list[float], list[str]]


def plan_milestones(
    plan: Plan, goal_index: int, explicit: Sequence[ExplicitMilestone], first_id: int
) -> tuple[list[Milestone], list[Problem]]:
    """A goal's milestones, generated or checked from the spec's own."""
    goal = plan.goals[goal_index]
    problems: list[Problem] = []
    if explicit:
        dues, targets, names = _explicit_path(plan, goal, explicit, problems)
    else:
        path = _generated_path(plan, goal, goal_index, problems)
        if path is None:
            return [], problems
        dues, targets, names = path
    out: list[Milestone] = []
    prev_due, prev_target = plan.start, goal.baseline
    for k, (due, target, name) in enumerate(zip(dues, targets, names, strict=True)):
        out.append(
            Milestone(
                id=f"M{first_id + k}",
                goal=goal.id,
                name=name or f"{goal.name} by {due.isoformat()}",
                start=prev_due,
                due=due,
                start_value=prev_target,
                target=target,
                owner=goal.owner,
            )
        )
        prev_due, prev_target = due, target
    return out, problems


def _explicit_path(
    plan: Plan, goal: Goal, explicit: Sequence[ExplicitMilestone], problems: list[Problem]
) -> _Path:
    """The spec's own milestones in due order, checked: dates rise, targets never fall
    back, and the last one is the goal's deadline and target."""
    way = -1 if goal.target < goal.baseline else 1
    rows = [(m.due, m.target, m.name, m.index) for m in sorted(explicit, key=lambda m: m.due)]
    prev_due, prev_target = plan.start, goal.baseline
    for due, target, _, idx in rows:
        f = f"milestones[{idx}]"
        if due <= prev_due:
            problems.append(
                _problem(f"{f}.due", f"{due} is not after {prev_due}", "milestone-order")
            )
        if (target - prev_target) * way < 0:
            problems.append(
                _problem(
                    f"{f}.target",
                    f"{target:g} goes back past the previous {prev_target:g}; targets are "
                    f"cumulative, each one {'above' if way > 0 else 'below'} the one before",
                    "milestone-target-falls",
                )
            )
        prev_due, prev_target = due, target
    last_due, last_target, _, last_idx = rows[-1]
    if last_due != goal.deadline:
        problems.append(
            _problem(
                f"milestones[{last_idx}].due",
                f"the last milestone of {goal.id} is due {last_due}, not on the deadline "
                f"{goal.deadline}",
                "milestone-not-on-deadline",
            )
        )
    if abs(last_target - goal.target) > 1e-9:
        problems.append(
            _problem(
                f"milestones[{last_idx}].target",
                f"the last milestone of {goal.id} targets {last_target:g}, not the goal's "
                f"{goal.target:g}",
                "milestone-not-on-target",
            )
        )
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def _generated_path(
    plan: Plan, goal: Goal, goal_index: int, problems: list[Problem]
) -> _Path | None:
    """Due dates back from the deadline at the cadence, targets along the curve.

    None (and a problem) when explicit curve weights do not match the windows.
    """
    dues = due_dates(plan.start, goal.deadline, goal.cadence)
    if not isinstance(goal.curve, str) and len(goal.curve) != len(dues):
        problems.append(
            _problem(
                f"goals[{goal_index}].curve",
                f"{len(goal.curve)} weights for {len(dues)} {goal.cadence} windows; "
                f"give {len(dues)}",
                "curve-weights",
            )
        )
        return None
    fractions = curve_fractions(goal.curve, plan.start, dues)
    inc = goal.target - goal.baseline
    targets = []
    floor = goal.baseline
    for frac in fractions:
        # Rounding must not step back past the baseline or the previous target.
        floor = step_target(goal, floor, goal.baseline + inc * frac)
        targets.append(floor)
    targets[-1] = goal.target
    return dues, targets, [""] * len(dues)


CATCH_UP = "Catch-up: "


def stage_due(plan_start: date, milestone: Milestone, ideal: date) -> tuple[date, bool]:
    """When a funnel step is due, and whether it is a catch-up action.

    Its ideal date is a sales cycle (and the stages' days) before the
    milestone. One that falls before the plan start cannot be met on time,
    so rather than being Overdue on the day it is planned it is due halfway
    between the plan start and the milestone's due date, marked catch-up.
    """
    if ideal >= plan_start:
        return ideal, False
    return plan_start + timedelta(days=(milestone.due - plan_start).days // 2), True


def funnel_actions(plan: Plan, goal: Goal, milestones: Sequence[Milestone]) -> list[Action]:
    """Actions derived backward from each window's increment (ids left blank)."""
    if goal.funnel is None:
        return []
    owners = [o for o in plan.owners if o.share_of(goal.id) > 0]
    shares = [o.share_of(goal.id) for o in owners]
    fair = [FairSplit(shares) for _ in range(len(goal.funnel.stages) + 1)]  # close, then stages
    out: list[Action] = []
    for m in milestones:
        increment = m.target - m.start_value
        if increment <= 0:
            continue
        steps: list[tuple[str, int, date, str, bool]] = []
        count = math.ceil(increment / goal.funnel.deal_size - 1e-9)
        ideal = m.due
        steps.append((goal.funnel.close_action, count, m.due, goal.funnel.close_action, False))
        for stage in goal.funnel.stages:
            count = math.ceil(count / stage.conversion - 1e-9)
            ideal = ideal - timedelta(days=stage.days)
            due, late = stage_due(plan.start, m, ideal)
            steps.append((stage.name, count, due, stage.name, late))
        for j, (template, n, when, stage_name, late) in reversed(list(enumerate(steps))):
            for owner, part in zip(owners, fair[j].split(n), strict=True):
                if part > 0:
                    text = count_text(template, part)
                    out.append(
                        Action(
                            id="",
                            milestone=m.id,
                            goal=goal.id,
                            action=CATCH_UP + text if late else text,
                            owner=owner.name,
                            due=when,
                            count=part,
                            stage=" ".join(stage_name.replace("{n}", "").split()),
                        )
                    )
    return out


def funnel_count(goal: Goal, text: str) -> int | None:
    """The count of a funnel action of ``goal`` read back from its words, or None if not one.

    A workbook keeps an action's words, not that the funnel wrote them: an
    action whose words are exactly what :func:`funnel_actions` writes for
    some count ("Close 3 deals", "Catch-up: Open 12 opportunities") is one,
    so ``replan`` can replace it; any other is someone's own and is kept.
    """
    if goal.funnel is None:
        return None
    words = text.strip().removeprefix(CATCH_UP)
    templates = (goal.funnel.close_action, *(s.name for s in goal.funnel.stages))
    for found in re.findall(r"\d+", words):
        n = int(found)
        if n > 0 and any(count_text(t, n) == words for t in templates):
            return n
    return None


def plan_backward(plan: Plan, explicit: ExplicitParts | None = None) -> Plan:
    """Plan every goal's milestones and actions, with stable ids.

    Args:
        plan: the plan as the spec gives it.
        explicit: milestones and actions the spec gives by hand; a goal with
            explicit milestones keeps them (checked), explicit actions join
            the goal's first milestone due on or after them.

    Raises:
        SpecError: explicit parts that do not fit the plan, one problem each.
    """
    explicit = explicit or ExplicitParts()
    problems: list[Problem] = []
    milestones: list[Milestone] = []
    actions: list[Action] = []
    for i, goal in enumerate(plan.goals):
        if goal.funnel is not None and goal.measure != "sum":
            problems.append(
                _problem(
                    f"goals[{i}].funnel",
                    "a funnel needs measure: sum (deals add up; a latest reading does not)",
                    "funnel-needs-sum",
                )
            )
        mine = [m for m in explicit.milestones if m.goal == goal.id]
        ms, found = plan_milestones(plan, i, mine, len(milestones) + 1)
        problems.extend(found)
        milestones.extend(ms)
        derived = funnel_actions(plan, goal, ms)
        for ea in (a for a in explicit.actions if a.goal == goal.id):
            home = next((m for m in ms if m.due >= ea.due), None)
            if ea.due < plan.start or home is None:
                problems.append(
                    _problem(
                        f"actions[{ea.index}].due",
                        f"{ea.due} is outside the plan ({plan.start} to {goal.deadline})",
                        "action-outside-plan",
                    )
                )
                continue
            derived.append(Action("", home.id, goal.id, ea.action, ea.owner, ea.due))
        order = {m.id: k for k, m in enumerate(ms)}
        derived.sort(key=lambda a: (order[a.milestone], a.due))
        actions.extend(derived)
    if problems:
        raise SpecError(f"{len(problems)} problem(s) in the plan", tuple(problems))
    numbered = tuple(replace(a, id=f"A{k + 1}") for k, a in enumerate(actions))
    return replace(plan, milestones=tuple(milestones), actions=numbered)
