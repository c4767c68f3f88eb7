"""Done cells: every non-empty one that is not a done mark is named by ``check``.

The brief: done marks are yes, y, x, done, ✓, ✔, true or a positive number;
"any other non-empty Done cell is not done, and `check` names it". So "no",
"not yet" and "false" are named too, and the workbook's own Done dropdown
offers done marks only: the way to say "not done" is an empty cell.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backplan_xlsx import layout, rules
from backplan_xlsx.layout import ACTION as A
from tests import workbooks as wbk
from tests.workbooks import run

AS_OF = "2027-01-10"
NOT_DONE = {
    "A1": "no",
    "A2": "not yet",
    "A3": "nope",
    "A4": "No",
    "A5": "false",
    "A6": "n",
    "A7": False,
    "A8": 0,
}
DONE = {"A9": "Yes", "A10": "\u2713", "A11": "x.", "A12": True}


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("done")
    spec, out = where / "plan.yaml", where / "plan.xlsx"
    assert run("new", spec, "--template", "sales").exit_code == 0
    wbk.built_by_cli(spec, out, AS_OF)
    wbk.edit(out, lambda wb: wbk.fill(wb, [], done={**NOT_DONE, **DONE}, reviews={}))
    return out


def test_check_names_every_done_cell_that_is_not_a_done_mark(marked: Path) -> None:
    import openpyxl

    ws = openpyxl.load_workbook(marked)[layout.ACTIONS]
    result = run("check", marked, "--as-of", AS_OF, "-f", "json")
    assert result.exit_code == 1
    found = {
        p["cell"]: p
        for p in json.loads(result.stdout)["problems"]
        if p["code"] == "not-a-done-mark"
    }
    letter = layout.ACTIONS_LAYOUT.letter(A.done)
    expected = {f"{letter}{wbk.row_of(ws, aid)}": aid for aid in NOT_DONE}
    assert set(found) == set(expected)
    for cell, aid in expected.items():
        p = found[cell]
        assert (p["sheet"], p["severity"]) == ("Actions", "warning")
        shown = "FALSE" if NOT_DONE[aid] is False else str(NOT_DONE[aid])
        assert p["message"].startswith(f'{aid}\'s Done holds "{shown}"')
        assert "clear the cell" in p["message"]
    table = run("check", marked, "--as-of", AS_OF)
    for cell in expected:
        assert f"Actions!{cell}" in table.stdout


def test_not_done_cells_are_open_or_overdue_and_done_marks_done(marked: Path) -> None:
    result = run("status", marked, "--as-of", "2028-06-30", "-f", "json")
    assert result.exit_code == 0, result.output
    status = {a["id"]: a["status"] for a in json.loads(result.stdout)["actions"]}
    assert {status[aid] for aid in NOT_DONE} == {rules.OVERDUE}
    assert {status[aid] for aid in DONE} == {rules.DONE}
    early = run("status", marked, "--as-of", AS_OF, "-f", "json")
    status = {a["id"]: a["status"] for a in json.loads(early.stdout)["actions"]}
    assert {status[aid] for aid in NOT_DONE} == {rules.OPEN}


def test_the_done_dropdown_offers_done_marks_only_and_says_how_to_undo(marked: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(marked)
    ws = wb[layout.ACTIONS]
    ref = f"{layout.ACTIONS_LAYOUT.letter(A.done)}2"
    dv = next(d for d in ws.data_validations.dataValidation if ref in d.sqref)
    offered = dv.formula1.strip('"').split(",")
    assert offered == list(layout.DONE_CHOICES)
    assert offered and all(rules.is_done(v) for v in offered)
    assert "clear" in (dv.prompt or "").casefold()
    assert "clear" in (dv.error or "").casefold()
    start: Any = wb[layout.START]
    texts = [str(c.value) for row in start.iter_rows() for c in row if c.value]
    done_text = next(t for t in texts if "Done column" in t)
    assert "clear" in done_text


_SPACE = st.sampled_from(["", " ", "  "])


@given(st.sampled_from(layout.DONE_CHOICES), _SPACE, _SPACE, st.booleans(), st.booleans())
def test_what_the_dropdown_offers_is_done_however_it_is_typed(
    word: str, before: str, after: str, stop: bool, upper: bool
) -> None:
    typed = before + (word.upper() if upper else word.lower()) + ("." if stop else "") + after
    assert rules.is_done(typed)
