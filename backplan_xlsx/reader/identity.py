"""Which plan a file is, what the build recorded, and the Start sheet's settings.

The identity is looked for where the writer put it, most trusted first: the
``_backplan`` sheet (very hidden, or plain hidden after a LibreOffice
re-save), then the defined names, then the custom document properties. A
copy that lost all three (pasted into a new file, exported from Google
Sheets) is still read from its visible sheets, with a warning.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from .. import layout, layout_meta
from ..errors import Problem
from ..goalsettings import GoalSettings, decode_settings
from ..layout_meta import RowRecord
from ..model import Thresholds
from ..values import MAX_MAGNITUDE, TRIM, clean_text, is_blank, parse_date, parse_number
from .columns import as_text, fold, located
from .source import Cell, Grid, NamedCell, Source

#: One line per built row, as ``layout_meta`` declares it (an alias kept for ``check``).
RecordRow = RowRecord
#: How a declared ``_backplan`` value is read back (see ``layout_meta.MetaKind``).
MetaValue = str | int | date | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Identity:
    """The plan a file belongs to, and where that was learned (``found_in``)."""

    plan_id: str
    version: int
    title: str
    start: date | None
    built_as_of: date | None
    schema_version: int | None
    found_in: str
    record: tuple[RowRecord, ...] = ()
    has_record: bool = False
    part: str = ""
    #: On a part: the whole plan's owners as JSON (``parts.decode_owners`` reads it).
    plan_owners: str = ""
    inputs: str = ""
    generator: str = ""
    #: The input cells' fingerprints as written (``asbuilt.decode_cells`` reads them).
    input_cells: str = ""
    #: Each goal's curve and funnel as JSON (``goalsettings``); None in a file built without it.
    goal_settings: str | None = None
    #: Sheet → the row ids the build record lists for it (read even without ``record``).
    recorded: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Ids an earlier version used above this one's rows (``rowids``).
    used_ids: tuple[str, ...] = ()


def read_identity(src: Source, problems: list[Problem], *, with_record: bool = False) -> Identity:
    """The plan id, version, title and start; the as-built record too when asked.

    Only ``check`` needs the record (one line per built row), so ``status``
    does not pay for it. The steps: the ``_backplan`` key/value block, the
    defined names and document properties beside it, the schema, then the
    title and dates.
    """
    meta = src.grid(layout.META)
    if meta is None:
        problems.append(_no_record(src))
    keys, present = _meta_values(src, meta)
    plan_id, version, found_in = _plan_identity(src, keys, problems)
    schema = _schema(src, keys, problems)
    title = _text(keys, "title")
    if not title:
        start_sheet = src.grid(layout.START)
        title = clean_text(start_sheet.cell(0, 0)) if start_sheet is not None else ""
    start, built = keys.get("start"), keys.get("built_as_of")
    return Identity(
        plan_id=plan_id,
        version=version if version is not None else 1,
        title=title or src.path.stem,
        start=start if isinstance(start, date) else None,
        built_as_of=built if isinstance(built, date) else None,
        schema_version=schema,
        found_in=found_in,
        record=_record(meta) if meta is not None and with_record else (),
        has_record=meta is not None,
        part=_text(keys, "part") or clean_text(src.constants.get(layout.PART_NAME)),
        plan_owners=_text(keys, "plan_owners"),
        inputs=_text(keys, "inputs"),
        generator=_text(keys, "generator"),
        input_cells=_text(keys, "input_cells"),
        goal_settings=_text(keys, "goal_settings") if "goal_settings" in present else None,
        recorded=recorded_ids(meta) if meta is not None else {},
        used_ids=_ids(keys.get("used_ids")),
    )


def _no_record(src: Source) -> Problem:
    return Problem(
        "no-record",
        "warning",
        f"has no {layout.META} sheet (a copy pasted into a new file, or an export "
        "that drops hidden sheets?); it is read from its visible sheets, but edited, "
        "deleted or overwritten rows cannot be detected. Work in the workbook "
        "backplan built",
        file=src.name,
    )


def _meta_values(src: Source, meta: Grid | None) -> tuple[dict[str, MetaValue], set[str]]:
    """Every declared key of the key/value block, read by its kind (by ``MetaField.field``).

    Also which keys the block holds at all: a key added later (``goal_settings``)
    is absent from older files, which is not the same as empty.
    """
    raw: dict[str, object] = {}
    if meta is not None:
        for line in meta.rows[1:]:
            key = clean_text(line[0]) if line else ""
            if key:
                value = line[1] if len(line) > 1 else ""
                raw[key] = None if value == "" else value
    values = {
        f.field: _read_kind(f.kind, raw.get(f.key), src.date1904) for f in layout_meta.META_FIELDS
    }
    return values, {f.field for f in layout_meta.META_FIELDS if f.key in raw}


def _read_kind(kind: layout_meta.MetaKind, raw: object, date1904: bool) -> MetaValue:
    """A stored ``_backplan`` value back: text, whole number, date or list; None if unreadable."""
    if kind == "int":
        return _int(raw)
    if kind == "date":
        got = parse_date(raw, date1904=date1904)
        return got if isinstance(got, date) else None
    if kind == "list":
        return tuple(k for k in clean_text(raw).split(",") if k)
    return clean_text(raw)


def _ids(value: MetaValue) -> tuple[str, ...]:
    """Ids as the list key holds them, each one letter and digits (anything else ignored)."""
    if not isinstance(value, tuple):
        return ()
    return tuple(i for i in value if 1 < len(i) <= 9 and i[0].isalpha() and i[1:].isdigit())


def _text(keys: dict[str, MetaValue], name: str) -> str:
    value = keys.get(name)
    return value if isinstance(value, str) else ""


def _plan_identity(
    src: Source, keys: dict[str, MetaValue], problems: list[Problem]
) -> tuple[str, int | None, str]:
    """Plan id, version and where they were found: ``_backplan``, else names or properties."""
    plan_id = _text(keys, "plan_id")
    version = keys.get("version")
    found_in = layout.META if plan_id else ""
    named_id = src.constants.get(layout.PLAN_ID_NAME) or src.properties.get(
        layout.PLAN_ID_PROPERTY, ""
    )
    if not plan_id and named_id:
        plan_id, found_in = named_id, "defined names or document properties"
    if not isinstance(version, int):
        version = _int(
            src.constants.get(layout.VERSION_NAME) or src.properties.get(layout.VERSION_PROPERTY)
        )
    if plan_id and named_id and named_id != plan_id:
        problems.append(
            Problem(
                "identity-mismatch",
                "warning",
                f"the {layout.META} sheet says plan {plan_id!r} but the workbook's names say "
                f"{named_id!r}: sheets from two plans were combined? Use one plan's workbook",
                file=src.name,
                sheet=layout.META,
            )
        )
    if not plan_id:
        problems.append(
            Problem(
                "no-identity",
                "warning",
                "does not say which plan it belongs to (no plan id in the workbook); "
                "it is reported under its file name",
                file=src.name,
            )
        )
        plan_id = src.path.stem
    return plan_id, version, found_in or "file name"


def _schema(src: Source, keys: dict[str, MetaValue], problems: list[Problem]) -> int | None:
    """The workbook schema it was built with; a warning when it is newer than ours."""
    schema = keys.get("schema_version")
    if not isinstance(schema, int):
        return None
    if schema > layout.SCHEMA_VERSION:
        problems.append(
            Problem(
                "newer-schema",
                "warning",
                f"was built by a newer backplan (workbook schema {schema}, this one reads "
                f"{layout.SCHEMA_VERSION}); upgrade backplan to read it reliably",
                file=src.name,
            )
        )
    return schema


def _int(raw: object) -> int | None:
    value = parse_number(raw)
    if isinstance(value, float) and value == int(value):
        return int(value)
    return None


def _record(meta: Grid) -> tuple[RowRecord, ...]:
    """The per-row record, its columns found by their declared headers (none if one is gone).

    One line per built row, so a big plan has thousands: the record is read
    column by column (one reader per declared column, a list such as the
    formula columns split once per distinct text), then zipped into rows.
    """
    header = _record_header(meta)
    declared = layout_meta.RECORD_COLUMNS
    cols = {c.field: header.index(fold(c.header)) for c in declared if fold(c.header) in header}
    if len(cols) != len(declared):
        return ()
    body = meta.rows[1:]
    read = {c.field: _record_column(body, cols[c.field], c.kind) for c in declared}
    # A line missing a needed value is not a record (one someone typed below it).
    gone = {
        i for c in declared if c.needed for i, v in enumerate(read[c.field]) if not v and v != 0
    }
    # Zipped in RowRecord's own field order, so each row is made without a dict.
    columns = [read[f.name] for f in dataclasses.fields(RowRecord)]
    rows = map(RowRecord, *columns)
    if not gone:
        return tuple(rows)
    return tuple(rec for i, rec in enumerate(rows) if i not in gone)


def _record_header(meta: Grid) -> list[str]:
    return [fold(v) for v in meta.rows[0]] if meta.rows else []


def _record_column(body: list[list[Cell]], col: int, kind: layout_meta.MetaKind) -> list[MetaValue]:
    """One record column's cells read by its kind, as :func:`_read_kind` reads them.

    A blank is ``""`` on the sheet and None to the parsers; text cells, the
    common case, skip the parsers' type checks.
    """
    raws: list[object] = [line[col] if col < len(line) else "" for line in body]
    if kind == "text":
        return [v.strip(TRIM) if type(v) is str else clean_text(v) for v in raws]
    if kind == "int":
        return [
            int(v)  # a row number: what _int gives, without parsing
            if type(v) is float and abs(v) <= MAX_MAGNITUDE and v == int(v)
            else _read_kind(kind, None if v == "" else v, False)
            for v in raws
        ]
    seen: dict[str, MetaValue] = {}  # a list repeats down the column: split each text once
    out: list[MetaValue] = []
    for v in raws:
        if type(v) is str:  # text alone as a key: 1.0 and True are one key to a dict
            if v not in seen:
                seen[v] = _read_kind(kind, v or None, False)
            out.append(seen[v])
        else:
            out.append(_read_kind(kind, v, False))
    return out


def recorded_ids(meta: Grid) -> dict[str, tuple[str, ...]]:
    """Sheet → the ids its record lists, from the record's Sheet and ID columns alone.

    Cheap enough for every read (two cells a row): it is what tells a sheet
    that was renamed or deleted, and a row deleted from a copy, apart from a
    plan that never had them.
    """
    header = _record_header(meta)
    by_field = {c.field: fold(c.header) for c in layout_meta.RECORD_COLUMNS}
    sheet_col, id_col = by_field["sheet"], by_field["id"]
    if sheet_col not in header or id_col not in header:
        return {}
    body = meta.rows[1:]
    sheets = _record_column(body, header.index(sheet_col), "text")
    ids = _record_column(body, header.index(id_col), "text")
    out: dict[str, list[str]] = {}
    for sheet, rid in zip(sheets, ids, strict=True):
        if sheet and rid:
            out.setdefault(str(sheet), []).append(str(rid))
    return {k: tuple(v) for k, v in out.items()}


# --- the Start sheet's named cells -------------------------------------------


def named_cell(src: Source, name: str) -> NamedCell | None:
    """Where a named cell is: its defined name, else the label beside it on Start."""
    found = src.names.get(name)
    if found is not None and src.find_sheet(found.sheet) is not None:
        return found
    start = src.grid(layout.START)
    if start is None:
        return None
    label = fold(layout_meta.start_input(name).label)
    for r, line in enumerate(start.rows):
        for c, raw in enumerate(line[:4]):
            if isinstance(raw, str) and fold(raw) == label:
                return NamedCell(start.name, r, c + 1, None)
    return None


def read_as_of(src: Source, identity: Identity, problems: list[Problem]) -> date | None:
    """A date typed into AsOf, or None while it holds a formula (``=TODAY()``).

    calamine sees only the formula's cached value, the day the file was last
    saved, so the file's own XML says whether the cell holds a formula. When
    that cannot be told (a program that keeps no formulas), a value equal to
    the build's as-of date is taken as the untouched formula's cache.
    """
    cell = named_cell(src, layout.AS_OF)
    if cell is None:
        problems.append(
            Problem(
                "missing-named-cell",
                "warning",
                f"the {layout.AS_OF} cell (As-of date) is gone; status uses today or --as-of. "
                "Restore the Start sheet from the original workbook",
                file=src.name,
                sheet=layout.START,
            )
        )
        return None
    if cell.formula:
        return None
    grid = src.grid(cell.sheet)
    raw = grid.cell(cell.row, cell.col) if grid is not None else None
    if is_blank(raw):
        return None
    got = parse_date(raw, date1904=src.date1904)
    if not isinstance(got, date):
        if got is not None:
            problems.append(located(got, src.name, cell.sheet, cell.ref))
        return None
    if cell.formula is None and got == identity.built_as_of:
        return None
    if isinstance(raw, str):
        problems.append(as_text(src.name, cell.sheet, cell.ref, raw, "date", got.isoformat()))
    return got


def read_thresholds(src: Source, problems: list[Problem]) -> Thresholds:
    """The ratios Start declares (OnTrackRatio, AtRiskRatio), checked; defaults if unreadable."""
    default = Thresholds()
    found = {
        cell.field: _read_ratio(src, cell, getattr(default, cell.field), problems)
        for cell in layout_meta.START_INPUTS
        if cell.validation == "decimal"
    }
    got = Thresholds(**found)
    if got.at_risk > got.on_track:
        problems.append(
            Problem(
                "bad-ratio",
                "error",
                f"the at-risk ratio ({got.at_risk:.0%}) is above the on-track ratio "
                f"({got.on_track:.0%}); make it lower. The defaults are used",
                file=src.name,
                sheet=layout.START,
            )
        )
        return default
    return got


def _read_ratio(
    src: Source, declared: layout_meta.NamedInput, fallback: float, problems: list[Problem]
) -> float:
    """One ratio setting; ``fallback`` when gone or unreadable.

    Any share above 0 up to the declared maximum reads: the cell's validation
    asks for the declared minimum, but a program that does not enforce
    validations may have let a smaller one through, and it is still a ratio.
    """
    name = declared.name
    cell = named_cell(src, name)
    if cell is None:
        problems.append(
            Problem(
                "missing-named-cell",
                "warning",
                f"the {name} cell is gone; the default {fallback:.0%} is used. Restore the "
                "Start sheet from the original workbook",
                file=src.name,
                sheet=layout.START,
            )
        )
        return fallback
    grid = src.grid(cell.sheet)
    raw = grid.cell(cell.row, cell.col) if grid is not None else None
    got = parse_number(raw)
    if isinstance(got, float) and 0 < got <= declared.maximum:
        if isinstance(raw, str):
            problems.append(as_text(src.name, cell.sheet, cell.ref, raw, "number", f"{got:g}"))
        return got
    why = got.message if not isinstance(got, float | None) else "is not a ratio"
    problems.append(
        Problem(
            "bad-ratio",
            "error",
            f"{name}: {why}; type a share between {declared.minimum:.0%} and "
            f"{declared.maximum:.0%} (e.g. 95%). The default {fallback:.0%} is used",
            file=src.name,
            sheet=cell.sheet,
            cell=cell.ref,
        )
    )
    return fallback


def read_goal_settings(
    src: Source, identity: Identity, problems: list[Problem]
) -> dict[str, GoalSettings]:
    """Each goal's curve and funnel as built; none, with a note, when the file does not say.

    A file built before the key existed, or whose cell was edited into
    something that is not the record, still reads: ``replan`` then re-plans
    straight lines and derives no funnel actions, which the note says.
    """
    if not identity.has_record:
        return {}
    text = identity.goal_settings
    got = decode_settings(text) if text else ({} if text is not None else None)
    if got is not None:
        return got
    why = (
        "was built by an older backplan"
        if text is None
        else f"has an unreadable {layout_meta.META_GOAL_SETTINGS} record"
    )
    problems.append(
        Problem(
            "no-goal-settings",
            "warning",
            f"{why}, so the goals' curves and funnels are not known: replan and build --keep "
            "re-plan straight lines and derive no funnel actions. Rebuild it from its plan "
            "spec (backplan build PLAN.yaml --keep THIS.xlsx) to keep them",
            file=src.name,
            sheet=layout.META,
        )
    )
    return {}
