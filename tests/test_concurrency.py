"""Any number of collects at once against one store, new or old: every month filed once.

Four processes, twenty rounds; in each round all four start together (a
barrier) against a store that does not exist yet, each filing its own
month into the same store, each with its own roll-up (the old lock was
per roll-up file, so it never kept them apart). Before the store's write
lock, about one round in six failed with "table backplan_meta already
exists" or a UNIQUE constraint. The workbooks are built once and reused.
"""

from __future__ import annotations

import multiprocessing
import traceback
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backplan_xlsx.collect import collect
from backplan_xlsx.history import HistoryStore

RUNS = 4
ROUNDS = 20
AS_OF = date(2027, 5, 31)
MONTHS = [f"2027-{m:02d}" for m in range(1, RUNS + 1)]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two plans, one small workbook each."""
    from backplan_xlsx.spec import load_spec
    from backplan_xlsx.writer import build_workbook
    from tests.conftest import TEMPLATES

    folder = tmp_path_factory.mktemp("inbox")
    plan = load_spec(TEMPLATES / "sales.yaml")
    for k in range(2):
        build_workbook(replace(plan, id=f"team-{k}"), folder / f"team-{k}.xlsx", AS_OF)
    return folder


def _run(
    index: int, barrier: Any, inbox: Path, folders: list[Path], stores: list[str], errors: Any
) -> None:
    for folder, store in zip(folders, stores, strict=True):
        rollup = folder / f"rollup-{index}.xlsx"
        barrier.wait(timeout=300)
        try:
            collect([inbox], rollup, history=store, as_of=AS_OF, month=MONTHS[index], jobs=1)
        except BaseException:  # noqa: BLE001 - sent to the test, which fails on it
            errors.put(f"{MONTHS[index]} {store}: {traceback.format_exc()}")


def _race(inbox: Path, folders: list[Path], stores: list[str]) -> list[str]:
    ctx = multiprocessing.get_context("fork")
    barrier, errors = ctx.Barrier(RUNS), ctx.Queue()
    procs = [
        ctx.Process(target=_run, args=(i, barrier, inbox, folders, stores, errors))
        for i in range(RUNS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=900)
    assert [p.exitcode for p in procs] == [0] * RUNS
    found = []
    while not errors.empty():
        found.append(errors.get())
    return found


def _assert_each_month_once(store_url: str) -> None:
    from sqlalchemy import text

    store = HistoryStore(store_url)
    assert store.months() == MONTHS
    with store.engine.connect() as conn:
        imports = conn.execute(
            text("SELECT month, plan_id, COUNT(*) FROM backplan_imports GROUP BY month, plan_id")
        ).all()
        items = conn.execute(
            text("SELECT month, COUNT(*) FROM backplan_items GROUP BY month")
        ).all()
        inputs = conn.execute(text("SELECT month, plan_id FROM backplan_inputs")).all()
    store.close()
    assert sorted(imports) == [(m, f"team-{k}", 1) for m in MONTHS for k in range(2)]
    # Each run filed its month's merged inputs once, the base of the month after it.
    assert sorted(inputs) == [(m, f"team-{k}") for m in MONTHS for k in range(2)]
    counts = {m: n for m, n in items}
    assert len(set(counts.values())) == 1 and counts[MONTHS[0]] > 0, counts


def _assert_nothing_left(folder: Path) -> None:
    left = [
        p.name for p in folder.rglob("*") if p.name.endswith(".lock") or ".backplan-tmp-" in p.name
    ]
    assert left == []


def test_four_collects_at_once_on_new_sqlite_stores(inbox: Path, tmp_path: Path) -> None:
    rounds = [tmp_path / f"round{r}" for r in range(ROUNDS)]
    for folder in rounds:
        folder.mkdir()
    stores = [str(folder / "history.sqlite") for folder in rounds]
    errors = _race(inbox, rounds, stores)
    assert errors == []
    for store in stores:
        _assert_each_month_once(store)
    _assert_nothing_left(tmp_path)
    for folder in rounds:
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["history.sqlite", *(f"rollup-{i}.xlsx" for i in range(RUNS))]


def test_four_collects_at_once_on_new_postgres_databases(
    inbox: Path, tmp_path: Path, postgres_url: str, postgres_server_url: str
) -> None:
    stores = [postgres_url] + [_new_database(postgres_server_url, r) for r in range(1, ROUNDS)]
    rounds = [tmp_path / f"round{r}" for r in range(ROUNDS)]
    for folder in rounds:
        folder.mkdir()
    errors = _race(inbox, rounds, stores)
    assert errors == []
    for store in stores:
        _assert_each_month_once(store)
    _assert_nothing_left(tmp_path)


def _new_database(server_url: str, r: int) -> str:
    import uuid

    import sqlalchemy

    name = f"race_{r}_{uuid.uuid4().hex[:8]}"
    engine = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"
