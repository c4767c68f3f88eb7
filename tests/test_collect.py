"""The monthly import: 50 copies of 5 plans plus 5 broken files, into a roll-up and history.

Built once per module: each of 5 plans (variants of the sales template) is
sent to 10 people; each copy comes back with that person's check-ins, some
renamed, some re-saved by LibreOffice. Every figure in the roll-up is
checked against the engine on the union of each plan's check-ins.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import cast

import pytest

from backplan_xlsx.collect import collect
from backplan_xlsx.engine import StatusReport, evaluate
from backplan_xlsx.history import HistoryStore
from backplan_xlsx.model import CheckIn, DoneMark, Plan, Snapshot
from backplan_xlsx.writer import write_workbook
from tests import corpus
from tests.soffice import recalculate

AS_OF = date(2027, 5, 31)
BROKEN = (corpus.zip_bomb, corpus.truncated, corpus.csv_renamed, corpus.encrypted, corpus.far_cell)


@dataclass
class Folder:
    path: Path
    plans: dict[str, Plan]
    check_ins: dict[str, list[CheckIn]]
    done: dict[str, dict[str, DoneMark]]
    broken: list[str]


def _variant(base: Plan, k: int) -> Plan:
    return replace(base, id=f"team-{k}", title=f"Team {k} plan")


def _copies(plan: Plan, rng: random.Random) -> list[Snapshot]:
    out = []
    for person in range(10):
        owner = plan.owners[person % len(plan.owners)]
        ins = []
        for j in range(rng.randint(0, 4)):
            goal = rng.choice(["G1", "G2", "G1", "X1"])
            day = plan.start + timedelta(days=rng.randint(0, 170))
            value = (
                rng.choice([5_000, 20_000, 40_000, 120_000]) if goal != "X1" else rng.random() / 2
            )
            ins.append(CheckIn(day, goal, owner.name, value, f"p{person}-{j}", row=j + 2))
        done: dict[str, DoneMark] = {
            a.id: "yes" for a in plan.actions if a.owner == owner.name and rng.random() < 0.2
        }
        out.append(Snapshot(plan, check_ins=tuple(ins), done=done))
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> Folder:
    from backplan_xlsx.spec import load_spec
    from tests.conftest import TEMPLATES

    root = tmp_path_factory.mktemp("returned")
    inbox = root / "inbox"
    inbox.mkdir()
    base = load_spec(TEMPLATES / "sales.yaml")
    rng = random.Random(2027)
    plans: dict[str, Plan] = {}
    check_ins: dict[str, list[CheckIn]] = {}
    done: dict[str, dict[str, DoneMark]] = {}
    to_resave: list[Path] = []
    for k in range(1, 6):
        plan = _variant(base, k)
        plans[plan.id] = plan
        check_ins[plan.id] = []
        done[plan.id] = {}
        for i, snap in enumerate(_copies(plan, rng)):
            # Renamed the way people rename: no pattern a tool could rely on.
            name = rng.choice([f"{plan.id}-copy{i}", f"Copy of plan ({k}{i})", f"FINAL v{i} {k}"])
            sub = inbox / f"week{i % 3}"
            sub.mkdir(exist_ok=True)
            path = sub / f"{name}.xlsx"
            write_workbook(snap, path, AS_OF)
            check_ins[plan.id].extend(snap.check_ins)
            done[plan.id].update(snap.done)
            if i % 5 == 0:
                to_resave.append(path)
    # Some copies come back re-saved by LibreOffice.
    staged = root / "staged"
    for out, src in zip(recalculate(to_resave, staged), to_resave, strict=True):
        shutil.move(str(out), str(src))
    broken = []
    bad = inbox / "broken"
    bad.mkdir()
    for make in BROKEN:
        broken.append(str(make(bad).relative_to(inbox)))
    (inbox / "~$lockfile.xlsx").write_bytes(b"lock")  # Office lock files are skipped
    return Folder(inbox, plans, check_ins, done, broken)


def _expected(folder: Folder, plan_id: str, as_of: date) -> StatusReport:
    # Identical rows from several copies count once; here no two copies share a row.
    snap = Snapshot(
        folder.plans[plan_id], check_ins=tuple(folder.check_ins[plan_id]), done=folder.done[plan_id]
    )
    return evaluate(snap, as_of)


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(wb[name].iter_rows(values_only=True))
    wb.close()
    start = 1 if name in ("Summary", "Trend") else 0
    header = rows[start]
    return [
        dict(zip(header, r, strict=False))
        for r in rows[start + 1 :]
        if any(v is not None for v in r)
    ]


def test_rollup_log_and_history(folder: Folder, tmp_path: Path) -> None:
    rollup = tmp_path / "rollup.xlsx"
    history = tmp_path / "history.sqlite"
    result = collect([folder.path], rollup, history=history, as_of=AS_OF, jobs=2)
    assert result.files == 55 and result.skipped == 5
    summary = _sheet(rollup, "Summary")
    goals_per_plan = len(_expected(folder, str(summary[0]["Plan"]), AS_OF).goals)
    assert len(summary) == 5 * goals_per_plan
    for row in summary:
        report = _expected(folder, str(row["Plan"]), AS_OF)
        goal = next(g for g in report.goals if g.id == row["Goal ID"])  # type: ignore[attr-defined]
        assert row["Status"] == goal.status
        assert row["Actual"] == pytest.approx(goal.actual)
        assert row["Expected"] == pytest.approx(goal.expected)
        assert row["Projected"] == pytest.approx(goal.projected)
        assert row["Rate needed"] == pytest.approx(goal.rate_needed)
        assert row["Files"] == 10
    owners = _sheet(rollup, "Owners")
    assert len(owners) == 5 * 5
    for row in owners:
        report = _expected(folder, str(row["Plan"]), AS_OF)
        assert row["Status"] == next(o.status for o in report.owners if o.id == row["ID"])  # type: ignore[attr-defined]
    anti = _sheet(rollup, "Anti-goals")
    order = ["Breached", "Warning", "Review overdue", "No data", "OK"]
    ranks = [order.index(str(r["Status"])) for r in anti]
    assert ranks == sorted(ranks)  # breaches and overdue reviews first
    log = {str(r["File"]): r for r in _sheet(rollup, "Import log")}
    assert len(log) == 55
    for name in folder.broken:
        assert log[name]["Result"] == "skipped" and log[name]["Problems"]
    assert "zip bomb" in str(log["broken/bomb.xlsx"]["Problems"])
    assert "password" in str(log["broken/encrypted.xlsx"]["Problems"])
    assert sum(1 for r in log.values() if r["Result"] == "imported") == 50

    store = HistoryStore(history)
    before = store.rows()
    store.close()
    # The same month again leaves the history unchanged.
    collect([folder.path], rollup, history=history, as_of=AS_OF, jobs=2)
    store = HistoryStore(history)
    assert store.rows() == before
    store.close()
    # A second month adds a trend point.
    collect([folder.path], rollup, history=history, as_of=AS_OF + timedelta(days=30), jobs=2)
    trend = _sheet(rollup, "Trend")
    assert [r["Month"] for r in trend] == ["2027-05", "2027-06"]
    assert all(
        sum(int(cast(float, v)) for k, v in r.items() if k != "Month") == len(summary)
        for r in trend
    )


def test_same_against_postgres(folder: Folder, tmp_path: Path, postgres_url: str) -> None:
    rollup = tmp_path / "rollup.xlsx"
    collect([folder.path], rollup, history=postgres_url, as_of=AS_OF, jobs=2)
    store = HistoryStore(postgres_url)
    first = store.rows(kind="goal")
    plan_goals = {p.id: len(p.goals) for p in folder.plans.values()}
    assert len(first) == sum(plan_goals.values())
    for r in first:
        goal = next(g for g in _expected(folder, r.plan_id, AS_OF).goals if g.id == r.item_id)  # type: ignore[attr-defined]
        assert r.status == goal.status and r.actual == pytest.approx(goal.actual)
    collect([folder.path], rollup, history=postgres_url, as_of=AS_OF, jobs=2)
    assert store.rows(kind="goal") == first
    collect([folder.path], rollup, history=postgres_url, as_of=AS_OF + timedelta(days=31), jobs=2)
    assert store.months()[-2:] == ["2027-05", "2027-07"]
    store.close()


KILL = """
import sys
from datetime import date
from pathlib import Path
from typing import cast
from backplan_xlsx.collect import collect
collect([Path(sys.argv[1])], Path(sys.argv[2]), history=sys.argv[3], as_of=date(2027, 6, 30), jobs=2)
"""


def _stored(history: Path) -> list[object]:
    store = HistoryStore(history)
    rows: list[object] = list(store.rows())
    store.close()
    return rows


def test_a_killed_collect_leaves_rollup_and_history_both_old_or_both_new(
    folder: Folder, tmp_path: Path
) -> None:
    rollup, history = tmp_path / "rollup.xlsx", tmp_path / "history.sqlite"
    collect([folder.path], rollup, history=history, as_of=AS_OF, jobs=2)
    old_bytes, old_rows = rollup.read_bytes(), _stored(history)
    saved = tmp_path / "saved"
    saved.mkdir()
    shutil.copy2(rollup, saved / rollup.name)
    shutil.copy2(history, saved / history.name)

    def restore() -> None:
        shutil.copy2(saved / rollup.name, rollup)
        history.with_name(history.name + "-journal").unlink(missing_ok=True)
        shutil.copy2(saved / history.name, history)

    argv = [sys.executable, "-c", KILL, str(folder.path), str(rollup), str(history)]
    started = time.monotonic()
    subprocess.run(argv, check=True, timeout=600)
    whole_run = time.monotonic() - started  # where to aim the kills, not an assertion
    new_rows = _stored(history)
    assert {r.month for r in new_rows} == {"2027-05", "2027-06"}  # type: ignore[attr-defined]
    restore()
    rng = random.Random(1)
    seen = []
    for _ in range(8):
        proc = subprocess.Popen(argv)
        time.sleep(rng.uniform(0.1, whole_run * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data, rows = rollup.read_bytes(), _stored(history)
        if data == old_bytes:
            assert rows == old_rows  # both old
            seen.append("old")
        else:
            assert rows == new_rows  # both new
            assert _sheet(rollup, "Trend")[-1]["Month"] == "2027-06"
            seen.append("new")
            restore()
    assert "old" in seen, seen
    # What killed runs left (temp files) goes with the next run; there is never a lock file.
    collect([folder.path], rollup, history=history, as_of=AS_OF, jobs=2)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["history.sqlite", "rollup.xlsx", "saved"], left
