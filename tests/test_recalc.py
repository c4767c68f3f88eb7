"""LibreOffice recalculates the built workbooks and agrees with the Python engine.

Plans, check-ins, Done marks and review dates are generated (hypothesis), one
workbook per (plan, as-of date) with the as-of before the start, mid-plan and
after the deadline. Each is built, then edited as a person would with
openpyxl (a real date typed into AsOf, check-in rows, Done, Last reviewed),
and all of them are recalculated in ONE soffice call (start-up dominates).
Every status and figure LibreOffice computes must equal the engine's.

Two more files prove the test can fail: a freshly built workbook (AsOf left
as =TODAY()) whose cached values must equal LibreOffice's cell for cell, and
a stale one (cached for another date, one cached value poisoned) whose
values LibreOffice must correct.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from backplan_xlsx import engine, layout, rules
from backplan_xlsx.fingerprint import formulas_fingerprint
from backplan_xlsx.model import CheckIn, DoneMark, Plan, Snapshot
from backplan_xlsx.parts import judged_on_share
from backplan_xlsx.planner import due_dates
from backplan_xlsx.spec import load_spec, load_spec_text
from backplan_xlsx.split import split_plan
from backplan_xlsx.writer import build_workbook, write_workbook
from backplan_xlsx.writer.meta import ROWS_COLUMN
from tests.gnumeric import recalculate_gnumeric
from tests.portable import ALLOWED_FUNCTIONS, engine_dependent, functions
from tests.soffice import recalculate

pytestmark = [pytest.mark.soffice, pytest.mark.filterwarnings("error:::xlsxwriter")]

ROOT = Path(__file__).resolve().parent.parent
#: Scenarios per run (three workbooks each); raise it locally to search harder.
EXAMPLES = int(os.environ.get("BACKPLAN_RECALC_EXAMPLES", "5"))
#: Owner names that test the name rules: an apostrophe, an accent, and the
#: characters a SUMIFS criterion would read as wildcards or operators.
OWNER_NAMES = ("Dana Whitfield", "Zo\u00eb O\u2019Brien", "Ann* <=>?~", "Tom\u00e1s Herrera")
#: How people type those names in a Check-ins Owner cell (each still the same person).
TYPED = {
    "Zo\u00eb O\u2019Brien": ("zo\u00eb o'brien", " ZOE\u0308 O\u2019BRIEN "),
    "Ann* <=>?~": ("ann* <=>?~", "Ann"),  # "Ann" is somebody else, not a wildcard match
    "Tom\u00e1s Herrera": ("Tomas Herrera", "tom\u00e1s  herrera"),  # no accent: not him
}
#: Owner shares that add up to 1 exactly in binary.
SHARE_SETS = {1: (1.0,), 2: (0.5, 0.5), 3: (0.25, 0.25, 0.5), 4: (0.25, 0.25, 0.25, 0.25)}
DONE_MARKS: tuple[DoneMark, ...] = (
    *("", "Yes", "No", "yes ", " x", "Done", "DONE", "nope", "y", "done.", "\u2713", "\u2714"),
    *("TRUE", True, False, 1, 0, -3, date(2027, 2, 1), "yes please", "x."),
)


# --- generated plans and what people typed --------------------------------------


@dataclass
class Case:
    """One workbook to recalculate, and what the engine says it must show."""

    name: str
    plan: Plan
    snapshot: Snapshot
    as_of: date
    built: Path = field(default=Path())
    #: Engine name -> the workbook as that engine recalculated it.
    engines: dict[str, Path] = field(default_factory=dict)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Plan, Snapshot, tuple[date, date, date]]:
    """A valid plan (through the real spec loader), check-ins, marks and three as-of dates."""
    start = draw(st.dates(date(2026, 1, 1), date(2028, 6, 30)))
    owners = OWNER_NAMES[: draw(st.integers(1, 4))]
    goals: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 3))):
        measure = draw(st.sampled_from(["sum", "latest"]))
        baseline = draw(st.sampled_from([0, 0, 5, 120, -50, 1_000_000]))
        span = draw(st.sampled_from([8, 100, 2000, 250000]))
        down = draw(st.booleans())
        deadline = start + timedelta(days=draw(st.integers(35, 400)))
        cadence = draw(st.sampled_from(["weekly", "monthly", "quarterly"]))
        windows = len(due_dates(start, deadline, cadence))
        curve: Any = draw(
            st.sampled_from(["linear", "front-loaded", "back-loaded"])
            | st.lists(st.integers(1, 5), min_size=windows, max_size=windows)
        )
        goal: dict[str, Any] = {
            "id": f"G{i + 1}",
            "name": f"Goal {i + 1}",
            "baseline": baseline,
            "target": baseline - span if down else baseline + span,
            "deadline": deadline,
            "cadence": cadence,
            "curve": curve,
            "measure": measure,
        }
        if measure == "sum" and not down and draw(st.booleans()):
            goal["funnel"] = {
                "deal_size": span / 4,
                "sales_cycle_days": draw(st.integers(0, 60)),
                "stages": [{"name": "Open {n} opportunities", "conversion": 0.5}],
            }
        goals.append(goal)
    shares = SHARE_SETS[len(owners)]
    owner_specs = [
        {"name": name, "shares": {g["id"]: shares[k] for g in goals}}
        for k, name in enumerate(owners)
    ]
    anti = [
        {
            "avoid": f"Avoid thing {k + 1}",
            "instead": f"Do thing {k + 1}",
            "limit": draw(st.one_of(st.none(), st.sampled_from([1, 10, 40, 0.25]))),
            "direction": draw(st.sampled_from(["max", "min"])),
            "review_every_days": draw(st.integers(1, 60)),
        }
        for k in range(draw(st.integers(0, 3)))
    ]
    last = max(g["deadline"] for g in goals)
    actions = [
        {
            "goal": g["id"],
            "action": "Call a customer",
            "owner": draw(st.sampled_from(owners)),
            "due": start + timedelta(days=draw(st.integers(0, (g["deadline"] - start).days))),
        }
        for g in goals
        if draw(st.booleans())
    ]
    spec = {
        "plan": "Generated",
        "start": start,
        "goals": goals,
        "owners": owner_specs,
        "actions": actions,
        "anti_goals": anti,
        "thresholds": {
            "on_track": draw(st.sampled_from([0.9, 0.95])),
            "at_risk": draw(st.sampled_from([0.5, 0.8])),
        },
    }
    plan = load_spec_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    ids = [g.id for g in plan.goals] + [x.id for x in plan.anti_goals] + ["Z9"]
    who = [*owners, "Someone else", owners[0].upper()]
    who += [t for name in owners for t in TYPED.get(name, ())]
    days = (last - start).days
    # Readings on and around milestone due dates, and several on one date
    # (the later row wins), as well as anywhere before, during and after.
    edges = [m.due + timedelta(days=k) for m in plan.milestones[:6] for k in (-1, 0, 1)]
    when = st.sampled_from(edges) | st.builds(
        lambda k: start + timedelta(days=k), st.integers(-20, days + 20)
    )
    check_ins = tuple(
        CheckIn(
            date=draw(when),
            goal=draw(st.sampled_from(ids + [ids[0].lower()])),
            owner=draw(st.sampled_from(who)),
            value=draw(st.integers(-40, 4000)) / 4 * draw(st.sampled_from([1, 1, -1])),
            row=k + 2,
        )
        for k in range(draw(st.integers(0, 25)))
    )
    marks = draw(st.lists(st.sampled_from(DONE_MARKS), min_size=len(plan.actions)))
    done: dict[str, DoneMark] = {
        a.id: m for a, m in zip(plan.actions, marks, strict=False) if m != ""
    }
    reviews = {
        x.id: start + timedelta(days=d)
        for x in plan.anti_goals
        if (d := draw(st.one_of(st.none(), st.integers(-10, days)))) is not None
    }
    as_ofs = (
        start - timedelta(days=draw(st.integers(1, 30))),
        start + timedelta(days=draw(st.integers(0, days))),
        last + timedelta(days=draw(st.integers(1, 30))),
    )
    return plan, Snapshot(plan, check_ins, done=done, reviews=reviews), as_ofs


def generated() -> list[tuple[Plan, Snapshot, tuple[date, date, date]]]:
    """A handful of scenarios, drawn up front so one soffice call serves them all."""
    found: list[tuple[Plan, Snapshot, tuple[date, date, date]]] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(scenarios())
    def collect(s: tuple[Plan, Snapshot, tuple[date, date, date]]) -> None:
        found.append(s)

    collect()
    return found


# --- editing a workbook as a person would --------------------------------------------


def _named_cell(wb: Any, name: str) -> Any:
    ((sheet, ref),) = list(wb.defined_names[name].destinations)
    return wb[sheet][ref.replace("$", "")]


def _columns(ws: Any) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value is not None}


def type_in(path: Path, snap: Snapshot, as_of: date | None) -> None:
    """AsOf, check-ins, Done marks and review dates, typed with openpyxl."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    if as_of is not None:
        _named_cell(wb, rules.AS_OF).value = as_of
    ws = wb[layout.CHECK_INS]
    cols = _columns(ws)
    for c in snap.check_ins:
        ws.cell(c.row, cols["Date"]).value = c.date
        ws.cell(c.row, cols["Goal"]).value = c.goal
        ws.cell(c.row, cols["Owner"]).value = c.owner
        ws.cell(c.row, cols["Value"]).value = c.value
    for sheet, header, values in (
        (layout.ACTIONS, "Done", snap.done),
        (layout.ANTI_GOALS, "Last reviewed", snap.reviews),
    ):
        ws = wb[sheet]
        col = _columns(ws)[header]
        rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
        for rid, value in values.items():
            ws.cell(rows[rid], col).value = value
    wb.save(path)


