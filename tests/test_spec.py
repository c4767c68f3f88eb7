"""The plan spec: the template loads; broken specs give located problems."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from backplan_xlsx.cli import main
from backplan_xlsx.errors import SpecError
from backplan_xlsx.spec import load_spec, load_spec_text, read_spec


def _problems(exc: SpecError) -> list[str]:
    return str(exc).splitlines()


def test_sales_template_is_a_valid_plan(sales_spec: Path) -> None:
    plan = load_spec(sales_spec)
    assert plan.id == "fy27-new-business"
    assert [g.id for g in plan.goals] == ["G1", "G2", "G3", "G4"]
    g4 = plan.goal("G4")
    assert (g4.baseline, g4.target, g4.measure, g4.cadence) == (95, 70, "latest", "quarterly")
    assert [m.target for m in plan.milestones_of("G4")][-1] == 70
    assert all(
        a.target > b.target
        for a, b in zip(plan.milestones_of("G4"), plan.milestones_of("G4")[1:], strict=False)
    )
    assert {g.measure for g in plan.goals} == {"sum", "latest"}
    assert plan.goals[0].funnel is not None
    assert len(plan.owners) >= 5
    assert [o.id for o in plan.owners] == [f"O{i}" for i in range(1, len(plan.owners) + 1)]
    assert len(plan.anti_goals) >= 3
    assert all(a.instead for a in plan.anti_goals)
    assert plan.milestones and plan.actions
    for g in plan.goals:
        assert abs(sum(o.share_of(g.id) for o in plan.owners) - 1) < 1e-9


def test_broken_template_reports_every_problem_with_file_line_and_field(sales_spec: Path) -> None:
    text = sales_spec.read_text()
    text = text.replace("deadline: 2027-12-31", "deadline: 2027-13-01", 1)
    # Mei's G1 share 0.25 -> 0.55 makes G1's shares add up to 1.3.
    text = text.replace(
        "shares: {G1: 0.25, G2: 0.20, G4: 1.0}\n  - name: Tomás",
        "shares: {G1: 0.55, G2: 0.20, G4: 1.0}\n  - name: Tomás",
    )
    text = text.replace(
        "    instead: Agree a mutual close plan with the buyer's next steps and dates\n", ""
    )
    text = text.replace("owner: Mei Chen\n    metric: Demos", "owner: Mei Chan\n    metric: Demos")
    sales_spec.write_text(text)
    lines = text.splitlines()

    result = CliRunner().invoke(
        main, ["build", str(sales_spec), "-o", str(sales_spec.with_suffix(".xlsx"))]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: plan.yaml:")]
    assert len(errors) == 4, result.stderr
    wanted = {
        "goals[0].deadline": "2027-13-01 is not a date",
        "goals[0]": "add up to 1.3",
        "anti_goals[1].instead": "missing",
        "anti_goals[2].owner": "'Mei Chan' is not in owners",
    }
    for line in errors:
        m = re.match(r"Error: plan\.yaml:(\d+): (\S+): (.*)", line)
        assert m, line
        lineno, field, message = int(m[1]), m[2], m[3]
        assert wanted.pop(field) in message
        # The line number points at the field (or its list item) in the file.
        key = field.rsplit(".", 1)[-1] if "." in field else "id"
        assert key.split("[")[0] in lines[lineno - 1] or lines[lineno - 1].lstrip().startswith("- ")
    assert not wanted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "is a mapping of fields"),
        ("plan: x\nplan: y\n", "duplicate key 'plan'"),
        ("plan: x\n\tstart: 2027-01-01\n", "indent with spaces, not tabs"),
        ("plan: [unclosed\n", "plan.yaml:"),
    ],
)
def test_bad_yaml_is_a_message(text: str, expected: str) -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "plan.yaml")
    assert expected in str(info.value)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(b"plan: ok\nstart: \xff\n")
    with pytest.raises(SpecError, match=r"plan\.yaml:2: not UTF-8"):
        load_spec(path)


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="backplan new"):
        load_spec(tmp_path / "nope.yaml")


MINIMAL = """\
plan: Small
start: 2027-01-01
goals:
  - name: ARR
    target: 1000
    deadline: 2027-06-30
