"""The fast formula path writes exactly the bytes XlsxWriter's own write_formula writes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.rules import ArrayFormula
from backplan_xlsx.writer import write_workbook
from backplan_xlsx.writer.book import _REWRITTEN, Sheet
from tests.strategies import plans

AS_OF = date(2027, 5, 15)


def _both(tmp_path: Path, snap: Snapshot, as_of: date) -> tuple[bytes, bytes]:
    fast, plain = tmp_path / "fast.xlsx", tmp_path / "plain.xlsx"
    write_workbook(snap, fast, as_of)
    write_workbook(snap, plain, as_of, fast=False)
    return fast.read_bytes(), plain.read_bytes()


def test_the_sales_template_is_byte_identical(tmp_path: Path, sales_plan: Plan) -> None:
    owners = [o.name for o in sales_plan.owners]
    ins = tuple(
        CheckIn(
            sales_plan.start + timedelta(days=3 * i), "G1", owners[i % 5], 1000.0 + i, row=i + 2
        )
        for i in range(40)
    )
    snap = Snapshot(sales_plan, ins, done={a.id: "Yes" for a in sales_plan.actions[:5]})
    for as_of in (AS_OF, sales_plan.start, date(2028, 2, 1)):
        fast, plain = _both(tmp_path, snap, as_of)
        assert fast == plain, as_of


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plans(), st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 1, 1)))
def test_any_plan_is_byte_identical(tmp_path: Path, plan: Plan, as_of: date) -> None:
    fast, plain = _both(tmp_path, Snapshot(plan), as_of)
    assert fast == plain


@pytest.mark.parametrize(
    "formula",
    [
        "SUM(A1:A3)",
        'IF(A1="x",1,0)',
        "SORT(A1:A3)",
        "XLOOKUP(1,A1:A3,B1:B3)",
        "_xlfn.CONCAT(A1,B1)",
        "{1,2}",
        "SUM({1,2})",
        "=A1",
        "MAX(A1:A3)+ZSINGLE(1)",
        "LAMBDA(x,x)(1)",
        ArrayFormula("MAX((A1:A3=1)*B1:B3)"),
        ArrayFormula("SORT(A1:A3)"),
        ArrayFormula("SUM({1,2})"),
    ],
)
def test_a_formula_xlsxwriter_would_rewrite_takes_its_path(tmp_path: Path, formula: str) -> None:
    """Either the fast path is skipped, or it stores what XlsxWriter would have stored."""
    stored: dict[str, Any] = {}
    for fast in (True, False):
        wb = xlsxwriter.Workbook(str(tmp_path / f"{fast}.xlsx"))
        ws = wb.add_worksheet("S")
        Sheet(ws, "S", fast=fast).formula(0, 0, formula, None, 0)
        stored[str(fast)] = ws.table[0][0]
        wb.close()
    assert stored["True"] == stored["False"]
    if _REWRITTEN.search(formula) is None:
        assert stored["True"].formula == formula
