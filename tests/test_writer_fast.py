"""The fast formula path writes exactly the bytes XlsxWriter's own write_formula writes."""

from __future__ import annotations

import inspect
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsxwriter.worksheet import Worksheet

from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.rules import ArrayFormula
from backplan_xlsx.writer import write_workbook
from backplan_xlsx.writer.book import (
    _REWRITTEN,
    _REWRITTEN_CALLS,
    PlainRulesWorksheet,
    Sheet,
    rewritten_by_xlsxwriter,
)
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


_PIECES = st.sampled_from(
    ["(", ")", "{", "}", "=", '"', ",", "A1", "$B$2", "_xlfn.", "SUM", "ZS", "ING", "LE", "x"]
    + list(_REWRITTEN_CALLS)
)


@given(st.lists(_PIECES, max_size=12).map("".join))
def test_the_quick_test_says_what_the_pattern_says(formula: str) -> None:
    assert rewritten_by_xlsxwriter(formula) == (_REWRITTEN.search(formula) is not None)


def test_every_rewrite_of_prepare_formula_needs_a_call() -> None:
    """What PlainRulesWorksheet relies on: each substitution XlsxWriter makes ends in ``(``."""
    source = inspect.getsource(Worksheet._prepare_formula)
    patterns = re.findall(r're\.sub\(\s*r"([^"]*)"', source)
    assert len(patterns) > 100
    assert all(p.endswith(r"\(") for p in patterns)
    assert source.count("re.sub(") == len(patterns)


@given(
    st.lists(st.sampled_from(["{", "}", "=", '"Done"', "$B$2:$B$500", "Owners!", "1.5", "_xlfn."]))
    .map("".join)
    .filter(bool),
    st.booleans(),
)
def test_a_rule_formula_without_a_call_is_prepared_as_xlsxwriter_prepares_it(
    formula: str, future: bool
) -> None:
    ours, theirs = PlainRulesWorksheet(), Worksheet()
    assert ours._prepare_formula(formula, future) == theirs._prepare_formula(formula, future)


def test_a_small_plan_is_assembled_in_memory_and_a_large_one_on_disk(
    tmp_path: Path, sales_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same parts either way; only a large plan's parts pass through temp files."""
    import tempfile

    from backplan_xlsx import writer
    from tests.golden import parts

    made: list[str] = []
    mkstemp = tempfile.mkstemp

    def counted(*args: Any, **kwargs: Any) -> Any:
        fd, name = mkstemp(*args, **kwargs)
        made.append(name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", counted)
    small, large = tmp_path / "small.xlsx", tmp_path / "large.xlsx"
    write_workbook(Snapshot(sales_plan), small, AS_OF)
    assert made == []
    monkeypatch.setattr(writer, "IN_MEMORY_ROWS", 10)
    write_workbook(Snapshot(sales_plan), large, AS_OF)
    assert len(made) > 10
    assert parts(small) == parts(large)
