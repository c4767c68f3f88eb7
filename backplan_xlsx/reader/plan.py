"""The plan as the visible sheets hold it now: goals, milestones, actions, owners, anti-goals.

The visible sheets, not the build record, are the truth: a manager who
moved a due date or raised a target on purpose gets statuses for the plan
as edited (``check`` says what changed). Rows are found by their ID, in any
order; values are parsed strictly and each bad cell is a located problem.
Every sheet is read by the one loop of :mod:`.fields`, driven by the
layout; what is here is each sheet's hook: the model object a row makes,
and the checks that span cells.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import layout
from ..errors import Problem
from ..layout import ACTION as A
from ..layout import GOAL as G
from ..layout import MILESTONE as M
from ..model import Action, AntiGoal, Cadence, Goal, Milestone, Owner
from .cells import RowReader, SkipRow
from .columns import HEADER_SEARCH_ROWS, Table, find_table, fold
from .fields import Row, RowParser, model_values
from .idless import report_rows_without_id
from .source import Grid, Source


@dataclass(slots=True)
class Recovered:
    """What the data sheets hold, before it becomes a :class:`~backplan_xlsx.model.Plan`.

    ``inputs`` holds what people typed beside each row, by the Snapshot
    field its column names (``done``, ``notes``, ``reviews``, ``feedback``)
    and then by row id.
    """

    goals: list[Goal] = field(default_factory=list)
    starts: list[date] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)
    anti_goals: list[AntiGoal] = field(default_factory=list)
    inputs: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {col.field: {} for _, col in layout.row_inputs()}
    )
    tables: dict[str, Table] = field(default_factory=dict)
    #: Sheet → the row ids the build record lists (``Identity.recorded``).
    recorded: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Sheet → the ids of the rows read (case folded), to tell the record's deleted rows.
    kept: dict[str, set[str]] = field(default_factory=dict)


def open_table(
    src: Source,
    spec: layout.SheetLayout,
    problems: list[Problem],
    *,
    required: bool = True,
    recorded: Mapping[str, tuple[str, ...]] | None = None,
) -> Table | None:
    """Find a data sheet and its columns; a missing sheet is a problem naming it.

    A sheet the build record lists rows for, and that no sheet is named
    like, is looked for by its header row (a renamed sheet, read with a
    warning saying so); when none is found it is an error, however
    optional the sheet, because every rewrite would drop its rows.
    """
    grid = src.grid(spec.name)
    listed = bool(recorded and recorded.get(spec.name))
    if grid is None and listed:
        grid = renamed_sheet(src, spec, problems)
    if grid is None:
        if required or listed:
            rows = (
                f" (the build record lists {len(recorded[spec.name])} rows for it)"
                if (recorded and listed)
                else ""
            )
            problems.append(
                Problem(
                    "missing-sheet",
                    "error",
                    f'has no "{spec.name}" sheet{rows}; rename it back to "{spec.name}" or copy '
                    "it from the original workbook. Nothing is rewritten from this file until then",
                    file=src.name,
                    sheet=spec.name,
                )
            )
        return None
    return find_table(grid, spec, src.name, problems, spec.needed_keys)


def renamed_sheet(src: Source, spec: layout.SheetLayout, problems: list[Problem]) -> Grid | None:
    """The one sheet not named as any backplan sheet whose header row fits ``spec``, or None.

    A sheet fits when one of its first rows holds every header the layout
    requires, and no recorded layout requiring more of those headers fits
    it better (an Actions sheet holds the Owners sheet's headers too).
    """
    layouts = {s.name: s for s in _recorded_layouts()}
    known = {src.find_sheet(name) for name in layout.SHEET_ORDER}
    found: list[Grid] = []
    for name in src.sheet_names:
        if name in known:
            continue
        grid = src.grid(name)
        fits = [s for s in layouts.values() if grid is not None and _fits(grid, s)]
        best = max(fits, key=lambda s: len(s.required_headers), default=None)
        if grid is not None and best is not None and best.name == spec.name:
            found.append(grid)
    if len(found) != 1:
        return None
    grid = found[0]
    problems.append(
        Problem(
            "renamed-sheet",
            "warning",
            f"the {spec.name} sheet is named {grid.name!r}; it is read, but rename it back to "
            f'"{spec.name}" (the workbook\'s formulas and other programs look for that name)',
            file=src.name,
            sheet=grid.name,
        )
    )
    return grid


def _recorded_layouts() -> tuple[layout.SheetLayout, ...]:
    return tuple(
        layout.DATA_LAYOUTS.get(name) or layout.owners_layout(()) for name in layout.RECORDED_SHEETS
    )


def _fits(grid: Grid, spec: layout.SheetLayout) -> bool:
    wanted = {fold(h) for h in spec.required_headers}
    return any(
        wanted <= {fold(v) for v in grid.rows[r]}
        for r in range(min(HEADER_SEARCH_ROWS, len(grid.rows)))
    )


#: A sheet's hook: turns one parsed row into model objects; False leaves the row out.
Hook = Callable[[Row, RowReader], bool]


def read_sheet(
    src: Source,
    spec: layout.SheetLayout,
    out: Recovered,
    problems: list[Problem],
    hook: Hook | None,
    *,
    required: bool = True,
    widen: Callable[[Table], layout.SheetLayout] | None = None,
    refs: Callable[[Row, RowReader], None] | None = None,
) -> Table | None:
    """The one loop: every row of a data sheet parsed by its layout, then given to ``hook``.

    The inputs of every row the hook keeps are filed by row id (with no
    hook only the ID and the inputs are read); rows without an ID are
    judged by :mod:`.idless`. ``widen`` gives the layout
    to parse with once the table is found (the Owners sheet's share
    columns are whatever goals its headers name); ``refs`` checks what a
    row refers to before its numbers and dates are read (see
    :meth:`~.fields.RowParser.rows`).
    """
    table = open_table(src, spec, problems, required=required, recorded=out.recorded)
    if table is None:
        return None
    out.tables[spec.name] = table
    cells = RowReader(table, src.name, problems, src.date1904)
    parser = RowParser(widen(table) if widen else spec, cells, inputs_only=hook is None)
    check = None if refs is None else (lambda row: refs(row, cells))
    kept = out.kept.setdefault(spec.name, set())
    for row in parser.rows(check):
        if hook is None or hook(row, cells):
            parser.keep_inputs(row, out.inputs)
            kept.add(row.id.casefold())
    report_rows_without_id(parser.spec, cells)
    return table


def read_goals(src: Source, out: Recovered, start: date | None, problems: list[Problem]) -> None:
    """Goals: what each must reach by when, from which baseline.

    ``start`` is the plan start the build recorded, if any; otherwise each
    row's Start cell. A deadline not after the start is refused here, where
    its cell is known (the expected pace would divide by zero).
    """

    def goal(row: Row, cells: RowReader) -> bool:
        v = row.values
        deadline, row_start = v[G.deadline.key], v[G.start.key]
        window_start = start or row_start
        if window_start is not None and deadline <= window_start:
            cells.report(
                row.index,
                G.deadline.key,
                "bad-window",
                f"{row.id}'s deadline {deadline} is not after the plan's start "
                f"({window_start.isoformat()}); type a later deadline. The goal is left out",
            )
            return False
        if row_start is not None:
            out.starts.append(row_start)
        v[G.name.key] = v[G.name.key] or row.id
        v[G.baseline.key] = v[G.baseline.key] or 0.0
        out.goals.append(Goal(**model_values(Goal, v)))
        return True

    read_sheet(src, layout.GOALS_LAYOUT, out, problems, goal)


def read_milestones(
    src: Source, out: Recovered, start: date | None, problems: list[Problem]
) -> date | None:
    """Milestones: each goal's cumulative checkpoints, windows chained by due date.

    ``start`` is the plan start when known; otherwise the earliest window
    start (From) found here stands in for it, and is returned.
    """
    goals = {g.id.casefold(): g for g in out.goals}
    found: list[tuple[Row, Goal]] = []

    def known_goal(row: Row, cells: RowReader) -> None:
        goal_text = row.values[M.goal.key]
        if goal_text.casefold() not in goals:
            cells.report(
                row.index,
                M.goal.key,
                "unknown-goal",
                f"{row.id} belongs to goal {goal_text!r}, which is not on the Goals sheet; "
                "type a goal ID from the Goals sheet",
            )
            raise SkipRow

    def milestone(row: Row, _cells: RowReader) -> bool:
        found.append((row, goals[row.values[M.goal.key].casefold()]))
        return True

    table = read_sheet(src, layout.MILESTONES_LAYOUT, out, problems, milestone, refs=known_goal)
    if table is None:
        return start
    if start is None:
        starts = (row.values[M.start.key] for row, _ in found)
        start = min((s for s in starts if s is not None), default=None)
    if start is None:
        return None
    _chain_windows(found, start, out, RowReader(table, src.name, problems, src.date1904))
    return start


def _chain_windows(
    found: list[tuple[Row, Goal]], start: date, out: Recovered, cells: RowReader
) -> None:
    """Each milestone's window starts where the previous one of its goal ends (or at From)."""
    previous: dict[str, tuple[date, float]] = {}
    kept: list[tuple[Row, Milestone]] = []
    for row, goal in sorted(found, key=lambda f: f[0].values[M.due.key]):
        v = row.values
        prev_due, prev_target = previous.get(goal.id, (start, goal.baseline))
        due = v[M.due.key]
        window_start = v[M.start.key] if v[M.start.key] is not None else prev_due
        if due <= window_start:
            cells.report(
                row.index,
                M.due.key,
                "bad-window",
                f"{row.id} is due {due.isoformat()}, not after its window starts "
                f"({window_start.isoformat()}); type a later due date",
            )
            continue
        previous[goal.id] = (due, v[M.target.key])
        v[M.goal.key] = goal.id
        v[M.name.key] = v[M.name.key] or row.id
        v[M.start.key] = window_start
        if v[M.start_value.key] is None:
            v[M.start_value.key] = prev_target
        kept.append((row, Milestone(**model_values(Milestone, v))))
    out.milestones.extend(m for _, m in sorted(kept, key=lambda k: k[0].index))


def read_actions(
    src: Source, out: Recovered, problems: list[Problem], *, inputs_only: bool = False
) -> None:
    """Actions: who does what by when, and the Done marks and notes typed beside them.

    With ``inputs_only``, only the ids, Done marks and notes are read: what a
    monthly import needs from every copy but one of a plan (the plan rows
    are the same in every copy, and reading them is most of the time).
    """
    milestones = {m.id.casefold(): m for m in out.milestones}
    goals = {g.id.casefold(): g.id for g in out.goals}

    def action(row: Row, _cells: RowReader) -> bool:
        v = row.values
        milestone_text, goal_text = v[A.milestone.key], v[A.goal.key]
        milestone = milestones.get(milestone_text.casefold())
        fallback = milestone.goal if milestone else goal_text
        v[A.goal.key] = goals.get(goal_text.casefold(), fallback)
        v[A.milestone.key] = milestone.id if milestone else milestone_text
        out.actions.append(Action(**model_values(Action, v)))
        return True

    read_sheet(src, layout.ACTIONS_LAYOUT, out, problems, None if inputs_only else action)


def read_owners(src: Source, out: Recovered, problems: list[Problem]) -> None:
    """Owners and their shares, from the ``<goal> share`` columns (any goal the sheet names)."""
    spec = layout.owners_layout(tuple(g.id for g in out.goals if g.measure == "sum"))
    by_fold = {g.id.casefold(): g.id for g in out.goals}
    shares: list[tuple[str, str]] = []

    def widen(table: Table) -> layout.SheetLayout:
        found = []
        for header, c in table.headers.items():
            share = layout.share_column(header, by_fold)
            if share is not None:
                gid, col = share
                table.columns.setdefault(col.key, c)
                found.append(col)
                shares.append((gid, col.key))
        return layout.SheetLayout(spec.name, (*layout.OWNERS_FIXED, *found), spec.row_keys)

    def owner(row: Row, _cells: RowReader) -> bool:
        v = row.values
        got = tuple((gid, v[key]) for gid, key in shares if v[key])
        out.owners.append(Owner(**model_values(Owner, v), shares=got))
        return True

    read_sheet(src, spec, out, problems, owner, widen=widen)


def read_anti_goals(src: Source, out: Recovered, problems: list[Problem]) -> None:
    """Anti-goals with their guardrails, and the review dates and feedback typed in."""

    def anti_goal(row: Row, _cells: RowReader) -> bool:
        out.anti_goals.append(AntiGoal(**model_values(AntiGoal, row.values)))
        return True

    read_sheet(src, layout.ANTI_GOALS_LAYOUT, out, problems, anti_goal, required=False)


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
