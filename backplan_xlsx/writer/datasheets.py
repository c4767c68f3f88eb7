"""The five data sheets: one table each, headers exactly as :mod:`layout` says.

Goals, Milestones, Actions, Owners and Anti-goals share one shape: a header
row, one row per plan item with plan values (locked), formulas (locked, with
the engine's value cached) and input cells (unlocked, yellow). Every row is
recorded for ``_backplan`` so later edits can be told from the plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from .. import layout, rules
from ..fingerprint import formulas_fingerprint, values_fingerprint
from ..layout import ACTION as A
from ..layout import ANTI_GOAL as X
from ..layout import GOAL as G
from ..layout import MILESTONE as M
from ..layout import OWNER as O
from ..layout import OWNER_PART as P
from ..model import Owner, Snapshot
from .book import Book, Cached, RowRecord, Sheet, absolute, goal_number_format, wraps
from .formulas import (
    action_formulas,
    anti_goal_formulas,
    goal_formulas,
    milestone_formulas,
    milestone_ranges,
    owner_formulas,
)

PROGRESS = rules.PROGRESS_STATUSES
#: Points per line of 10-point text.
LINE_HEIGHT = 13.0
#: Width of a column a user inserted (its own width is not read back).
USER_COLUMN_WIDTH = 16
#: Data validation bounds for typed dates.
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2100, 12, 31)


def open_table(book: Book, spec: layout.SheetLayout) -> Sheet:
    """Add the sheet with its header row, column widths and frozen header."""
    sheet = book.add_sheet(spec.name)
    head = book.styles.header()
    for i, col in enumerate(spec.columns):
        sheet.text(0, i, col.header, head)
        sheet.ws.set_column(i, i, col.width)
    sheet.ws.set_row(0, 30)
    sheet.ws.freeze_panes(1, 1)
    return sheet


def write_row(
    book: Book,
    sheet: Sheet,
    spec: layout.SheetLayout,
    row: int,
    rid: str,
    values: Mapping[str, object],
    formulas: Mapping[str, str],
    cached: Mapping[str, Cached],
    numbers: Mapping[str, str] | None = None,
) -> None:
    """Write one item at 0-based ``row``: values, formulas with cached values, inputs.

    ``numbers`` maps column keys to their display format (a goal's scale);
    ``""`` is the key for every number column not named.
    """
    plan_values: list[object] = []
    written: list[tuple[str, str]] = []
    formats = book.styles.row(spec, numbers or {})
    lines = 1
    for i, col in enumerate(spec.columns):
        fmt = formats[i]
        if col.key in formulas:
            sheet.formula(row, i, formulas[col.key], fmt, cached[col.key])
            written.append((col.key, formulas[col.key]))
            continue
        value = values.get(col.key)
        if isinstance(value, date) and col.fmt != layout.DATE:
            # A date typed into a text input (Done: the day it was done) stays a date.
            fmt = book.styles.column(replace(col, fmt=layout.DATE))
        sheet.value(row, i, value, fmt)
        if col.role != "input":
            plan_values.append(value)
        if isinstance(value, str) and wraps(col) and len(value) > col.width:
            lines = max(lines, wrapped_lines(value, col.width))
    if lines > 1:
        # Neither Excel nor LibreOffice grows a row for wrapped text on opening.
        sheet.ws.set_row(row, LINE_HEIGHT * lines + 3)
    book.records.append(
        RowRecord(
            spec.name,
            rid,
            row + 1,
            values_fingerprint(plan_values),
            formulas_fingerprint(f for _, f in written),
            tuple(k for k, _ in written),
        )
    )


def row_values(
    spec: layout.SheetLayout, item: object, snapshot: Snapshot, **hooks: object
) -> dict[str, object]:
    """The plan and input cells of one row, as the layout declares them.

    A plan (or id) column holds the model item's attribute of the same key;
    an input column holds what the snapshot's field (``Column.field``) has
    for the row's id. ``hooks`` give the few cells a sheet fills otherwise
    (the Goals sheet's Start is the plan's).
    """
    rid = str(getattr(item, layout.ID_KEY, ""))
    values: dict[str, object] = {}
    for col in spec.columns:
        if col.role in ("id", "plan"):
            values[col.key] = getattr(item, col.key, None)
        elif col.role == "input" and col.field:
            values[col.key] = getattr(snapshot, col.field).get(rid)
    values.update(hooks)
    return values


def cached_values(spec: layout.SheetLayout, status: object) -> dict[str, Cached]:
    """The engine's value for each formula column (the status item's attribute of that key)."""
    return {
        col.key: getattr(status, col.key)
        for col in spec.columns
        if col.role == "formula" and hasattr(status, col.key)
    }


def wrapped_lines(text: str, width: float) -> int:
    """About how many lines ``text`` takes in a wrapping column ``width`` characters wide."""
    per_line = max(width * 1.1, 1.0)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def finish_table(
    book: Book,
    sheet: Sheet,
    spec: layout.SheetLayout,
    n_rows: int,
    status_columns: Mapping[str, tuple[str, ...]],
) -> None:
    """Status colours, filter buttons, print setup and protection for a finished table."""
    last = max(n_rows, 1)
    for key, statuses in status_columns.items():
        sheet.status_colours(book.styles, 1, spec.index(key), last, statuses)
    rows = {rec.id: rec.row - 1 for rec in book.records if rec.sheet == spec.name}
    added = write_user_columns(book, sheet, spec, lambda values: _by_row(values, rows))
    sheet.ws.autofilter(0, 0, last, len(spec.columns) + added - 1)
    sheet.print_setup(book.snapshot.plan.title)
    sheet.protect()


def _by_row(
    values: tuple[tuple[str, object], ...], rows: Mapping[str, int]
) -> list[tuple[int, object]]:
    return [(rows[rid], v) for rid, v in values if rid in rows]


def write_user_columns(
    book: Book,
    sheet: Sheet,
    spec: layout.SheetLayout,
    placed: Callable[[tuple[tuple[str, object], ...]], list[tuple[int, object]]],
) -> int:
    """Columns users inserted, after the contract's (whose letters formulas use); unlocked.

    ``placed`` turns a column's (row id, value) pairs into (0-based row, value).
    Returns how many columns were written.
    """
    mine = [u for u in book.snapshot.user_columns if u.sheet == spec.name]
    head = book.styles.header()
    for j, user in enumerate(mine):
        col = len(spec.columns) + j
        fmt = book.styles.column(layout.Column(user.header, f"user:{j}", role="input"))
        sheet.ws.set_column(col, col, USER_COLUMN_WIDTH, fmt)
        sheet.text(0, col, user.header, head)
        for row, value in placed(user.values):
            sheet.value(row, col, value, fmt)
    return len(mine)


def validation_options(col: layout.Column, source: str = "") -> dict[str, Any]:
    """XlsxWriter's options for a column's declared validation and what its cells say.

    A dropdown lists the column's fixed choices, or ``source`` (a range on
    another sheet, given by the writer of that sheet).
    """
    prompt = col.prompt or layout.DATE_PROMPT
    options: dict[str, Any] = {"validate": col.validation}
    if col.validation == "date":
        options.update(criteria="between", minimum=FIRST_DATE, maximum=LAST_DATE)
    elif col.validation == "decimal":
        options.update(criteria="between", minimum=prompt.minimum, maximum=prompt.maximum)
    else:
        options["source"] = source or list(prompt.choices)
    options.update(
        input_title=prompt.title or col.header,
        input_message=prompt.message,
        error_title=prompt.error_title,
        error_message=prompt.error_message,
        error_type="stop" if prompt.stop else "warning",
    )
    return options


def validate_column(
    sheet: Sheet, spec: layout.SheetLayout, col: layout.Column, rows: int, source: str = ""
) -> None:
    """A column's declared validation on its first ``rows`` data rows."""
    i = spec.index(col)
    if sheet.ws.data_validation(1, i, rows, i, validation_options(col, source)) != 0:
        sheet.check(-1, 1, i, f"the {col.header} column's validation")


