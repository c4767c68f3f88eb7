"""Sheet names, headers, named cells: the one place writer and reader share.

Readers find columns by header text, never by position, because users
insert and reorder columns; so a header here is a contract. Each column
also says its role: the row's stable ``id``; ``plan`` (fixed by the plan,
locked); ``formula`` (locked, its cached value written by the engine); or
``input`` (people type into it: unlocked). An input column names the
:class:`~backplan_xlsx.model.Snapshot` field it is read into and written
from (``field``) and its validation (with what the cell says: ``prompt``);
``needed`` columns are the ones without which a sheet's rows cannot be
read; ``kind`` says how the reader parses a cell and ``hint`` what to type.
A plan column's key is the model attribute it holds. Writer, reader,
``check``, ``merge``, ``build --keep`` and the tests derive what they do
from this: no other module spells a header or a column key; code that must
name a column names it here (``GOAL.deadline``, ``OWNER_PART.share``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, NamedTuple

# The column machinery (the package asks the layout for Column, SheetLayout, Role…).
from .tablespec import Column as Column
from .tablespec import OwnerPart, Prompt, formula_column, needed_column
from .tablespec import Role as Role
from .tablespec import SheetLayout as SheetLayout
from .tablespec import Validation as Validation
from .tablespec import col_letter as col_letter

SCHEMA_VERSION = 1

START = "Start"
DASHBOARD = "Dashboard"
GOALS = "Goals"
MILESTONES = "Milestones"
ACTIONS = "Actions"
OWNERS = "Owners"
ANTI_GOALS = "Anti-goals"
CHECK_INS = "Check-ins"
META = "_backplan"
#: Sheets whose cells people type into (the Start sheet's As-of aside).
INPUT_SHEETS = (ACTIONS, ANTI_GOALS, CHECK_INS)
#: Data sheets whose every row ``_backplan`` records (id and fingerprints).
RECORDED_SHEETS = (GOALS, MILESTONES, ACTIONS, OWNERS, ANTI_GOALS)
#: Sheets the build protects (no password: against slips) and ``check`` expects so.
PROTECTED_SHEETS = (START, *RECORDED_SHEETS, CHECK_INS)
SHEET_ORDER = (START, DASHBOARD, GOALS, MILESTONES, ACTIONS, OWNERS, ANTI_GOALS, CHECK_INS, META)

#: Workbook-scope named cells, on the Start sheet.
AS_OF = "AsOf"
ON_TRACK_RATIO = "OnTrackRatio"
AT_RISK_RATIO = "AtRiskRatio"
#: The Start sheet's label beside each named cell: the reader finds a cell by
#: its label when a program dropped the defined name.
NAMED_CELL_LABELS = {
    AS_OF: "As-of date",
    ON_TRACK_RATIO: "On-track ratio",
    AT_RISK_RATIO: "At-risk ratio",
}
#: Keys of the ``_backplan`` key/value block (columns A:B).
META_PLAN_ID = "plan_id"
META_VERSION = "version"
META_SCHEMA = "schema_version"
META_TITLE = "title"
META_START = "start"
META_BUILT_AS_OF = "built_as_of"
META_GENERATOR = "generator"
META_PART = "part"
#: Fingerprints of the inputs as written (``returns.encode``): tells untouched copies apart.
META_INPUTS = "inputs"
#: Fingerprints of every input cell as written (``asbuilt``): tells an edit from a carried value.
META_CELLS = "input_cells"
#: Defined names that keep the plan's identity where a re-save keeps them.
PLAN_ID_NAME = "BackplanPlanId"
VERSION_NAME = "BackplanVersion"
#: The owner whose part of the plan a split workbook holds (absent on a whole plan).
PART_NAME = "BackplanPart"
#: Custom document properties, a third copy of the identity.
PLAN_ID_PROPERTY = "backplan plan id"
VERSION_PROPERTY = "backplan version"

#: Check-in rows prepared with validation and formatting.
CHECK_IN_ROWS = 300
#: The last Check-ins row the formulas look at (rows appended below the
#: prepared ones count up to here; ``check`` warns beyond it).
CHECK_IN_LAST_ROW = 5000
#: Dropdown sources are fixed ranges (Google Sheets rejects formula lists).
LIST_LAST_ROW = 500

#: What a workbook can hold and a person can act on: the one limit that the
#: spec checks before planning, the writer keeps and the reader accepts, so
#: anything ``build`` writes, ``status`` reads.
MAX_SHEET_ROWS = 1_048_576
MAX_ACTIONS = 50_000


DATE = "yyyy-mm-dd"
NUMBER = "#,##0.##"
RATIO = "0%"
#: What a blank or wrong "Review every (days)" reads as.
REVIEW_EVERY_DAYS = 30
#: What the Done dropdown offers: done marks only (to undo one, clear the cell).
DONE_CHOICES = ("Yes", "\u2713")
#: The hint and message of every date input (its title is the column's header).
_DATE_ERROR = "Type a date such as 2027-03-31 (year-month-day)."
DATE_PROMPT = Prompt("", "Type a date, e.g. 2027-03-31.", "Not a date", _DATE_ERROR, stop=True)


#: The key of every data sheet's ID column (the model's ``id``).
ID_KEY = "id"


def _id(hint: str) -> Column:
    """The row's ID column: what a row is called by every other sheet."""
    return Column("ID", ID_KEY, 6, role="id", required=True, needed=True, kind="id", hint=hint)


