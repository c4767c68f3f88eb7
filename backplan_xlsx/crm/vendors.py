"""The exports people already download, recognised by their column names.

Each CRM writes its own headers: HubSpot's deals export (``Record ID``,
``Deal Name``, ``Deal Stage``, ``Close Date``, ``Deal owner``, ``Amount``),
a Salesforce opportunity report (``Opportunity ID``, ``Opportunity Name``,
``Stage``, ``Close Date``, ``Opportunity Owner``, ``Amount``) and
Pipedrive's deals export (``Deal - ID``, ``Deal - Title``, ``Deal - Value``,
``Deal - Owner``, ``Deal - Won time``, ``Deal - Status``; newer exports drop
the ``Deal - `` prefix). Each field lists the headers it may come from, best
first. Every export also holds lost and open deals, so each vendor names
the column and value that mean "won"; that filter applies unless a
``--where`` on that column chooses other stages (a ``--where`` on any other
column narrows the won deals), and the import says that it did.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import ExportError
from .amounts import DateOrder

#: The check-in fields an export's columns can feed, as ``--map`` names them.
FIELDS = ("date", "owner", "value", "ref", "name", "email", "goal")
#: Without these a row cannot become a check-in.
NEEDED = ("date", "owner", "value")


def fold(header: str) -> str:
    """A header as compared: case, spaces and a BOM do not matter."""
    return " ".join(header.replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True, slots=True)
class Vendor:
    """One CRM's export layout: which headers feed which field, and what "won" means."""

    name: str
    #: What a Ref starts with, so two CRMs' ids never meet.
    prefix: str
    #: Headers that, all present, identify the export.
    signature: tuple[str, ...]
    columns: tuple[tuple[str, tuple[str, ...]], ...]
    #: The column and the values that mark a won deal (compared without case).
    won: tuple[str, tuple[str, ...]] | None
    #: How its numeric dates are written when a file cannot tell.
    date_hint: DateOrder = "mdy"

    def candidates(self, field: str) -> tuple[str, ...]:
        """The headers ``field`` may come from, best first."""
        for f, headers in self.columns:
            if f == field:
                return headers
        return ()


HUBSPOT = Vendor(
    "HubSpot deals export",
    "HubSpot",
    ("Deal Name", "Deal Stage"),
    (
        ("ref", ("Record ID", "Deal ID")),
        ("name", ("Deal Name",)),
        ("date", ("Close Date", "Closed Won Date")),
        ("owner", ("Deal owner", "HubSpot Owner", "Owner")),
        ("email", ("Deal owner email", "Owner email")),
        ("value", ("Amount in company currency", "Amount")),
    ),
    ("Deal Stage", ("Closed Won", "closedwon")),  # the label, or the internal value
)
SALESFORCE = Vendor(
    "Salesforce opportunity report",
    "Salesforce",
    ("Opportunity Name", "Stage"),
    (
        ("ref", ("Opportunity ID", "Opportunity ID (18)", "Id")),
        ("name", ("Opportunity Name",)),
        ("date", ("Close Date",)),
        ("owner", ("Opportunity Owner", "Owner Name", "Opportunity Owner: Full Name")),
        ("email", ("Opportunity Owner: Email", "Owner Email", "Opportunity Owner Email")),
        ("value", ("Amount (converted)", "Amount")),
    ),
    ("Stage", ("Closed Won",)),
)
PIPEDRIVE = Vendor(
    "Pipedrive deals export",
    "Pipedrive",
    ("Deal - Title", "Deal - Value"),
    (
        ("ref", ("Deal - ID",)),
        ("name", ("Deal - Title",)),
        ("date", ("Deal - Won time", "Deal - Close time", "Deal - Expected close date")),
        ("owner", ("Deal - Owner",)),
        ("email", ("Deal - Owner email",)),
        ("value", ("Deal - Value",)),
    ),
    ("Deal - Status", ("Won",)),
    "dmy",
)
PIPEDRIVE_NEW = Vendor(
    "Pipedrive deals export",
    "Pipedrive",
    ("Title", "Value", "Won time"),
    (
        ("ref", ("ID", "Deal ID")),
        ("name", ("Title",)),
        ("date", ("Won time", "Close time", "Expected close date")),
        ("owner", ("Owner",)),
        ("email", ("Owner email",)),
        ("value", ("Value",)),
    ),
    ("Status", ("Won",)),
    "dmy",
)
#: Any other table: backplan's own column names and the obvious ones.
GENERIC = Vendor(
    "table",
    "",
    (),
    (
        ("ref", ("Ref", "ID", "Deal ID", "Id")),
        ("name", ("Comment", "Name", "Deal", "Title", "Description")),
        ("date", ("Date", "Close Date", "Closed", "Won date")),
        ("owner", ("Owner", "Rep", "Salesperson", "Sales rep")),
        ("email", ("Email", "Owner email")),
        ("value", ("Value", "Amount", "Revenue")),
        ("goal", ("Goal",)),
    ),
    None,
)
VENDORS = (HUBSPOT, SALESFORCE, PIPEDRIVE, PIPEDRIVE_NEW)