def date_validation(sheet: Sheet, first: int, col: int, last: int, what: str) -> None:
    """Only dates in a date cell outside the tables (the As-of date), with a typing hint."""
    options = validation_options(layout.Column(what, "", validation="date"))
    if sheet.ws.data_validation(first, col, last, col, options) != 0:
        sheet.check(-1, first, col, "a date validation")


def write_goals(book: Book) -> None:
    """The Goals sheet: each goal over its whole window, with the long-term view."""
    plan, report = book.snapshot.plan, book.report
    spec = layout.GOALS_LAYOUT
    sheet = open_table(book, spec)
    paths = milestone_ranges(plan)
    shares = share_cells(book)
    for k, (goal, st) in enumerate(zip(plan.goals, report.goals, strict=True)):
        row = k + 1
        book.goal_rows[goal.id] = row + 1
        values = row_values(spec, goal, book.snapshot, **{G.start.key: plan.start})
        cached = cached_values(spec, st)
        formulas = goal_formulas(goal, row + 1, paths, shares.get(goal.id))
        numbers = {"": goal_number_format(goal)}
        write_row(book, sheet, spec, row, goal.id, values, formulas, cached, numbers)
    finish_table(book, sheet, spec, len(plan.goals), {G.status.key: PROGRESS})


def write_milestones(book: Book) -> None:
    """The Milestones sheet: cumulative checkpoints, each judged over its own window."""
    plan, report = book.snapshot.plan, book.report
    spec = layout.MILESTONES_LAYOUT
    sheet = open_table(book, spec)
    goals = {g.id: g for g in plan.goals}
    shares = share_cells(book)
    for k, (m, st) in enumerate(zip(plan.milestones, report.milestones, strict=True)):
        row = k + 1
        values = row_values(spec, m, book.snapshot)
        share = shares.get(m.goal)
        formulas = milestone_formulas(goals[m.goal], book.goal_rows[m.goal], row + 1, share)
        cached = cached_values(spec, st)
        numbers = {"": goal_number_format(goals[m.goal])}
        write_row(book, sheet, spec, row, m.id, values, formulas, cached, numbers)
    finish_table(book, sheet, spec, len(plan.milestones), {M.status.key: PROGRESS})