# --- comparing ------------------------------------------------------------------------


def same(found: object, want: object) -> bool:
    """Equal, floats to 1e-9 relative; an empty cell equals "" and None."""
    if want is None or want == "":
        return found in (None, "")
    if found == want:
        return True
    if isinstance(want, date) and not isinstance(want, datetime) and isinstance(found, datetime):
        return found.date() == want
    if isinstance(want, bool) or isinstance(found, bool):
        return found == want
    if isinstance(want, int | float):
        return isinstance(found, int | float) and math.isclose(
            found, want, rel_tol=1e-9, abs_tol=1e-9
        )
    return found == want


def expected_cells(report: engine.StatusReport) -> Iterator[tuple[str, str, str, object]]:
    """(sheet, row id, header, value) for every status and figure the engine computes."""
    for g in report.goals:
        for header, value in (
            ("Actual", g.actual),
            ("Expected", g.expected),
            ("Projected", g.projected),
            ("Rate needed", g.rate_needed),
            ("Periods left", g.periods_left),
            ("Status", g.status),
        ):
            yield layout.GOALS, g.id, header, value
    for m in report.milestones:
        for header, value in (("Actual", m.actual), ("Expected", m.expected), ("Status", m.status)):
            yield layout.MILESTONES, m.id, header, value
    for a in report.actions:
        yield layout.ACTIONS, a.id, "Status", a.status
    for o in report.owners:
        yield layout.OWNERS, o.id, "Status", o.status
        for p in o.parts:
            for label, value in (
                ("target", p.target),
                ("actual", p.actual),
                ("expected", p.expected),
                ("status", p.status),
            ):
                yield layout.OWNERS, o.id, f"{p.goal} {label}", value
    for x in report.anti_goals:
        yield layout.ANTI_GOALS, x.id, "Latest", x.latest
        yield layout.ANTI_GOALS, x.id, "Status", x.status


