"""The roll-up shows each goal's figures in its unit (Summary and Changes): 0.24 reads 24.0%."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from backplan_xlsx.collect import collect
from backplan_xlsx.model import Plan
from tests.workbooks import build

AS_OF = date(2027, 5, 10)
FIGURES = ("Actual", "Expected", "Target", "Projected", "Rate needed")


def _rollup(plan: Plan, tmp_path: Path) -> Path:
    """The roll-up of one copy of ``plan``, as built."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build(plan, inbox / "team.xlsx", AS_OF)
    rollup = tmp_path / "rollup.xlsx"
    collect([inbox], rollup, history=tmp_path / "h.db", as_of=AS_OF)
    return rollup


def test_summary_figures_take_their_goals_unit(sales_plan: Plan, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(_rollup(sales_plan, tmp_path))["Summary"]
    rows = list(ws.iter_rows())
    head = next(i for i, r in enumerate(rows) if r[0].value == "Plan")
    col = {c.value: i for i, c in enumerate(rows[head])}
    units = {g.id: g.unit for g in sales_plan.goals}
    assert any(u.strip() == "%" for u in units.values())
    seen = set()
    for r in rows[head + 1 :]:
        gid = r[col["Goal ID"]].value
        for name in FIGURES:
            cell = r[col[name]]
            if cell.value is None:
                continue
            assert isinstance(cell.value, int | float)
            percent = units[gid].strip() == "%"
            assert ("%" in cell.number_format) == percent, (gid, name, cell.number_format)
            seen.add(percent)
            if not percent and round(cell.value, 2) == round(cell.value):
                # "#,##0.##" shows 2,400,000 as "2,400,000." in Excel: whole numbers go without.
                assert cell.number_format == "#,##0", (gid, name, cell.number_format)
    assert seen == {True, False}


def test_changes_figures_take_their_goals_unit(sales_plan: Plan, tmp_path: Path) -> None:
    rows = list(openpyxl.load_workbook(_rollup(sales_plan, tmp_path))["Changes"].iter_rows())
    col = {c.value: i for i, c in enumerate(rows[0])}
    units = {g.id: g.unit.strip() for g in sales_plan.goals}
    seen = set()
    for r in rows[1:]:
        for name in ("Actual", "Target to date"):
            cell = r[col[name]]
            if isinstance(cell.value, int | float):
                percent = units[r[col["Goal"]].value] == "%"
                assert ("%" in cell.number_format) == percent, (name, cell.number_format)
                seen.add(percent)
    assert seen == {True, False}
