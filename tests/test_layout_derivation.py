"""The layout is the only place a sheet column is named: everything else derives from it.

Two proofs. A column added to a (monkeypatched) layout is written by the
writer, read back by the reader's one loop and carried through ``merge``
without a line changed anywhere else, and the formulas follow the columns
it moves. And no module but the layout spells a data sheet's header or
passes a column key as a literal to a table, a row reader or a layout.
"""

from __future__ import annotations

import ast
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from backplan_xlsx import layout
from backplan_xlsx.checks import check_workbook
from backplan_xlsx.cli import main
from backplan_xlsx.model import Plan
from backplan_xlsx.reader import read_workbook
from tests.workbooks import AS_OF, build, edit, header_col, row_of

PACKAGE = Path(__file__).resolve().parent.parent / "backplan_xlsx"
#: The modules that declare the columns (the layout) and what a column is (no names).
DECLARING = {"layout.py", "tablespec.py"}
#: Modules allowed to spell a column key: none (the Check-ins fast path and the row
#: reader's ID messages name theirs through the layout too).
KEY_ALLOWED: set[str] = set()
#: Calls whose argument is a column key: Table, RowReader and SheetLayout methods.
KEYED_CALLS = {
    "text",
    "texts",
    "ref",
    "has",
    "index",
    "letter",
    "at",
    "error",
    "need",
    "need_text",
    "need_number",
    "need_date",
    "optional_number",
    "optional_date",
    "report",
    "data_rows",
}
#: Modules that read the file's XML, where "Target" is a relationship's attribute.
XML_MODULES = ("reader/metadata.py", "reader/errorcells.py")
#: Modules that read or write the plan workbook's data sheets.
WORKBOOK_MODULES = ("writer", "reader", "checks.py", "merge.py", "split.py", "keep.py", "replan.py")

STAGE = layout.Column("Stage", "stage", 14)


@pytest.fixture
def staged(monkeypatch: pytest.MonkeyPatch) -> layout.SheetLayout:
    """The Actions layout with a plan column (the funnel stage) inserted before Done."""
    spec = layout.ACTIONS_LAYOUT
    cols = spec.columns
    at = spec.index(layout.ACTION.done)
    patched = layout.SheetLayout(spec.name, (*cols[:at], STAGE, *cols[at:]), spec.row_keys)
    monkeypatch.setattr(layout, "ACTIONS_LAYOUT", patched)
    monkeypatch.setitem(layout.DATA_LAYOUTS, layout.ACTIONS, patched)
    return patched


def test_a_column_added_to_the_layout_is_written_read_and_merged(
    staged: layout.SheetLayout, sales_plan: Plan, tmp_path: Path
) -> None:
    stages = {a.id: a.stage for a in sales_plan.actions}
    assert any(stages.values()), "the sales template's funnel gives actions a stage"
    built = build(sales_plan, tmp_path / "plan.xlsx")

    ws = openpyxl.load_workbook(built)[layout.ACTIONS]
    stage_col, done_col = header_col(ws, STAGE.header), header_col(ws, layout.ACTION.done.header)
    assert (stage_col, done_col) == (staged.index(STAGE) + 1, staged.index(STAGE) + 2)
    # The Status formula follows the Done column to its new letter.
    status = ws.cell(2, header_col(ws, layout.ACTION.status.header)).value
    assert f"{layout.col_letter(done_col - 1)}2" in status

    snap = read_workbook(built)
    assert {a.id: a.stage for a in snap.plan.actions} == stages
    assert not [p for p in check_workbook(built, AS_OF) if p.sheet == layout.ACTIONS]

    def mark(wb: openpyxl.Workbook) -> None:
        sheet = wb[layout.ACTIONS]
        sheet.cell(row_of(sheet, "A1"), header_col(sheet, layout.ACTION.done.header), "Yes")

    a = edit(built, mark, tmp_path / "a.xlsx")
    b = build(sales_plan, tmp_path / "b.xlsx")
    merged = tmp_path / "merged.xlsx"
    result = CliRunner().invoke(
        main, ["merge", str(a), str(b), "-o", str(merged), "--as-of", AS_OF.isoformat()]
    )
    assert result.exit_code == 0, result.output
    back = read_workbook(merged)
    assert {a.id: a.stage for a in back.plan.actions} == stages
    assert back.done == {"A1": "Yes"}


def test_the_layout_declares_what_each_column_reads_as() -> None:
    """Every readable column has a hint for its messages; choices and days say what was wrong."""
    for cols in layout.NAMED_COLUMNS.values():
        assert tuple(cols._fields) == tuple(c.key for c in cols)  # type: ignore[attr-defined]
        for col in cols:
            if col.needed and not col.blank or col.kind in ("number", "date", "days", "id"):
                assert col.hint, col
            if col.kind in ("choice", "days"):
                assert "{value" in col.bad, col
            if col.validation:
                assert col.prompt is not None, col
            if col.role == "formula":
                assert col.kind == "", col


def _sources() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name not in DECLARING:
            out.append((name, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            found.add(id(body[0].value))
    return found


def test_no_workbook_module_spells_a_data_sheet_header() -> None:
    """Header strings of the data sheets appear only in the layout (docstrings aside)."""
    headers = {c.header for cols in layout.NAMED_COLUMNS.values() for c in cols}
    spelled = []
    for name, tree in _sources():
        if not name.startswith(WORKBOOK_MODULES) or name in XML_MODULES:
            continue
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in headers
                and id(node) not in docs
            ):
                spelled.append(f"{name}:{node.lineno} {node.value!r}")
    assert spelled == []


def test_no_module_passes_a_column_key_as_a_literal() -> None:
    """Tables, row readers and layouts are given columns by the layout's names, never a string."""
    keys = {c.key for cols in layout.NAMED_COLUMNS.values() for c in cols}
    labels = {f":{p.label}" for p in layout.OWNER_PART} | {f" {p.label}" for p in layout.OWNER_PART}
    spelled = []
    for name, tree in _sources():
        if name in KEY_ALLOWED:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr not in KEYED_CALLS:
                    continue
                for arg in node.args:
                    for c in ast.walk(arg):
                        if isinstance(c, ast.Constant) and c.value in keys:
                            spelled.append(f"{name}:{node.lineno} .{node.func.attr}({c.value!r})")
            elif isinstance(node, ast.JoinedStr) and name.startswith(WORKBOOK_MODULES):
                for part in node.values:
                    if isinstance(part, ast.Constant) and part.value in labels:
                        spelled.append(f"{name}:{node.lineno} f-string {part.value!r}")
    assert spelled == []