owners:
  - name: Ann
    shares: {G1: 1}
"""


def test_minimal_spec_gets_defaults() -> None:
    plan = load_spec_text(MINIMAL)
    g = plan.goals[0]
    assert (g.id, g.cadence, g.curve, g.measure, g.baseline, g.owner) == (
        "G1",
        "monthly",
        "linear",
        "sum",
        0.0,
        "Ann",
    )
    assert plan.thresholds.on_track == 0.95 and plan.thresholds.at_risk == 0.80
    assert [m.due.isoformat() for m in plan.milestones][-1] == "2027-06-30"


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (
            ("deadline: 2027-06-30", "deadline: 2026-06-30"),
            "goals[0].deadline",
            "not after the plan start",
        ),
        (("target: 1000", "target: 0"), "goals[0].target", "equals the baseline"),
        (("target: 1000", "target: lots"), "goals[0].target", "'lots' is not a number"),
        (
            ("    target: 1000\n", "    target: 1000\n    cadence: daily\n"),
            "goals[0].cadence",
            "daily",
        ),
        (
            ("    target: 1000\n", "    target: 1000\n    dealine: 2027-01-01\n"),
            "goals[0].dealine",
            "unknown field",
        ),
        (("{G1: 1}", "{G1: 1, G9: 0.2}"), "owners[0].shares.G9", "not a goal id"),
        (
            (
                "    target: 1000\n",
                "    target: 1000\n    funnel: {deal_size: 0, stages: [{name: x, conversion: 1.5}]}\n",
            ),
            "goals[0].funnel.deal_size",
            "0 must be more than 0",
        ),
        (
            (
                "    target: 1000\n",
                "    target: 1000\n    funnel: {deal_size: 10, stages: [{name: x, conversion: 1.5}]}\n",
            ),
            "goals[0].funnel.stages[0].conversion",
            "1.5 must be at most 1",
        ),
        (
            ("    target: 1000\n", "    target: 1000\n    funnel: {deal_size: 10, stages: []}\n"),
            "goals[0].funnel.stages",
            "needs at least 1 item",
        ),
        (
            ("    target: 1000\n", "    target: 1000\n    curve: [1, 2]\n"),
            "goals[0].curve",
            "2 weights for 6 monthly windows",
        ),
        (
            (
                "    shares: {G1: 1}\n",
                "    shares: {G1: 1}\nthresholds: {on_track: 0.5, at_risk: 0.9}\n",
            ),
            "thresholds.at_risk",
            "lower ratio",
        ),
    ],
)
def test_field_problems_are_located(edit: tuple[str, str], field: str, message: str) -> None:
    text = MINIMAL.replace(*edit)
    assert text != MINIMAL
    with pytest.raises(SpecError) as info:
        load_spec_text(text)
    lines = _problems(info.value)
    hits = [line for line in lines if f": {field}: " in line]
    assert hits, lines
    assert message in hits[0]
    assert re.match(r"plan\.yaml:\d+: ", hits[0])


def test_anti_goal_warnings_do_not_stop_a_plan(tmp_path: Path) -> None:
    many = "".join(
        f"  - avoid: {'x' * (130 if i == 0 else 10)}\n    instead: y\n" for i in range(8)
    )
    path = tmp_path / "plan.yaml"
    path.write_text(MINIMAL + "anti_goals:\n" + many)
    plan, warnings = read_spec(path)
    assert len(plan.anti_goals) == 8
    codes = sorted(w.code for w in warnings)
    assert codes == ["long-anti-goal", "too-many-anti-goals"]
    assert all(w.severity == "warning" for w in warnings)


def test_explicit_milestones_are_kept_and_checked() -> None:
    text = MINIMAL + (
        "milestones:\n"
        "  - {goal: G1, due: 2027-03-31, target: 400, name: Q1}\n"
        "  - {goal: G1, due: 2027-06-30, target: 1000}\n"
    )
    plan = load_spec_text(text)
    assert [(m.id, m.due.isoformat(), m.target, m.name) for m in plan.milestones] == [
        ("M1", "2027-03-31", 400, "Q1"),
        ("M2", "2027-06-30", 1000, "ARR by 2027-06-30"),
    ]
    bad = text.replace("target: 1000}", "target: 900}")
    with pytest.raises(
        SpecError, match=r"plan\.yaml:\d+: milestones\[1\]\.target: .* not the goal's 1000"
    ):
        load_spec_text(bad)


def test_explicit_actions_join_the_next_milestone() -> None:
    text = MINIMAL + "actions:\n  - {goal: G1, action: Call Acme, owner: Ann, due: 2027-02-10}\n"
    plan = load_spec_text(text)
    (action,) = plan.actions
    assert action.id == "A1" and action.milestone == "M2" and action.owner == "Ann"
    unknown = text.replace("owner: Ann, due", "owner: Bob, due")
    with pytest.raises(SpecError, match=r"actions\[0\]\.owner: 'Bob' is not in owners"):
        load_spec_text(unknown)


def test_a_goal_that_moves_down_is_a_plan() -> None:
    """Target below the baseline: milestones step down to it; a funnel on it is refused."""
    down = MINIMAL.replace(
        "    target: 1000\n", "    baseline: 95\n    target: 70\n    measure: latest\n"
    )
    plan = load_spec_text(down)
    targets = [m.target for m in plan.milestones]
    assert targets == sorted(targets, reverse=True) and targets[-1] == 70
    assert all(70 <= t < 95 for t in targets)
    funnel = down.replace(
        "    measure: latest\n",
        "    funnel: {deal_size: 5, stages: [{name: 'Open {n}', conversion: 0.5}]}\n",
    )
    with pytest.raises(SpecError) as err:
        load_spec_text(funnel)
    assert "moves down" in str(err.value.problems)


def test_a_percent_goal_defaults_to_its_latest_reading() -> None:
    pct = MINIMAL.replace(
        "    target: 1000\n", '    unit: "%"\n    baseline: 0.2\n    target: 0.3\n'
    )
    assert load_spec_text(pct).goals[0].measure == "latest"
    from backplan_xlsx.spec import plan_from_source
    from backplan_xlsx.yamlsource import parse_yaml

    summed = pct.replace("    target: 0.3\n", "    target: 0.3\n    measure: sum\n")
    plan, warnings = plan_from_source(parse_yaml(summed, "plan.yaml"))
    assert plan.goals[0].measure == "sum"
    assert [w.code for w in warnings] == ["percent-goal-summed"]
    assert warnings[0].line == 8


def test_owners_differing_only_in_how_a_name_is_typed_are_one_person() -> None:
    twice = MINIMAL.replace(
        "    shares: {G1: 1}\n",
        '    shares: {G1: 0.5}\n  - name: "Jos\u00e9 N\u00fa\u00f1ez"\n    shares: {G1: 0.25}\n'
        '  - name: "  jose\u0301 nu\u0301n\u0303ez "\n    shares: {G1: 0.25}\n',
    )
    with pytest.raises(SpecError) as err:
        load_spec_text(twice)
    assert [p.code for p in err.value.problems] == ["duplicate-owner"]


def test_the_accountable_owner_is_not_a_rounding_residue() -> None:
    thirds = MINIMAL.replace(
        "  - name: Ann\n    shares: {G1: 1}\n",
        "  - name: Ann\n    shares: {G1: 0.33}\n  - name: Bo\n    shares: {G1: 0.33}\n"
        "  - name: Cy\n    shares: {G1: 0.34}\n",
    )
    assert load_spec_text(thirds).goals[0].owner == "Ann"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "plan: x\nstart: 2027-01-01\ngoals: &g\n  - name: A\n    target: 5\n"
            "    deadline: 2027-12-31\n    curve: *g\n",
            "plan.yaml:3: goals[0].curve: refers to itself",
        ),
        ("plan: x\nstart: 2027-01-01\nz: " + "[" * 60 + "]" * 60 + "\n", "nested more than"),
    ],
)
def test_a_spec_that_nests_forever_is_one_message(text: str, said: str) -> None:
    """A YAML alias inside its own anchor nests forever: a message, never a RecursionError."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text)
    assert said in str(info.value)
