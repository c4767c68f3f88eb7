"""A check-in corrected in a newer save of the same file is counted once (``lineage``).

Ravi returns his part, then saves it again later with one check-in
corrected (Acme: 40,000 → 45,000). Merged, the two copies must count
85,000, not 125,000, and the correction is a conflict named by cell. Whole
copies of one plan sent to several people each get rows typed at the same
row numbers: those are not edits of each other, and every row is kept.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from backplan_xlsx import layout
from backplan_xlsx.history import HistoryStore
from backplan_xlsx.lineage import Key, content_key
from backplan_xlsx.merge import Copy, merge_all
from backplan_xlsx.model import CheckIn, Owner, Snapshot
from backplan_xlsx.model import Plan as Model
from backplan_xlsx.reader import read_workbook
from tests.test_returns import four_owner_spec
from tests.workbooks import edit, header_col, run

DANA, RAVI, MEI, TOMAS = "Dana Whitfield", "Ravi Patel", "Mei Chen", "Tomás Herrera"
AS_OF = "2027-02-28"
Row = tuple[date, str, str, float, str]
ACME = (date(2027, 1, 20), "G1", RAVI, 40000.0, "Acme won")
BETA = (date(2027, 2, 5), "G1", RAVI, 40000.0, "Beta won")
PIPE = (date(2027, 2, 20), "G2", RAVI, 300000.0, "Pipeline Feb")


@dataclass(frozen=True)
class Plan:
    whole: Path
    parts: dict[str, Path]


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    root = tmp_path_factory.mktemp("lineage")
    whole = root / "plan.xlsx"
    assert run("build", four_owner_spec(root), "-o", whole, "--as-of", "2027-01-05").exit_code == 0
    sent = root / "sent"
    assert run("split", whole, "-o", sent, "--as-of", "2027-01-05").exit_code == 0
    return Plan(whole, {read_workbook(p).plan.part: p for p in sent.glob("*.xlsx")})


def _type(
    rows: list[Row], *, at: int = 2, changes: dict[int, dict[str, object]] | None = None
) -> Callable[[Any], None]:
    """Type ``rows`` from row ``at`` down, and change cells of rows already there."""

    def change(wb: Any) -> None:
        ws = wb[layout.CHECK_INS]
        cols = [header_col(ws, c.header) for c in layout.CHECK_IN[:5]]
        for i, row in enumerate(rows):
            for col, value in zip(cols, row, strict=True):
                ws.cell(at + i, col, value)
            ws.cell(at + i, cols[0]).number_format = "yyyy-mm-dd"
        for r, cells in (changes or {}).items():
            for header, value in cells.items():
                ws.cell(r, header_col(ws, header), value)

    return change


def _saved(src: Path, change: Any, out: Path, mtime: int) -> Path:
    edit(src, change, out)
    os.utime(out, (mtime, mtime))
    return out


def _two_saves(plan: Plan, folder: Path) -> tuple[Path, Path]:
    """Ravi's part saved on 10 Feb (Acme, Beta), then again on 25 Feb (Acme corrected, a row more)."""
    folder.mkdir(exist_ok=True)
    old = _saved(plan.parts[RAVI], _type([ACME, BETA]), folder / "ravi-old.xlsx", 2_000_000)
    fix = _type([PIPE], at=4, changes={2: {"Value": 45000.0}})
    new = _saved(old, fix, folder / "ravi-new.xlsx", 3_000_000)
    return old, new


def _merge(out: Path, *files: Path) -> Result:
    got: Result = run("merge", *files, "-o", out, "--as-of", AS_OF)
    assert got.exit_code == 0, got.output
    return got


def _rows(path: Path, owner: str = RAVI) -> list[tuple[str, float, str]]:
    return sorted(
        (c.goal, c.value, c.comment) for c in read_workbook(path).check_ins if c.owner == owner
    )


def test_a_check_in_corrected_in_a_newer_save_counts_once(plan: Plan, tmp_path: Path) -> None:
    old, new = _two_saves(plan, tmp_path)
    said = (
        "Conflict: Check-ins!D2 (2027-01-20 G1 Ravi Patel Value): '45,000' in ravi-new.xlsx "
        "(newer, kept) vs '40,000' in ravi-old.xlsx"
    )
    for n, files in enumerate(((old, new), (new, old))):  # the order given does not matter
        out = tmp_path / f"merged-{n}.xlsx"
        got = _merge(out, plan.whole, *files)
        assert said in got.output and "1 conflicts" in got.output
        assert _rows(out) == [
            ("G1", 40000.0, "Beta won"),
            ("G1", 45000.0, "Acme won"),
            ("G2", 300000.0, "Pipeline Feb"),
        ]
        g1 = next(g for g in read_workbook(out).check_ins if g.comment == "Acme won")
        assert g1.row == 2  # D2 is where the merged workbook holds the kept value


