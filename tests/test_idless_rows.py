"""A row someone typed without an ID is never dropped: every rewrite refuses and names it.

Inputs are carried by row id, so an action a manager types at the bottom of
Actions (no ID, Done = yes, a note) or a remark under Feedback on an empty
Anti-goals row has nowhere to go. ``merge``, ``split``, ``replan``,
``import`` and ``build --keep`` refuse such a workbook (exit 2) naming each
cell, and write nothing; ``check`` reports it as an error; ``status`` still
reports. A blank row, formatted or not, or one holding only formula output,
is not a problem.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from backplan_xlsx import layout
from backplan_xlsx.layout import ACTION as A
from backplan_xlsx.layout import ANTI_GOAL as X
from backplan_xlsx.reader import read_workbook
from tests import workbooks as wbk
from tests.workbooks import run

AS_OF = "2027-02-01"
DATA = Path(__file__).resolve().parent / "data" / "crm"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sales template's spec and the workbook built from it."""
    where = tmp_path_factory.mktemp("idless")
    spec, out = where / "plan.yaml", where / "plan.xlsx"
    assert run("new", spec, "--template", "sales").exit_code == 0
    return spec, wbk.built_by_cli(spec, out, AS_OF)


def _next_row(ws: Any) -> int:
    """The first row below the table (1-based)."""
    col = wbk.header_col(ws, "ID")
    r: int = ws.max_row
    while r > 1 and ws.cell(r, col).value is None:
        r -= 1
    return r + 1


def _typed_action(wb: Any) -> list[str]:
    """A new action row typed without an ID: Done = yes and a note. Returns its input cells."""
    ws = wb[layout.ACTIONS]
    r = _next_row(ws)
    ws.cell(r, wbk.header_col(ws, A.action.header), "Call top 10 lapsed customers")
    ws.cell(r, wbk.header_col(ws, A.owner.header), "Ravi Patel")
    ws.cell(r, wbk.header_col(ws, A.due.header), datetime(2027, 3, 15))
    ws.cell(r, wbk.header_col(ws, A.done.header), "yes")
    ws.cell(r, wbk.header_col(ws, A.notes.header), "called 4 so far")
    return [f"{layout.ACTIONS}!{layout.ACTIONS_LAYOUT.at(c, r)}" for c in (A.done, A.notes)]


def _done_only(wb: Any) -> list[str]:
    """An empty row below the actions with only a Done mark typed into it."""
    ws = wb[layout.ACTIONS]
    r = _next_row(ws) + 2
    ws.cell(r, wbk.header_col(ws, A.done.header), "yes")
    return [f"{layout.ACTIONS}!{layout.ACTIONS_LAYOUT.at(A.done, r)}"]


def _feedback_only(wb: Any) -> list[str]:
    """A remark typed under Feedback on an empty Anti-goals row."""
    ws = wb[layout.ANTI_GOALS]
    r = _next_row(ws)
    ws.cell(r, wbk.header_col(ws, X.feedback.header), "Stop cold-calling")
    return [f"{layout.ANTI_GOALS}!{layout.ANTI_GOALS_LAYOUT.at(X.feedback, r)}"]


def _inserted_column(wb: Any) -> list[str]:
    """A column inserted on Goals, with a remark typed on a row without an ID."""
    ws = wb[layout.GOALS]
    col = ws.max_column + 2
    ws.cell(1, col, "Commentary")
    ws.cell(2, col, "Board watches this")  # G1's: carried by its ID
    r = _next_row(ws)
    ws.cell(r, col, "and this one too")
    return [f"{layout.GOALS}!{layout.col_letter(col - 1)}{r}"]


EDITS: dict[str, Callable[[Any], list[str]]] = {
    "typed action": _typed_action,
    "done mark only": _done_only,
    "anti-goal feedback": _feedback_only,
    "inserted column": _inserted_column,
}


def _edited(built: tuple[Path, Path], tmp_path: Path, edit: Callable[[Any], list[str]]) -> Any:
    spec, plan = built
    copy = tmp_path / "returned.xlsx"
    shutil.copyfile(plan, copy)
    cells: list[str] = []
    wbk.edit(copy, lambda wb: cells.extend(edit(wb)))
    return spec, copy, cells


def _import_export(tmp_path: Path) -> Path:
    export = tmp_path / "hubspot-deals.csv"
    shutil.copyfile(DATA / "hubspot-deals.csv", export)
    return export


#: Every command that writes what a workbook holds into a new one (output, then the rest).
REWRITES: dict[str, Callable[[Path, Path, Path], list[str | Path]]] = {
    "merge": lambda spec, copy, out: ["merge", copy, "-o", out, "--as-of", AS_OF],
    "replan": lambda spec, copy, out: ["replan", copy, "-o", out, "--as-of", AS_OF],
    "split": lambda spec, copy, out: ["split", copy, "-o", out, "--as-of", AS_OF],
    "build --keep": lambda spec, copy, out: ["build", spec, "-o", out, "--keep", copy],
    "import": lambda spec, copy, out: ["import", copy, _import_export(out.parent)],
}


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("command", REWRITES)
def test_every_rewrite_refuses_a_typed_row_without_an_id(
    built: tuple[Path, Path], tmp_path: Path, edit: str, command: str
) -> None:
    spec, copy, cells = _edited(built, tmp_path, EDITS[edit])
    before = copy.read_bytes()
    out = tmp_path / "out" / "new.xlsx"
    out.parent.mkdir()
    result = run(*REWRITES[command](spec, copy, out if command != "split" else out.parent))
    assert result.exit_code == 2, result.output
    for cell in cells:
        assert cell in result.stderr
    assert "has no ID" in result.stderr
    assert "give the row an id from the spec" in result.stderr.casefold()
    assert "Traceback" not in result.output
    assert copy.read_bytes() == before
    assert [p.name for p in out.parent.iterdir() if p.name != "hubspot-deals.csv"] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "returned.xlsx"]