def disagreements(path: Path, report: engine.StatusReport) -> list[str]:
    """Every cell of a recalculated workbook that differs from the engine's report."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    out: list[str] = []
    index: dict[str, tuple[dict[str, int], dict[str, int], Any]] = {}
    checked = 0
    for sheet, rid, header, want in expected_cells(report):
        if sheet not in index:
            ws = wb[sheet]
            rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
            index[sheet] = (_columns(ws), rows, ws)
        cols, rows, ws = index[sheet]
        found = ws.cell(rows[rid], cols[header]).value
        checked += 1
        if not same(found, want):
            out.append(f"{sheet} {rid} {header}: LibreOffice {found!r}, engine {want!r}")
    assert checked > 0
    return out


def formula_text(value: object) -> str:
    """A cell's formula as openpyxl gives it: text, or an array formula's text."""
    text = getattr(value, "text", value)
    return text if isinstance(text, str) else ""


def formula_cells(path: Path) -> Iterator[tuple[str, str]]:
    """(sheet, cell) of every formula in a workbook, array formulas included."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if formula_text(c.value).startswith("="):
                    yield ws.title, c.coordinate


def cached_vs_recalculated(built: Path, recalculated: Path) -> tuple[int, list[str]]:
    """How many formula cells were compared, and those whose cached value LO changed."""
    import openpyxl

    before = openpyxl.load_workbook(built, data_only=True)
    after = openpyxl.load_workbook(recalculated, data_only=True)
    diffs, n = [], 0
    for sheet, ref in formula_cells(built):
        n += 1
        a, b = before[sheet][ref].value, after[sheet][ref].value
        if not same(b, a):
            diffs.append(f"{sheet}!{ref}: cached {a!r}, LibreOffice {b!r}")
    return n, diffs


