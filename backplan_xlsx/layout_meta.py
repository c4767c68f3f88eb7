"""The ``_backplan`` record and the Start sheet's named cells, declared once.

:mod:`backplan_xlsx.layout` declares the data sheets; this module declares
the two other places a returned copy is read from: the very hidden
``_backplan`` sheet (a key/value block of the plan's identity, then one line
per built row with its fingerprints) and the Start sheet's settings (the
workbook-scope named cells ``AsOf``, ``OnTrackRatio`` and ``AtRiskRatio``).
The writer (``writer/meta.py``, ``writer/start.py``) and the reader
(``reader/identity.py``) are each one loop over these declarations, so a key,
a record column or a setting added here is written and read back without
touching either, and one added anywhere else fails ``tests/test_layouts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from . import layout

#: How a value is stored on ``_backplan``: text, a whole number, an ISO date
#: (as text, which every program keeps as it is), or a comma-joined list.
MetaKind = Literal["text", "int", "date", "list"]


@dataclass(frozen=True, slots=True)
class MetaField:
    """One key of ``_backplan``'s key/value block (columns A:B).

    ``field`` is the :class:`~backplan_xlsx.reader.identity.Identity` field
    it is read into; an ``optional`` key is written only when it has a value
    (``part``, on a split part only).
    """

    key: str
    kind: MetaKind
    field: str
    optional: bool = False


#: Each goal's curve and funnel (``goalsettings``): what the Goals sheet does not show.
META_GOAL_SETTINGS = "goal_settings"
#: On a part: the names of every owner of the whole plan (JSON), see ``parts``.
META_PLAN_OWNERS = "plan_owners"
#: Ids an earlier version used above this one's rows (``rowids``): never reused.
META_USED_IDS = "used_ids"

#: The key/value block, in the order it is written.
META_FIELDS = (
    MetaField(layout.META_PLAN_ID, "text", "plan_id"),
    MetaField(layout.META_VERSION, "int", "version"),
    MetaField(layout.META_SCHEMA, "int", "schema_version"),
    MetaField(layout.META_TITLE, "text", "title"),
    MetaField(layout.META_START, "date", "start"),
    MetaField(layout.META_BUILT_AS_OF, "date", "built_as_of"),
    MetaField(layout.META_GENERATOR, "text", "generator"),
    MetaField(layout.META_PART, "text", "part", optional=True),
    MetaField(META_PLAN_OWNERS, "text", "plan_owners", optional=True),
    MetaField(layout.META_INPUTS, "text", "inputs"),
    MetaField(layout.META_CELLS, "text", "input_cells"),
    MetaField(META_GOAL_SETTINGS, "text", "goal_settings"),
    MetaField(META_USED_IDS, "list", "used_ids"),
)
#: Headers above the key/value block.
META_KEY_HEADERS = ("Key", "Value")


@dataclass(frozen=True, slots=True)
class RecordColumn:
    """One column of ``_backplan``'s per-row record, found by header when read.

    ``field`` is the :class:`RowRecord` attribute it holds; a row missing a
    ``needed`` value is not a record (a line someone typed below it).
    """

    header: str
    field: str
    kind: MetaKind = "text"
    needed: bool = False


#: The per-row record, from :data:`RECORD_FIRST_COLUMN` (D) on.
RECORD_COLUMNS = (
    RecordColumn("Sheet", "sheet", needed=True),
    RecordColumn("ID", "id", needed=True),
    RecordColumn("Row", "row", "int", needed=True),
    RecordColumn("Values", "values"),
    RecordColumn("Formulas", "formulas"),
    RecordColumn("Formula columns", "formula_keys", "list"),
)
RECORD_FIRST_COLUMN = 3


@dataclass(frozen=True, slots=True)
class RowRecord:
    """One row as built: where it was, and fingerprints of its plan values and formulas.

    The writer keeps one per row as it writes (fingerprints, not values, so
    a big plan's memory stays flat); ``check`` reads them back to tell
    edited, deleted and overwritten rows apart.
    """

    sheet: str
    id: str
    row: int
    values: str
    formulas: str
    formula_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NamedInput:
    """One of the Start sheet's settings: a workbook-scope named cell people may type into.

    The label sits in column A, the cell in column B, what it does from
    column C. The reader finds the cell by its defined name, else by the
    label (a program that dropped the name). ``field`` is where its value
    lives: ``as_of`` on the Snapshot, ``on_track``/``at_risk`` on Thresholds.
    A ``decimal`` cell takes values from ``minimum`` to ``maximum``.
    """

    name: str
    label: str
    field: str
    fmt: str
    validation: layout.Validation
    note: str
    minimum: float = 0.0
    maximum: float = 0.0
    role: layout.Role = "input"


#: The Start sheet's settings, top to bottom.
START_INPUTS = (
    NamedInput(
        layout.AS_OF,
        layout.NAMED_CELL_LABELS[layout.AS_OF],
        "as_of",
        layout.DATE,
        "date",
        "Leave =TODAY() to judge the plan as of today, or type a date (e.g. 2027-06-30) "
        "to see it as of that day.",
    ),
    NamedInput(
        layout.ON_TRACK_RATIO,
        layout.NAMED_CELL_LABELS[layout.ON_TRACK_RATIO],
        "on_track",
        layout.RATIO,
        "decimal",
        "At or above this share of the expected pace: On track.",
        minimum=0.01,
        maximum=1,
    ),
    NamedInput(
        layout.AT_RISK_RATIO,
        layout.NAMED_CELL_LABELS[layout.AT_RISK_RATIO],
        "at_risk",
        layout.RATIO,
        "decimal",
        "At or above this share of the expected pace: At risk; below it: Off track.",
        minimum=0.01,
        maximum=1,
    ),
)
#: The Start sheet's columns: label, named cell, what it does.
START_LABEL_COLUMN = 0
START_VALUE_COLUMN = 1
START_NOTE_COLUMN = 2


def start_input(name: str) -> NamedInput:
    """The declared Start setting with this defined name."""
    for cell in START_INPUTS:
        if cell.name == name:
            return cell
    raise KeyError(name)


#: The sheets the per-row record lists rows for, each with the ``Plan``
#: attribute holding those rows: what tells a deleted row or sheet later.
RECORDED_ROWS = {
    layout.GOALS: "goals",
    layout.MILESTONES: "milestones",
    layout.ACTIONS: "actions",
    layout.OWNERS: "owners",
    layout.ANTI_GOALS: "anti_goals",
}
