"""Every input column of the contract survives the whole monthly cycle, cell by cell.

The columns come from :mod:`backplan_xlsx.layout` (every ``input`` column of
every data sheet), plus the As-of named cell and a column a user inserted,
so a new input column is covered without touching this test. One cycle runs
for all of them (LibreOffice is slow): build → split → type into the right
person's part → merge the parts → replan → ``build --keep`` from an edited
spec → LibreOffice re-save → collect. Each column is then one test that
compares its cell in the final file with what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from backplan_xlsx import layout
from backplan_xlsx.cli import main
from backplan_xlsx.collect import read_one
from backplan_xlsx.spec import load_spec
from tests.soffice import recalculate
from tests.workbooks import header_col, row_of

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
AS_OF = "2027-05-10"
OWNER = "Ravi Patel"
USER_HEADER = "Deal link"


@dataclass(frozen=True)
class Typed:
    """One value typed into one input cell of the contract."""

    sheet: str
    header: str
    value: Any

    @property
    def name(self) -> str:
        return f"{self.sheet}:{self.header}"


def _sample(col: layout.Column, i: int) -> Any:
    """A value a person would type into this column."""
    if col.validation == "date" or col.fmt == layout.DATE:
        return date(2027, 4, 1 + i)
    if col.validation == "decimal" or col.fmt == layout.NUMBER:
        return 12345.0 + i
    if col.key == "done":
        return "Yes"
    if col.key == "goal":
        return "G1"
    if col.key == "owner":
        return OWNER
    return f"typed into {col.header}"


def contract_inputs() -> list[Typed]:
    """Every input column the layout declares, with a value for it."""
    out = [
        Typed(spec.name, col.header, _sample(col, i))
        for spec in layout.DATA_LAYOUTS.values()
        for i, col in enumerate(spec.inputs)
    ]
    out.append(Typed(layout.START, layout.NAMED_CELL_LABELS[layout.AS_OF], date(2027, 5, 9)))
    out.append(Typed(layout.ACTIONS, USER_HEADER, "https://crm.example/deal/7"))
    return out


INPUTS = contract_inputs()


def _run(*args: object) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.output)


def _action_of(owner: str) -> str:
    """The owner's last funnel action: one a re-plan would replace if nothing were typed."""
    plan = load_spec(TEMPLATES / "sales.yaml")
    return [a.id for a in plan.actions if a.owner == owner and a.count is not None][-1]


def _row_id(sheet: str) -> str:
    return {layout.ACTIONS: _action_of(OWNER), layout.ANTI_GOALS: "X1"}[sheet]


def _type_into(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for t in INPUTS:
        if t.sheet == layout.START:
            sheet, ref = next(iter(wb.defined_names[layout.AS_OF].destinations))
            wb[sheet][ref.replace("$", "")].value = t.value
            continue
        ws = wb[t.sheet]
        if t.sheet == layout.CHECK_INS:
            ws.cell(2, header_col(ws, t.header)).value = t.value
            continue
        if t.header == USER_HEADER:
            ws.cell(1, ws.max_column + 1).value = USER_HEADER
        ws.cell(row_of(ws, _row_id(t.sheet)), header_col(ws, t.header)).value = t.value
    wb.save(path)


def _edited_spec(tmp: Path) -> Path:
    text = (TEMPLATES / "sales.yaml").read_text(encoding="utf-8")
    edited = text.replace("target: 9600000", "target: 9800000").replace(
        "name: Win rate", "name: Win rate (trailing)"
    )
    assert edited != text
    spec = tmp / "edited.yaml"
    spec.write_text(edited, encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def cycled(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> Path:
    """The final file of one whole cycle with every contract input typed once."""
    tmp = tmp_path_factory.mktemp("cycle")
    plan = tmp / "plan.xlsx"
    _run("build", TEMPLATES / "sales.yaml", "-o", plan, "--as-of", AS_OF)
    parts = tmp / "parts"
    _run("split", plan, "-o", parts, "--as-of", AS_OF)
    files = sorted(parts.glob("*.xlsx"))
    for part in files:
        if part.name.startswith("ravi"):
            _type_into(part)
        else:  # the As-of becomes the merged one only when every copy holds it
            wb = openpyxl.load_workbook(part)
            sheet, ref = next(iter(wb.defined_names[layout.AS_OF].destinations))
            wb[sheet][ref.replace("$", "")].value = date(2027, 5, 9)
            wb.save(part)
    merged = tmp / "merged.xlsx"
    _run("merge", *files, "-o", merged, "--as-of", AS_OF)
    v2 = tmp / "v2.xlsx"
    _run("replan", merged, "-o", v2, "--as-of", AS_OF)
    kept = tmp / "kept.xlsx"
    _run("build", _edited_spec(tmp), "-o", kept, "--keep", v2, "--as-of", AS_OF)
    (resaved,) = recalculate([kept], tmp / "resaved", binary=soffice)
    return resaved


def _cell(path: Path, t: Typed) -> Any:
    wb = openpyxl.load_workbook(path)
    if t.sheet == layout.START:
        sheet, ref = next(iter(wb.defined_names[layout.AS_OF].destinations))
        return wb[sheet][ref.replace("$", "")].value
    ws = wb[t.sheet]
    if t.sheet == layout.CHECK_INS:
        return ws.cell(2, header_col(ws, t.header)).value
    return ws.cell(row_of(ws, _row_id(t.sheet)), header_col(ws, t.header)).value


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, date) and isinstance(got, datetime):
        return got.date() == want
    return bool(got == want)


@pytest.mark.parametrize("typed", INPUTS, ids=[t.name for t in INPUTS])
def test_a_typed_value_survives_the_cycle(cycled: Path, typed: Typed) -> None:
    got = _cell(cycled, typed)
    assert _same(got, typed.value), f"{typed.name}: typed {typed.value!r}, found {got!r}"


def test_collect_reads_every_input_back(cycled: Path, tmp_path: Path) -> None:
    read = read_one(str(cycled))
    assert read.snapshot is not None, read.error
    snap = read.snapshot
    assert snap.as_of == date(2027, 5, 9) and snap.plan.version == 3
    action = _action_of(OWNER)
    assert snap.done[action] == "Yes" and snap.notes[action] == "typed into Notes"
    assert snap.feedback["X1"] == "typed into Feedback" and "X1" in snap.reviews
    (reading,) = [c for c in snap.check_ins if c.comment == "typed into Comment"]
    assert (reading.goal, reading.owner) == ("G1", OWNER)
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(
        main, ["collect", str(cycled), "-o", str(out / "rollup.xlsx"), "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 1 of 1 files" in result.stdout
