"""A number or date typed as text: status says what the workbook's formulas show (issue 13).

SUMIFS and the ISNUMBER tests in the workbook's formulas skip text
("40,000", "2027-02-01"), so ``status`` leaves such a check-in out too and
names the cell; every rewrite (merge, replan) writes it as a number, after
which LibreOffice's recalculation and ``status`` both count it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backplan_xlsx import engine, layout, rules
from backplan_xlsx.cli import main
from backplan_xlsx.model import Plan
from backplan_xlsx.reader import read_workbook
from tests.soffice import recalculate
from tests.test_recalc import _named_cell, disagreements
from tests.workbooks import CHECK_INS, build, edit, fill

AS_OF = date(2027, 5, 10)
#: Two readings typed as text: a value (rows 2.. hold CHECK_INS) and a date.
TEXT_VALUE = (date(2027, 4, 10), "G1", "Ravi Patel", "40,000")
TEXT_DATE = ("2027-05-05", "G3", "Dana Whitfield", 0.26)
VALUE_CELL = f"D{len(CHECK_INS) + 2}"
DATE_CELL = f"A{len(CHECK_INS) + 3}"


def _typed(plan: Plan, path: Path) -> Path:
    """The sales workbook with check-ins, two of them typed as text, and AsOf typed."""
    build(plan, path)
    rows = [*CHECK_INS, TEXT_VALUE, TEXT_DATE]

    def change(wb: Any) -> None:
        fill(wb, rows)
        _named_cell(wb, rules.AS_OF).value = AS_OF
        _named_cell(wb, rules.AS_OF).number_format = "yyyy-mm-dd"

    return edit(path, change)


def _status(path: Path) -> dict[str, object]:
    result = CliRunner().invoke(
        main, ["status", str(path), "--as-of", AS_OF.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    found: dict[str, object] = json.loads(result.stdout)
    return found


def _goal(report: dict[str, object], gid: str) -> dict[str, object]:
    goals = report["goals"]
    assert isinstance(goals, list)
    return next(g for g in goals if g["id"] == gid)


def test_status_names_the_text_cells_and_leaves_them_out(sales_plan: Plan, tmp_path: Path) -> None:
    path = _typed(sales_plan, tmp_path / "typed.xlsx")
    report = _status(path)
    problems = report["problems"]
    assert isinstance(problems, list)
    found = {(p["sheet"], p["cell"]): p["message"] for p in problems}
    assert "the workbook's own formulas ignore it" in found[(layout.CHECK_INS, VALUE_CELL)]
    assert "status leaves this check-in out" in found[(layout.CHECK_INS, VALUE_CELL)]
    assert '"40,000" is text' in found[(layout.CHECK_INS, VALUE_CELL)]
    assert "merge or replan" in found[(layout.CHECK_INS, DATE_CELL)]
    typed_sum = sum(v for _, g, _, v in CHECK_INS if g == "G1")
    assert _goal(report, "G1")["actual"] == pytest.approx(
        sales_plan.goal("G1").baseline + typed_sum
    )
    assert _goal(report, "G3")["actual"] == pytest.approx(0.25)  # the text-dated 0.26 is left out


@pytest.mark.parametrize("command", ["merge", "replan"])
def test_a_rewrite_writes_the_number_and_every_engine_counts_it(
    command: str, soffice: str, sales_plan: Plan, tmp_path: Path
) -> None:
    typed = _typed(sales_plan, tmp_path / "typed.xlsx")
    merged = tmp_path / "rewritten.xlsx"
    result = CliRunner().invoke(
        main, [command, str(typed), "-o", str(merged), "--as-of", AS_OF.isoformat()]
    )
    assert result.exit_code == 0, result.output
    snap = read_workbook(merged)
    assert not [p for p in snap.problems if p.code.endswith("-as-text")]
    assert any(c.value == 40_000 and c.date == TEXT_VALUE[0] for c in snap.check_ins)
    report = _status(merged)
    typed_sum = sum(v for _, g, _, v in CHECK_INS if g == "G1") + 40_000
    assert _goal(report, "G1")["actual"] == pytest.approx(
        sales_plan.goal("G1").baseline + typed_sum
    )
    assert _goal(report, "G3")["actual"] == pytest.approx(0.26)
    # LibreOffice's recalculation of both files agrees with status on each.
    out = recalculate([typed, merged], tmp_path / "lo", binary=soffice)
    for original, recalculated in zip((typed, merged), out, strict=True):
        want = engine.evaluate(read_workbook(original), AS_OF)
        assert disagreements(recalculated, want) == [], original.name
