"""An edit beats a value a copy only holds as built, whatever the versions (issue 13).

A note carried into version 2 by ``replan`` sits unchanged in everybody's
version-2 part; the note its owner retyped in their version-1 part is the
one edit, and must survive ``merge`` even when the version-2 part is newer.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from backplan_xlsx import layout
from backplan_xlsx.asbuilt import is_edit
from backplan_xlsx.cli import main
from backplan_xlsx.reader import read_workbook
from tests.soffice import recalculate
from tests.workbooks import edit, header_col, row_of

AS_OF = "2027-05-10"
OWNER = "Ravi Patel"
PART = "ravi-patel.xlsx"


def _run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def _ok(*args: str) -> Result:
    result = _run(*args)
    assert result.exit_code == 0, result.output
    return result


def _actions_of(path: Path, owner: str) -> list[str]:
    return [a.id for a in read_workbook(path).plan.actions if a.owner == owner]


def _set(path: Path, aid: str, **cells: object) -> None:
    def change(wb: object) -> None:
        ws = wb[layout.ACTIONS]  # type: ignore[index]
        for header, value in cells.items():
            ws.cell(row_of(ws, aid), header_col(ws, header), value)

    edit(path, change)


def _cycle(tmp_path: Path) -> tuple[str, Path, Path]:
    """v1 with a note → replan (v2 carries it) → both versions split; (action, v1 part, v2 dir)."""
    spec = tmp_path / "plan.yaml"
    _ok("new", str(spec), "--template", "sales")
    v1 = tmp_path / "v1.xlsx"
    _ok("build", str(spec), "-o", str(v1), "--as-of", AS_OF)
    aid, dated = _actions_of(v1, OWNER)[:2]
    _set(v1, aid, Notes="call Acme first")
    _set(v1, dated, Done=date(2027, 2, 1))  # a Done date, carried as built too
    v2 = tmp_path / "v2.xlsx"
    _ok("replan", str(v1), "-o", str(v2), "--as-of", AS_OF)
    assert read_workbook(v2).notes.get(aid) == "call Acme first"
    _ok("split", str(v1), "-o", str(tmp_path / "p1"))
    _ok("split", str(v2), "-o", str(tmp_path / "p2"))
    return aid, tmp_path / "p1" / PART, tmp_path / "p2"


def _merge(old_part: Path, new_parts: Path, out: Path) -> Result:
    """Merge with the version-2 parts saved after the version-1 part (newest-wins bites)."""
    os.utime(old_part, (1_000_000, 1_000_000))
    for p in new_parts.iterdir():
        os.utime(p, (2_000_000, 2_000_000))
    files = [str(old_part), *(str(p) for p in sorted(new_parts.iterdir()))]
    return _ok("merge", *files, "-o", str(out), "--as-of", AS_OF)


def test_an_old_version_edit_beats_a_newer_copys_unedited_cell(tmp_path: Path) -> None:
    aid, old_part, new_parts = _cycle(tmp_path)
    _set(old_part, aid, Notes="called Acme: demo on 12 May", Done="x")
    out = tmp_path / "merged.xlsx"
    result = _merge(old_part, new_parts, out)
    assert "0 conflicts" in result.output, result.output
    merged = read_workbook(out)
    assert merged.notes[aid] == "called Acme: demo on 12 May"
    assert merged.done[aid] == "x"
    assert merged.plan.version == 2


def test_two_different_edits_are_a_conflict_named_by_sheet_and_cell(tmp_path: Path) -> None:
    aid, old_part, new_parts = _cycle(tmp_path)
    _set(old_part, aid, Notes="called Acme: demo on 12 May")
    _set(new_parts / PART, aid, Notes="Acme said no")
    out = tmp_path / "merged.xlsx"
    result = _merge(old_part, new_parts, out)
    assert "1 conflicts" in result.output, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("Conflict:"))
    assert "called Acme: demo on 12 May" in line and "Acme said no" in line
    # The newest typed value is kept; the other is printed, not silently dropped.
    assert read_workbook(out).notes[aid] == "Acme said no"
    # Named by the cell of the merged workbook that holds it.
    import openpyxl
    from openpyxl.utils import get_column_letter

    ws = openpyxl.load_workbook(out)[layout.ACTIONS]
    row, col = row_of(ws, aid), header_col(ws, "Notes")
    assert ws.cell(row, col).value == "Acme said no"
    assert f"{layout.ACTIONS}!{get_column_letter(col)}{row} ({aid} Notes): " in line


def test_an_unedited_newer_cell_keeps_the_newer_value_when_nobody_typed(tmp_path: Path) -> None:
    aid, old_part, new_parts = _cycle(tmp_path)
    out = tmp_path / "merged.xlsx"
    result = _merge(old_part, new_parts, out)
    assert "0 conflicts" in result.output, result.output
    assert read_workbook(out).notes[aid] == "call Acme first"


@pytest.mark.soffice
def test_a_libreoffice_resave_is_not_an_edit(soffice: str, tmp_path: Path) -> None:
    """Re-saved by LibreOffice (numbers and dates rewritten), an unedited cell is still unedited."""
    aid, old_part, new_parts = _cycle(tmp_path)
    _set(old_part, aid, Notes="called Acme: demo on 12 May")
    resaved = tmp_path / "resaved"
    recalculate(sorted(new_parts.iterdir()), resaved, binary=soffice)
    snap = read_workbook(resaved / PART)
    assert snap.built_cells, "the fingerprints survive the re-save"
    assert snap.done and snap.notes[aid] == "call Acme first"
    assert not [i for i, v in snap.notes.items() if is_edit(snap, i, "Notes", v)]
    assert not [i for i, v in snap.done.items() if is_edit(snap, i, "Done", v)]
    assert is_edit(snap, aid, "Notes", "called Acme")
    out = tmp_path / "merged.xlsx"
    result = _merge(old_part, resaved, out)
    assert "0 conflicts" in result.output, result.output
    assert read_workbook(out).notes[aid] == "called Acme: demo on 12 May"
