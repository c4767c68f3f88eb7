"""Sheet names, headers, named cells: the one place writer and reader share.

Readers find columns by header text, never by position, because users
insert and reorder columns; so a header here is a contract. Each column
also says its role: the row's stable ``id``; ``plan`` (fixed by the plan,
locked); ``formula`` (locked, its cached value written by the engine); or
``input`` (people type into it: unlocked). An input column names the
:class:`~backplan_xlsx.model.Snapshot` field it is read into and written
from (``field``) and its validation; ``needed`` columns are the ones
without which a sheet's rows cannot be read. Writer, reader, ``check``,
``merge``, ``build --keep`` and the tests derive what they do from this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["id", "plan", "input", "formula"]
#: The data validation an input column carries (``""``: none).
Validation = Literal["", "date", "list", "decimal"]

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


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its header (the contract), width, format and role."""

    header: str
    key: str
    width: float = 12
    fmt: str = ""
    role: Role = "plan"
    required: bool = False
    #: Without it the sheet's rows cannot be read (the reader refuses the sheet).
    needed: bool = False
    validation: Validation = ""
    #: For an input cell of a row with an id: the Snapshot field holding it by row id.
    field: str = ""


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """A data sheet: one table whose first row holds the headers."""

    name: str
    columns: tuple[Column, ...]

    def index(self, key: str) -> int:
        """The 0-based position of the column with this key."""
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        raise KeyError(key)

    def letter(self, key: str) -> str:
        """The column letter of ``key`` as built (A, B, ...)."""
        return col_letter(self.index(key))

    @property
    def required_headers(self) -> tuple[str, ...]:
        """Headers a reader needs to find (the brief's contract)."""
        return tuple(c.header for c in self.columns if c.required)

    @property
    def needed_keys(self) -> tuple[str, ...]:
        """Keys of the columns without which no row can be read."""
        return tuple(c.key for c in self.columns if c.needed)

    @property
    def inputs(self) -> tuple[Column, ...]:
        """The columns people type into."""
        return tuple(c for c in self.columns if c.role == "input")


def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


DATE = "yyyy-mm-dd"
NUMBER = "#,##0.##"
RATIO = "0%"

GOALS_LAYOUT = SheetLayout(
    GOALS,
    (
        Column("ID", "id", 6, role="id", required=True, needed=True),
        Column("Goal", "name", 24, required=True),
        Column("Metric", "metric", 30),
        Column("Unit", "unit", 7),
        Column("Measure", "measure", 9),
        Column("Owner", "owner", 18),
        Column("Baseline", "baseline", 12, NUMBER),
        Column("Target", "target", 13, NUMBER, required=True, needed=True),
        Column("Start", "start", 11, DATE),
        Column("Deadline", "deadline", 11, DATE, required=True, needed=True),
        Column("Actual", "actual", 13, NUMBER, "formula", True),
        Column("Expected", "expected", 13, NUMBER, "formula", True),
        Column("Projected", "projected", 13, NUMBER, "formula", True),
        Column("Rate needed", "rate_needed", 13, NUMBER, "formula"),
        Column("Periods left", "periods_left", 8, "0", "formula"),
        Column("Status", "status", 12, "", "formula", True),
        Column("Why it matters", "why", 40),
    ),
)

MILESTONES_LAYOUT = SheetLayout(
    MILESTONES,
    (
        Column("ID", "id", 6, role="id", required=True, needed=True),
        Column("Goal", "goal", 6, required=True, needed=True),
        Column("Milestone", "name", 30),
        Column("Owner", "owner", 18),
        Column("From", "start", 11, DATE),
        Column("Due", "due", 11, DATE, required=True, needed=True),
        Column("Start value", "start_value", 13, NUMBER),
        Column("Target", "target", 13, NUMBER, required=True, needed=True),
        Column("Actual", "actual", 13, NUMBER, "formula", True),
        Column("Expected", "expected", 13, NUMBER, "formula", True),
        Column("Status", "status", 12, "", "formula", True),
    ),
)