def test_a_changed_comment_is_an_edit_too(plan: Plan, tmp_path: Path) -> None:
    old = _saved(plan.parts[RAVI], _type([ACME]), tmp_path / "a.xlsx", 2_000_000)
    new = _saved(
        old,
        _type([], changes={2: {"Comment": "Acme won (2 seats)"}}),
        tmp_path / "b.xlsx",
        3_000_000,
    )
    got = _merge(tmp_path / "m.xlsx", plan.whole, old, new)
    assert _rows(tmp_path / "m.xlsx") == [("G1", 40000.0, "Acme won (2 seats)")]
    assert (
        "Check-ins!E2 (2027-01-20 G1 Ravi Patel Comment): 'Acme won (2 seats)' in b.xlsx"
        in got.output
    )


def test_whole_copies_sent_to_several_people_keep_every_row(plan: Plan, tmp_path: Path) -> None:
    """Each types at row 2 of their copy of the same file: different rows, all kept."""
    dana = _saved(
        plan.whole,
        _type([(date(2027, 1, 20), "G1", DANA, 30000.0, "Initech")]),
        tmp_path / "dana.xlsx",
        2_000_000,
    )
    mei = _saved(
        plan.whole,
        _type([(date(2027, 1, 20), "G1", MEI, 50000.0, "Globex")]),
        tmp_path / "mei.xlsx",
        3_000_000,
    )
    ravi = _saved(
        plan.whole,
        _type([(date(2027, 1, 21), "G1", RAVI, 40000.0, "Acme won")]),
        tmp_path / "ravi.xlsx",
        4_000_000,
    )
    out = tmp_path / "m.xlsx"
    got = _merge(out, dana, mei, ravi)
    assert "0 conflicts" in got.output, got.output
    values = sorted((c.owner, c.value) for c in read_workbook(out).check_ins)
    assert values == [(DANA, 30000.0), (MEI, 50000.0), (RAVI, 40000.0)]


def test_a_part_filled_in_by_someone_else_beside_its_untouched_copy(
    plan: Plan, tmp_path: Path
) -> None:
    """Mei fills in Tomás's part; his own copy, sent back later, is as it was built."""
    by_mei = _saved(
        plan.parts[TOMAS],
        _type([(date(2027, 1, 22), "G2", TOMAS, 150000.0, "Via Mei")]),
        tmp_path / "tomas-by-mei.xlsx",
        2_000_000,
    )
    own = tmp_path / "tomas.xlsx"
    shutil.copy(plan.parts[TOMAS], own)
    os.utime(own, (3_000_000, 3_000_000))
    got = _merge(tmp_path / "m.xlsx", plan.whole, by_mei, own)
    assert "0 conflicts" in got.output, got.output
    assert _rows(tmp_path / "m.xlsx", TOMAS) == [("G2", 150000.0, "Via Mei")]


def test_an_unedited_row_in_a_newer_copy_never_beats_a_correction(
    plan: Plan, tmp_path: Path
) -> None:
    """Two copies of one replanned file: Ravi corrects a carried row, Dana types hers later."""
    carried = tmp_path / "carried.xlsx"
    _merge(carried, plan.whole, _saved(plan.parts[RAVI], _type([ACME]), tmp_path / "r.xlsx", 1))
    v2 = tmp_path / "v2.xlsx"
    assert run("replan", carried, "-o", v2, "--as-of", AS_OF).exit_code == 0
    fixed = _saved(
        v2, _type([], changes={2: {"Value": 45000.0}}), tmp_path / "ravi.xlsx", 2_000_000
    )
    dana = _saved(
        v2,
        _type([(date(2027, 2, 3), "G1", DANA, 30000.0, "Initech")], at=3),
        tmp_path / "dana.xlsx",
        3_000_000,
    )
    out = tmp_path / "m.xlsx"
    got = _merge(out, fixed, dana)
    assert _rows(out) == [("G1", 45000.0, "Acme won")], got.output
    assert _rows(out, DANA) == [("G1", 30000.0, "Initech")]


def test_a_row_deleted_in_the_newer_save_is_kept_and_said(plan: Plan, tmp_path: Path) -> None:
    old = _saved(plan.parts[RAVI], _type([ACME, BETA]), tmp_path / "old.xlsx", 2_000_000)

    def drop_last(wb: Any) -> None:
        wb[layout.CHECK_INS].delete_rows(3)

    new = _saved(old, drop_last, tmp_path / "new.xlsx", 3_000_000)
    out = tmp_path / "m.xlsx"
    got = _merge(out, plan.whole, old, new)
    assert _rows(out) == [("G1", 40000.0, "Acme won"), ("G1", 40000.0, "Beta won")]
    assert (
        "(2027-02-05 G1 Ravi Patel Value): '40,000' in old.xlsx is not in new.xlsx, a newer "
        "save of the same file; kept"
    ) in got.output


def _collect(folder: Path, out: Path, store: str, as_of: str) -> Result:
    got: Result = run("collect", folder, "-o", out, "--as-of", as_of, "--history", store)
    assert got.exit_code == 0, got.output
    return got