def write_actions(book: Book) -> None:
    """The Actions sheet: who does what by when; Done and Notes are what people type."""
    plan, report = book.snapshot.plan, book.report
    spec = layout.ACTIONS_LAYOUT
    sheet = open_table(book, spec)
    for k, (a, st) in enumerate(zip(plan.actions, report.actions, strict=True)):
        row = k + 1
        values = row_values(spec, a, book.snapshot)
        write_row(
            book, sheet, spec, row, a.id, values, action_formulas(row + 1), cached_values(spec, st)
        )
    for col in spec.validated:
        validate_column(sheet, spec, col, max(len(plan.actions), 1))
    finish_table(book, sheet, spec, len(plan.actions), {A.status.key: rules.ACTION_STATUSES})


def share_cells(book: Book) -> dict[str, str]:
    """Goal id → the part owner's Share cell, for the goals a part judges on a share.

    Empty for a whole plan. A part's goal and milestone rows expect the
    owner's part of each target (:func:`backplan_xlsx.parts.part_view`),
    as ``status`` judges the part, by reference to that one cell.
    """
    from ..parts import part_owner, part_shares

    plan = book.snapshot.plan
    owner = part_owner(plan)
    if owner is None:
        return {}
    spec = owners_layout(book)
    row = plan.owners.index(owner) + 2
    return {
        gid: absolute(layout.OWNERS, spec.letter(P.share.key(gid)), row)
        for gid in part_shares(plan)
    }