def poison(path: Path, sheet_xml: str, cell: str, value: str) -> None:
    """Replace one formula cell's cached value inside the file (as a broken writer would)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == sheet_xml:
                text = data.decode()
                pattern = rf'(<c r="{cell}"[^>]*><f[^>]*>[^<]*</f><v>)[^<]*(</v>)'
                text, n = re.subn(pattern, lambda m: m.group(1) + value + m.group(2), text)
                assert n == 1, f"{cell} not found in {sheet_xml}"
                data = text.encode()
            dst.writestr(item, data)
    shutil.move(tmp, path)


def edge_snapshot(plan: Plan) -> Snapshot:
    """Readings exactly on the boundaries, as of the first milestone's due date (2027-01-31).

    G1's first milestone reached to the cent, an owner's part reached exactly,
    an anti-goal reading equal to its limit, a review exactly one cadence ago,
    and an action due on the as-of date.
    """
    m1 = plan.milestones[0]
    x1 = plan.anti_goals[0]
    rows = (
        (m1.due, "G1", "Dana Whitfield", m1.target),
        (date(2027, 1, 10), "G2", "Ravi Patel", 0.2 * 9600000),
        (date(2027, 1, 31), "X1", "Aisha Okafor", float(x1.limit or 0)),
        (date(2027, 1, 31), "G3", "Dana Whitfield", 0.22),
        (date(2027, 2, 1), "G1", "Mei Chen", 1.0),
    )
    check_ins = tuple(
        CheckIn(d, g, who, v, row=k) for k, (d, g, who, v) in enumerate(rows, start=2)
    )
    due_today = next((a.id for a in plan.actions if a.due == date(2027, 1, 31)), "")
    done: dict[str, DoneMark] = {due_today: "No"} if due_today else {}
    reviews = {x1.id: date(2027, 1, 31) - timedelta(days=x1.review_every_days)}
    return Snapshot(plan, check_ins, done=done, reviews=reviews)


ONE_MILESTONE = """\
plan: One
start: 2027-01-01
goals:
  - name: ARR
    target: 1000
    deadline: 2027-02-15
    cadence: quarterly
owners:
  - name: Ann
    shares: {G1: 1}