@pytest.mark.parametrize("edit", EDITS)
def test_check_names_each_cell_as_an_error_and_status_still_reports(
    built: tuple[Path, Path], tmp_path: Path, edit: str
) -> None:
    _, copy, cells = _edited(built, tmp_path, EDITS[edit])
    check = run("check", copy, "--as-of", AS_OF, "-f", "json")
    assert check.exit_code == 1
    import json

    found = [p for p in json.loads(check.stdout)["problems"] if p["code"] == "missing-id"]
    assert len(found) == 1
    assert found[0]["severity"] == "error"
    for cell in cells:
        assert cell in found[0]["message"]
    shown = run("check", copy, "--as-of", AS_OF)
    assert all(cell in shown.stdout for cell in cells)
    status = run("status", copy, "--as-of", AS_OF, "-f", "json")
    assert status.exit_code == 0, status.output
    problems = json.loads(status.stdout)["problems"]
    assert [p["code"] for p in problems if p["severity"] == "error"] == ["missing-id"]


def test_the_message_says_what_each_cell_holds(built: tuple[Path, Path], tmp_path: Path) -> None:
    _, copy, cells = _edited(built, tmp_path, _typed_action)
    result = run("replan", copy, "-o", tmp_path / "new.xlsx", "--as-of", AS_OF)
    assert result.exit_code == 2
    assert f'{cells[0]} "yes"' in result.stderr
    assert f'{cells[1]} "called 4 so far"' in result.stderr
    assert "2027-03-15" in result.stderr
    assert "Ravi Patel" in result.stderr
    assert "move what it says to the Notes of an existing row, or clear it" in result.stderr


def _with_cached_value(path: Path, sheet: str, cell: str, value: str) -> None:
    """Give a formula cell a cached text value, as a spreadsheet that recalculated saves it.

    openpyxl writes formulas without values; Excel and LibreOffice store the result.
    """
    member = f"xl/worksheets/sheet{layout.SHEET_ORDER.index(sheet) + 1}.xml"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts[member].decode("utf-8")
    pattern = re.compile(rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v ?/>')
    assert pattern.search(xml), f"no formula at {cell}"
    xml = pattern.sub(lambda m: f'<c r="{cell}"{m[1]} t="str"><f>{m[2]}</f><v>{value}</v>', xml)
    parts[member] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_blank_formatted_and_formula_only_rows_are_no_problem(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    from openpyxl.styles import PatternFill

    spec, plan = built
    copy = tmp_path / "returned.xlsx"
    shutil.copyfile(plan, copy)
    status_cell: list[str] = []

    def change(wb: Any) -> None:
        ws = wb[layout.ACTIONS]
        last = _next_row(ws) - 1
        yellow = PatternFill("solid", fgColor="FFFF00")
        for c in range(1, ws.max_column + 1):  # a formatted row, and a blank cell typed over
            ws.cell(last + 1, c).fill = yellow
        ws.cell(last + 2, wbk.header_col(ws, A.notes.header), "   ")
        status = wbk.header_col(ws, A.status.header)
        ws.cell(last + 3, status, ws.cell(last, status).value)  # the Status formula copied down
        status_cell.append(layout.ACTIONS_LAYOUT.at(A.status, last + 3))
        anti = wb[layout.ANTI_GOALS]
        for c in range(1, anti.max_column + 1):
            anti.cell(_next_row(anti), c).fill = yellow

    wbk.edit(copy, change)
    _with_cached_value(copy, layout.ACTIONS, status_cell[0], "Open")
    assert [p.code for p in read_workbook(copy).problems] == []
    out = tmp_path / "out"
    out.mkdir()
    assert run("replan", copy, "-o", out / "v2.xlsx", "--as-of", AS_OF).exit_code == 0
    assert run("merge", copy, "-o", out / "m.xlsx", "--as-of", AS_OF).exit_code == 0
    assert run("split", copy, "-o", out / "parts", "--as-of", AS_OF).exit_code == 0
    kept = run("build", spec, "-o", out / "kept.xlsx", "--keep", copy)
    assert kept.exit_code == 0, kept.output


def test_a_row_given_its_id_back_is_carried(built: tuple[Path, Path], tmp_path: Path) -> None:
    """What the message asks for works: with an ID the mark and note come through."""
    spec, plan = built
    copy = tmp_path / "returned.xlsx"
    shutil.copyfile(plan, copy)

    rows: list[int] = []

    def change(wb: Any) -> None:
        ws = wb[layout.ACTIONS]
        rows.append(wbk.row_of(ws, "A5"))
        ws.cell(rows[0], wbk.header_col(ws, "ID")).value = None
        ws.cell(rows[0], wbk.header_col(ws, A.done.header), "yes")

    wbk.edit(copy, change)
    refused = run("replan", copy, "-o", tmp_path / "v2.xlsx", "--as-of", AS_OF)
    assert refused.exit_code == 2
    assert f"{layout.ACTIONS}!{layout.ACTIONS_LAYOUT.at(A.done, rows[0])}" in refused.stderr
    wbk.edit(copy, lambda wb: wb[layout.ACTIONS].cell(rows[0], 1, "A5"))
    result = run("build", spec, "-o", tmp_path / "kept.xlsx", "--keep", copy)
    assert result.exit_code == 0, result.output
    assert read_workbook(tmp_path / "kept.xlsx").done["A5"] == "yes"
