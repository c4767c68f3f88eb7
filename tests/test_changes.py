"""Change since last month and attainment, from three collected months, equal the engine's.

The same three months go into SQLite and into the PostgreSQL server the
tests start; a store written by schema 1 migrates with every month intact.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from backplan_xlsx.changes import BADNESS, compare
from backplan_xlsx.cli import main
from backplan_xlsx.collect import collect
from backplan_xlsx.engine import StatusReport, evaluate
from backplan_xlsx.history import SCHEMA_VERSION, HistoryStore, attainment
from backplan_xlsx.model import Plan
from backplan_xlsx.reader import read_workbook
from tests.workbooks import build, edit, fill

DATA = Path(__file__).parent / "data"
MONTHS = ("2027-02", "2027-03", "2027-04")
AS_OF = {"2027-02": date(2027, 2, 28), "2027-03": date(2027, 3, 31), "2027-04": date(2027, 4, 30)}
#: Check-ins typed by the end of each month (cumulative): March is strong, April stalls.
TYPED = {
    "2027-02": [
        (date(2027, 1, 20), "G1", "Ravi Patel", 40000.0),
        (date(2027, 2, 14), "G1", "Mei Chen", 80000.0),
        (date(2027, 2, 20), "G2", "Aisha Okafor", 600000.0),
    ],
    "2027-03": [
        (date(2027, 3, 3), "G1", "Tomás Herrera", 140000.0),
        (date(2027, 3, 28), "G2", "Aisha Okafor", 900000.0),
        (date(2027, 3, 31), "G3", "Dana Whitfield", 0.24),
    ],
    "2027-04": [(date(2027, 4, 2), "G2", "Ravi Patel", 50000.0)],
}


def _fill_month(wb: Any, month: str) -> None:
    fill(wb, _typed_by(month), done={}, reviews={})


def _typed_by(month: str) -> list[tuple[date, str, str, float]]:
    return [c for m in MONTHS if m <= month for c in TYPED[m]]


def _three_months(plan: Plan, root: Path, store: str) -> dict[str, StatusReport]:
    """Collect a copy of the plan at each month's end; the engine's report of each."""
    built = build(plan, root / "plan.xlsx", date(2027, 1, 5))
    reports = {}
    for month in MONTHS:
        folder = root / month
        folder.mkdir()
        copy = folder / "team.xlsx"
        shutil.copy(built, copy)
        edit(copy, partial(_fill_month, month=month))
        reports[month] = evaluate(read_workbook(copy), AS_OF[month])
        collect([folder], root / f"rollup-{month}.xlsx", history=store, as_of=AS_OF[month])
    return reports


def _engine_figures(report: StatusReport) -> dict[tuple[str, str], tuple[float | None, str]]:
    """(kind, id) → (attainment from the engine's actual, expected and baseline; status)."""
    out: dict[tuple[str, str], tuple[float | None, str]] = {}
    for g in report.goals:
        out[("goal", g.id)] = (attainment(g.actual, g.expected, g.baseline), g.status)
    for o in report.owners:
        for p in o.parts:
            if p.target:
                out[("owner_part", f"{o.id}/{p.goal}")] = (
                    attainment(p.actual, p.expected, 0.0),
                    p.status,
                )
    return out


def _check_against_engine(store_url: str, reports: dict[str, StatusReport], root: Path) -> None:
    import openpyxl

    store = HistoryStore(store_url)
    assert store.months() == list(MONTHS)
    rows = {k: store.rows(kind=k) for k in ("goal", "owner_part")}
    store.close()
    for i, month in enumerate(MONTHS):
        now = _engine_figures(reports[month])
        then = _engine_figures(reports[MONTHS[i - 1]]) if i else {}
        # The history's rows carry the engine's attainment.
        for kind, found in rows.items():
            for r in found:
                if r.month == month and (kind, r.item_id) in now:
                    assert r.attainment == pytest.approx(now[(kind, r.item_id)][0])
        # The roll-up's Changes sheet and `history --changes` agree with the engine.
        wb = openpyxl.load_workbook(root / f"rollup-{month}.xlsx", read_only=True, data_only=True)
        sheet = list(wb["Changes"].iter_rows(values_only=True))
        wb.close()
        head = sheet[0]
        changes = [dict(zip(head, r, strict=True)) for r in sheet[1:]]
        previous = MONTHS[i - 1] if i else None
        assert all((c["Month"], c["Previous month"]) == (month, previous) for c in changes)
        out = CliRunner().invoke(
            main, ["history", "--history", store_url, "--changes", "--month", month, "-f", "json"]
        )
        assert out.exit_code == 0, out.output
        listed = json.loads(out.output)["changes"]
        assert len(changes) == len(listed) == len(now)
        for c, j in zip(changes, listed, strict=True):
            kind = "goal" if c["Kind"] == "Goal" else "owner_part"
            key = (kind, str(c["ID"]))
            att, status = now[key]
            before = then.get(key)
            assert (j["id"], j["status_now"]) == (c["ID"], c["Status now"]) == (key[1], status)
            assert c["Attainment"] == pytest.approx(att) == j["attainment"]
            if before is None:
                assert c["Status then"] is None and j["status_then"] is None
                continue
            assert c["Status then"] == j["status_then"] == before[1]
            if att is None or before[0] is None:
                assert c["Change"] is None and j["change"] is None
            else:
                assert c["Change"] == pytest.approx(att - before[0])
                assert j["change"] == pytest.approx(att - before[0])
            worse = BADNESS[status] > BADNESS[before[1]]
            assert (c["Worsened"] == "yes") == j["worsened"] == worse
        # Worsened first.
        flags = [j["worsened"] for j in listed]
        assert flags == sorted(flags, reverse=True)
    # April stalls after a strong March: something got worse, and it leads the list.
    assert listed[0]["worsened"]


def test_three_months_in_sqlite(sales_plan: Plan, tmp_path: Path) -> None:
    store = str(tmp_path / "history.sqlite")
    reports = _three_months(sales_plan, tmp_path, store)
    _check_against_engine(store, reports, tmp_path)


def test_three_months_in_postgres(sales_plan: Plan, tmp_path: Path, postgres_url: str) -> None:
    reports = _three_months(sales_plan, tmp_path, postgres_url)
    _check_against_engine(postgres_url, reports, tmp_path)


def test_owner_rows_carry_their_figures(sales_plan: Plan, tmp_path: Path) -> None:
    store = str(tmp_path / "history.sqlite")
    reports = _three_months(sales_plan, tmp_path, store)
    h = HistoryStore(store)
    owners = h.rows(kind="owner", month="2027-04")
    h.close()
    report = reports["2027-04"]
    for row in owners:
        o = next(o for o in report.owners if o.id == row.item_id)
        judged = [p for p in o.parts if p.share > 0]
        worst = min(attainment(p.actual, p.expected, 0.0) or 0.0 for p in judged)
        assert row.attainment == pytest.approx(worst)
        assert row.status == o.status
        if len(judged) == 1:
            assert (row.actual, row.expected, row.target) == (
                judged[0].actual,
                judged[0].expected,
                judged[0].target,
            )


def _v1_months(path: Path) -> dict[tuple[str, str, str, str], tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        got = db.execute(
            "SELECT month, plan_id, kind, item_id, plan_version, name, status, actual, "
            "expected, target FROM backplan_items"
        ).fetchall()
    return {tuple(r[:4]): tuple(r[4:]) for r in got}  # type: ignore[misc]


def _check_migrated(url: str, old: dict[tuple[str, str, str, str], tuple[object, ...]]) -> None:
    store = HistoryStore(url)
    assert store.schema_version() == SCHEMA_VERSION == 3
    rows = store.rows()
    store.close()
    assert {r.month for r in rows} == {"2027-01", "2027-02", "2027-03"}
    kept = {
        (r.month, r.plan_id, r.kind, r.item_id): (
            r.plan_version,
            r.name,
            r.status,
            r.actual,
            r.expected,
            r.target,
        )
        for r in rows
    }
    assert kept == old  # every month, every row, every figure
    for r in rows:
        if r.kind == "goal":
            assert r.goal_id == r.item_id
        if r.kind == "owner_part":
            assert r.goal_id == r.item_id.split("/")[1] and r.baseline == 0.0
            assert r.attainment == (
                attainment(r.actual, r.expected, 0.0) if r.expected is not None else None
            )


def _then_a_month_fills_in_goal_baselines(url: str, plan: Plan) -> None:
    from backplan_xlsx.model import Snapshot

    store = HistoryStore(url)
    store.record("2027-04", [evaluate(Snapshot(plan), date(2027, 4, 30))])
    old = [r for r in store.rows(kind="goal") if r.month < "2027-04"]
    april = store.rows(kind="goal", month="2027-04")
    store.close()
    goals = {g.id: g for g in plan.goals}
    for r in old:
        b = goals[r.item_id].baseline
        assert r.baseline == b
        assert r.attainment == pytest.approx(attainment(r.actual, r.expected, b))
    # Change since last month across the schema boundary.
    march = [r for r in old if r.month == "2027-03"]
    changes = [c for c in compare(april, march, "2027-03") if c.id in {r.item_id for r in march}]
    assert len(changes) == len(march) == 3  # the store predates later goals of the template
    assert all(c.status_then and c.previous_attainment is not None for c in changes)


def test_a_schema_1_sqlite_store_migrates_with_every_month(
    tmp_path: Path, sales_plan: Plan
) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copy(DATA / "history-schema1.sqlite", path)
    old = _v1_months(path)
    assert len({k[0] for k in old}) == 3
    _check_migrated(str(path), old)
    _then_a_month_fills_in_goal_baselines(str(path), sales_plan)


def _schema_1_tables() -> tuple[object, ...]:
    """Schema 1's tables as its code declared them (before issue 16), made by hand."""
    from sqlalchemy import Column, Float, Integer, MetaData, String, Table

    md = MetaData()
    meta = Table(
        "backplan_meta",
        md,
        Column("key", String(64), primary_key=True),
        Column("value", String(200), nullable=False),
    )
    imports = Table(
        "backplan_imports",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("month", String(7), nullable=False, index=True),
        Column("plan_id", String(200), nullable=False),
        Column("plan_version", Integer, nullable=False),
        Column("imported_at", String(32), nullable=False),
        Column("files", Integer, nullable=False),
    )
    items = Table(
        "backplan_items",
        md,
        Column("month", String(7), primary_key=True),
        Column("plan_id", String(200), primary_key=True),
        Column("kind", String(16), primary_key=True),
        Column("item_id", String(64), primary_key=True),
        Column("plan_version", Integer, nullable=False),
        Column("name", String(500), nullable=False),
        Column("status", String(32), nullable=False),
        Column("actual", Float),
        Column("expected", Float),
        Column("target", Float),
    )
    return md, meta, imports, items


def test_a_schema_1_postgres_store_migrates_with_every_month(
    postgres_url: str, sales_plan: Plan
) -> None:
    from sqlalchemy import create_engine

    old = _v1_months(DATA / "history-schema1.sqlite")
    with sqlite3.connect(DATA / "history-schema1.sqlite") as db:
        meta_rows = db.execute("SELECT key, value FROM backplan_meta").fetchall()
        import_rows = db.execute(
            "SELECT month, plan_id, plan_version, imported_at, files FROM backplan_imports"
        ).fetchall()
    md, meta, imports, items = _schema_1_tables()
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        md.create_all(conn)  # type: ignore[attr-defined]
        conn.execute(meta.insert(), [{"key": k, "value": v} for k, v in meta_rows])  # type: ignore[attr-defined]
        names = ("month", "plan_id", "plan_version", "imported_at", "files")
        conn.execute(imports.insert(), [dict(zip(names, r, strict=True)) for r in import_rows])  # type: ignore[attr-defined]
        cols: tuple[str, ...] = ("month", "plan_id", "kind", "item_id", "plan_version")
        cols += ("name", "status", "actual", "expected", "target")
        conn.execute(
            items.insert(),  # type: ignore[attr-defined]
            [dict(zip(cols, (*k, *v), strict=True)) for k, v in old.items()],
        )
    engine.dispose()
    _check_migrated(postgres_url, old)
    _then_a_month_fills_in_goal_baselines(postgres_url, sales_plan)


def test_worsened_means_a_worse_status_not_a_start() -> None:
    from backplan_xlsx import rules
    from backplan_xlsx.history import HistoryRow

    def row(month: str, item: str, status: str, att: float) -> HistoryRow:
        return HistoryRow(month, "p", 1, "goal", item, item, status, 1.0, 1.0, 2.0, item, 0.0, att)

    before = [
        row("2027-01", "G1", rules.NOT_STARTED, 0.0),
        row("2027-01", "G2", rules.ON_TRACK, 1.0),
        row("2027-01", "G3", rules.ON_TRACK, 1.0),
    ]
    now = [
        row("2027-02", "G1", rules.ON_TRACK, 1.0),
        row("2027-02", "G2", rules.ON_TRACK, 0.97),
        row("2027-02", "G3", rules.OFF_TRACK, 0.5),
    ]
    got = compare(now, before, "2027-01")
    assert [(c.id, c.worsened) for c in got] == [("G3", True), ("G2", False), ("G1", False)]
    assert got[0].change == pytest.approx(-0.5)


def test_history_shows_changes_and_owners_parts(sales_plan: Plan, tmp_path: Path) -> None:
    store = str(tmp_path / "history.sqlite")
    _three_months(sales_plan, tmp_path, store)
    runner = CliRunner()
    text = runner.invoke(main, ["history", "--history", store, "--changes"])
    assert text.exit_code == 0
    lines = text.output.splitlines()
    assert lines[0] == "Change since last month: 2027-04 against 2027-03"
    assert "▼" in lines[3]  # the first row is one that got worse
    # Every format of the view carries the same fields: csv's columns are json's keys.
    as_json = runner.invoke(main, ["history", "--history", store, "--changes", "-f", "json"])
    as_csv = runner.invoke(main, ["history", "--history", store, "--changes", "-f", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    table = list(csv.DictReader(io.StringIO(as_csv.output)))
    changes = json.loads(as_json.output)["changes"]
    assert changes and list(table[0]) == list(changes[0]) and len(table) == len(changes)
    owners = runner.invoke(main, ["history", "--history", store, "--kind", "owner", "-f", "json"])
    rows = json.loads(owners.output)["rows"]
    parts = [r for r in rows if r["kind"] == "owner_part" and r["target"]]
    assert parts and all(r["goal"] and r["attainment"] is not None for r in parts)
    assert {r["kind"] for r in rows} == {"owner", "owner_part"}
    page = runner.invoke(main, ["history", "--history", store, "--kind", "owner", "-f", "html"])
    assert "plan path (100%)" in page.output and "O2/G1" in page.output
    returns = runner.invoke(main, ["history", "--history", store, "--kind", "return", "-f", "json"])
    got = {(r["month"], r["name"]): r["status"] for r in json.loads(returns.output)["rows"]}
    # One whole copy a month, judged owner by owner: Dana typed nothing until March.
    assert got[("2027-02", "Dana Whitfield")] == "Untouched"
    assert got[("2027-03", "Dana Whitfield")] == got[("2027-02", "Ravi Patel")] == "Returned"


_finite: dict[str, Any] = {"allow_nan": False, "allow_infinity": False}


@given(
    baseline=st.floats(-1e6, 1e6, **_finite),
    progress=st.floats(-1e6, 1e6, **_finite),
    path=st.floats(1e-3, 1e6, **_finite),
    down=st.booleans(),
)
def test_attainment_is_the_same_share_whichever_way_the_goal_moves(
    baseline: float, progress: float, path: float, down: bool
) -> None:
    d = -1.0 if down else 1.0
    got = attainment(baseline + d * progress, baseline + d * path, baseline)
    assert got == pytest.approx(progress / path, rel=1e-6, abs=1e-6)
    assert attainment(baseline + progress, baseline, baseline) is None  # the path has not moved


_STATUSES = sorted(BADNESS)


@given(
    st.lists(
        st.tuples(st.sampled_from(_STATUSES), st.sampled_from(_STATUSES), st.floats(0, 2)),
        min_size=1,
        max_size=12,
    )
)
def test_compare_lists_every_item_once_worsened_first(items: list[tuple[str, str, float]]) -> None:
    from backplan_xlsx.history import HistoryRow

    def row(month: str, i: int, status: str, att: float) -> HistoryRow:
        gid = f"G{i}"
        return HistoryRow(month, "p", 1, "goal", gid, gid, status, 1.0, 1.0, 2.0, gid, 0.0, att)

    before = [row("2027-01", i, then, 1.0) for i, (then, _, _) in enumerate(items)]
    now = [row("2027-02", i, new, att) for i, (_, new, att) in enumerate(items)]
    got = compare(now, before, "2027-01")
    assert sorted(c.id for c in got) == sorted(r.item_id for r in now)
    flags = [c.worsened for c in got]
    assert flags == sorted(flags, reverse=True)
    for c in got:
        then, new, _ = items[int(c.id[1:])]
        assert (c.status_then, c.status_now) == (then, new)
        assert c.worsened == (BADNESS[new] > BADNESS[then])


def test_the_attainment_sheet_feeds_the_trend_chart(sales_plan: Plan, tmp_path: Path) -> None:
    import openpyxl

    store = str(tmp_path / "history.sqlite")
    reports = _three_months(sales_plan, tmp_path, store)
    folder = tmp_path / "2027-04"
    rollup = tmp_path / "owners.xlsx"
    collect([folder], rollup, history=store, as_of=AS_OF["2027-04"], trend_owners=True)
    wb = openpyxl.load_workbook(rollup, read_only=True, data_only=True)
    assert wb.sheetnames.index("Attainment") == wb.sheetnames.index("Trend") + 1
    rows = list(wb["Attainment"].iter_rows(values_only=True))
    wb.close()
    head, body = rows[1], rows[2:]
    assert head[0] == "Month" and head[-1] == "Plan path"
    assert [r[0] for r in body] == list(MONTHS)
    assert all(r[-1] == 1.0 for r in body)
    now = _engine_figures(reports["2027-04"])
    g1 = head.index("fy27-new-business G1 New ARR")
    assert body[-1][g1] == pytest.approx(now[("goal", "G1")][0])
    ravi = head.index("fy27-new-business O2/G1 Ravi Patel")
    assert body[-1][ravi] == pytest.approx(now[("owner_part", "O2/G1")][0])
    # Without --trend-owners only the goals are drawn.
    plain = openpyxl.load_workbook(tmp_path / "rollup-2027-04.xlsx", read_only=True)
    heads = next(plain["Attainment"].iter_rows(min_row=2, max_row=2, values_only=True))
    plain.close()
    assert not any("/" in str(h) for h in heads)
