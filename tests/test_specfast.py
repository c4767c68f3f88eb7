"""The fast spec check (msgspec) only ever accepts what pydantic accepts, with the same result."""

from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from backplan_xlsx import specfast, specmodel
from backplan_xlsx.spec import _to_plan, load_spec_text

ROOT = Path(__file__).resolve().parent.parent
SALES = yaml.safe_load((ROOT / "templates" / "sales.yaml").read_text())

PAIRS = [
    (specfast.PlanSpec, specmodel.PlanSpec),
    (specfast.GoalSpec, specmodel.GoalSpec),
    (specfast.FunnelSpec, specmodel.FunnelSpec),
    (specfast.StageSpec, specmodel.StageSpec),
    (specfast.OwnerSpec, specmodel.OwnerSpec),
    (specfast.MilestoneSpec, specmodel.MilestoneSpec),
    (specfast.ActionSpec, specmodel.ActionSpec),
    (specfast.AntiGoalSpec, specmodel.AntiGoalSpec),
    (specfast.ThresholdsSpec, specmodel.ThresholdsSpec),
]


def _pydantic_plan(data: Any) -> Any:
    return _to_plan(specmodel.PlanSpec.model_validate(data))


@pytest.mark.parametrize(("fast", "full"), PAIRS, ids=lambda c: c.__name__)
def test_models_have_the_same_fields_and_defaults(fast: Any, full: Any) -> None:
    info = msgspec.inspect.type_info(fast)
    fast_fields = {f.name: f for f in info.fields}  # type: ignore[attr-defined]
    assert set(fast_fields) == set(full.model_fields)
    for name, f in full.model_fields.items():
        assert fast_fields[name].required == f.is_required(), name
        if not f.is_required():
            fast_default = fast_fields[name].default
            if fast_default is msgspec.NODEFAULT:
                fast_default = fast_fields[name].default_factory()
            full_default = f.get_default(call_default_factory=True)
            if hasattr(full_default, "model_dump"):
                assert msgspec.structs.asdict(fast_default) == full_default.model_dump(), name
            else:
                assert fast_default == full_default, name


def test_the_sales_template_takes_the_fast_path_with_the_same_plan() -> None:
    fast = specfast.validate(SALES)
    assert fast is not None
    assert _to_plan(fast) == _pydantic_plan(SALES)


def test_a_plain_spec_never_imports_pydantic(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from backplan_xlsx.spec import load_spec\n"
        f"load_spec({str(ROOT / 'templates' / 'sales.yaml')!r})\n"
        "print('pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(plan="   "),
        lambda d: d["goals"][0].update(target="5000000"),
        lambda d: d["goals"][0].update(deadline=datetime(2027, 12, 31)),
        lambda d: d["goals"][0].update(curve=[0, 0]),
        lambda d: d["owners"][0].update(name="Ana\u00a0"),
        lambda d: d["owners"][0]["shares"].update({" G1": 0.1}),
    ],
)
def test_unusual_specs_go_to_pydantic(edit: Any) -> None:
    data = copy.deepcopy(SALES)
    edit(data)
    assert specfast.validate(data) is None


def test_a_wrong_spec_still_reports_every_problem() -> None:
    text = (ROOT / "templates" / "sales.yaml").read_text()
    data = yaml.safe_load(text)
    data["goals"][0]["cadence"] = "daily"
    data["thresholds"] = {"on_track": 2}
    with pytest.raises(Exception) as err:
        load_spec_text(yaml.safe_dump(data, sort_keys=False))
    fields = {p.field for p in err.value.problems}  # type: ignore[attr-defined]
    assert {"goals[0].cadence", "thresholds.on_track"} <= fields


ODD_VALUES = st.one_of(
    st.sampled_from(
        ["", " ", " x", "x ", "5", "2027-06-30", "weekly", "sum", "latest", "linear", "max", "min"]
    ),
    st.sampled_from([None, True, False, 0, 1, -1, 5, 0.5, 1.5, 1e308, float("nan"), 10**20]),
    st.sampled_from([date(2027, 6, 30), datetime(2027, 6, 30, 12), [], [0.0], [1, 2], {}]),
    st.text(max_size=5),
    st.floats(),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


SALES_PATHS = _paths(SALES)
_GONE = object()


def _child(node: Any, part: Any, missing_ok: bool = False) -> Any:
    """``node[part]``, or a sentinel when an earlier edit replaced the branch."""
    if isinstance(node, dict) and (part in node or missing_ok and isinstance(part, str)):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and part < len(node):
        return node[part]
    return _GONE


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(SALES_PATHS), ODD_VALUES), min_size=1, max_size=3),
    st.sampled_from(["", "plan", "goals", "owners", "anti_goals"]),
)
def test_whatever_the_fast_check_accepts_pydantic_accepts_alike(
    edits: list[tuple[tuple[Any, ...], Any]], extra: str
) -> None:
    data = copy.deepcopy(SALES)
    for path, value in edits:
        node: Any = data
        for part in path[:-1]:
            node = _child(node, part)
        if _child(node, path[-1], missing_ok=True) is not _GONE:
            # A copy: the strategy hands out the same list each time, and one placed
            # inside itself nests forever (a spec file cannot: yamlsource refuses it).
            node[path[-1]] = copy.deepcopy(value)
    if extra:
        data.setdefault(extra, None)
    fast = specfast.validate(data)
    if fast is None:
        return
    assert _to_plan(fast) == _pydantic_plan(data)


@pytest.mark.parametrize(
    "text",
    [
        (ROOT / "templates" / "sales.yaml").read_text(),
        "plan: x\nstart: 2027-01-01\ngoals:\n  - &g {name: A, target: 5, deadline: 2027-12-31}\n"
        "  - *g\nowners: [{name: 'Ana', shares: {G1: 1}}]\ndescription: >\n  two\n  lines\n",
        "plan: 'It''s'\nstart: 2027-01-01  # a comment\nnote: |\n  kept\n\n  lines\n",
    ],
)
def test_libyaml_and_pyyaml_read_a_spec_alike(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from backplan_xlsx.yamlsource import parse_yaml

    fast = parse_yaml(text, "plan.yaml")
    monkeypatch.delattr(yaml, "CSafeLoader")
    slow = parse_yaml(text, "plan.yaml")
    assert fast.data == slow.data
    assert fast.lines == slow.lines


def test_a_broken_spec_gets_pyyaml_s_message_either_way() -> None:
    from backplan_xlsx.errors import SpecError
    from backplan_xlsx.yamlsource import parse_yaml

    with pytest.raises(SpecError) as err:
        parse_yaml("plan: x\n\tstart: 2027-01-01\n", "plan.yaml")
    assert "plan.yaml:2" in err.value.message and "tabs" in err.value.message
