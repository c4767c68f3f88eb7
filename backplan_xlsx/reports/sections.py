"""A report as titled tables of text: what the table, Markdown and HTML pages show.

Each format only decides how a section looks; the sections (which items,
which columns, which figures) are built here once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..engine import (
    ActionStatus,
    AntiGoalStatus,
    GoalStatus,
    MilestoneStatus,
    OwnerStatus,
    StatusReport,
)
from ..errors import Problem
from . import common
from .common import By

#: How a status word is decorated: colour in a terminal, a badge in HTML.
Paint = Callable[[str], str]


def plain(status: str) -> str:
    """No decoration (piped output, Markdown)."""
    return status


@dataclass(frozen=True, slots=True)
class Section:
    """One titled table; ``level`` 1 is a group heading (``--by``), 2 a table."""

    title: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    note: str = ""
    level: int = 2
    status: str = ""
    goals: tuple[GoalStatus, ...] = field(default=())


def heading(report: StatusReport) -> str:
    """``FY27 new business (fy27-new-business, version 1) as of 2027-05-10``."""
    head = f"{report.title} ({report.plan_id}, version {report.version})"
    return f"{head} as of {common.when(report.as_of)}{part_note(report)}"


def part_note(report: StatusReport) -> str:
    """For a part: whose it is, and that it is judged on their share (empty otherwise)."""
    if not report.part:
        return ""
    return (
        f"; this is {report.part}'s part of the plan (from backplan split), judged on "
        f"{report.part}'s share of each goal: merge the parts for the team's status"
    )


def _goal_rows(goals: Sequence[GoalStatus], paint: Paint) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            g.id,
            g.name,
            paint(g.status),
            common.money(g.actual, g.unit),
            common.money(g.expected, g.unit),
            common.money(g.target, g.unit),
            common.when(g.deadline),
            common.money(g.projected, g.unit),
            _needed(g),
        )
        for g in goals
    )


def _needed(g: GoalStatus) -> str:
    return common.still_needed(g).removeprefix("needs ")


GOAL_HEADERS = (
    "ID",
    "Goal",
    "Status",
    "Actual",
    "Expected",
    "Target",
    "Deadline",
    "Projected",
    "Needed",
)
MILESTONE_HEADERS = (
    "ID",
    "Goal",
    "Milestone",
    "Owner",
    "Due",
    "Status",
    "Actual / target",
    "Expected",
)
ACTION_HEADERS = ("ID", "Milestone", "Action", "Owner", "Due", "Status")
OWNER_HEADERS = ("ID", "Owner", "Team", "Status", "Parts")
ANTI_GOAL_HEADERS = ("ID", "Avoid", "Instead", "Owner", "Latest", "Limit", "Reviewed", "Status")


def _milestone_rows(
    report: StatusReport, milestones: Sequence[MilestoneStatus], paint: Paint
) -> tuple[tuple[str, ...], ...]:
    rows = []
    for m in milestones:
        unit = common.goal_unit(report, m.goal)
        rows.append(
            (
                m.id,
                m.goal,
                m.name,
                m.owner,
                common.when(m.due),
                paint(m.status),
                common.number(m.actual, unit) + " / " + common.number(m.target, unit),
                common.number(m.expected, unit),
            )
        )
    return tuple(rows)


def _action_rows(actions: Sequence[ActionStatus], paint: Paint) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (a.id, a.milestone, a.action, a.owner, common.when(a.due), paint(a.status)) for a in actions
    )


def _owner_rows(
    report: StatusReport, owners: Sequence[OwnerStatus], paint: Paint
) -> tuple[tuple[str, ...], ...]:
    rows = []
    for o in owners:
        parts = []
        for p in o.parts:
            if p.share <= 0:
                continue
            unit = common.goal_unit(report, p.goal)
            parts.append(
                f"{p.goal} ({common.share(p.share)}): {paint(p.status)}, "
                f"{common.number(p.actual, unit)} of {common.number(p.target, unit)}, "
                f"{common.number(p.expected, unit)} expected"
            )
        rows.append((o.id, o.name, o.team, paint(o.status), "\n".join(parts)))
    return tuple(rows)


def _anti_goal_rows(
    anti_goals: Sequence[AntiGoalStatus], paint: Paint
) -> tuple[tuple[str, ...], ...]:
    rows = []
    for x in anti_goals:
        limit = "" if x.limit is None else f"{x.direction} {common.number(x.limit)}"
        rows.append(
            (
                x.id,
                x.avoid,
                x.instead,
                x.owner,
                common.number(x.latest),
                limit,
                common.when(x.last_reviewed),
                paint(x.status),
            )
        )
    return tuple(rows)


def _actions_section(
    actions: Sequence[ActionStatus], report: StatusReport, paint: Paint
) -> Section:
    shown, note = common.actions_needing_attention(actions, report.as_of)
    if not shown and not note:
        note = "No actions."
    elif not shown:
        note = "Nothing overdue or due soon. " + note
    return Section("Actions due or overdue", ACTION_HEADERS, _action_rows(shown, paint), note)


def sections(report: StatusReport, by: By | None, paint: Paint = plain) -> list[Section]:
    """The report as sections: by kind, or grouped ``--by owner``/``--by goal``."""
    if by is None:
        out = [
            Section("Goals", GOAL_HEADERS, _goal_rows(report.goals, paint), goals=report.goals),
            Section(
                "Milestones", MILESTONE_HEADERS, _milestone_rows(report, report.milestones, paint)
            ),
            _actions_section(report.actions, report, paint),
            Section("Owners", OWNER_HEADERS, _owner_rows(report, report.owners, paint)),
        ]
        if report.anti_goals:
            out.append(
                Section("Anti-goals", ANTI_GOAL_HEADERS, _anti_goal_rows(report.anti_goals, paint))
            )
        return out
    out = []
    for g in common.groups(report, by):
        out.append(Section(g.title, level=1, status=g.status))
        if g.goals:
            out.append(Section("Goal", GOAL_HEADERS, _goal_rows(g.goals, paint), goals=g.goals))
        if g.owners:
            out.append(Section("Their part", OWNER_HEADERS, _owner_rows(report, g.owners, paint)))
        if g.milestones:
            out.append(
                Section(
                    "Milestones", MILESTONE_HEADERS, _milestone_rows(report, g.milestones, paint)
                )
            )
        out.append(_actions_section(g.actions, report, paint))
        if g.anti_goals:
            out.append(
                Section("Anti-goals", ANTI_GOAL_HEADERS, _anti_goal_rows(g.anti_goals, paint))
            )
    return out


PROBLEM_HEADERS = ("Where", "Severity", "Problem", "Code")


def problem_rows(problems: Sequence[Problem]) -> tuple[tuple[str, ...], ...]:
    """One row per problem: where, severity, the sentence, the stable code."""
    return tuple((where(p), p.severity, p.message, p.code) for p in problems)


def where(p: Problem) -> str:
    """``Check-ins!A17`` (the file is in the heading, not on every line)."""
    if p.sheet:
        return f"{p.sheet}!{p.cell}" if p.cell else p.sheet
    return p.where


def problem_line(p: Problem) -> str:
    """``Check-ins!A17: "next tue" is not a date; type it as YYYY-MM-DD``."""
    place = where(p)
    label = "warning: " if p.severity == "warning" else ""
    text = f"{label}{p.message}"
    return f"{place}: {text}" if place else text


def count_line(problems: Sequence[Problem], file: str = "") -> str:
    """``2 errors, 1 warning in plan.xlsx`` (or ``No problems found in plan.xlsx``)."""
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    where_ = f" in {file}" if file else ""
    if not problems:
        return f"No problems found{where_}."
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{', '.join(parts)}{where_}."
