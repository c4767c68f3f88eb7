"""What a sheet's column is: the dataclasses :mod:`backplan_xlsx.layout` declares sheets with.

Apart from the layout so that the layout is the sheets themselves: every
header, key, role and validation lives there, and this module names none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

Role = Literal["id", "plan", "input", "formula"]
#: The data validation an input column carries (``""``: none).
Validation = Literal["", "date", "list", "decimal"]
#: How the reader parses a column's cells (``""``: it does not read them).
Kind = Literal["", "id", "text", "number", "date", "done", "choice", "days"]


@dataclass(frozen=True, slots=True)
class Prompt:
    """What a validated input cell says: a hint on entering it, a message on a wrong value.

    ``choices`` are a dropdown's fixed entries (a dropdown fed by a sheet
    gets its range from the writer); ``stop`` refuses a wrong value instead
    of warning about it; ``minimum`` and ``maximum`` bound a number.
    """

    title: str
    message: str
    error_title: str
    error_message: str
    stop: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its header (the contract), width, format, role and how it is read.

    ``kind`` says how the reader parses a cell (``id``, ``text``, ``number``,
    ``date``, ``done`` for a Done mark of any type, ``choice`` for one of
    ``choices``, the first being what a blank or wrong cell reads as,
    ``days`` for a whole number of days; ``""`` for a column it never
    reads). ``hint`` is what to type, for the messages (``"the target (a
    number)"``); ``bad`` words the warning for a wrong ``choice`` or
    ``days`` value (``{value}`` is what was typed). A ``needed`` column's
    cells must hold a value unless ``blank`` says a row may leave it empty.
    """

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
    kind: Kind = "text"
    hint: str = ""
    blank: bool = False
    choices: tuple[str, ...] = ()
    bad: str = ""
    prompt: Prompt | None = None


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """A data sheet: one table whose first row holds the headers.

    ``row_keys`` are the columns of which one must hold something for a row
    to count (every column when empty): an Owners row is its id or name.
    """

    name: str
    columns: tuple[Column, ...]
    row_keys: tuple[str, ...] = ()
    _positions: dict[str, int] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )
    _letters: dict[str, str] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # Formulas ask for letters on every row: positions and letters are worked out once.
        for i, c in enumerate(self.columns):
            if c.key not in self._positions:
                self._positions[c.key] = i
                self._letters[c.key] = col_letter(i)

    def index(self, col: Column | str) -> int:
        """The 0-based position of a column (given as itself or by its key)."""
        key = col if isinstance(col, str) else col.key
        try:
            return self._positions[key]
        except KeyError:
            raise KeyError(key) from None

    def letter(self, col: Column | str) -> str:
        """The column letter of a column as built (A, B, ...): the one place formulas get it."""
        key = col if isinstance(col, str) else col.key
        try:
            return self._letters[key]
        except KeyError:
            raise KeyError(key) from None

    def at(self, col: Column | str, row: int) -> str:
        """A relative reference to a cell of a column on a 1-based row: ``K2``."""
        return f"{self.letter(col)}{row}"

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

    @property
    def keeps_inputs(self) -> bool:
        """Whether the sheet's rows carry inputs by row id (Done, Notes, Feedback…).

        On such a sheet every cell of a row without an ID, formulas aside, is
        something typed that no rewrite could keep (``reader.idless``).
        """
        return any(c.field for c in self.inputs)

    @property
    def validated(self) -> tuple[Column, ...]:
        """The columns that carry a data validation (a dropdown, a date or number check)."""
        return tuple(c for c in self.columns if c.validation)


def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def needed_column(header: str, key: str, width: float, fmt: str, kind: Kind, hint: str) -> Column:
    """A plan column without which a row cannot be read."""
    return Column(header, key, width, fmt, required=True, needed=True, kind=kind, hint=hint)


def formula_column(
    header: str, key: str, width: float, fmt: str = "", required: bool = False
) -> Column:
    """A formula column (locked; the reader never reads it: statuses come from the engine)."""
    return Column(header, key, width, fmt, "formula", required, kind="")


class OwnerPart(NamedTuple):
    """One of the columns each ``sum`` goal gets on the Owners sheet; ``hint``: read back."""

    label: str
    fmt: str
    role: Role
    hint: str = ""

    def key(self, goal_id: str) -> str:
        """The column's key for a goal: ``G1:share``."""
        return f"{goal_id}:{self.label}"

    def column(self, goal_id: str) -> Column:
        """The column for a goal, headed ``G1 share``; a part with a hint is read back."""
        kind: Kind = "number" if self.hint else ""
        header = f"{goal_id} {self.label}"
        return Column(header, self.key(goal_id), 11, self.fmt, self.role, kind=kind, hint=self.hint)
