"""The Start sheet: what the plan is, how to fill it in, and its settings.

It is the first thing a manager sees, so it reads top to bottom: the title,
why the plan exists, the settings (the named cells ``AsOf``, ``OnTrackRatio``
and ``AtRiskRatio``, the only inputs here), how to fill the workbook in, each
goal in one sentence, the anti-goals with what to do instead, and a legend
whose colours are the ones the status columns use.
"""

from __future__ import annotations

import math
from typing import Any

from .. import layout, layout_meta, rules
from ..model import Goal, Plan
from .book import (
    GREY,
    INPUT_FILL,
    MUTED_FONT,
    STATUS_COLOURS,
    Book,
    Sheet,
    absolute,
    goal_number_format,
)
from .checkins import IDS_COLUMN

#: Column widths A..E; text blocks span B..E (or A..E).
WIDTHS = (20, 14, 40, 40, 40)
LAST_COL = len(WIDTHS) - 1

STEPS = (
    (
        "Check-ins",
        "Record progress as rows on the Check-ins sheet: the date, the goal id (or anti-goal "
        "id X…), the owner and the value. For a goal measured as a sum, the value is what was "
        "added since the last check-in; for a goal measured by its latest reading, and for an "
        "anti-goal, it is the reading itself. Add rows below the last one whenever you need: "
        "they all count. Ref holds the CRM deal id of rows added by `backplan import`: leave "
        "it as it is, so the next import adds each deal once.",
    ),
    (
        layout.ACTION.done.header,
        "On the Actions sheet, pick Yes (or \u2713) in the Done column when an action is "
        "done; x, done, TRUE, a ticked checkbox, 1 or the date it was done count too. "
        "Until then leave the cell empty; to undo, clear it (anything else, No included, "
        "counts as not done, and backplan check names it). "
        "Actions marked Catch-up were due before the plan started: they are due halfway to "
        "their milestone instead.",
    ),
    (
        layout.ANTI_GOAL.last_reviewed.header,
        "When the team reviews an anti-goal, type the date under Last reviewed on the Anti-goals "
        "sheet, and note what people said under Feedback.",
    ),
    (
        "As-of date",
        "Everything is judged as of the As-of date above. It holds =TODAY(); type a date "
        "there to see the plan as it stood on that day.",
    ),
    (
        "Yellow cells",
        "Yellow cells are yours to fill in. The rest is the plan and its formulas, locked "
        "against slips (Review > Unprotect sheet, no password, if you must).",
    ),
)

LEGEND = (
    (rules.DONE, "Target reached (goals, milestones, owners), or marked done (actions)."),
    (
        rules.ON_TRACK,
        "Progress from the baseline (up, or down for goals like sales-cycle days) at or above "
        "the on-track ratio of its plan path.",
    ),
    (rules.OK, "Anti-goal within its limit and reviewed on time."),
    (rules.AT_RISK, "Between the at-risk and the on-track ratio of the expected progress."),
    (rules.WARNING, "Anti-goal's latest reading within 10% of its limit."),
    (rules.REVIEW_OVERDUE, "Anti-goal not reviewed within its review cadence."),
    (rules.OFF_TRACK, "Below the at-risk ratio of the expected progress."),
    (rules.MISSED, "The due date passed before the target was reached."),
    (rules.OVERDUE, "Action past its due date and not marked done."),
    (rules.BREACHED, "Anti-goal's latest reading crossed its limit."),
    (rules.NOT_STARTED, "The window has not begun yet."),
    (rules.OPEN, "Action not done yet, before its due date."),
    (rules.NO_DATA, "Anti-goal with a limit but no reading yet."),
)


def _number(x: float, percent: bool = False) -> str:
    """A plan number as a sentence shows it: 2,400,000, 0.28 or 28%."""
    if percent:
        return f"{x * 100:.4g}%"
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.4g}" if abs(x) < 1 else f"{x:,.2f}"


