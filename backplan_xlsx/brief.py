"""One page per person: the goal, their part, what is next, what to avoid.

The method's answer to poor communication: everyone sees the long-term goal
and exactly their part of it, in words plain enough to paste into an email
or print. Markdown or self-contained HTML (everything escaped).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from .engine import OwnerStatus, StatusReport
from .model import Goal, Owner, Plan
from .names import same_person
from .reports.common import still_needed

Format = Literal["md", "html"]
NEXT_ACTIONS = 8


@dataclass(frozen=True, slots=True)
class Brief:
    """One person's page, as text."""

    owner: str
    text: str


def _num(value: float, unit: str = "") -> str:
    if unit == "%" and abs(value) <= 1.5:
        return f"{value * 100:.1f}%"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip() if unit and unit != "%" else text


def _sentence(goal: Goal) -> str:
    return (
        f"{goal.name}: from {_num(goal.baseline, goal.unit)} to {_num(goal.target, goal.unit)} "
        f"by {goal.deadline:%d %B %Y}."
    )


def build_brief(plan: Plan, report: StatusReport, owner: Owner) -> list[tuple[str, list[str]]]:
    """The page as sections of plain lines (rendered by :func:`render_brief`)."""
    status = next((o for o in report.owners if o.id == owner.id), None)
    return [
        ("Your brief", _intro(plan, report, owner, status)),
        ("The goal and your part", _goal_lines(plan, report, owner, status)),
        ("Next milestones", _next_milestones(plan, report, owner)),
        ("Your next actions", _next_actions(report, owner)),
        ("What we deliberately avoid", _anti_goal_lines(plan, report)),
        (
            "How to check in",
            [
                "Open the workbook's Check-ins sheet and add one row per reading: the date, "
                "the goal id (G1...) or anti-goal id (X1...), your name and the value.",
                "Mark actions done on the Actions sheet (Done: Yes).",
                "Send the file back as it is; renaming it is fine.",
            ],
        ),
    ]


def _intro(plan: Plan, report: StatusReport, owner: Owner, status: OwnerStatus | None) -> list[str]:
    """Whose page this is, of which plan, and (for a part) what its figures are."""
    who = owner.name + (f", {owner.role}" if owner.role else "")
    intro = [
        f"Plan: {plan.title} (version {plan.version}), as of {report.as_of.isoformat()}.",
        f"For: {who}.",
    ]
    if report.part:
        intro.append(
            "This workbook is your part of the plan (from backplan split): every figure below "
            "is your share of the goal; the team's status comes from the merged plan."
        )
    if plan.description:
        intro.append(plan.description.strip())
    if status is not None and any(p.share > 0 for p in status.parts):
        # Their own standing first: judged on their share, not the team's total.
        intro.append(f"Your status: {status.status} (on your share of each goal).")
    return intro


def _goal_lines(
    plan: Plan, report: StatusReport, owner: Owner, status: OwnerStatus | None
) -> list[str]:
    """Every goal with its status; for the owner's goals their part and the long-term view."""
    goals = {g.id: g for g in report.goals}
    lines: list[str] = []
    for g in plan.goals:
        share = owner.share_of(g.id)
        gs = goals.get(g.id)
        if gs is None:
            continue  # a part's report leaves out the goals its owner has no share of
        who = "The team"
        if report.part:  # one person's check-ins: never the team's status
            who = "Your status on your share" if share > 0 else "Status in your part"
        line = f"{_sentence(g)} {who}: {gs.status}."
        if g.why:
            line += f" Why it matters: {g.why}"
        lines.append(line)
        if share <= 0:
            continue
        part = next((p for p in (status.parts if status else ()) if p.goal == g.id), None)
        if part is not None:
            lines.append(
                f"  Your part: {share:.0%} = {_num(part.target, g.unit)}. So far "
                f"{_num(part.actual, g.unit)}; the plan expects {_num(part.expected, g.unit)} "
                f"by now: {part.status}."
            )
        else:
            lines.append(f"  You are accountable for {share:.0%} of it.")
        reach = "you reach" if report.part else "the team reaches"
        lines.append(
            f"  Long-term view: at the current pace relative to the plan {reach} "
            f"{_num(gs.projected, g.unit)} by {g.deadline}; {still_needed(gs)}."
            if g.measure == "sum"
            else f"  Latest reading {_num(gs.actual, g.unit)}; target {_num(g.target, g.unit)}; "
            f"{still_needed(gs)}."
        )
    return lines