"""

#: The sales template's year, judged at six points.
SALES_SCENARIOS = (
    ("before-start", date(2026, 12, 20)),
    ("first-day", date(2027, 1, 1)),
    ("early", date(2027, 2, 15)),
    ("mid", date(2027, 6, 30)),
    ("late", date(2027, 11, 20)),
    ("after-deadline", date(2028, 1, 20)),
)


def sales_snapshot(plan: Plan) -> Snapshot:
    """A year of the sales template as a team types it: every goal and anti-goal,
    readings on milestone dates and twice on one date, names typed other ways,
    the goal that moves down, done marks of every kind."""
    rows: list[tuple[date, str, str, float]] = []
    for k, m in enumerate(plan.milestones_of("G1")):
        who = ("Ravi Patel", " mei chen ", "Tom\u00e1s Herrera", "Aisha Okafor")[k % 4]
        rows.append((m.due, "G1", who, (m.target - m.start_value) * (1.0 if k < 8 else 0.5)))
    for m in plan.milestones_of("G2"):
        rows.append(
            (m.due - timedelta(days=3), "G2", "Aisha Okafor", (m.target - m.start_value) * 0.9)
        )
    rows += [
        (date(2027, 3, 31), "G3", "Dana Whitfield", 0.21),
        (date(2027, 3, 31), "G3", "Dana Whitfield", 0.24),  # same date: the later row wins
        (date(2027, 9, 30), "G3", "Dana Whitfield", 0.27),
        (date(2027, 3, 31), "G4", "Mei Chen", 91.0),
        (date(2027, 6, 30), "G4", "Mei Chen", 86.0),
        (date(2027, 10, 15), "G4", "Mei Chen", 74.0),
        (date(2027, 2, 1), "X1", "Aisha Okafor", 0.12),
        (date(2027, 6, 1), "X1", "Aisha Okafor", 0.25),
        (date(2027, 5, 1), "X2", "Dana Whitfield", 0.14),
        (date(2027, 8, 1), "X3", "Mei Chen", 0.95),
    ]
    check_ins = tuple(CheckIn(d, g, w, v, row=k + 2) for k, (d, g, w, v) in enumerate(rows))
    marks: tuple[DoneMark, ...] = (
        True,
        "\u2713",
        "done.",
        date(2027, 2, 1),
        1,
        "No",
        "nope",
        " x ",
        "Yes",
    )
    done: dict[str, DoneMark] = {
        a.id: mark for a, mark in zip(plan.actions[::7], marks * 10, strict=False)
    }
    reviews = {plan.anti_goals[0].id: date(2027, 6, 1), plan.anti_goals[2].id: date(2027, 1, 20)}
    return Snapshot(plan, check_ins, done=done, reviews=reviews)


# --- the one soffice run -----------------------------------------------------------


ENGINES = ("LibreOffice", "Gnumeric")


@dataclass
class Run:
    cases: list[Case]
    #: (built, engine name, recalculated) for workbooks cached by the writer itself.
    fresh: list[tuple[Path, str, Path]]
    #: (built, engine name, recalculated) of the poisoned workbook, and today's report.
    stale: list[tuple[Path, str, Path]]
    stale_report: engine.StatusReport


@pytest.fixture(scope="module")
def run(soffice: str, gnumeric: str, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Build and edit every workbook, then recalculate them all in one soffice call."""
    folder = tmp_path_factory.mktemp("recalc")
    built = folder / "built"
    built.mkdir()
    cases: list[Case] = []
    drawn = generated()
    for n, (plan, snap, as_ofs) in enumerate(drawn):
        for label, as_of in zip(("before", "mid", "after"), as_ofs, strict=True):
            case = Case(f"s{n}-{label}", plan, snap, as_of)
            case.built = build_workbook(plan, built / f"{case.name}.xlsx", plan.start)
            type_in(case.built, snap, as_of)
            cases.append(case)

    today = date.today()
    sales = load_spec(ROOT / "templates" / "sales.yaml")
    year = sales_snapshot(sales)
    for label, day in SALES_SCENARIOS:
        case = Case(f"sales-{label}", sales, year, day)
        case.built = build_workbook(sales, built / f"{case.name}.xlsx", sales.start)
        type_in(case.built, year, day)
        cases.append(case)
    # One goal, one milestone: every bounded range is one row long.
    one = load_spec_text(ONE_MILESTONE)
    single = Case(
        "one-milestone",
        one,
        Snapshot(one, (CheckIn(date(2027, 1, 9), "G1", "Ann", 300.0, row=2),)),
        date(2027, 1, 20),
    )
    single.built = build_workbook(one, built / "one-milestone.xlsx", one.start)
    type_in(single.built, single.snapshot, single.as_of)
    cases.append(single)
    cases.extend(_part_cases(year, built))
    cases.append(_typed_by_hand(sales, built / "typed.xlsx"))
    edges = Case("edges", sales, edge_snapshot(sales), date(2027, 1, 31))
    edges.built = build_workbook(sales, built / "edges.xlsx", sales.start)
    type_in(edges.built, edges.snapshot, edges.as_of)
    cases.append(edges)
    fresh = [build_workbook(sales, built / "fresh-sales.xlsx", today)]
    # A plan running through today, with check-ins written by the writer itself.
    plan, snap, _ = drawn[0]
    shift = today - (plan.start + (max(g.deadline for g in plan.goals) - plan.start) / 2)
    moved = _shift_plan(plan, shift)
    moved_snap = replace(
        snap,
        plan=moved,
        check_ins=tuple(replace(c, date=c.date + shift) for c in snap.check_ins),
        reviews={k: v + shift for k, v in snap.reviews.items()},
    )
    fresh_mid = built / "fresh-mid.xlsx"
    write_workbook(moved_snap, fresh_mid, today)
    fresh.append(fresh_mid)

    # Stale: cached for mid-2027 with check-ins, AsOf left as =TODAY(); one value poisoned.
    stale_snap = Snapshot(
        sales,
        (
            CheckIn(date(2027, 2, 1), "G1", "Mei Chen", 400000.0, row=2),
            CheckIn(date(2027, 3, 1), "X1", "Aisha Okafor", 0.5, row=3),
        ),
    )
    stale = built / "stale.xlsx"
    write_workbook(stale_snap, stale, date(2027, 6, 15))
    poison(stale, "xl/worksheets/sheet3.xml", "K2", "123456789")
    poison(stale, "xl/worksheets/sheet3.xml", "L2", "987654321")  # an array formula
    poison(stale, "xl/worksheets/sheet3.xml", "P2", "Bogus")

    inputs = [c.built for c in cases] + fresh + [stale]
    by_engine = {
        "LibreOffice": recalculate(inputs, folder / "lo", binary=soffice),
        "Gnumeric": recalculate_gnumeric(inputs, folder / "gnumeric", binary=gnumeric),
    }
    n = len(cases)
    for name, outputs in by_engine.items():
        for case, result in zip(cases, outputs, strict=False):
            case.engines[name] = result
    fresh_runs = [
        (built_, name, outputs[n + k])
        for name, outputs in by_engine.items()
        for k, built_ in enumerate(fresh)
    ]
    stale_runs = [(stale, name, outputs[-1]) for name, outputs in by_engine.items()]
    stale_report = engine.evaluate(replace(stale_snap, file=""), today)
    return Run(cases, fresh_runs, stale_runs, stale_report)


