"""Numbers in the spec are finite and sane; a plan too large is refused before it is planned."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from backplan_xlsx import layout
from backplan_xlsx.cli import main
from backplan_xlsx.model import Plan
from backplan_xlsx.planner import ExplicitParts, due_dates
from backplan_xlsx.specbounds import count_windows, size_problems
from backplan_xlsx.yamlsource import Source
from tests.strategies import plans

ERROR_LINE = re.compile(r"^Error: plan\.yaml:(\d+): (\S+): (.+)$")


def _build(spec: Path) -> tuple[int, list[str], str]:
    out = spec.with_suffix(".xlsx")
    result = CliRunner().invoke(main, ["build", str(spec), "-o", str(out)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists(), "nothing is written for a refused spec"
    errors = [line for line in result.stderr.splitlines() if ERROR_LINE.match(line)]
    return result.exit_code, errors, result.stderr


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("target: 2400000", "target: .nan", "goals[0].target", ".nan is not a finite number"),
        ("target: 2400000", "target: .inf", "goals[0].target", ".inf is not a finite number"),
        ("baseline: 0 ", "baseline: -.inf ", "goals[0].baseline", "-.inf is not a finite"),
        ("target: 2400000", "target: 1e308", "goals[0].target", "larger than a spreadsheet"),
        ("target: 2400000", "target: 1.0e+308", "goals[0].target", "larger than a spreadsheet"),
        ("target: 2400000", "target: 1e400", "goals[0].target", "not a finite number"),
        ("deal_size: 40000", "deal_size: 1e-300", "goals[0].funnel.deal_size", "too small"),
        ("deal_size: 40000", "deal_size: .inf", "goals[0].funnel.deal_size", "not a finite"),
        ("deal_size: 40000", "deal_size: .nan", "goals[0].funnel.deal_size", "not a finite"),
        ("version: 1 ", "version: 100000000000000000000 ", "version", "not a usable version"),
        ("conversion: 0.25", "conversion: .nan", "goals[0].funnel.stages[0].conversion", "finite"),
        ("sales_cycle_days: 90", "sales_cycle_days: .inf", "goals[0].funnel.sales_cycle_days", ""),
        ("limit: 0.2 ", "limit: .inf ", "anti_goals[0].limit", ".inf is not a finite number"),
        ("review_every_days: 30", "review_every_days: .nan", "anti_goals[0].review_every_days", ""),
        ("on_track: 0.95", "on_track: .nan", "thresholds.on_track", ".nan is not a finite"),
        ("curve: back-loaded ", "curve: [1, .inf, 1] ", "goals[0].curve[1]", "not a finite"),
        ("start: 2027-01-01", "start: 1899-06-30", "start", "before 1900-01-01"),
    ],
)
def test_a_number_that_is_not_finite_or_absurd_is_one_line_naming_the_field(
    sales_spec: Path, old: str, new: str, field: str, words: str
) -> None:
    text = sales_spec.read_text()
    assert old in text
    sales_spec.write_text(text.replace(old, new, 1))
    code, errors, stderr = _build(sales_spec)
    assert code == 2
    assert len(errors) == 1, stderr
    m = ERROR_LINE.match(errors[0])
    assert m is not None
    assert m[2] == field
    assert words in m[3]
    assert new.split(":")[0].strip() in text.splitlines()[int(m[1]) - 1]


def test_a_share_that_is_not_finite_is_one_problem_not_also_a_sum(sales_spec: Path) -> None:
    text = sales_spec.read_text()
    old = "shares: {G1: 0.25, G2: 0.20}\n"
    assert old in text
    sales_spec.write_text(text.replace(old, "shares: {G1: .nan, G2: 0.20}\n", 1))
    code, errors, stderr = _build(sales_spec)
    assert code == 2
    assert len(errors) == 1, stderr
    assert ".shares.G1: .nan is not a finite number" in errors[0]


def _funnel_spec(
    owners: int = 500,
    stages: int = 8,
    cadence: str = "weekly",
    years: int = 10,
    deal: float = 40000,
    goals: int = 1,
    deadline: str = "",
) -> str:
    lines = ["plan: Big", "start: 2027-01-01", "goals:"]
    for g in range(goals):
        lines += [
            f"  - id: G{g + 1}",
            "    name: ARR",
            "    target: 240000000",
            f"    deadline: {deadline or f'{2026 + years}-12-31'}",
            f"    cadence: {cadence}",
            "    funnel:",
            f"      deal_size: {deal}",
            "      stages:",
        ]
        for s in range(stages):
            lines += [f"        - name: Stage {s + 1}", "          conversion: 0.5"]
    lines.append("owners:")
    shares = ", ".join(f"G{g + 1}: {1 / owners!r}" for g in range(goals))
    for o in range(owners):
        lines += [f"  - name: Owner {o}", f"    shares: {{{shares}}}"]
    return "\n".join(lines) + "\n"


def test_the_huge_funnel_is_refused_with_the_figure_and_what_to_change(tmp_path: Path) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(_funnel_spec())  # 500 owners x 8 stages x weekly x 10 years
    code, errors, stderr = _build(spec)
    assert code == 2
    assert len(errors) == 1, stderr
    assert "goals[0].funnel: the plan would make 1,177,443 actions" in errors[0]
    assert "the limit is 50,000" in errors[0]
    for hint in ("fewer owners on the funnel", "larger deal size", "longer cadence"):
        assert hint in errors[0]


def test_a_plan_just_over_the_limit_is_refused_with_its_exact_count(tmp_path: Path) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(_funnel_spec(deal=4_000_000))
    code, errors, _ = _build(spec)
    assert code == 2
    assert "266,742 actions" in errors[0]  # what the planner would have built


def test_a_funnel_asking_for_absurd_counts_names_the_deal_size(tmp_path: Path) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(_funnel_spec(owners=2, deal=0.001, stages=2))
    code, errors, stderr = _build(spec)
    assert code == 2
    assert len(errors) == 1, stderr
    assert "goals[0].funnel.deal_size: the funnel asks for" in errors[0]
    assert "use a larger deal size" in errors[0]


def test_a_plan_over_the_rows_of_a_sheet_is_refused_before_laying_its_dates(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(_funnel_spec(owners=1, stages=1, goals=50, deadline="9999-12-31", deal=1e12))
    code, errors, stderr = _build(spec)
    assert code == 2
    assert len(errors) == 1, stderr
    assert "rows" in errors[0] and f"{layout.MAX_SHEET_ROWS:,}" in errors[0]
    assert "longer cadence" in errors[0]


@settings(max_examples=300, deadline=None)
@given(
    st.dates(date(1990, 1, 1), date(2100, 1, 1)),
    st.integers(1, 4000),
    st.sampled_from(["weekly", "monthly", "quarterly"]),
)
def test_windows_are_counted_as_the_planner_lays_them(start: date, span: int, cadence: str) -> None:
    deadline = start + timedelta(days=span)
    assert count_windows(start, deadline, cadence) == len(due_dates(start, deadline, cadence))
    month_end = date(deadline.year, deadline.month, 1) + timedelta(days=32)
    month_end = month_end.replace(day=1) - timedelta(days=1)
    assert count_windows(start, month_end, cadence) == len(due_dates(start, month_end, cadence))


@settings(max_examples=60, deadline=None)
@given(plans(max_goals=3, max_owners=6))
def test_actions_are_counted_exactly_as_the_planner_makes_them(plan: Plan) -> None:
    bare = replace(plan, milestones=(), actions=())
    src = Source(file="plan.yaml", data={})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(layout, "MAX_ACTIONS", -1)
        found = size_problems(bare, src, ExplicitParts())
    assert len(found) == 1
    m = re.search(r"would make ([\d,]+) actions", found[0].message)
    assert m is not None, found[0].message
    assert int(m[1].replace(",", "")) == len(plan.actions)


@pytest.mark.parametrize(
    "second",
    [
        "Jos\u0065\u0301 N\u0075\u0301n\u0303ez",  # decomposed accents
        "josé núñez",
        "  José   Núñez ",
    ],
)
def test_two_owners_who_are_one_person_are_a_spec_error(tmp_path: Path, second: str) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(
        "plan: Names\nstart: 2027-01-01\ngoals:\n  - name: ARR\n    target: 1000\n"
        "    deadline: 2027-06-30\nowners:\n  - name: Jos\u00e9 N\u00fa\u00f1ez\n"
        "    shares: {G1: 0.5}\n"
        f"  - name: '{second}'\n    shares: {{G1: 0.5}}\n",
        encoding="utf-8",
    )
    code, errors, stderr = _build(spec)
    assert code == 2
    assert len(errors) == 1, stderr
    assert "plan.yaml:10: owners[1].name:" in errors[0]
    assert "listed twice (owners[0])" in errors[0]


def test_apostrophes_make_no_second_person(tmp_path: Path) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(
        "plan: Names\nstart: 2027-01-01\ngoals:\n  - name: ARR\n    target: 1000\n"
        '    deadline: 2027-06-30\nowners:\n  - name: "Zo\u00eb O\'Brien"\n'
        '    shares: {G1: 0.5}\n  - name: "Zo\u00eb O\u2019Brien"\n    shares: {G1: 0.5}\n',
        encoding="utf-8",
    )
    code, errors, _ = _build(spec)
    assert code == 2 and "listed twice" in errors[0]