def goal_sentence(plan: Plan, goal: Goal) -> str:
    """One sentence a person can repeat: from where, to what, by when, who, why."""
    percent = goal_number_format(goal).endswith("%")
    unit = "" if percent else (f" {goal.unit}" if goal.unit and goal.unit != "%" else goal.unit)
    base, target = _number(goal.baseline, percent), _number(goal.target, percent)
    how = "adding up check-ins" if goal.measure == "sum" else "its latest reading"
    text = (
        f"{goal.metric}: from {base}{unit} on {plan.start.isoformat()} to "
        f"{target}{unit} by {goal.deadline.isoformat()}, with {goal.cadence} "
        f"milestones, measured by {how}"
    )
    if goal.owner:
        text += f"; accountable: {goal.owner}"
    text += "."
    if goal.why:
        text += f" Why: {goal.why}"
    return text


def _height(text: str, width_chars: float) -> float:
    """A row height that shows wrapped text whole (merged cells do not auto-fit)."""
    lines = sum(
        max(1, math.ceil(len(part) / max(width_chars * 1.15, 1))) for part in text.split("\n")
    )
    return 14.0 * lines + 3


def _span_width(first: int, last: int) -> float:
    return float(sum(WIDTHS[first : last + 1]))


class _Cursor:
    """Writes Start top to bottom, one block at a time."""

    def __init__(self, book: Book, sheet: Sheet) -> None:
        self.book, self.sheet, self.row = book, sheet, 0
        s = book.styles
        self.title = s.get(bold=True, font_size=18, font_color="#1F4E78", valign="vcenter")
        self.muted = s.get(font_color=MUTED_FONT, italic=True)
        self.section = s.get(
            bold=True, font_size=12, font_color="#1F4E78", bottom=2, bottom_color="#1F4E78"
        )
        self.label = s.get(bold=True, text_wrap=True)
        self.text = s.get(text_wrap=True)
        self.head = s.header()

    def block(self, text: str, fmt: Any, first: int = 0, height: float | None = None) -> None:
        self.sheet.merge(self.row, first, self.row, LAST_COL, text, fmt)
        self.sheet.ws.set_row(self.row, height or _height(text, _span_width(first, LAST_COL)))
        self.row += 1

    def heading(self, text: str) -> None:
        self.row += 1
        for c in range(LAST_COL + 1):
            self.sheet.blank(self.row, c, self.section)
        self.sheet.text(self.row, 0, text, self.section)
        self.sheet.ws.set_row(self.row, 20)
        self.row += 1


def write_start(book: Book, sheet: Sheet) -> None:
    """Title, purpose, settings (the named cells), steps, goals, anti-goals, legend."""
    plan = book.snapshot.plan
    for i, w in enumerate(WIDTHS):
        sheet.ws.set_column(i, i, w)
    cur = _Cursor(book, sheet)
    cur.block(plan.title, cur.title, height=30)
    cur.block(
        f"Backward plan {plan.id}, version {plan.version}, from {plan.start.isoformat()}. "
        "Built by backplan; the sheets after this one hold the plan and your progress.",
        cur.muted,
    )
    if plan.part:
        cur.row += 1
        cur.block(
            f"This is {plan.part}'s part of the plan: your actions, your check-ins and the "
            "team's anti-goals. Goals and milestones are judged on your share of each "
            "target (the Target columns show the team's; your share is on the Owners "
            "sheet), counting your check-ins. Send it back as it is: backplan merge puts "
            "the parts together again.",
            cur.text,
        )
    if plan.description:
        cur.row += 1
        cur.block(plan.description.strip(), cur.text)
    _settings(book, sheet, cur)

    cur.heading("How to fill it in")
    for k, (label, text) in enumerate(STEPS, start=1):
        sheet.text(cur.row, 0, f"{k}. {label}", cur.label)
        cur.block(text, cur.text, first=1)

    cur.heading("Goals")
    for goal in plan.goals:
        sheet.text(cur.row, 0, f"{goal.id} · {goal.name}", cur.label)
        cur.block(goal_sentence(plan, goal), cur.text, first=1)

    if plan.part:
        _part_milestones(book, sheet, cur)

    if plan.anti_goals:
        _anti_goals(book, sheet, cur)

    _legend(book, sheet, cur)

    _ids_column(book, sheet)
    sheet.ws.print_area(0, 0, cur.row, LAST_COL)
    sheet.print_setup(plan.title, fit_height=1, repeat_header=False)
    sheet.ws.hide_gridlines(2)
    sheet.protect(autofilter=False)
    sheet.ws.activate()


