"""A row deleted from one copy or part is never merged away (issue 13's contract).

merge takes it from a copy that still holds it (or the whole plan among the
files), else refuses naming the file, sheet and row; collect skips such a
copy with that reason in the import log.
"""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

from backplan_xlsx import layout, layout_meta
from backplan_xlsx.reader import read_workbook
from tests.workbooks import built_by_cli, header_col, row_of, run

AS_OF = "2027-05-10"


@pytest.fixture
def built(tmp_path: Path, sales_spec: Path) -> Path:
    out = built_by_cli(sales_spec, tmp_path / "plan.xlsx", AS_OF)
    return out


@pytest.fixture
def parts(built: Path, tmp_path: Path) -> list[Path]:
    folder = tmp_path / "parts"
    assert run("split", built, "-o", folder, "--as-of", AS_OF).exit_code == 0
    return sorted(folder.glob("*.xlsx"))


def _delete_row(path: Path, sheet: str, rid: str, done: str = "") -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    if done:  # typed somewhere else first, so the copy holds an input
        other = ws.cell(row_of(ws, rid) + 1, header_col(ws, "Done"))
        other.value = done
    ws.delete_rows(row_of(ws, rid))
    wb.save(path)


def _first_action(path: Path) -> str:
    return read_workbook(path).plan.actions[0].id


def test_merge_refuses_a_part_that_lost_a_row_no_file_holds(
    parts: list[Path], tmp_path: Path
) -> None:
    part = parts[0]
    aid = _first_action(part)
    _delete_row(part, layout.ACTIONS, aid)
    merged = tmp_path / "m.xlsx"
    result = run("merge", *parts, "-o", merged, "--as-of", AS_OF)
    assert result.exit_code == 2
    assert (
        f"{part.name}: Actions row {aid} was deleted; copy it back from the original, or add "
        "the whole plan to the merge" in result.stderr
    )
    assert not merged.exists()


def test_merge_takes_a_deleted_row_from_the_whole_plan(
    built: Path, parts: list[Path], tmp_path: Path
) -> None:
    part = parts[0]
    aid = _first_action(part)
    _delete_row(part, layout.ACTIONS, aid)
    merged = tmp_path / "m.xlsx"
    result = run("merge", *parts, built, "-o", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert aid in {a.id for a in read_workbook(merged).plan.actions}
    assert {a.id for a in read_workbook(merged).plan.actions} == {
        a.id for a in read_workbook(built).plan.actions
    }


@pytest.mark.parametrize("sheet", [layout.ACTIONS, layout.ANTI_GOALS, layout.MILESTONES])
def test_a_row_deleted_in_the_newest_copy_is_taken_from_another(
    built: Path, tmp_path: Path, sheet: str
) -> None:
    other = tmp_path / "other.xlsx"
    other.write_bytes(built.read_bytes())
    plan = read_workbook(built).plan
    rid = getattr(plan, layout_meta.RECORDED_ROWS[sheet])[1].id
    _delete_row(built, sheet, rid)
    os.utime(other, (1_000_000, 1_000_000))  # the copy that deleted it is the newest
    merged = tmp_path / "m.xlsx"
    result = run("merge", other, built, "-o", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    again = read_workbook(merged).plan
    assert again.actions == plan.actions and again.anti_goals == plan.anti_goals
    assert again.milestones == plan.milestones


def test_merge_refuses_a_lone_copy_that_lost_a_row(built: Path, tmp_path: Path) -> None:
    _delete_row(built, layout.ACTIONS, "A2", done="Yes")
    result = run("merge", built, "-o", tmp_path / "m.xlsx", "--as-of", AS_OF)
    assert result.exit_code == 2 and "plan.xlsx: Actions row A2 was deleted" in result.stderr


def test_collect_skips_a_part_that_lost_a_row_and_says_why(
    built: Path, parts: list[Path], tmp_path: Path
) -> None:
    part = parts[0]
    aid = _first_action(part)
    _delete_row(part, layout.ACTIONS, aid)
    rollup = tmp_path / "out" / "rollup.xlsx"
    rollup.parent.mkdir()
    result = run("collect", *parts, "-o", rollup, "--as-of", AS_OF)
    assert f"Skipped: {part.name}: Actions row {aid} was deleted; copy it back" in result.stderr
    assert result.exit_code == 1
    again = tmp_path / "again" / "rollup.xlsx"
    again.parent.mkdir()
    with_whole = run("collect", *parts, built, "-o", again, "--as-of", AS_OF)
    assert f"Skipped: {part.name}" not in with_whole.stderr, with_whole.output