class GoalColumns(NamedTuple):
    """The Goals sheet's columns, by key (each attribute is its column's key)."""

    id: Column
    name: Column
    metric: Column
    unit: Column
    measure: Column
    owner: Column
    baseline: Column
    target: Column
    start: Column
    deadline: Column
    actual: Column
    expected: Column
    projected: Column
    rate_needed: Column
    periods_left: Column
    status: Column
    why: Column


GOAL = GoalColumns(
    _id("goal (G1, G2…)"),
    Column("Goal", "name", 24, required=True),
    Column("Metric", "metric", 30),
    Column("Unit", "unit", 7),
    Column(
        "Measure",
        "measure",
        9,
        kind="choice",
        choices=("sum", "latest"),
        bad='"{value}" is not a measure; type sum or latest (read as sum meanwhile)',
    ),
    Column("Owner", "owner", 18),
    Column("Baseline", "baseline", 12, NUMBER, kind="number", hint="the baseline (a number)"),
    needed_column("Target", "target", 13, NUMBER, "number", "the target (a number)"),
    Column("Start", "start", 11, DATE, kind="date", hint="the plan's start date"),
    needed_column("Deadline", "deadline", 11, DATE, "date", "the deadline (YYYY-MM-DD)"),
    formula_column("Actual", "actual", 13, NUMBER, True),
    formula_column("Expected", "expected", 13, NUMBER, True),
    formula_column("Projected", "projected", 13, NUMBER, True),
    formula_column("Rate needed", "rate_needed", 13, NUMBER),
    formula_column("Periods left", "periods_left", 8, "0"),
    formula_column("Status", "status", 12, required=True),
    Column("Why it matters", "why", 40),
)
GOALS_LAYOUT = SheetLayout(GOALS, tuple(GOAL))


class MilestoneColumns(NamedTuple):
    """The Milestones sheet's columns, by key."""

    id: Column
    goal: Column
    name: Column
    owner: Column
    start: Column
    due: Column
    start_value: Column
    target: Column
    actual: Column
    expected: Column
    status: Column


MILESTONE = MilestoneColumns(
    _id("milestone (M1, M2…)"),
    needed_column("Goal", "goal", 6, "", "text", "the goal's ID (G1…)"),
    Column("Milestone", "name", 30),
    Column("Owner", "owner", 18),
    Column("From", "start", 11, DATE, kind="date", hint="the window's start date"),
    needed_column("Due", "due", 11, DATE, "date", "the due date (YYYY-MM-DD)"),
    Column("Start value", "start_value", 13, NUMBER, kind="number", hint="the start value"),
    needed_column("Target", "target", 13, NUMBER, "number", "the cumulative target (a number)"),
    formula_column("Actual", "actual", 13, NUMBER, True),
    formula_column("Expected", "expected", 13, NUMBER, True),
    formula_column("Status", "status", 12, required=True),
)
MILESTONES_LAYOUT = SheetLayout(MILESTONES, tuple(MILESTONE))


class ActionColumns(NamedTuple):
    """The Actions sheet's columns, by key."""

    id: Column
    milestone: Column
    goal: Column
    action: Column
    owner: Column
    due: Column
    done: Column
    status: Column
    notes: Column