def _anti_goals(book: Book, sheet: Sheet, cur: _Cursor) -> None:
    """Each anti-goal: its owner, what to avoid, what to do instead and why."""
    cur.heading("Anti-goals: what we avoid, and what we do instead")
    avoid, instead = layout.ANTI_GOAL.avoid.header, layout.ANTI_GOAL.instead.header
    for c, text in enumerate(("ID · owner", avoid, "", instead, "Why")):
        sheet.text(cur.row, c, text, cur.head)
    sheet.merge(cur.row, 1, cur.row, 2, avoid, cur.head)
    cur.row += 1
    for x in book.snapshot.plan.anti_goals:
        who = f"{x.id} · {x.owner}" if x.owner else x.id
        sheet.text(cur.row, 0, who, cur.label)
        sheet.merge(cur.row, 1, cur.row, 2, x.avoid, cur.text)
        sheet.text(cur.row, 3, x.instead, cur.text)
        sheet.text(cur.row, 4, x.rationale, cur.text)
        tallest = max(_height(t, w) for t, w in ((x.avoid, 54), (x.instead, 40), (x.rationale, 40)))
        sheet.ws.set_row(cur.row, tallest)
        cur.row += 1


def _legend(book: Book, sheet: Sheet, cur: _Cursor) -> None:
    """The status words in the colours the status columns show them in."""
    cur.heading("Status colours")
    styles = book.styles
    for status, meaning in LEGEND:
        fill, font = STATUS_COLOURS[status]
        sheet.text(cur.row, 0, status, styles.get(bg_color=fill, font_color=font, bold=True))
        cur.block(meaning, cur.text, first=1, height=15)


def _part_milestones(book: Book, sheet: Sheet, cur: _Cursor) -> None:
    """In a split part: the owner's share of every milestone of the goals they share."""
    plan = book.snapshot.plan
    owner = plan.owners[0] if plan.owners else None
    if owner is None:
        return
    rows = [
        (g, m)
        for g in plan.goals
        if g.measure == "sum" and owner.share_of(g.id) > 0
        for m in plan.milestones_of(g.id)
    ]
    if not rows:
        return
    cur.heading(f"{owner.name}'s part of each milestone")
    milestone, due = layout.MILESTONE.name.header, layout.MILESTONE.due.header
    for c, text in enumerate((milestone, due, "Team target", f"{owner.name}'s part")):
        sheet.text(cur.row, c, text, cur.head)
    cur.row += 1
    date_fmt = book.styles.get(num_format=layout.DATE, align="left")
    for goal, m in rows:
        number = book.styles.get(num_format=goal_number_format(goal))
        part = rules.owner_target(owner.share_of(goal.id), m.target, goal.baseline)
        sheet.text(cur.row, 0, f"{m.id} · {goal.id}", cur.label)
        sheet.date(cur.row, 1, m.due, date_fmt)
        sheet.number(cur.row, 2, m.target, number)
        sheet.number(cur.row, 3, part, number)
        cur.row += 1