def test_collect_counts_a_correction_in_month_two_once(plan: Plan, tmp_path: Path) -> None:
    """January: Ravi's first save. February: both saves come back (the newer corrects Acme)."""
    store = str(tmp_path / "history.sqlite")
    jan, feb = tmp_path / "jan", tmp_path / "feb"
    jan.mkdir()
    _saved(plan.parts[RAVI], _type([ACME]), jan / "ravi.xlsx", 1_000_000)
    _collect(jan, tmp_path / "jan.xlsx", store, "2027-01-31")
    old, _new = _two_saves(plan, feb)
    got = _collect(feb, tmp_path / "feb.xlsx", store, AS_OF)
    said = [line for line in got.output.splitlines() if line.startswith("Conflict:")]
    assert said == [
        "Conflict: fy27-new-business: Check-ins, 2027-01-20 G1 Ravi Patel Value: '45,000' in "
        "ravi-new.xlsx (newer, kept) vs '40,000' in ravi-old.xlsx"
    ]
    march = tmp_path / "mar"
    march.mkdir()
    shutil.copy(feb / "ravi-new.xlsx", march / "ravi.xlsx")  # sent again: nothing new to say
    got = _collect(march, tmp_path / "mar.xlsx", store, "2027-03-31")
    assert "Conflict" not in got.output, got.output
    history = HistoryStore(store)
    try:
        ravi = history.rows(kind="owner_part", item="O2/G1")
    finally:
        history.close()
    assert [(r.month, r.actual) for r in ravi] == [
        ("2027-01", 40000.0),
        ("2027-02", 85000.0),  # 45,000 + 40,000, not 125,000
        ("2027-03", 85000.0),
    ]
    assert old.exists()


# --- the rule, on snapshots: hypothesis ------------------------------------------------

PLAN = Model("p", "Plan", date(2027, 1, 1), (), (Owner("O1", "A"), Owner("O2", "B")))
BUILT = "*=as-built"


def _copy(name: str, modified: float, rows: list[CheckIn], record: str = BUILT) -> Copy:
    numbered = tuple(replace(c, row=i + 2) for i, c in enumerate(rows))
    snap = Snapshot(PLAN, numbered, file=name, built_inputs=record, built_cells=frozenset())
    return Copy(name, modified, snap)


@st.composite
def merges(draw: st.DrawFn) -> tuple[list[Copy], set[Key], list[Copy]]:
    """One file saved several times (rows edited and added) beside copies of other lineages.

    Returns the copies, the rows the merge must hold exactly, and the siblings.
    """
    serial = iter(range(10_000))

    def row(owner: str) -> CheckIn:
        n = next(serial)
        day = draw(st.integers(1, 3))
        return CheckIn(date(2027, 1, day), "G1", owner, float(n), f"row {n}")

    owners = st.sampled_from(["A", "B"])
    base = [row(draw(owners)) for _ in range(draw(st.integers(0, 2)))]
    saves = [base + [row(draw(owners)) for _ in range(draw(st.integers(1, 3)))]]
    for _ in range(draw(st.integers(0, 3))):
        rows = list(saves[-1])
        for i in draw(st.sets(st.integers(len(base), len(rows) - 1))):
            n = next(serial)  # an edit: the same date, goal and owner, a new value and comment
            rows[i] = replace(rows[i], value=float(n), comment=f"fixed {n}")
        saves.append(rows + [row(draw(owners)) for _ in range(draw(st.integers(0, 2)))])
    times = sorted(draw(st.lists(st.integers(0, 100), min_size=len(saves), max_size=len(saves))))
    chain = [
        _copy(f"save{k}.xlsx", t, rows)
        for k, (t, rows) in enumerate(zip(times, saves, strict=True))
    ]
    siblings = []
    every_row = [c for rows in saves for c in rows]
    for k in range(draw(st.integers(0, 3))):
        same_file = draw(st.booleans())  # the same built file, sent to somebody else
        if same_file:
            rows = base + [row(f"Sib{k}") for _ in range(draw(st.integers(0, 2)))]
        else:  # another record: any rows, the chain's own among them
            rows = draw(st.lists(st.sampled_from(every_row), max_size=4)) if every_row else []
            rows += [row(draw(owners)) for _ in range(draw(st.integers(0, 2)))]
        record = BUILT if same_file else f"*=other-{k}"
        siblings.append(_copy(f"sib{k}.xlsx", draw(st.integers(0, 100)), rows, record))
    expected = {content_key(c) for c in saves[-1]}
    expected |= {content_key(c) for s in siblings for c in s.snapshot.check_ins}
    return [*chain, *siblings], expected, siblings


@settings(max_examples=150, deadline=None)
@given(merges(), st.randoms(use_true_random=False))
def test_merge_keeps_every_row_not_provably_edited_whatever_the_order(
    drawn: tuple[list[Copy], set[Key], list[Copy]], rng: Any
) -> None:
    copies, expected, siblings = drawn
    merged = merge_all(copies)
    got = [content_key(c) for c in merged.snapshot.check_ins]
    assert set(got) == expected  # the newest save's rows and every other lineage's, no more
    for s in siblings:
        assert {content_key(c) for c in s.snapshot.check_ins} <= set(got)
    shuffled = list(copies)
    rng.shuffle(shuffled)
    again = merge_all(shuffled)  # the same, given the same modification times
    assert again.snapshot.check_ins == merged.snapshot.check_ins
    assert again.conflicts == merged.conflicts
