"""The history store: idempotent months, one transaction, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from backplan_xlsx.engine import evaluate
from backplan_xlsx.history import SCHEMA_VERSION, HistoryError, HistoryStore, status_counts
from backplan_xlsx.model import CheckIn, Plan, Snapshot


def _report(plan: Plan, as_of: date, value: float) -> object:
    snap = Snapshot(plan, check_ins=(CheckIn(date(2027, 1, 20), "G1", "Ravi Patel", value),))
    return evaluate(snap, as_of)


def _exercise(url: str, plan: Plan) -> None:
    store = HistoryStore(url)
    assert store.schema_version() == SCHEMA_VERSION == 3
    jan = _report(plan, date(2027, 1, 31), 20_000)
    other = _report(replace(plan, id="other-plan"), date(2027, 1, 31), 1)
    n = store.record("2027-01", [jan, other], files=2)  # type: ignore[list-item]
    before = store.rows()
    assert len(before) == n > 0
    # Importing the same month again changes nothing.
    store.record("2027-01", [jan], files=1)  # type: ignore[list-item]
    assert store.rows() == before
    # A new reading for one plan replaces only that plan's rows of that month.
    jan_again = _report(plan, date(2027, 1, 31), 0)
    store.record("2027-01", [jan_again])  # type: ignore[list-item]
    g1 = store.rows(plan=plan.id, kind="goal", item="G1")
    assert [r.actual for r in g1] == [0]
    assert store.rows(plan="other-plan") == [r for r in before if r.plan_id == "other-plan"]
    # A second month adds a trend point.
    feb = _report(plan, date(2027, 2, 28), 90_000)
    store.record("2027-02", [feb])  # type: ignore[list-item]
    assert store.months() == ["2027-01", "2027-02"]
    trend = store.rows(plan=plan.id, kind="goal", item="G1")
    assert [(r.month, r.actual) for r in trend] == [("2027-01", 0), ("2027-02", 90_000)]
    counts = status_counts(store.rows(plan=plan.id, kind="milestone"))
    assert sum(counts["2027-02"].values()) == len(plan.milestones)
    recent = store.rows(since="2027-02", plan=plan.id)
    assert recent and {r.month for r in recent} == {"2027-02"}
    with pytest.raises(HistoryError, match="not a month"):
        store.record("2027-13", [feb])  # type: ignore[list-item]
    store.close()
    # Reopening keeps everything and does not migrate again.
    again = HistoryStore(url)
    assert again.months() == ["2027-01", "2027-02"]
    again.close()


def test_sqlite_store(tmp_path: Path, sales_plan: Plan) -> None:
    _exercise(str(tmp_path / "history.sqlite"), sales_plan)


def test_postgres_store(postgres_url: str, sales_plan: Plan) -> None:
    _exercise(postgres_url, sales_plan)


def test_a_failed_import_leaves_the_store_as_it_was(tmp_path: Path, sales_plan: Plan) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    jan = _report(sales_plan, date(2027, 1, 31), 5)
    store.record("2027-01", [jan])  # type: ignore[list-item]
    before = store.rows()
    changed = _report(sales_plan, date(2027, 1, 31), 999)
    # The same plan twice: the deletes succeed, then an insert collides midway.
    with pytest.raises(HistoryError):
        store.record("2027-01", [changed, changed])  # type: ignore[list-item]
    assert store.rows() == before


def test_unreachable_store_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="history store"):
        HistoryStore("postgresql+psycopg://nobody:pw@127.0.0.1:1/nothing")
