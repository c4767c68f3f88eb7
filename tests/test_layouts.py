"""What the writers emit is what the layouts declare: plan workbook, ``_backplan``, Start, roll-up.

Each test derives the expectation from the declaration (``layout``,
``layout_meta``, ``layout_rollup``) and compares it with a real built
workbook or roll-up, so a column, key or setting added in one place only
(the writer or the layout) fails here.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from backplan_xlsx import layout, layout_meta, layout_rollup
from backplan_xlsx.cli import main
from backplan_xlsx.errors import WorkbookWriteError
from backplan_xlsx.model import Plan, Thresholds
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.reader.identity import Identity
from backplan_xlsx.rollup import ImportEntry, write_rollup
from backplan_xlsx.writer.book import MAX_TEXT_CHARS
from tests.workbooks import build, edit, fill, row_of

AS_OF = date(2027, 5, 10)


@pytest.fixture
def built(sales_plan: Plan, tmp_path: Path) -> Path:
    return build(sales_plan, tmp_path / "plan.xlsx", AS_OF)


def _header_row(ws: Any, row: int = 1) -> tuple[object, ...]:
    values = next(ws.iter_rows(min_row=row, max_row=row, values_only=True))
    width = len(values)
    while width and values[width - 1] is None:
        width -= 1
    return tuple(values[:width])


def test_every_data_sheet_holds_exactly_its_declared_headers(built: Path, sales_plan: Plan) -> None:
    wb = openpyxl.load_workbook(built, read_only=True)
    declared = dict(layout.DATA_LAYOUTS)
    sums = tuple(g.id for g in sales_plan.goals if g.measure == "sum")
    declared[layout.OWNERS] = layout.owners_layout(sums)
    for name, spec in declared.items():
        assert _header_row(wb[name]) == tuple(c.header for c in spec.columns), name
    wb.close()


def test_the_backplan_sheet_holds_exactly_the_declared_keys_and_record_columns(
    built: Path, tmp_path: Path
) -> None:
    wb = openpyxl.load_workbook(built, read_only=True)
    ws = wb[layout.META]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    assert rows[0][:2] == layout_meta.META_KEY_HEADERS
    keys = [r[0] for r in rows[1:] if r[0] is not None]
    assert keys == [f.key for f in layout_meta.META_FIELDS if not f.optional]
    first = layout_meta.RECORD_FIRST_COLUMN
    assert _header_row_of(rows[0][first:]) == tuple(c.header for c in layout_meta.RECORD_COLUMNS)
    # Every record line has a value in every needed column.
    needed = [first + i for i, c in enumerate(layout_meta.RECORD_COLUMNS) if c.needed]
    lines = [r for r in rows[1:] if r[first] is not None]
    assert lines and all(r[i] is not None for r in lines for i in needed)

    # A split part holds the optional key too, and it reads back.
    parts = tmp_path / "parts"
    assert CliRunner().invoke(main, ["split", str(built), "-o", str(parts)]).exit_code == 0
    part = sorted(parts.glob("*.xlsx"))[0]
    wb = openpyxl.load_workbook(part, read_only=True)
    keys = [r[0] for r in wb[layout.META].iter_rows(min_row=2, values_only=True) if r[0]]
    wb.close()
    assert keys == [f.key for f in layout_meta.META_FIELDS]
    assert read_workbook(part).plan.part


def _header_row_of(values: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(v for v in values if v is not None)


def test_the_declared_record_and_keys_are_what_the_reader_holds() -> None:
    # The reader builds its records and identity from the declarations by name.
    record_fields = tuple(f.name for f in dataclasses.fields(layout_meta.RowRecord))
    assert record_fields == tuple(c.field for c in layout_meta.RECORD_COLUMNS)
    identity_fields = {f.name for f in dataclasses.fields(Identity)}
    assert {f.field for f in layout_meta.META_FIELDS} <= identity_fields
    ratio_fields = {f.name for f in dataclasses.fields(Thresholds)}
    decimals = {c.field for c in layout_meta.START_INPUTS if c.validation == "decimal"}
    assert decimals == ratio_fields


def test_start_holds_exactly_the_declared_settings(built: Path) -> None:
    wb = openpyxl.load_workbook(built)
    ws = wb[layout.START]
    on_start = {}
    for name, dn in wb.defined_names.items():
        for sheet, ref in dn.destinations:
            if sheet == layout.START:
                on_start[name] = ref.replace("$", "")
    assert set(on_start) == {c.name for c in layout_meta.START_INPUTS}
    validations = {
        str(ref): dv for dv in ws.data_validations.dataValidation for ref in dv.sqref.ranges
    }
    for cell in layout_meta.START_INPUTS:
        ref = on_start[cell.name]
        row = ws[ref].row
        label = ws.cell(row, layout_meta.START_LABEL_COLUMN + 1).value
        assert label == cell.label
        assert ws[ref].column == layout_meta.START_VALUE_COLUMN + 1
        assert ws.cell(row, layout_meta.START_NOTE_COLUMN + 1).value == cell.note
        assert ws[ref].protection.locked is False, f"{cell.name} is an input"
        assert ws[ref].number_format == cell.fmt
        dv = next(v for r, v in validations.items() if ref in _cells(r))
        assert dv.type == cell.validation
        if cell.validation == "decimal":
            assert (float(dv.formula1), float(dv.formula2)) == (cell.minimum, cell.maximum)
    wb.close()


def _cells(ref: str) -> set[str]:
    from openpyxl.utils import range_boundaries
    from openpyxl.utils.cell import get_column_letter

    c1, r1, c2, r2 = range_boundaries(ref)
    return {f"{get_column_letter(c)}{r}" for c in range(c1, c2 + 1) for r in range(r1, r2 + 1)}


def test_a_ratio_setting_found_by_its_declared_label_when_the_name_is_gone(built: Path) -> None:
    declared = layout_meta.start_input(layout.ON_TRACK_RATIO)

    def drop_name(wb: Any) -> None:
        del wb.defined_names[declared.name]
        ws = wb[layout.START]
        for row in ws.iter_rows():
            if row[0].value == declared.label:
                row[1].value = 0.9

    edit(built, drop_name)
    assert declared.name not in openpyxl.load_workbook(built).defined_names
    snap = read_workbook(built)
    assert snap.plan.thresholds.on_track == pytest.approx(0.9)


# --- the roll-up ---------------------------------------------------------------


def _collect(built: Path, tmp_path: Path, *extra: str) -> tuple[Path, Any]:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    shutil.copy(built, inbox / "team.xlsx")
    rollup = tmp_path / "rollup.xlsx"
    args = ["collect", str(inbox), "-o", str(rollup), "--as-of", "2027-05-31", "--jobs", "1"]
    args += ["--history", str(tmp_path / "h.sqlite"), *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    return rollup, result


def test_every_rollup_sheet_holds_exactly_its_declared_headers(built: Path, tmp_path: Path) -> None:
    edit(built, partial(fill, done={}, reviews={}))
    rollup, _ = _collect(built, tmp_path)
    wb = openpyxl.load_workbook(rollup, read_only=True)
    assert tuple(wb.sheetnames) == layout_rollup.ROLLUP_SHEETS
    fixed = (
        layout_rollup.SUMMARY,
        layout_rollup.RETURNS,
        layout_rollup.CHANGES,
        layout_rollup.COVERAGE,
        layout_rollup.OWNERS,
        layout_rollup.ANTI_GOALS,
        layout_rollup.IMPORT_LOG,
        layout_rollup.TREND,
    )
    for spec in fixed:
        top = 2 if spec.titled else 1
        assert _header_row(wb[spec.name], top) == spec.headers, spec.name
        assert wb[spec.name].max_row > top, f"{spec.name} has no rows to compare"
    attained = _header_row(wb[layout_rollup.ATTAINMENT_NAME], 2)
    series = tuple(str(h) for h in attained[1:-1])
    assert series, "the Attainment sheet has no series"
    assert attained == layout_rollup.attainment_layout(series).headers
    wb.close()


def test_a_row_with_a_field_the_layout_lacks_is_refused(tmp_path: Path) -> None:
    import xlsxwriter

    from backplan_xlsx.rollupsheet import Formats, Rollup, table

    wb = xlsxwriter.Workbook(str(tmp_path / "r.xlsx"))
    out = Rollup(wb, Formats(wb, "#000000", "#FFFFFF"))
    row = {f: "x" for f in layout_rollup.IMPORT_LOG.fields} | {"notes": "typed"}
    with pytest.raises(ValueError, match="notes"):
        table(out, layout_rollup.IMPORT_LOG, [row])
    wb.close()


def test_text_too_long_for_a_cell_is_cut_visibly_and_named(tmp_path: Path) -> None:
    problems = "row 7: " + "x" * 40_000
    path = tmp_path / "rollup.xlsx"
    cut = write_rollup(
        path, "2027-05", AS_OF, [], [ImportEntry("a.xlsx", "p", 1, "skipped", problems)], {}
    )
    assert cut == ("Import log!E2 (40,007 characters)",)
    wb = openpyxl.load_workbook(path, read_only=True)
    cell = str(wb["Import log"]["E2"].value)
    wb.close()
    assert len(cell) == MAX_TEXT_CHARS
    assert cell.startswith("row 7: xxx")
    assert cell.endswith("[cut to fit one cell: 40,007 characters in all]")


def _type_text(path: Path, sheet: str, rid: str, key: str, text: str) -> None:
    """Type ``text`` into a plan cell, longer than openpyxl (which cuts at 32,767) can save.

    Another program can: the marker openpyxl saves is replaced in the file's XML.
    """
    import zipfile

    marker = "LONG-TEXT-MARKER"

    def type_marker(wb: Any) -> None:
        ws = wb[sheet]
        ws.cell(row_of(ws, rid), 1 + layout.DATA_LAYOUTS[sheet].index(key)).value = marker

    edit(path, type_marker)
    patched = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if marker.encode() in data:
                data = data.replace(marker.encode(), text.encode())
            dst.writestr(item, data)
    patched.replace(path)


def test_collect_reports_a_typed_text_too_long_for_the_rollup(built: Path, tmp_path: Path) -> None:
    long = "New ARR" + " and more" * 4000
    _type_text(built, layout.GOALS, "G1", "name", long)
    rollup, result = _collect(built, tmp_path, "--format", "json")
    import json

    got = json.loads(result.output)
    assert f"Summary!E3 ({len(long):,} characters)" in got["cut"]
    wb = openpyxl.load_workbook(rollup, read_only=True)
    cell = str(wb["Summary"]["E3"].value)
    wb.close()
    assert cell.startswith("New ARR and more")
    assert len(cell) == MAX_TEXT_CHARS and cell.endswith(f"{len(long):,} characters in all]")
    text = CliRunner().invoke(
        main,
        ["collect", str(tmp_path / "inbox"), "-o", str(tmp_path / "again.xlsx")]
        + ["--as-of", "2027-05-31", "--jobs", "1", "--history", str(tmp_path / "h2.sqlite")],
    )
    assert "Cut to fit a cell in the roll-up" in text.output and "Summary!E3" in text.output


def test_a_cell_xlsxwriter_refuses_in_the_rollup_is_an_error_not_a_gap(tmp_path: Path) -> None:
    import xlsxwriter

    from backplan_xlsx.rollupsheet import Formats, ReportSheet, Rollup

    wb = xlsxwriter.Workbook(str(tmp_path / "r.xlsx"))
    out = Rollup(wb, Formats(wb, "#000000", "#FFFFFF"))
    sheet = ReportSheet(wb.add_worksheet("Summary"), "Summary", out.cut)
    with pytest.raises(WorkbookWriteError, match="Summary!A1048577"):
        sheet.text(layout.MAX_SHEET_ROWS, 0, "one row too far")
    wb.close()
