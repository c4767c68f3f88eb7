"""Two months of the cycle as a user walks them: nothing typed earlier is forgotten.

build → split → people edit their parts → collect May → some edit again,
one sends nothing → collect June; then the figures, the Owners, Changes
and Returns rows and the history are compared with what was typed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backplan_xlsx import layout
from backplan_xlsx.carry import CarriedInputs, carried_before, from_json, to_json
from backplan_xlsx.history import HistoryStore
from backplan_xlsx.model import CheckIn
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.returns import MISSING, RETURNED, UNTOUCHED
from tests.test_returns import four_owner_spec
from tests.workbooks import edit, fill, header_col, row_of, run

PLAN_ID = "fy27-new-business"
DANA, RAVI, MEI, TOMAS = "Dana Whitfield", "Ravi Patel", "Mei Chen", "Tomás Herrera"


@dataclass(frozen=True)
class Cycle:
    root: Path
    plan: Path
    parts: dict[str, Path]


@pytest.fixture
def cycle(tmp_path: Path) -> Cycle:
    spec = four_owner_spec(tmp_path)
    plan = tmp_path / "plan.xlsx"
    assert run("build", str(spec), "-o", str(plan), "--as-of", "2027-01-05").exit_code == 0
    sent = tmp_path / "sent"
    assert run("split", str(plan), "-o", str(sent), "--as-of", "2027-01-05").exit_code == 0
    parts = {read_workbook(p).plan.part: p for p in sent.glob("*.xlsx")}
    return Cycle(tmp_path, plan, parts)


def _actions_of(path: Path) -> list[str]:
    return [a.id for a in read_workbook(path).plan.actions]


def _typing(
    check_ins: list[tuple[date, str, str, float]],
    *,
    first_row: int = 2,
    notes: dict[str, str] | None = None,
    done: dict[str, Any] | None = None,
) -> Callable[[Any], None]:
    def change(wb: Any) -> None:
        fill(wb, check_ins, first_row=first_row, done=done or {}, reviews={})
        ws = wb[layout.ACTIONS]
        for aid, text in (notes or {}).items():
            ws.cell(row_of(ws, aid), header_col(ws, "Notes"), text)

    return change


def _sheet(path: Path, name: str) -> list[dict[str, Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    wb.close()
    start = next(i for i, r in enumerate(rows) if r and r[0] in ("Plan", "Month", "File"))
    head = rows[start]
    return [dict(zip(head, r, strict=False)) for r in rows[start + 1 :]]


def _g1(rollup: Path) -> float:
    return float(next(r["Actual"] for r in _sheet(rollup, "Summary") if r["Goal ID"] == "G1"))


def _collect(folder: Path, rollup: Path, store: str, as_of: str, *more: str) -> Result:
    got: Result = run(
        "collect", str(folder), "-o", str(rollup), "--as-of", as_of, "--history", store, *more
    )
    assert got.exit_code == 0, got.output
    return got


def _month_one(c: Cycle, store: str) -> tuple[Path, str, str]:
    """May: Dana, Ravi and Tomás send their parts back (Tomás unchanged); Mei sends nothing."""
    may = c.root / "may"
    may.mkdir()
    dana_action = _actions_of(c.parts[DANA])[0]
    ravi_action = _actions_of(c.parts[RAVI])[0]
    typed = {
        DANA: _typing([(date(2027, 1, 20), "G1", DANA, 30000.0)], done={dana_action: "yes"}),
        RAVI: _typing(
            [(date(2027, 1, 25), "G1", RAVI, 60000.0)],
            notes={ravi_action: "Waiting on legal for the Acme renewal"},
        ),
        TOMAS: _typing([]),
    }
    for owner, change in typed.items():
        edit(c.parts[owner], change, may / c.parts[owner].name)
    _collect(may, c.root / "may.xlsx", store, "2027-01-31", "--expect", str(c.plan))
    return may, dana_action, ravi_action


def _month_two(c: Cycle, may: Path, store: str, change: Callable[[Any], None]) -> Result:
    """June: Dana edits her part again; Ravi, Mei and Tomás send nothing."""
    june = c.root / "june"
    june.mkdir()
    edit(may / c.parts[DANA].name, change, june / c.parts[DANA].name)
    return _collect(june, c.root / "june.xlsx", store, "2027-02-28")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_an_owner_who_sends_nothing_keeps_their_figures_rows_and_inputs(
    cycle: Cycle, store: str
) -> None:
    may, dana_action, ravi_action = _month_one(cycle, store)
    assert _g1(cycle.root / "may.xlsx") == 90000.0
    june_dana = _typing([(date(2027, 2, 20), "G1", DANA, 20000.0)], first_row=3)
    _month_two(cycle, may, store, june_dana)
    june = cycle.root / "june.xlsx"

    # Ravi's May reading still counts in June; Dana's two readings add up.
    assert _g1(june) == 110000.0
    owners = {r["Owner"]: r for r in _sheet(june, "Owners")}
    assert set(owners) == {DANA, RAVI, MEI, TOMAS}
    assert "G1: 60,000 of 600,000" in owners[RAVI]["Parts"]
    assert "G1: 50,000 of 240,000" in owners[DANA]["Parts"]
    assert {o: r["Returns"] for o, r in owners.items()} == {
        DANA: RETURNED,
        RAVI: MISSING,
        MEI: MISSING,
        TOMAS: MISSING,
    }
    assert {r["Owner"] for r in _sheet(cycle.root / "may.xlsx", "Owners")} == {
        DANA,
        RAVI,
        MEI,
        TOMAS,
    }
    changes = {r["ID"]: r for r in _sheet(june, "Changes")}
    assert changes["O2/G1"]["Actual"] == 60000 and changes["O2/G1"]["Returns"] == MISSING
    assert changes["O2/G1"]["Previous month"] == "2027-01"
    assert changes["O1/G1"]["Actual"] == 50000 and changes["O1/G1"]["Returns"] == RETURNED
    assert changes["O3/G1"]["Returns"] == MISSING  # never answered, still listed
    assert changes["G1"]["Returns"] is None
    returns = {r["Owner"]: r["State"] for r in _sheet(june, "Returns")}
    assert returns == {DANA: RETURNED, RAVI: MISSING, MEI: MISSING, TOMAS: MISSING}

    history = HistoryStore(store)
    try:
        ravi = history.rows(kind="owner_part", item="O2/G1")
        assert [(r.month, r.actual) for r in ravi] == [("2027-01", 60000.0), ("2027-02", 60000.0)]
        goal = history.rows(kind="goal", item="G1")
        assert [(r.month, r.actual) for r in goal] == [("2027-01", 90000.0), ("2027-02", 110000.0)]
        with history.locked() as conn:
            filed = carried_before(conn, "2027-03", [PLAN_ID])[PLAN_ID]
    finally:
        history.close()
    # What June filed holds every input typed so far: next month starts from it.
    assert filed.month == "2027-02"
    assert filed.cells["notes"][ravi_action] == "Waiting on legal for the Acme renewal"
    assert filed.cells["done"][dana_action] == "yes"
    assert sorted((c.owner, c.value) for c in filed.check_ins) == [
        (DANA, 20000.0),
        (DANA, 30000.0),
        (RAVI, 60000.0),
    ]


def test_a_correction_this_month_replaces_the_carried_reading_and_says_so(
    cycle: Cycle, tmp_path: Path
) -> None:
    store = str(tmp_path / "history.sqlite")
    may, _, _ = _month_one(cycle, store)
    corrected = _typing([(date(2027, 1, 20), "G1", DANA, 35000.0)])  # over her May row
    got = _month_two(cycle, may, store, corrected)
    assert _g1(cycle.root / "june.xlsx") == 95000.0  # 35,000 + Ravi's 60,000, not 125,000
    assert (
        "Conflict: fy27-new-business: Check-ins, 2027-01-20 G1 Dana Whitfield Value: '35,000' "
        "in this month's copies (newer, kept) vs '30,000' in the 2027-01 collect (carried)"
    ) in got.output


def test_a_merged_workbook_counts_for_every_owner_whose_inputs_it_carries(
    cycle: Cycle, tmp_path: Path
) -> None:
    may = tmp_path / "may"
    may.mkdir()
    for owner, value in ((DANA, 30000.0), (RAVI, 60000.0)):
        change = _typing([(date(2027, 1, 20), "G1", owner, value)])
        edit(cycle.parts[owner], change, may / cycle.parts[owner].name)
    back = tmp_path / "back"
    back.mkdir()
    merged = back / "merged.xlsx"
    got = run(
        "merge", *(str(p) for p in sorted(may.glob("*.xlsx"))), str(cycle.plan), "-o", str(merged)
    )
    assert got.exit_code == 0, got.output

    _collect(back, tmp_path / "r1.xlsx", str(tmp_path / "h1.sqlite"), "2027-01-31")
    states = {r["Owner"]: (r["State"], r["File"]) for r in _sheet(tmp_path / "r1.xlsx", "Returns")}
    assert states == {
        DANA: (RETURNED, "merged.xlsx"),
        RAVI: (RETURNED, "merged.xlsx"),
        MEI: (UNTOUCHED, "merged.xlsx"),
        TOMAS: (UNTOUCHED, "merged.xlsx"),
    }

    # Beside a part that came back unchanged: the merged file answers for Dana and Ravi.
    shutil.copy(cycle.parts[TOMAS], back / cycle.parts[TOMAS].name)
    _collect(back, tmp_path / "r2.xlsx", str(tmp_path / "h2.sqlite"), "2027-01-31")
    states = {r["Owner"]: (r["State"], r["File"]) for r in _sheet(tmp_path / "r2.xlsx", "Returns")}
    assert states == {
        DANA: (RETURNED, "merged.xlsx"),
        RAVI: (RETURNED, "merged.xlsx"),
        MEI: (MISSING, None),
        TOMAS: (UNTOUCHED, cycle.parts[TOMAS].name),
    }
    assert _g1(tmp_path / "r2.xlsx") == 90000.0


def test_an_older_version_part_carried_forward_is_returned(cycle: Cycle, tmp_path: Path) -> None:
    store = str(tmp_path / "history.sqlite")
    may, _, _ = _month_one(cycle, store)
    v2 = tmp_path / "v2.xlsx"
    got = run("replan", str(cycle.plan), "-o", str(v2), "--as-of", "2027-02-01")
    assert got.exit_code == 0, got.output
    sent2 = tmp_path / "sent2"
    assert run("split", str(v2), "-o", str(sent2), "--as-of", "2027-02-01").exit_code == 0
    june = tmp_path / "june"
    june.mkdir()
    dana2 = sent2 / cycle.parts[DANA].name
    edit(dana2, _typing([(date(2027, 2, 20), "G1", DANA, 20000.0)]), june / dana2.name)
    # Ravi answers on his May copy, version 1, with a new reading.
    old = may / cycle.parts[RAVI].name
    edit(old, _typing([(date(2027, 2, 22), "G1", RAVI, 5000.0)], first_row=3), june / old.name)
    got = _collect(june, tmp_path / "june.xlsx", store, "2027-02-28")
    returns = {
        r["Owner"]: (r["State"], r["File"]) for r in _sheet(tmp_path / "june.xlsx", "Returns")
    }
    assert returns[RAVI] == (RETURNED, old.name)
    assert returns[DANA] == (RETURNED, dana2.name)
    log = {r["File"]: r["Problems"] for r in _sheet(tmp_path / "june.xlsx", "Import log")}
    assert "carried forward into version 2" in log[old.name]
    # Dana 30,000 (May, carried) + 20,000; Ravi 60,000 + 5,000.
    assert _g1(tmp_path / "june.xlsx") == 115000.0
    # Mei and Tomás sent nothing after the re-plan: their rows come from May's version 1.
    owners = {r["Owner"]: r for r in _sheet(tmp_path / "june.xlsx", "Owners")}
    assert set(owners) == {DANA, RAVI, MEI, TOMAS}
    assert "G1: 65,000 of" in owners[RAVI]["Parts"]
    assert owners[MEI]["Returns"] == MISSING


_VALUES = st.one_of(
    st.text(max_size=20),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["A1", "A2", "A17"]), _VALUES))
def test_stored_inputs_keep_their_types(done: dict[str, object]) -> None:
    """A Done mark typed as a date, a checkbox's TRUE or a number comes back as it was."""
    check = CheckIn(date(2027, 5, 2), "G1", DANA, 1.5, "note", 0, "D-1", (("Deal", "Acme"),))
    carried = CarriedInputs("2027-05", PLAN_ID, 2, (check,), {"done": done})
    back = from_json("2027-05", PLAN_ID, 2, to_json(carried))
    assert back.cells["done"] == done
    assert all(type(back.cells["done"][k]) is type(v) for k, v in done.items())
    assert back.check_ins == (check,)