def recognise(headers: Sequence[str]) -> Vendor:
    """The vendor whose signature headers are all present (GENERIC when none is)."""
    have = {fold(h) for h in headers}
    for v in VENDORS:
        if all(fold(s) in have for s in v.signature):
            return v
    return GENERIC


def is_header(cells: Sequence[str], mapped: Sequence[str] = ()) -> bool:
    """Whether a row looks like an export's header: it names a date and an amount column."""
    have = {fold(c) for c in cells if c}
    if len(have) < 2:
        return False
    if mapped and all(fold(m) in have for m in mapped):
        return True
    for v in (*VENDORS, GENERIC):
        if any(fold(h) in have for h in v.candidates("date")) and any(
            fold(h) in have for h in v.candidates("value")
        ):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Filter:
    """Keep a row when its ``column`` holds one of ``values`` (or, negated, none of them)."""

    column: int
    header: str
    values: tuple[str, ...]
    negate: bool = False
    _keys: frozenset[str] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_keys", frozenset(fold(v) for v in self.values))

    def keeps(self, cell: object) -> bool:
        """Whether a row whose filter cell holds ``cell`` is kept."""
        text = "" if cell is None else fold(str(cell))
        return (text in self._keys) != self.negate

    def __str__(self) -> str:
        shown = " or ".join(repr(v) for v in self.values)
        return f"{self.header} {'is not' if self.negate else 'is'} {shown}"


def column_index(headers: Sequence[str], wanted: str, what: str, file: str) -> int:
    """The position of the column named ``wanted`` (case and spaces ignored).

    Raises:
        ExportError: no such column; the message lists the ones there are.
    """
    key = fold(wanted)
    for i, h in enumerate(headers):
        if fold(h) == key:
            return i
    import difflib

    named = [h for h in headers if h]
    close = difflib.get_close_matches(wanted, named, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ExportError(
        f"{file}: {what}: no column {wanted!r}{hint}; its columns are: "
        + ", ".join(repr(h) for h in named[:40])
    )


def parse_where(text: str, headers: Sequence[str], file: str) -> Filter:
    """``Deal Stage=Closed Won`` (``|`` between values that all count; ``!=`` to exclude).

    Raises:
        ExportError: no ``=`` in it, or no such column.
    """
    negate = "!=" in text
    column, sep, value = text.partition("!=" if negate else "=")
    if not sep or not column.strip():
        raise ExportError(
            f'--where {text!r}: write COLUMN=VALUE, e.g. --where "Deal Stage=Closed Won"'
        )
    values = tuple(v.strip() for v in value.split("|"))
    index = column_index(headers, column.strip(), f"--where {text!r}", file)
    return Filter(index, headers[index], values, negate)


def parse_map(items: Sequence[str]) -> dict[str, str]:
    """``--map date=Close Date,owner=Rep`` (repeatable) as {field: column or goal id}.

    Raises:
        ExportError: an item without ``=`` or a field that is not one of FIELDS.
    """
    out: dict[str, str] = {}
    for item in items:
        for part in _split_map(item):
            field, sep, value = part.partition("=")
            field = field.strip().lower()
            if field == "comment":
                field = "name"
            if not sep or field not in FIELDS or not value.strip():
                raise ExportError(
                    f"--map {part!r}: write FIELD=COLUMN with FIELD one of "
                    f"{', '.join(FIELDS)} (goal=G1 names a goal), e.g. --map date=Close Date"
                )
            out[field] = value.strip()
    return out


def _split_map(item: str) -> list[str]:
    """Split on commas that start a new ``field=`` (a column name may hold commas)."""
    parts: list[str] = []
    for chunk in item.split(","):
        head = chunk.split("=", 1)[0].strip().lower()
        if parts and ("=" not in chunk or head not in (*FIELDS, "comment")):
            parts[-1] += "," + chunk
        else:
            parts.append(chunk)
    return [p for p in parts if p.strip()]


def resolve_columns(
    vendor: Vendor,
    headers: Sequence[str],
    mapping: Mapping[str, str],
    goal_ids: Sequence[str],
    file: str,
) -> dict[str, int]:
    """Which column feeds each field: ``--map`` first, then the vendor's headers.

    ``goal`` in the mapping may be a goal id (a constant, not a column): it is
    left out here.
    """
    folded = [fold(h) for h in headers]
    out: dict[str, int] = {}
    ids = {g.casefold() for g in goal_ids}
    for field in FIELDS:
        wanted = mapping.get(field)
        if wanted is not None:
            if field == "goal" and wanted.casefold() in ids:
                continue
            out[field] = column_index(headers, wanted, f"--map {field}={wanted}", file)
            continue
        for h in vendor.candidates(field):
            if fold(h) in folded:
                out[field] = folded.index(fold(h))
                break
    return out