ACTIONS_LAYOUT = SheetLayout(
    ACTIONS,
    (
        Column("ID", "id", 6, role="id", required=True, needed=True),
        Column("Milestone", "milestone", 10, required=True),
        Column("Goal", "goal", 6),
        Column("Action", "action", 36, required=True, needed=True),
        Column("Owner", "owner", 18, required=True, needed=True),
        Column("Due", "due", 11, DATE, required=True, needed=True),
        Column("Done", "done", 8, "", "input", True, validation="list", field="done"),
        Column("Status", "status", 10, "", "formula", True),
        Column("Notes", "notes", 30, "", "input", field="notes"),
    ),
)

OWNERS_FIXED = (
    Column("ID", "id", 6, role="id", required=True, needed=True),
    Column("Owner", "name", 20, required=True, needed=True),
    Column("Role", "role", 20),
    Column("Team", "team", 10),
    Column("Email", "email", 24),
    Column("Status", "status", 12, "", "formula", True),
)
OWNER_GOAL_PARTS = (
    ("share", "share", RATIO, "plan"),
    ("target", "target", NUMBER, "plan"),
    ("actual", "actual", NUMBER, "formula"),
    ("expected", "expected", NUMBER, "formula"),
    ("status", "status", "", "formula"),
)


def owners_layout(goal_ids: tuple[str, ...]) -> SheetLayout:
    """The Owners sheet: fixed columns, then five per goal split by share."""
    cols = list(OWNERS_FIXED)
    for gid in goal_ids:
        for label, part, fmt, role in OWNER_GOAL_PARTS:
            role_: Role = "formula" if role == "formula" else "plan"
            cols.append(Column(f"{gid} {label}", f"{gid}:{part}", 11, fmt, role_))
    return SheetLayout(OWNERS, tuple(cols))


ANTI_GOALS_LAYOUT = SheetLayout(
    ANTI_GOALS,
    (
        Column("ID", "id", 6, role="id", required=True, needed=True),
        Column("Avoid", "avoid", 34, required=True, needed=True),
        Column("Instead", "instead", 34, required=True, needed=True),
        Column("Rationale", "rationale", 34),
        Column("Goal", "goal", 6),
        Column("Owner", "owner", 16),
        Column("Metric", "metric", 24),
        Column("Limit", "limit", 9, "General", required=True, needed=True),
        Column("Direction", "direction", 9),
        Column("Review every (days)", "review_every_days", 9, "0"),
        Column("Latest", "latest", 9, "General", "formula"),
        Column(
            "Last reviewed",
            "last_reviewed",
            12,
            DATE,
            "input",
            True,
            validation="date",
            field="reviews",
        ),
        Column("Feedback", "feedback", 34, "", "input", True, field="feedback"),
        Column("Status", "status", 14, "", "formula", True),
    ),
)

CHECK_INS_LAYOUT = SheetLayout(
    CHECK_INS,
    (
        Column("Date", "date", 12, DATE, "input", True, needed=True, validation="date"),
        Column("Goal", "goal", 8, "", "input", True, needed=True, validation="list"),
        Column("Owner", "owner", 20, "", "input", True, validation="list"),
        Column("Value", "value", 14, NUMBER, "input", True, needed=True, validation="decimal"),
        Column("Comment", "comment", 40, "", "input", True),
        #: The source row's id (``backplan import``): a deal is imported once.
        Column("Ref", "ref", 18, "", "input"),
    ),
)

DATA_LAYOUTS = {
    GOALS: GOALS_LAYOUT,
    MILESTONES: MILESTONES_LAYOUT,
    ACTIONS: ACTIONS_LAYOUT,
    ANTI_GOALS: ANTI_GOALS_LAYOUT,
    CHECK_INS: CHECK_INS_LAYOUT,
}


def row_inputs() -> tuple[tuple[SheetLayout, Column], ...]:
    """Every input cell of a row with an id (Done, Notes, Last reviewed, Feedback…).

    Each is carried by row id through merge, split, replan and
    ``build --keep``; a new input column added here is carried everywhere.
    """
    return tuple((spec, col) for spec in DATA_LAYOUTS.values() for col in spec.inputs if col.field)


def validated() -> tuple[tuple[str, str, str], ...]:
    """(sheet, column key, validation type) of every validated input column."""
    return tuple(
        (spec.name, col.key, col.validation)
        for spec in DATA_LAYOUTS.values()
        for col in spec.columns
        if col.validation
    )
