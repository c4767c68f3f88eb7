"""Sheet names, headers, named cells: the one place writer and reader share.

Readers find columns by header text, never by position, because users
insert and reorder columns; so a header here is a contract. Each column
also says whether people type into it (``input``: unlocked, validated),
whether the plan fixed it (``plan``: locked) or whether a formula fills it
(``formula``: locked, its cached value written by the engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["plan", "input", "formula"]

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
        Column("ID", "id", 6, required=True),
        Column("Goal", "name", 24, required=True),
        Column("Metric", "metric", 30),
        Column("Unit", "unit", 7),
        Column("Measure", "measure", 9),
        Column("Owner", "owner", 18),
        Column("Baseline", "baseline", 12, NUMBER),
        Column("Target", "target", 13, NUMBER, required=True),
        Column("Start", "start", 11, DATE),
        Column("Deadline", "deadline", 11, DATE, required=True),
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
        Column("ID", "id", 6, required=True),
        Column("Goal", "goal", 6, required=True),
        Column("Milestone", "name", 30),
        Column("Owner", "owner", 18),
        Column("From", "start", 11, DATE),
        Column("Due", "due", 11, DATE, required=True),
        Column("Start value", "start_value", 13, NUMBER),
        Column("Target", "target", 13, NUMBER, required=True),
        Column("Actual", "actual", 13, NUMBER, "formula", True),
        Column("Expected", "expected", 13, NUMBER, "formula", True),
        Column("Status", "status", 12, "", "formula", True),
    ),
)

ACTIONS_LAYOUT = SheetLayout(
    ACTIONS,
    (
        Column("ID", "id", 6, required=True),
        Column("Milestone", "milestone", 10, required=True),
        Column("Goal", "goal", 6),
        Column("Action", "action", 36, required=True),
        Column("Owner", "owner", 18, required=True),
        Column("Due", "due", 11, DATE, required=True),
        Column("Done", "done", 8, "", "input", True),
        Column("Status", "status", 10, "", "formula", True),
        Column("Notes", "notes", 30, "", "input"),
    ),
)

OWNERS_FIXED = (
    Column("ID", "id", 6, required=True),
    Column("Owner", "name", 20, required=True),
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
        Column("ID", "id", 6, required=True),
        Column("Avoid", "avoid", 34, required=True),
        Column("Instead", "instead", 34, required=True),
        Column("Rationale", "rationale", 34),
        Column("Goal", "goal", 6),
        Column("Owner", "owner", 16),
        Column("Metric", "metric", 24),
        Column("Limit", "limit", 9, "General", required=True),
        Column("Direction", "direction", 9),
        Column("Review every (days)", "review_every_days", 9, "0"),
        Column("Latest", "latest", 9, "General", "formula"),
        Column("Last reviewed", "last_reviewed", 12, DATE, "input", True),
        Column("Feedback", "feedback", 34, "", "input", True),
        Column("Status", "status", 14, "", "formula", True),
    ),
)

CHECK_INS_LAYOUT = SheetLayout(
    CHECK_INS,
    (
        Column("Date", "date", 12, DATE, "input", True),
        Column("Goal", "goal", 8, "", "input", True),
        Column("Owner", "owner", 20, "", "input", True),
        Column("Value", "value", 14, NUMBER, "input", True),
        Column("Comment", "comment", 40, "", "input", True),
    ),
)

DATA_LAYOUTS = {
    GOALS: GOALS_LAYOUT,
    MILESTONES: MILESTONES_LAYOUT,
    ACTIONS: ACTIONS_LAYOUT,
    ANTI_GOALS: ANTI_GOALS_LAYOUT,
    CHECK_INS: CHECK_INS_LAYOUT,
}
