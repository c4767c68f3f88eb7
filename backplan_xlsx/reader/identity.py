"""Which plan a file is, what the build recorded, and the Start sheet's settings.

The identity is looked for where the writer put it, most trusted first: the
``_backplan`` sheet (very hidden, or plain hidden after a LibreOffice
re-save), then the defined names, then the custom document properties. A
copy that lost all three (pasted into a new file, exported from Google
Sheets) is still read from its visible sheets, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import layout
from ..errors import Problem
from ..model import Thresholds
from ..values import clean_text, is_blank, parse_date, parse_number
from .columns import as_text, fold, located
from .source import Grid, NamedCell, Source

#: Keys of the ``_backplan`` key/value block (columns A:B), as the writer
#: (``writer.meta.write_meta_sheet``) puts them.
KEY_PLAN_ID = layout.META_PLAN_ID
KEY_VERSION = layout.META_VERSION
KEY_SCHEMA = layout.META_SCHEMA
KEY_TITLE = layout.META_TITLE
KEY_START = layout.META_START
KEY_BUILT_AS_OF = layout.META_BUILT_AS_OF
KEY_PART = layout.META_PART
#: Headers of the per-row record, from column D.
RECORD_HEADERS = ("sheet", "id", "row", "values", "formulas", "formula columns")


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One row as built: where it was, and fingerprints of its plan values and formulas."""

    sheet: str
    id: str
    row: int
    values: str
    formulas: str
    formula_keys: tuple[str, ...]


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
    record: tuple[RecordRow, ...] = ()
    has_record: bool = False
    part: str = ""
    inputs: str = ""


def read_identity(src: Source, problems: list[Problem], *, with_record: bool = False) -> Identity:
    """The plan id, version, title and start; the as-built record too when asked.

    Only ``check`` needs the record (one line per built row), so ``status``
    does not pay for it.
    """
    keys: dict[str, object] = {}
    record: tuple[RecordRow, ...] = ()
    meta = src.grid(layout.META)
    if meta is not None:
        for r in range(1, len(meta.rows)):
            key = clean_text(meta.cell(r, 0))
            if key:
                keys[key] = meta.cell(r, 1)
        record = _record(meta) if with_record else ()
    else:
        problems.append(
            Problem(
                "no-record",
                "warning",
                f"has no {layout.META} sheet (a copy pasted into a new file, or an export "
                "that drops hidden sheets?); it is read from its visible sheets, but edited, "
                "deleted or overwritten rows cannot be detected. Work in the workbook "
                "backplan built",
                file=src.name,
            )
        )
    plan_id = clean_text(keys.get(KEY_PLAN_ID))
    version = _int(keys.get(KEY_VERSION))
    found_in = layout.META if plan_id else ""
    named_id = src.constants.get(layout.PLAN_ID_NAME) or src.properties.get(
        layout.PLAN_ID_PROPERTY, ""
    )
    named_version = _int(
        src.constants.get(layout.VERSION_NAME) or src.properties.get(layout.VERSION_PROPERTY)
    )
    if not plan_id and named_id:
        plan_id, found_in = named_id, "defined names or document properties"
    if version is None:
        version = named_version
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
    schema = _int(keys.get(KEY_SCHEMA))
    if schema is not None and schema > layout.SCHEMA_VERSION:
        problems.append(
            Problem(
                "newer-schema",
                "warning",
                f"was built by a newer backplan (workbook schema {schema}, this one reads "
                f"{layout.SCHEMA_VERSION}); upgrade backplan to read it reliably",
                file=src.name,
            )
        )
    title = clean_text(keys.get(KEY_TITLE))
    if not title:
        start_sheet = src.grid(layout.START)
        title = clean_text(start_sheet.cell(0, 0)) if start_sheet is not None else ""
    start = parse_date(keys.get(KEY_START), date1904=src.date1904)
    built = parse_date(keys.get(KEY_BUILT_AS_OF), date1904=src.date1904)
    return Identity(
        plan_id=plan_id,
        version=version if version is not None else 1,
        title=title or src.path.stem,
        start=start if isinstance(start, date) else None,
        built_as_of=built if isinstance(built, date) else None,
        schema_version=schema,
        found_in=found_in or "file name",
        record=record,
        has_record=meta is not None,
        part=clean_text(keys.get(KEY_PART)) or clean_text(src.constants.get(layout.PART_NAME)),
        inputs=clean_text(keys.get(layout.META_INPUTS)),
    )


def _int(raw: object) -> int | None:
    value = parse_number(raw)
    if isinstance(value, float) and value == int(value):
        return int(value)
    return None


def _record(meta: Grid) -> tuple[RecordRow, ...]:
    if not meta.rows:
        return ()
    header = [fold(v) for v in meta.rows[0]]
    cols = {}
    for name in RECORD_HEADERS:
        if name in header:
            cols[name] = header.index(name)
    if len(cols) != len(RECORD_HEADERS):
        return ()
    out = []
    for r in range(1, len(meta.rows)):
        rid = clean_text(meta.cell(r, cols["id"]))
        sheet = clean_text(meta.cell(r, cols["sheet"]))
        row = _int(meta.cell(r, cols["row"]))
        if not rid or not sheet or row is None:
            continue
        keys = clean_text(meta.cell(r, cols["formula columns"]))
        out.append(
            RecordRow(
                sheet,
                rid,
                row,
                clean_text(meta.cell(r, cols["values"])),
                clean_text(meta.cell(r, cols["formulas"])),
                tuple(k for k in keys.split(",") if k),
            )
        )
    return tuple(out)


# --- the Start sheet's named cells -------------------------------------------


def named_cell(src: Source, name: str) -> NamedCell | None:
    """Where a named cell is: its defined name, else the label beside it on Start."""
    found = src.names.get(name)
    if found is not None and src.find_sheet(found.sheet) is not None:
        return found
    start = src.grid(layout.START)
    if start is None:
        return None
    label = fold(layout.NAMED_CELL_LABELS[name])
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
    """The OnTrackRatio and AtRiskRatio cells, checked; the defaults where unreadable."""
    default = Thresholds()
    found = {}
    for name, fallback in (
        (layout.ON_TRACK_RATIO, default.on_track),
        (layout.AT_RISK_RATIO, default.at_risk),
    ):
        cell = named_cell(src, name)
        value: float = fallback
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
        else:
            grid = src.grid(cell.sheet)
            raw = grid.cell(cell.row, cell.col) if grid is not None else None
            got = parse_number(raw)
            if isinstance(got, float) and 0 < got <= 1:
                value = got
                if isinstance(raw, str):
                    problems.append(
                        as_text(src.name, cell.sheet, cell.ref, raw, "number", f"{got:g}")
                    )
            else:
                why = got.message if not isinstance(got, float | None) else "is not a ratio"
                problems.append(
                    Problem(
                        "bad-ratio",
                        "error",
                        f"{name}: {why}; type a share between 1% and 100% (e.g. 95%). "
                        f"The default {fallback:.0%} is used",
                        file=src.name,
                        sheet=cell.sheet,
                        cell=cell.ref,
                    )
                )
        found[name] = value
    on_track, at_risk = found[layout.ON_TRACK_RATIO], found[layout.AT_RISK_RATIO]
    if at_risk > on_track:
        problems.append(
            Problem(
                "bad-ratio",
                "error",
                f"the at-risk ratio ({at_risk:.0%}) is above the on-track ratio "
                f"({on_track:.0%}); make it lower. The defaults are used",
                file=src.name,
                sheet=layout.START,
            )
        )
        return default
    return Thresholds(on_track=on_track, at_risk=at_risk)
