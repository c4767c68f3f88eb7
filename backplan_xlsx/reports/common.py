"""What every output format shares: figures as people read them, and grouping.

The formats differ in syntax only; which items appear, in what groups and
with what numbers is decided here once, so a table, a Markdown page and an
HTML page of the same report never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from .. import rules
from ..engine import (
    ActionStatus,
    AntiGoalStatus,
    GoalStatus,
    MilestoneStatus,
    OwnerStatus,
    StatusReport,
)

By = Literal["owner", "goal"]
Tone = Literal["good", "warn", "bad", "quiet"]

#: How each status reads at a glance: the same split as the workbook's colours.
TONES: dict[str, Tone] = {
    rules.DONE: "good",
    rules.ON_TRACK: "good",
    rules.OK: "good",
    rules.AT_RISK: "warn",
    rules.WARNING: "warn",
    rules.REVIEW_OVERDUE: "warn",
    rules.OFF_TRACK: "bad",
    rules.MISSED: "bad",
    rules.OVERDUE: "bad",
    rules.BREACHED: "bad",
    rules.NOT_STARTED: "quiet",
    rules.OPEN: "quiet",
    rules.NO_DATA: "quiet",
}

PERIOD_WORDS = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}

#: Human formats list the actions that need attention: overdue ones and
#: open ones due within this many days. JSON and CSV list every action.
ACTION_HORIZON_DAYS = 31


def tone(status: str) -> Tone:
    """good, warn, bad or quiet: how a status is coloured."""
    return TONES.get(status, "quiet")


def is_percent(unit: str) -> bool:
    """Goals measured in % hold fractions (0.28), shown as 28%."""
    return unit.strip() == "%"


def number(value: float | None, unit: str = "") -> str:
    """A figure as a sales manager reads it: ``2,400,000``, ``28.0%``, ``12.5``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if is_percent(unit):
        return f"{value * 100:.1f}%"
    if abs(value) >= 1000 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def money(value: float | None, unit: str) -> str:
    """A figure with its unit (``2,400,000 USD``); percentages carry their own sign."""
    text = number(value, unit)
    if not text or not unit or is_percent(unit):
        return text
    return f"{text} {unit}"


def share(value: float) -> str:
    """An owner's share: ``25%``."""
    return f"{value * 100:.0f}%"


def when(d: date | None) -> str:
    """A date, ISO: the one form every reader's locale reads the same way."""
    return d.isoformat() if d is not None else ""


def period_word(cadence: str) -> str:
    """``month`` for a monthly goal: what "rate needed per …" counts."""
    return PERIOD_WORDS.get(cadence, "period")


def still_needed(g: GoalStatus) -> str:
    """What the goal still needs each period, or why it needs nothing more.

    Said once: a goal past its deadline is short by a figure, not "needs …
    per month (0 months left)".
    """
    if g.status == rules.DONE:
        return "target reached"
    short = money(abs(g.target - g.actual), g.unit)
    if g.status == rules.MISSED:
        return f"deadline passed, {short} short of the target"
    word = period_word(g.cadence)
    left = g.periods_left
    periods = f"{left} {word}{'s' if left != 1 else ''} left"
    way = "more" if g.direction > 0 else "less"
    return f"needs {money(g.rate_needed, g.unit)} {way} per {word} ({periods})"


def long_view(g: GoalStatus) -> str:
    """The long-term view beside the short one: where the pace lands, what is needed.

    The brief's answer to short-term focus: every goal line says what the
    deadline looks like at the current pace relative to the plan and what
    each remaining period must bring.
    """
    proj = f"projected {money(g.projected, g.unit)} by {when(g.deadline)}"
    return f"{proj}; {still_needed(g)}"


def actions_needing_attention(
    actions: Sequence[ActionStatus], as_of: date
) -> tuple[list[ActionStatus], str]:
    """Overdue actions and open ones due soon, plus a line counting the rest.

    A funnel plan has hundreds of actions; a report that lists them all hides
    the few that matter this month. The full list is in JSON and CSV.
    """
    horizon = as_of + timedelta(days=ACTION_HORIZON_DAYS)
    shown = [
        a
        for a in actions
        if a.status == rules.OVERDUE or (a.status == rules.OPEN and a.due <= horizon)
    ]
    rest = [a for a in actions if a not in shown]
    if not rest:
        return shown, ""
    done = sum(1 for a in rest if a.status == rules.DONE)
    later = len(rest) - done
    parts = []
    if done:
        parts.append(f"{done} done")
    if later:
        parts.append(f"{later} due after {when(horizon)}")
    return shown, f"Not shown: {', '.join(parts)} (--format csv or json lists every action)."


def current_milestones(report: StatusReport) -> list[MilestoneStatus]:
    """Milestones whose window holds the as-of date: the ones being worked on now."""
    return [m for m in report.milestones if m.start <= report.as_of <= m.due]


@dataclass(frozen=True, slots=True)
class Group:
    """One section of a ``--by`` report: a heading and the items under it."""

    key: str
    title: str
    status: str
    goals: tuple[GoalStatus, ...] = ()
    milestones: tuple[MilestoneStatus, ...] = ()
    actions: tuple[ActionStatus, ...] = ()
    owners: tuple[OwnerStatus, ...] = ()
    anti_goals: tuple[AntiGoalStatus, ...] = ()


def groups(report: StatusReport, by: By) -> list[Group]:
    """The report split by owner (their parts, actions, anti-goals) or by goal.

    By goal, each goal carries its milestones and actions. By owner, each
    owner carries their own status (with its per-goal parts), the actions
    and anti-goals they own, and the milestones they are accountable for.
    Names match as the workbook's formulas match them (:func:`person_key`).
    """
    from ..names import person_key

    if by == "goal":
        return [
            Group(
                key=g.id,
                title=f"{g.id} {g.name}",
                status=g.status,
                goals=(g,),
                milestones=tuple(m for m in report.milestones if m.goal == g.id),
                actions=tuple(a for a in report.actions if a.goal == g.id),
            )
            for g in report.goals
        ]
    out = []
    milestones = _by_person(report.milestones)
    actions = _by_person(report.actions)
    anti_goals = _by_person(report.anti_goals)
    for o in report.owners:
        who = person_key(o.name)
        out.append(
            Group(
                key=o.id,
                title=o.name,
                status=o.status,
                owners=(o,),
                milestones=tuple(milestones.get(who, ())),
                actions=tuple(actions.get(who, ())),
                anti_goals=tuple(anti_goals.get(who, ())),
            )
        )
    return out


def _by_person(items: Sequence[Any]) -> dict[str, list[Any]]:
    """Items grouped by their owner's :func:`person_key` (each name keyed once)."""
    from ..names import person_key

    keys: dict[str, str] = {}
    out: dict[str, list[Any]] = {}
    for item in items:
        key = keys.get(item.owner)
        if key is None:
            key = keys[item.owner] = person_key(item.owner)
        out.setdefault(key, []).append(item)
    return out


def goal_unit(report: StatusReport, goal_id: str) -> str:
    """The unit of a goal by id (for owner parts and milestones)."""
    for g in report.goals:
        if g.id == goal_id:
            return g.unit
    return ""
