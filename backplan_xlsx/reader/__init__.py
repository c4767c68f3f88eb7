"""Read a returned workbook back, whatever happened to it on the way.

``read_workbook(path) -> Snapshot``: the plan as the visible sheets hold it,
every check-in, the Done marks, reviews and feedback, the AsOf date if one
was typed, and ``problems`` for everything that could not be read. Cached
formula values are never used: statuses come from
:func:`backplan_xlsx.engine.evaluate`, because a file re-saved by a program
that does not recalculate carries stale numbers.

The modules: :mod:`.source` opens the file (the one place library errors
become :class:`~backplan_xlsx.errors.WorkbookReadError`), :mod:`.metadata`
reads what calamine cannot see (defined names, properties), :mod:`.columns`
finds columns by header, :mod:`.identity` says which plan it is and reads
the Start sheet's settings, :mod:`.plan` and :mod:`.checkins` read the
data sheets. ``check`` uses :func:`read_details` to see the build record too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import layout, layout_meta
from ..asbuilt import decode_cells
from ..errors import Problem, WorkbookReadError
from ..goalsettings import GoalSettings
from ..model import Goal, Plan, Snapshot
from ..parts import decode_owners
from ..rules.words import as_of_for as as_of_for  # re-exported: the one as-of rule
from .checkins import read_check_ins
from .columns import Table
from .identity import Identity, read_as_of, read_goal_settings, read_identity, read_thresholds
from .plan import (
    Recovered,
    infer_cadence,
    read_actions,
    read_anti_goals,
    read_goals,
    read_milestones,
    read_owners,
)
from .source import Source, open_source
from .usercols import read_user_columns

__all__ = ["WorkbookDetails", "read_details", "read_workbook"]


@dataclass(slots=True)
class WorkbookDetails:
    """A read workbook with what ``check`` needs beyond the snapshot."""

    source: Source
    identity: Identity
    tables: dict[str, Table]
    snapshot: Snapshot


def read_workbook(path: str | Path, *, inputs_only: bool = False) -> Snapshot:
    """Read a plan workbook (.xlsx or .ods) into a :class:`Snapshot`.

    Args:
        path: the workbook, as built by backplan and edited by anyone.
        inputs_only: read what people type (check-ins, Done marks, notes,
            reviews) and the plan without its actions, which are the same in
            every copy: the monthly import reads one copy of each plan whole.
            A part (from ``split``) is read whole all the same: its rows are
            its own, and reading them now spares the import a second pass.

    Returns:
        The plan as its sheets hold it now, what people typed, and
        ``problems``: each with file, sheet, cell and what to do.

    Raises:
        WorkbookReadError: the file cannot be opened, or holds no readable
            goal; the message names the file.
    """
    details = read_details(path, inputs_only=inputs_only)
    ensure_check_ins_readable(details)
    ensure_sheets_readable(details)
    return details.snapshot


def read_details(
    path: str | Path, *, with_record: bool = False, inputs_only: bool = False
) -> WorkbookDetails:
    """Like :func:`read_workbook`, keeping the source, identity (and build record) and tables.

    Unlike :func:`read_workbook` it returns a workbook whose Check-ins sheet
    cannot be read (``check`` reports that as a problem among the others).
    """
    src = open_source(path)
    try:
        return _read(src, str(path), with_record, inputs_only)
    finally:
        src.close()


def ensure_check_ins_readable(details: WorkbookDetails) -> None:
    """Refuse a workbook whose Check-ins sheet or its Date, Goal or Value column is gone.

    Without them every figure would be the baseline and every rewrite (merge,
    replan, build --keep) would drop the readings people typed: so the file
    is unreadable, never "0 check-ins".

    Raises:
        WorkbookReadError: naming the sheet (and any sheet that looks renamed).
    """
    if layout.CHECK_INS in details.tables:
        return
    src = details.source
    why = [p for p in details.snapshot.problems if p.sheet == layout.CHECK_INS]
    detail = "; ".join(p.message for p in why) or f'has no readable "{layout.CHECK_INS}" sheet'
    renamed = [n for n in src.sheet_names if n != layout.CHECK_INS and "check" in n.casefold()]
    hint = f' (is "{renamed[0]}" the Check-ins sheet renamed?)' if renamed else ""
    raise WorkbookReadError(
        f"{src.name}, {layout.CHECK_INS}: the check-ins cannot be read: {detail}{hint}. "
        "Nothing can be judged or rewritten from this file until it is fixed"
    )


def ensure_sheets_readable(details: WorkbookDetails) -> None:
    """Refuse a workbook missing a data sheet the build record lists rows for.

    Its rows would read as none: status would judge a plan without them and
    every rewrite would write them out empty (a renamed sheet that can be
    told by its header row is read instead, with a warning).

    Raises:
        WorkbookReadError: naming the file and each missing sheet.
    """
    gone = [
        p
        for p in details.snapshot.problems
        if p.code == "missing-sheet" and p.severity == "error" and p.sheet != layout.CHECK_INS
    ]
    if gone:
        raise WorkbookReadError(
            "\n".join(f"{details.source.name}, {p.sheet}: {p.message}" for p in gone)
        )


def _missing_rows(identity: Identity, out: Recovered, plan: Plan) -> tuple[tuple[str, str], ...]:
    """(sheet, id) of each recorded row of a sheet that was read but no longer holds it."""
    missing = []
    for sheet, attr in layout_meta.RECORDED_ROWS.items():
        if sheet not in out.tables:
            continue  # a missing sheet is a problem of its own
        rows = getattr(plan, attr)
        held = {r.id.casefold() for r in rows} if rows else out.kept.get(sheet, set())
        missing += [
            (sheet, rid) for rid in identity.recorded.get(sheet, ()) if rid.casefold() not in held
        ]
    return tuple(missing)


def _read(src: Source, file: str, with_record: bool, inputs_only: bool = False) -> WorkbookDetails:
    problems: list[Problem] = []
    identity = read_identity(src, problems, with_record=with_record)
    out = Recovered(recorded=identity.recorded)
    read_goals(src, out, identity.start, problems)
    if not out.goals:
        raise WorkbookReadError(
            f"{src.name}: no goal could be read from the Goals sheet, so there is no plan to "
            "report on; fix the problems below or use the workbook backplan built",
            tuple(problems),
        )
    start = identity.start or (min(out.starts) if out.starts else None)
    start = read_milestones(src, out, start, problems)
    if start is None:
        raise WorkbookReadError(
            f'{src.name}: cannot tell when the plan starts (no "Start" on the Goals sheet, no '
            f'"From" on the Milestones sheet); restore the Goals sheet\'s Start column',
            tuple(problems),
        )
    goals = _planned_goals(out, start, read_goal_settings(src, identity, problems))
    kept = {g.id for g in goals}
    out.milestones = [m for m in out.milestones if m.goal in kept]
    read_actions(src, out, problems, inputs_only=inputs_only and not identity.part)
    read_owners(src, out, problems)
    read_anti_goals(src, out, problems)
    out.goals = goals
    check_ins = read_check_ins(src, out, start, problems)
    user_columns, check_ins = read_user_columns(out.tables, check_ins)
    thresholds = read_thresholds(src, problems)
    as_of = read_as_of(src, identity, problems)
    plan = Plan(
        id=identity.plan_id,
        title=identity.title,
        start=start,
        goals=tuple(goals),
        owners=tuple(out.owners),
        anti_goals=tuple(out.anti_goals),
        milestones=tuple(out.milestones),
        actions=tuple(out.actions),
        thresholds=thresholds,
        version=identity.version,
        part=identity.part,
        plan_owners=decode_owners(identity.plan_owners) if identity.part else (),
        used_ids=identity.used_ids,
    )
    snapshot = Snapshot(
        plan=plan,
        check_ins=check_ins,
        as_of=as_of,
        file=file,
        problems=tuple(problems),
        built_inputs=identity.inputs,
        built_cells=decode_cells(identity.input_cells),
        user_columns=user_columns,
        missing_rows=_missing_rows(identity, out, plan),
        **out.inputs,  # Done, Notes, Last reviewed, Feedback…: each input column's field
    )
    return WorkbookDetails(src, identity, out.tables, snapshot)


def _planned_goals(out: Recovered, start: date, settings: Mapping[str, GoalSettings]) -> list[Goal]:
    """The goals still ahead of the start, with their cadence and recorded curve and funnel.

    The cadence is read off the milestones' spacing; the curve and funnel are
    not on the sheets, so they come from ``_backplan`` (as read when none is).
    """
    goals = []
    for g in out.goals:
        if g.deadline <= start:
            continue
        g = dataclasses.replace(g, cadence=infer_cadence(out.milestones, g.id))
        found = settings.get(g.id)
        if found is not None:
            g = dataclasses.replace(g, curve=found.curve, funnel=found.funnel)
        goals.append(g)
    return goals