ACTION = ActionColumns(
    _id("action (A1, A2…)"),
    Column("Milestone", "milestone", 10, required=True),
    Column("Goal", "goal", 6),
    needed_column("Action", "action", 36, "", "text", "what must be done"),
    needed_column("Owner", "owner", 18, "", "text", "the owner's name (from the Owners sheet)"),
    needed_column("Due", "due", 11, DATE, "date", "the due date (YYYY-MM-DD)"),
    Column(
        "Done",
        "done",
        8,
        "",
        "input",
        True,
        validation="list",
        field="done",
        kind="done",
        prompt=Prompt(
            "Done?",
            "Pick Yes or \u2713 when it is done; x, done, TRUE or the date it was done count "
            "too. Not done yet: leave it empty (clear it to undo).",
            "Not a done mark",
            "Yes, y, x, done, \u2713, TRUE, 1 or a date mark it done; anything else counts "
            "as not done. Clear the cell if it is not done.",
            choices=DONE_CHOICES,
        ),
    ),
    formula_column("Status", "status", 10, required=True),
    Column("Notes", "notes", 30, "", "input", field="notes"),
)
ACTIONS_LAYOUT = SheetLayout(ACTIONS, tuple(ACTION))


class OwnerColumns(NamedTuple):
    """The Owners sheet's fixed columns, by key (the per-goal parts follow them)."""

    id: Column
    name: Column
    role: Column
    team: Column
    email: Column
    status: Column


OWNER = OwnerColumns(
    _id("owner (O1, O2…)"),
    needed_column("Owner", "name", 20, "", "text", "the owner's name"),
    Column("Role", "role", 20),
    Column("Team", "team", 10),
    Column("Email", "email", 24),
    formula_column("Status", "status", 12, required=True),
)
OWNERS_FIXED = tuple(OWNER)


class OwnerParts(NamedTuple):
    """The per-goal parts, by name."""

    share: OwnerPart
    target: OwnerPart
    actual: OwnerPart
    expected: OwnerPart
    status: OwnerPart


OWNER_PART = OwnerParts(
    OwnerPart("share", RATIO, "plan", "the share (e.g. 25%)"),
    OwnerPart("target", NUMBER, "plan"),
    OwnerPart("actual", NUMBER, "formula"),
    OwnerPart("expected", NUMBER, "formula"),
    OwnerPart("status", "", "formula"),
)
#: The per-goal parts in sheet order (``G1 share``, ``G1 target``…), label first.
OWNER_GOAL_PARTS = tuple(OWNER_PART)
_SHARE = re.compile(r"^(.+?)\s+" + OWNER_PART.share.label + "$", re.IGNORECASE)


def owners_layout(goal_ids: tuple[str, ...]) -> SheetLayout:
    """The Owners sheet: fixed columns, then five per goal split by share."""
    cols = list(OWNERS_FIXED) + [part.column(gid) for gid in goal_ids for part in OWNER_PART]
    return SheetLayout(OWNERS, tuple(cols), (OWNER.id.key, OWNER.name.key))


def share_column(header: str, goal_ids: Mapping[str, str]) -> tuple[str, Column] | None:
    """The goal and share column a header names (``g1  SHARE`` too), given ids by casefold.

    A share column of any goal the sheet holds is read, even one the
    layout would not write (a goal whose measure was changed by hand).
    """
    m = _SHARE.match(header)
    gid = goal_ids.get(m.group(1).casefold()) if m else None
    return None if gid is None else (gid, OWNER_PART.share.column(gid))


_LIMIT_HINT = "the limit (a number)"


class AntiGoalColumns(NamedTuple):
    """The Anti-goals sheet's columns, by key."""

    id: Column
    avoid: Column
    instead: Column
    rationale: Column
    goal: Column
    owner: Column
    metric: Column
    limit: Column
    direction: Column
    review_every_days: Column
    latest: Column
    last_reviewed: Column
    feedback: Column
    status: Column


ANTI_GOAL = AntiGoalColumns(
    _id("anti-goal (X1, X2…)"),
    needed_column("Avoid", "avoid", 34, "", "text", "what the team avoids"),
    needed_column("Instead", "instead", 34, "", "text", "what the team does instead"),
    Column("Rationale", "rationale", 34),
    Column("Goal", "goal", 6),
    Column("Owner", "owner", 16),
    Column("Metric", "metric", 24),
    replace(
        needed_column("Limit", "limit", 9, "General", "number", "the limit (a number)"), blank=True
    ),
    Column(
        "Direction",
        "direction",
        9,
        kind="choice",
        choices=("max", "min"),
        bad='"{value}" is not a direction; type max (stay at or below the limit) or min '
        "(stay at or above); read as max meanwhile",
    ),
    Column(
        "Review every (days)",
        "review_every_days",
        9,
        "0",
        kind="days",
        hint="days between reviews",
        bad="{value:g} is not a whole number of days; type e.g. 30 (30 is used)",
    ),
    formula_column("Latest", "latest", 9, "General"),
    Column(
        "Last reviewed",
        "last_reviewed",
        12,
        DATE,
        "input",
        True,
        validation="date",
        field="reviews",
        kind="date",
        hint="the review date (YYYY-MM-DD)",
        prompt=DATE_PROMPT,
    ),
    Column("Feedback", "feedback", 34, "", "input", True, field="feedback"),
    formula_column("Status", "status", 14, required=True),
)
ANTI_GOALS_LAYOUT = SheetLayout(
    ANTI_GOALS, tuple(ANTI_GOAL), (ANTI_GOAL.id.key, ANTI_GOAL.avoid.key, ANTI_GOAL.instead.key)
)