def _settings(book: Book, sheet: Sheet, cur: _Cursor) -> None:
    """The named cells Start declares (``layout_meta.START_INPUTS``), each with what it does."""
    cur.heading("Settings")
    fmt = {
        f: book.styles.get(num_format=f, locked=False, bg_color=INPUT_FILL, bold=True)
        for f in (layout.DATE, layout.RATIO)
    }
    rows: dict[str, int] = {}
    for cell in layout_meta.START_INPUTS:
        r = rows[cell.name] = cur.row
        sheet.text(r, layout_meta.START_LABEL_COLUMN, cell.label, cur.label)
        _setting_value(book, sheet, cell, r, fmt[cell.fmt])
        column = layout.col_letter(layout_meta.START_VALUE_COLUMN)
        book.define_name(cell.name, "=" + absolute(layout.START, column, r + 1))
        cur.block(cell.note, cur.text, first=layout_meta.START_NOTE_COLUMN)
    # Adjacent settings that share a validation share one range. Written last
    # first, as the reference workbook has always held them (order carries no
    # meaning in the file; keeping it keeps tests/golden byte for byte).
    for run in reversed(_runs(rows)):
        (cell, first), last = run[0], run[-1][1]
        _setting_validation(sheet, cell, first, last, layout_meta.START_VALUE_COLUMN)


def _setting_value(
    book: Book, sheet: Sheet, cell: layout_meta.NamedInput, row: int, fmt: Any
) -> None:
    """The value a setting starts with: =TODAY() or a typed As-of date; the plan's ratios."""
    col = layout_meta.START_VALUE_COLUMN
    if cell.field == "as_of":
        typed = book.snapshot.as_of
        if typed is None:
            sheet.formula(row, col, "TODAY()", fmt, rules.serial(book.as_of))
        else:
            sheet.date(row, col, typed, fmt)
    else:
        sheet.number(row, col, getattr(book.snapshot.plan.thresholds, cell.field), fmt)


Run = list[tuple[layout_meta.NamedInput, int]]


def _runs(rows: dict[str, int]) -> list[Run]:
    """Runs of adjacent settings (setting, row) that share the same validation."""
    runs: list[Run] = []
    for cell in layout_meta.START_INPUTS:
        here = (cell, rows[cell.name])
        if runs and _same_rule(runs[-1][-1][0], cell) and runs[-1][-1][1] + 1 == here[1]:
            runs[-1].append(here)
        else:
            runs.append([here])
    return runs


def _same_rule(a: layout_meta.NamedInput, b: layout_meta.NamedInput) -> bool:
    return (a.validation, a.minimum, a.maximum) == (b.validation, b.minimum, b.maximum)


def _setting_validation(
    sheet: Sheet, cell: layout_meta.NamedInput, first_row: int, last_row: int, col: int
) -> None:
    """The declared validation over a run of settings: a date, or a share within bounds."""
    if cell.validation == "date":
        from .datasheets import date_validation

        date_validation(sheet, first_row, col, last_row, cell.label)
        return
    rc = sheet.ws.data_validation(
        first_row,
        col,
        last_row,
        col,
        {
            "validate": "decimal",
            "criteria": "between",
            "minimum": cell.minimum,
            "maximum": cell.maximum,
            "input_title": "Ratio",
            "input_message": f"A share of the expected pace, between {cell.minimum:.0%} and "
            f"{cell.maximum:.0%}.",
            "error_title": "Not a ratio",
            "error_message": f"Type a ratio between {cell.minimum:g} and {cell.maximum:g} "
            f"({cell.minimum:.0%} to {cell.maximum:.0%}).",
            "error_type": "stop",
        },
    )
    sheet.check(rc, first_row, col, "the ratio validation")


def _ids_column(book: Book, sheet: Sheet) -> None:
    """Goal and anti-goal ids, hidden: the fixed range the Check-ins Goal dropdown reads."""
    plan = book.snapshot.plan
    muted = book.styles.get(font_color=GREY[1])
    sheet.text(0, IDS_COLUMN, "Check-in ids", muted)
    ids = [g.id for g in plan.goals] + [x.id for x in plan.anti_goals]
    for r, gid in enumerate(ids, start=1):
        sheet.text(r, IDS_COLUMN, gid, muted)
    sheet.ws.set_column(IDS_COLUMN, IDS_COLUMN, 10, None, {"hidden": True})