def _typed_by_hand(plan: Plan, path: Path) -> Case:
    """Cells as people and scripts type them, read back by the reader as ``status`` does.

    A reading with a time of day on the as-of date, a goal id with spaces
    around it, an owner typed as ``=Sam`` (a formula: ``#NAME?`` once
    recalculated), " yes " in Done, and a min anti-goal's reading exactly on its
    warning edge. ("yes" and a non-breaking space is engine-dependent:
    Gnumeric's TRIM drops it, Excel's and LibreOffice's do not; see
    ``test_rules``.)
    """
    import openpyxl

    from backplan_xlsx.reader import read_workbook

    day = date(2027, 3, 15)
    build_workbook(plan, path, plan.start)
    wb = openpyxl.load_workbook(path)
    _named_cell(wb, rules.AS_OF).value = day
    x = next(a for a in plan.anti_goals if a.direction == "min" and a.limit)
    edge = float(x.limit or 0) + abs(float(x.limit or 0)) * rules.WARNING_MARGIN
    ws = wb[layout.CHECK_INS]
    cols = _columns(ws)
    for row, (when, goal, who, value) in enumerate(
        (
            (datetime(2027, 3, 15, 15, 0), "G1", "Ravi Patel", 11111.0),
            (datetime(2027, 3, 1, 9, 30), "G1", "Mei Chen", 2000.0),
            (date(2027, 3, 2), " G2", "Ravi Patel", 130.0),
            (date(2027, 3, 3), "G2", "Ravi Patel", 100.0),
            (datetime(2027, 3, 15, 8, 0), x.id, "Aisha Okafor", edge),
            (date(2027, 3, 5), "G1", "=Sam", 500.0),  # openpyxl writes a formula: #NAME?
        ),
        start=2,
    ):
        for header, value_ in (("Date", when), ("Goal", goal), ("Owner", who), ("Value", value)):
            ws.cell(row, cols[header]).value = value_
    actions = wb[layout.ACTIONS]
    actions.cell(3, _columns(actions)["Done"]).value = " yes "
    wb.save(path)
    snap = read_workbook(path)
    case = Case("typed", snap.plan, snap, day)
    case.built = path
    return case