def owners_layout(book: Book) -> layout.SheetLayout:
    """The Owners layout for this plan: a part per ``sum`` goal (readings do not split)."""
    plan = book.snapshot.plan
    return layout.owners_layout(tuple(g.id for g in plan.goals if g.measure == "sum"))


def write_owners(book: Book) -> None:
    """The Owners sheet: each person's share of each ``sum`` goal, and their worst part."""
    plan, report = book.snapshot.plan, book.report
    spec = owners_layout(book)
    sheet = open_table(book, spec)
    idx = rules.CheckInIndex(book.snapshot.check_ins)
    on_share = share_cells(book)  # a part's goals that already expect the owner's share
    for k, (o, st) in enumerate(zip(plan.owners, report.owners, strict=True)):
        row = k + 1
        values = row_values(spec, o, book.snapshot)
        cached = cached_values(spec, st)
        numbers: dict[str, str] = {}
        for part in st.parts:
            fmt = goal_number_format(plan.goal(part.goal))
            for figure in (P.target, P.actual, P.expected):
                numbers[figure.key(part.goal)] = fmt
            values[P.share.key(part.goal)] = o.share_of(part.goal)  # a part's report says 1
            for each in (P.target, P.actual, P.expected, P.status):
                cached[each.key(part.goal)] = getattr(part, each.label)
        _unshared(book, o, values, cached, numbers, idx)
        formulas = owner_formulas(plan, spec, o, row + 1, book.goal_rows, on_share)
        write_row(book, sheet, spec, row, o.id, values, formulas, cached, numbers)
    status_keys = {O.status.key} | {P.status.key(g.id) for g in plan.goals}
    statuses = {c.key: PROGRESS for c in spec.columns if c.key in status_keys}
    finish_table(book, sheet, spec, len(plan.owners), statuses)


def _unshared(
    book: Book,
    owner: Owner,
    values: dict[str, Any],
    cached: dict[str, Cached],
    numbers: dict[str, str],
    idx: rules.CheckInIndex,
) -> None:
    """The cells of the ``sum`` goals an owner has no share of: figures, and no status.

    The report has no part for them (they are not judged on it), but the
    row's formulas still compute their own check-ins, so cache those.
    """
    plan = book.snapshot.plan
    for g in plan.goals:
        if g.measure != "sum" or owner.share_of(g.id) > 0:
            continue
        fmt = goal_number_format(g)
        for figure in (P.target, P.actual, P.expected):
            numbers[figure.key(g.id)] = fmt
        values[P.share.key(g.id)] = 0.0
        until = min(book.as_of, g.deadline)
        cached[P.target.key(g.id)] = 0.0
        cached[P.actual.key(g.id)] = idx.actual("sum", 0.0, until, g.id, owner=owner.name)
        cached[P.expected.key(g.id)] = 0.0
        cached[P.status.key(g.id)] = ""


def write_anti_goals(book: Book) -> None:
    """The Anti-goals sheet: guardrails, with Last reviewed and Feedback to fill in."""
    snap = book.snapshot
    plan, report = snap.plan, book.report
    spec = layout.ANTI_GOALS_LAYOUT
    sheet = open_table(book, spec)
    for k, (x, st) in enumerate(zip(plan.anti_goals, report.anti_goals, strict=True)):
        row = k + 1
        values = row_values(spec, x, snap)
        cached = cached_values(spec, st)
        write_row(book, sheet, spec, row, x.id, values, anti_goal_formulas(plan, row + 1), cached)
    for col in spec.validated:
        validate_column(sheet, spec, col, max(len(plan.anti_goals), 1))
    finish_table(book, sheet, spec, len(plan.anti_goals), {X.status.key: rules.ANTI_GOAL_STATUSES})