def _next_milestones(plan: Plan, report: StatusReport, owner: Owner) -> list[str]:
    """The next two milestones of every goal, in date order across goals."""
    upcoming: list[str] = []
    for g in plan.goals:
        share = owner.share_of(g.id)
        nxt = [m for m in report.milestones if m.goal == g.id and m.due >= report.as_of][:2]
        for m in nxt:
            yours = ""
            whose = "team target"
            if report.part and share > 0 and g.measure == "sum":
                whose = "your target"  # a part's report is already judged on the share
            elif share > 0 and g.measure == "sum":
                yours = f"; your part {_num(share * (m.target - g.baseline), g.unit)}"
            upcoming.append(
                f"{m.due.isoformat()} {m.id} {m.name}: {whose} {_num(m.target, g.unit)}{yours} "
                f"({m.status})"
            )
    # Each line starts with its ISO due date: sorted, they read in date order across goals.
    return sorted(upcoming) or ["None left: the plan is complete."]


def _next_actions(report: StatusReport, owner: Owner) -> list[str]:
    """Every overdue action of the owner, then the next open ones, then how many are done."""
    mine = [a for a in report.actions if same_person(a.owner, owner.name)]
    late = sorted((a for a in mine if a.status == "Overdue"), key=lambda a: (a.due, a.id))
    open_ = sorted((a for a in mine if a.status == "Open"), key=lambda a: (a.due, a.id))
    acts = [f"{a.due.isoformat()} {a.id} {a.action} (OVERDUE)" for a in late]
    acts += [f"{a.due.isoformat()} {a.id} {a.action}" for a in open_[:NEXT_ACTIONS]]
    if len(open_) > NEXT_ACTIONS:
        acts.append(f"... and {len(open_) - NEXT_ACTIONS} more on the Actions sheet.")
    done = len(mine) - len(late) - len(open_)
    acts.append(f"Done so far: {done} of {len(mine)}.")
    return acts


def _anti_goal_lines(plan: Plan, report: StatusReport) -> list[str]:
    """Each anti-goal with its alternative, its rationale and its status."""
    anti = []
    for x in plan.anti_goals:
        xs = next((s for s in report.anti_goals if s.id == x.id), None)
        line = f"Avoid: {x.avoid}. Instead: {x.instead}."
        if x.rationale:
            line += f" Why: {x.rationale}"
        if xs is not None:
            line += f" ({xs.status})"
        anti.append(line)
    return anti or ["No anti-goals in this plan."]


def render_brief(plan: Plan, report: StatusReport, owner: Owner, fmt: Format = "md") -> str:
    """One owner's brief as Markdown or a self-contained HTML page."""
    sections = build_brief(plan, report, owner)
    if fmt == "html":
        return _html(plan, owner, sections)
    from .reports import markdown

    # Every line holds names and notes people typed: escaped, so the page
    # carries no HTML, link or image that backplan did not write.
    out = [f"# {markdown.inline(plan.title)}: {markdown.inline(owner.name)}'s part", ""]
    for title, lines in sections:
        out += [f"## {title}", ""]
        for line in lines:
            text = markdown.line(" ".join(line.split()))
            out.append(f"  {text}" if line.startswith("  ") else f"- {text}")
        out.append("")
    return "\n".join(out)


def _html(plan: Plan, owner: Owner, sections: list[tuple[str, list[str]]]) -> str:
    e = html.escape
    body = []
    for title, lines in sections:
        items = "".join(
            f'<li class="sub">{e(x.strip())}</li>' if x.startswith("  ") else f"<li>{e(x)}</li>"
            for x in lines
        )
        body.append(f"<h2>{e(title)}</h2><ul>{items}</ul>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(plan.title)}: {e(owner.name)}</title><style>"
        "body{font:15px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;color:#222}"
        "h1{font-size:1.5em;border-bottom:3px solid #1f4e79}h2{font-size:1.1em;color:#1f4e79}"
        "li.sub{list-style:none;margin-left:1em;color:#444}@media print{body{margin:0}}"
        f"</style></head><body><h1>{e(plan.title)}: {e(owner.name)}'s part</h1>"
        + "".join(body)
        + "</body></html>\n"
    )


def owner_file_name(owner: Owner, suffix: str) -> str:
    """A safe file name for one owner's brief or part (``dana-whitfield.md``)."""
    return owner_file_names([owner], suffix)[owner.id]


def owner_file_names(owners: Sequence[Owner], suffix: str) -> dict[str, str]:
    """Owner id → file name: Windows-safe and distinct (see :mod:`.filenames`)."""
    from .filenames import person_file_names

    return person_file_names(((o.id, o.name) for o in owners), suffix)


def today() -> date:
    """Today (one place to patch in tests)."""
    return date.today()