PART_DAYS = (date(2027, 2, 15), date(2027, 6, 30), date(2028, 1, 20))


def _part_cases(year: Snapshot, built: Path) -> list[Case]:
    """Each owner's part of the sales year (from split), cached stale, at a few dates.

    ``status`` judges a part on its owner's share of each goal; the part's
    own formulas must say the same after any engine recalculates them.
    """
    out = []
    for k, (_, piece) in enumerate(split_plan(year)):
        day = PART_DAYS[k % len(PART_DAYS)]
        case = Case(f"part-{k}", piece.plan, piece, day)
        case.built = built / f"{case.name}.xlsx"
        write_workbook(piece, case.built, piece.plan.start)  # stale cache: engines must recompute
        type_in(case.built, replace(piece, check_ins=(), done={}, reviews={}), day)  # AsOf only
        out.append(case)
    return out


def _shift_plan(plan: Plan, by: timedelta) -> Plan:
    """The same plan, every date moved by ``by`` (so it runs through today)."""
    return replace(
        plan,
        start=plan.start + by,
        goals=tuple(replace(g, deadline=g.deadline + by) for g in plan.goals),
        milestones=tuple(replace(m, start=m.start + by, due=m.due + by) for m in plan.milestones),
        actions=tuple(replace(a, due=a.due + by) for a in plan.actions),
    )


# --- the tests ---------------------------------------------------------------------


def test_every_engine_agrees_with_the_python_engine(run: Run) -> None:
    parts = [c for c in run.cases if c.name.startswith("part-")]
    assert len(parts) >= 3 and all(c.plan.part for c in parts)
    assert len(run.cases) == 3 * EXAMPLES + len(SALES_SCENARIOS) + 3 + len(parts)
    problems: list[str] = []
    for case in run.cases:
        # What `status` reports: a part on its owner's share (a whole plan as it is).
        report = engine.evaluate(judged_on_share(case.snapshot), case.as_of)
        for name in ENGINES:
            for line in disagreements(case.engines[name], report):
                problems.append(f"{name}, {case.name} (as of {case.as_of}): {line}")
    assert problems == [], "\n".join(problems[:40])


def test_as_of_dates_cover_before_during_and_after(run: Run) -> None:
    assert sum(c.name.startswith("sales-") for c in run.cases) == len(SALES_SCENARIOS)
    for case in run.cases:
        if not case.name[1:2].isdigit() or not case.name.startswith("s"):
            continue
        deadline = max(g.deadline for g in case.plan.goals)
        if case.name.endswith("before"):
            assert case.as_of < case.plan.start
        elif case.name.endswith("after"):
            assert case.as_of > deadline
        else:
            assert case.plan.start <= case.as_of <= deadline


def test_fresh_workbook_cached_values_equal_every_engine(run: Run) -> None:
    assert {name for _, name, _ in run.fresh} == set(ENGINES)
    for built, name, recalculated in run.fresh:
        n, diffs = cached_vs_recalculated(built, recalculated)
        assert n > 10, built.name
        assert diffs == [], f"{name}, {built.name}:\n" + "\n".join(diffs[:40])


