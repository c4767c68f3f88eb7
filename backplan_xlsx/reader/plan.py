"""The plan as the visible sheets hold it now: goals, milestones, actions, owners, anti-goals.

The visible sheets, not the build record, are the truth: a manager who
moved a due date or raised a target on purpose gets statuses for the plan
as edited (``check`` says what changed). Rows are found by their ID, in any
order; values are parsed strictly and each bad cell is a located problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import cast

from .. import layout
from ..errors import Problem
from ..model import Action, AntiGoal, Cadence, DoneMark, Goal, Measure, Milestone, Owner
from .cells import RowReader, SkipRow
from .columns import Table, find_table
from .source import Source

_SHARE = re.compile(r"^(.+?)\s+share$", re.IGNORECASE)


@dataclass(slots=True)
class Recovered:
    """What the data sheets hold, before it becomes a :class:`~backplan_xlsx.model.Plan`."""

    goals: list[Goal] = field(default_factory=list)
    starts: list[date] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)
    anti_goals: list[AntiGoal] = field(default_factory=list)
    done: dict[str, DoneMark] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    reviews: dict[str, date] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)


def done_mark(raw: object, text: str) -> DoneMark:
    """A Done cell as typed: a checkbox's TRUE, a number or a date keep their
    type (each is a done mark by its own rule); text is kept trimmed."""
    if isinstance(raw, bool | int | float):
        return raw
    if isinstance(raw, datetime):
        return raw.date() if raw.time() == time(0, 0) else raw
    if isinstance(raw, date):
        return raw
    return text


def open_table(
    src: Source, spec: layout.SheetLayout, problems: list[Problem], *, required: bool = True
) -> Table | None:
    """Find a data sheet and its columns; a missing sheet is a problem naming it."""
    grid = src.grid(spec.name)
    if grid is None:
        if required:
            problems.append(
                Problem(
                    "missing-sheet",
                    "error",
                    f'has no "{spec.name}" sheet; rename it back to "{spec.name}" or copy it '
                    "from the original workbook",
                    file=src.name,
                    sheet=spec.name,
                )
            )
        return None
    return find_table(grid, spec, src.name, problems, spec.needed_keys)


def read_goals(src: Source, out: Recovered, start: date | None, problems: list[Problem]) -> None:
    """Goals: what each must reach by when, from which baseline.

    ``start`` is the plan start the build recorded, if any; otherwise each
    row's Start cell. A deadline not after the start is refused here, where
    its cell is known (the expected pace would divide by zero).
    """
    table = open_table(src, layout.GOALS_LAYOUT, problems)
    if table is None:
        return
    out.tables[layout.GOALS] = table
    cells = RowReader(table, src.name, problems, src.date1904)
    seen: set[str] = set()
    for r in table.data_rows():
        try:
            gid = cells.row_id(r, seen, "goal (G1, G2…)")
            target = cells.need_number(r, "target", "the target (a number)")
            deadline = cells.need_date(r, "deadline", "the deadline (YYYY-MM-DD)")
            baseline = cells.optional_number(r, "baseline", "the baseline (a number)", need=False)
            row_start = cells.optional_date(r, "start", "the plan's start date", need=False)
            measure = cells.text(r, "measure", "sum").casefold()
            if measure not in ("sum", "latest"):
                cells.report(
                    r,
                    "measure",
                    "bad-measure",
                    f'"{cells.text(r, "measure")}" is not a measure; type sum or latest '
                    "(read as sum meanwhile)",
                )
                measure = "sum"
            window_start = start or row_start
            if window_start is not None and deadline <= window_start:
                cells.report(
                    r,
                    "deadline",
                    "bad-window",
                    f"{gid}'s deadline {deadline} is not after the plan's start "
                    f"({window_start.isoformat()}); type a later deadline. The goal is left out",
                )
                raise SkipRow
        except SkipRow:
            continue
        if row_start is not None:
            out.starts.append(row_start)
        out.goals.append(
            Goal(
                id=gid,
                name=cells.text(r, "name", gid),
                metric=cells.text(r, "metric"),
                unit=cells.text(r, "unit"),
                baseline=baseline or 0.0,
                target=target,
                deadline=deadline,
                measure=cast(Measure, measure),
                why=cells.text(r, "why"),
                owner=cells.text(r, "owner"),
            )
        )


def read_milestones(
    src: Source, out: Recovered, start: date | None, problems: list[Problem]
) -> date | None:
    """Milestones: each goal's cumulative checkpoints, windows chained by due date.

    ``start`` is the plan start when known; otherwise the earliest window
    start (From) found here stands in for it, and is returned.
    """
    table = open_table(src, layout.MILESTONES_LAYOUT, problems)
    if table is None:
        return start
    out.tables[layout.MILESTONES] = table
    cells = RowReader(table, src.name, problems, src.date1904)
    goals = {g.id.casefold(): g for g in out.goals}
    seen: set[str] = set()
    found: list[tuple[int, str, Goal, date, float, date | None, float | None]] = []
    for r in table.data_rows():
        try:
            mid = cells.row_id(r, seen, "milestone (M1, M2…)")
            goal_text = cells.need_text(r, "goal", "the goal's ID (G1…)")
            goal = goals.get(goal_text.casefold())
            if goal is None:
                cells.report(
                    r,
                    "goal",
                    "unknown-goal",
                    f"{mid} belongs to goal {goal_text!r}, which is not on the Goals sheet; "
                    "type a goal ID from the Goals sheet",
                )
                continue
            due = cells.need_date(r, "due", "the due date (YYYY-MM-DD)")
            target = cells.need_number(r, "target", "the cumulative target (a number)")
            frm = cells.optional_date(r, "start", "the window's start date", need=False)
            start_value = cells.optional_number(r, "start_value", "the start value", need=False)
        except SkipRow:
            continue
        found.append((r, mid, goal, due, target, frm, start_value))
    if start is None:
        start = min((f[5] for f in found if f[5] is not None), default=None)
    if start is None:
        return None
    previous: dict[str, tuple[date, float]] = {}
    for r, mid, goal, due, target, frm, start_value in sorted(found, key=lambda f: f[3]):
        prev_due, prev_target = previous.get(goal.id, (start, goal.baseline))
        window_start = frm if frm is not None else prev_due
        if due <= window_start:
            cells.report(
                r,
                "due",
                "bad-window",
                f"{mid} is due {due.isoformat()}, not after its window starts "
                f"({window_start.isoformat()}); type a later due date",
            )
            continue
        previous[goal.id] = (due, target)
        out.milestones.append(
            Milestone(
                id=mid,
                goal=goal.id,
                name=cells.text(r, "name", mid),
                start=window_start,
                due=due,
                start_value=start_value if start_value is not None else prev_target,
                target=target,
                owner=cells.text(r, "owner"),
            )
        )
    position = {mid: i for i, (_, mid, *_rest) in enumerate(found)}
    out.milestones.sort(key=lambda m: position[m.id])
    return start


def read_actions(
    src: Source, out: Recovered, problems: list[Problem], *, inputs_only: bool = False
) -> None:
    """Actions: who does what by when, and the Done marks and notes typed beside them.

    With ``inputs_only``, only the ids, Done marks and notes are read: what a
    monthly import needs from every copy but one of a plan (the plan rows
    are the same in every copy, and reading them is most of the time).
    """
    table = open_table(src, layout.ACTIONS_LAYOUT, problems)
    if table is None:
        return
    out.tables[layout.ACTIONS] = table
    cells = RowReader(table, src.name, problems, src.date1904)
    milestones = {m.id.casefold(): m for m in out.milestones}
    goals = {g.id.casefold(): g.id for g in out.goals}
    seen: set[str] = set()
    # The biggest plan sheet: each row's texts are read in one call.
    if inputs_only:
        for r in table.data_rows():
            rid, done, note = table.texts(r, ("id", "done", "notes"))
            try:
                aid = cells.row_id(r, seen, "action (A1, A2…)", rid)
            except SkipRow:
                continue
            if done:
                out.done[aid] = done_mark(table.get(r, "done"), done)
            if note:
                out.notes[aid] = note
        return
    keys = ("id", "action", "owner", "milestone", "goal", "done", "notes")
    for r in table.data_rows():
        rid, action, owner, milestone_text, goal_text, done, note = table.texts(r, keys)
        try:
            aid = cells.row_id(r, seen, "action (A1, A2…)", rid)
            cells.need(r, "action", action, "what must be done")
            cells.need(r, "owner", owner, "the owner's name (from the Owners sheet)")
            due = cells.need_date(r, "due", "the due date (YYYY-MM-DD)")
        except SkipRow:
            continue
        milestone = milestones.get(milestone_text.casefold())
        goal = goals.get(goal_text.casefold(), milestone.goal if milestone else goal_text)
        out.actions.append(
            Action(
                id=aid,
                milestone=milestone.id if milestone else milestone_text,
                goal=goal,
                action=action,
                owner=owner,
                due=due,
            )
        )
        if done:
            out.done[aid] = done_mark(table.get(r, "done"), done)
        if note:
            out.notes[aid] = note


def read_owners(src: Source, out: Recovered, problems: list[Problem]) -> None:
    """Owners and their shares, from the ``<goal> share`` columns."""
    goal_ids = tuple(g.id for g in out.goals if g.measure == "sum")
    spec = layout.owners_layout(goal_ids)
    table = open_table(src, spec, problems)
    if table is None:
        return
    out.tables[layout.OWNERS] = table
    cells = RowReader(table, src.name, problems, src.date1904)
    by_fold = {g.id.casefold(): g.id for g in out.goals}
    share_keys = []
    for header in table.headers:
        m = _SHARE.match(header)
        if m and m.group(1).casefold() in by_fold:
            gid = by_fold[m.group(1).casefold()]
            table.columns.setdefault(f"{gid}:share", table.headers[header])
            share_keys.append((gid, f"{gid}:share"))
    seen: set[str] = set()
    for r in table.data_rows(("id", "name")):
        try:
            oid = cells.row_id(r, seen, "owner (O1, O2…)")
            name = cells.need_text(r, "name", "the owner's name")
        except SkipRow:
            continue
        shares = []
        for gid, key in share_keys:
            try:
                share = cells.optional_number(r, key, "the share (e.g. 25%)", need=False)
            except SkipRow:  # pragma: no cover - need=False never skips
                share = None
            if share:
                shares.append((gid, share))
        out.owners.append(
            Owner(
                id=oid,
                name=name,
                role=cells.text(r, "role"),
                email=cells.text(r, "email"),
                team=cells.text(r, "team"),
                shares=tuple(shares),
            )
        )


def read_anti_goals(src: Source, out: Recovered, problems: list[Problem]) -> None:
    """Anti-goals with their guardrails, and the review dates and feedback typed in."""
    table = open_table(src, layout.ANTI_GOALS_LAYOUT, problems, required=False)
    if table is None:
        return
    out.tables[layout.ANTI_GOALS] = table
    cells = RowReader(table, src.name, problems, src.date1904)
    seen: set[str] = set()
    for r in table.data_rows(("id", "avoid", "instead")):
        try:
            xid = cells.row_id(r, seen, "anti-goal (X1, X2…)")
            avoid = cells.need_text(r, "avoid", "what the team avoids")
            instead = cells.need_text(r, "instead", "what the team does instead")
            limit = cells.optional_number(r, "limit", "the limit (a number)", need=False)
            every = cells.optional_number(
                r, "review_every_days", "days between reviews", need=False
            )
            reviewed = cells.optional_date(
                r, "last_reviewed", "the review date (YYYY-MM-DD)", need=False
            )
        except SkipRow:
            continue
        direction = cells.text(r, "direction", "max").casefold()
        if direction not in ("max", "min"):
            cells.report(
                r,
                "direction",
                "bad-direction",
                f'"{cells.text(r, "direction")}" is not a direction; type max (stay at or below '
                "the limit) or min (stay at or above); read as max meanwhile",
            )
            direction = "max"
        days = 30
        if every is not None:
            if every >= 1 and every == int(every):
                days = int(every)
            else:
                cells.report(
                    r,
                    "review_every_days",
                    "bad-number",
                    f"{every:g} is not a whole number of days; type e.g. 30 (30 is used)",
                )
        out.anti_goals.append(
            AntiGoal(
                id=xid,
                avoid=avoid,
                instead=instead,
                rationale=cells.text(r, "rationale"),
                goal=cells.text(r, "goal"),
                owner=cells.text(r, "owner"),
                metric=cells.text(r, "metric"),
                limit=limit,
                direction="min" if direction == "min" else "max",
                review_every_days=days,
            )
        )
        if reviewed is not None:
            out.reviews[xid] = reviewed
        feedback = cells.text(r, "feedback")
        if feedback:
            out.feedback[xid] = feedback


def infer_cadence(milestones: list[Milestone], goal_id: str) -> Cadence:
    """weekly, monthly or quarterly from the spacing of a goal's milestones.

    The workbook does not hold the cadence; reports only use it to say
    "per month", so the typical gap between due dates is enough.
    """
    dues = sorted(m.due for m in milestones if m.goal == goal_id)
    gaps = [(b - a).days for a, b in zip(dues, dues[1:], strict=False)]
    if not gaps:
        return "monthly"
    gap = sorted(gaps)[len(gaps) // 2]  # the median, near enough (statistics costs 12 ms)
    if gap <= 10:
        return "weekly"
    if gap <= 45:
        return "monthly"
    return "quarterly"