class CheckInColumns(NamedTuple):
    """The Check-ins sheet's columns, by key (each is the CheckIn field of its key)."""

    date: Column
    goal: Column
    owner: Column
    value: Column
    comment: Column
    ref: Column


def _check_in(header: str, key: str, width: float, fmt: str = "", **more: Any) -> Column:
    """A Check-ins column: every one is typed into."""
    return Column(header, key, width, fmt, "input", **more)


CHECK_IN = CheckInColumns(
    _check_in(
        "Date",
        "date",
        12,
        DATE,
        required=True,
        needed=True,
        validation="date",
        kind="date",
        hint="the date of the reading (YYYY-MM-DD)",
        prompt=DATE_PROMPT,
    ),
    _check_in(
        "Goal",
        "goal",
        8,
        required=True,
        needed=True,
        validation="list",
        hint="the goal or anti-goal ID (G1…, X1…)",
        prompt=Prompt(
            "Goal or anti-goal",
            "Pick the goal (G1…) or anti-goal (X1…) this reading is for.",
            "Unknown id",
            "Pick an id from the list: a goal (Goals sheet) or an anti-goal "
            "(Anti-goals sheet). Other ids are not counted.",
        ),
    ),
    _check_in(
        "Owner",
        "owner",
        20,
        required=True,
        validation="list",
        prompt=Prompt(
            "Owner",
            "Pick whose progress this is (from the Owners sheet).",
            "Unknown owner",
            "Pick a name from the Owners sheet, or the reading counts for "
            "the goal but for nobody's share.",
        ),
    ),
    _check_in(
        "Value",
        "value",
        14,
        NUMBER,
        required=True,
        needed=True,
        validation="decimal",
        kind="number",
        hint="the value (a number)",
        prompt=Prompt(
            "Value",
            "A number. Sum goals: what was added since the last check-in. "
            "Latest goals and anti-goals: the reading itself.",
            "Not a number",
            "Type a number such as 40000 or 0.25; text is not counted.",
            minimum=-1e15,
            maximum=1e15,
        ),
    ),
    _check_in("Comment", "comment", 40, required=True),
    #: The source row's id (``backplan import``): a deal is imported once.
    _check_in("Ref", "ref", 18),
)
CHECK_INS_LAYOUT = SheetLayout(CHECK_INS, tuple(CHECK_IN))

DATA_LAYOUTS = {
    GOALS: GOALS_LAYOUT,
    MILESTONES: MILESTONES_LAYOUT,
    ACTIONS: ACTIONS_LAYOUT,
    ANTI_GOALS: ANTI_GOALS_LAYOUT,
    CHECK_INS: CHECK_INS_LAYOUT,
}
#: Each sheet's columns by key (``GOAL.deadline``), for code that must name one.
NAMED_COLUMNS: dict[str, tuple[Column, ...]] = {
    GOALS: GOAL,
    MILESTONES: MILESTONE,
    ACTIONS: ACTION,
    OWNERS: OWNER,
    ANTI_GOALS: ANTI_GOAL,
    CHECK_INS: CHECK_IN,
}


def row_inputs() -> tuple[tuple[SheetLayout, Column], ...]:
    """Every input cell of a row with an id (Done, Notes, Last reviewed, Feedback…).

    Each is carried by row id through merge, split, replan and
    ``build --keep``; a new input column added here is carried everywhere.
    """
    return tuple((spec, col) for spec in DATA_LAYOUTS.values() for col in spec.inputs if col.field)


def validated() -> tuple[tuple[str, str, str], ...]:
    """(sheet, column key, validation type) of every validated input column."""
    layouts = DATA_LAYOUTS.values()
    return tuple((spec.name, c.key, c.validation) for spec in layouts for c in spec.validated)