def test_recalculation_really_happens(run: Run) -> None:
    """A wrong cached value (plain and array formulas) comes back right in each engine."""
    assert {name for _, name, _ in run.stale} == set(ENGINES)
    for built, name, recalculated in run.stale:
        n, diffs = cached_vs_recalculated(built, recalculated)
        # Cached for mid-2027, recalculated for today: many values had to change...
        assert len(diffs) > 20, name
        assert any("Goals!K2: cached 123456789" in d for d in diffs), name
        assert any("Goals!L2: cached 987654321" in d for d in diffs), name
        assert any("Goals!P2: cached 'Bogus'" in d for d in diffs), name
        # ...and what the engine computed is what the Python engine computes for today.
        assert disagreements(recalculated, run.stale_report) == [], name


def test_edge_case_statuses(run: Run) -> None:
    case = run.cases[-1]
    report = engine.evaluate(case.snapshot, case.as_of)
    assert report.milestones[0].status == rules.DONE
    assert report.anti_goals[0].status == rules.WARNING
    ravi = next(o for o in report.owners if o.name == "Ravi Patel")
    assert next(p for p in ravi.parts if p.goal == "G2").status == rules.DONE
    for name in ENGINES:
        assert disagreements(case.engines[name], report) == [], name


def test_cells_typed_by_hand_read_alike(run: Run) -> None:
    """A time of day, spaces around a goal id, a non-breaking space, an exact edge."""
    case = next(c for c in run.cases if c.name == "typed")
    report = engine.evaluate(case.snapshot, case.as_of)
    g1 = next(g for g in report.goals if g.id == "G1")
    # Both G1 rows with a time of day, and the one whose owner cell became #NAME?.
    assert g1.actual == pytest.approx(case.plan.goals[0].baseline + 13611.0)
    g2 = next(g for g in report.goals if g.id == "G2")
    assert g2.actual == pytest.approx(case.plan.goals[1].baseline + 100.0)  # not " G2"
    said = [p.message for p in case.snapshot.problems if p.code == "goal-with-spaces"]
    assert any("' G2' has spaces around 'G2'" in m for m in said)
    assert report.actions[0].status != rules.DONE and report.actions[1].status == rules.DONE
    assert rules.WARNING in {x.status for x in report.anti_goals}
    for name in ENGINES:
        assert disagreements(case.engines[name], report) == [], name


def test_no_generated_formula_depends_on_the_engine(run: Run) -> None:
    """Generated plans too: allow-listed functions, no engine-dependent construct."""
    import openpyxl

    checked = 0
    for case in run.cases[::3]:
        wb = openpyxl.load_workbook(case.built)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    text = formula_text(c.value)
                    if not text.startswith("="):
                        continue
                    array = type(c.value).__name__ == "ArrayFormula"
                    assert engine_dependent(text, array=array) == [], (case.name, c.coordinate)
                    assert functions(text) <= ALLOWED_FUNCTIONS, (case.name, c.coordinate)
                    checked += 1
    assert checked > 100


def test_formula_fingerprints_survive_a_libreoffice_resave(run: Run) -> None:
    import openpyxl

    _, _, recalculated = run.fresh[0]
    wb = openpyxl.load_workbook(recalculated)
    meta = wb[layout.META]
    assert meta.sheet_state in ("hidden", "veryHidden")
    checked = 0
    for r in range(2, meta.max_row + 1):
        sheet = meta.cell(r, ROWS_COLUMN + 1).value
        if not sheet:
            continue
        row = int(meta.cell(r, ROWS_COLUMN + 3).value)
        keys = meta.cell(r, ROWS_COLUMN + 6).value
        if not keys:
            continue
        ws = wb[sheet]
        headers = {c.value: c.column for c in ws[1]}
        spec = layout.DATA_LAYOUTS.get(sheet) or layout.owners_layout(
            tuple(h.split(" ")[0] for h in headers if str(h).endswith(" status"))
        )
        formulas = [
            formula_text(ws.cell(row, headers[spec.columns[spec.index(k)].header]).value)
            for k in keys.split(",")
        ]
        assert formulas_fingerprint(formulas) == meta.cell(r, ROWS_COLUMN + 5).value, (
            sheet,
            row,
        )
        checked += 1
    assert checked > 100
