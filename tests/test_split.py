"""Split, fill two parts, merge: equals the whole plan filled the same way."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from backplan_xlsx.cli import main
from backplan_xlsx.engine import evaluate
from backplan_xlsx.reader import read_workbook

AS_OF = date(2027, 5, 10)
RAVI = [
    (date(2027, 2, 1), "G1", "Ravi Patel", 50_000.0),
    (date(2027, 3, 2), "G2", "Ravi Patel", 400_000.0),
]
MEI = [(date(2027, 2, 20), "G1", "Mei Chen", 80_000.0), (date(2027, 4, 1), "X3", "Mei Chen", 0.95)]


def _fill(path: Path, rows: list[tuple[date, str, str, float]], done_owner: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Check-ins"]
    first = next(r for r in range(2, 400) if ws.cell(r, 1).value is None)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.cell(first + i, 1 + j, v)
    acts = wb["Actions"]
    for r in range(2, acts.max_row + 1):
        due = acts.cell(r, 6).value
        if (
            acts.cell(r, 5).value == done_owner
            and due is not None
            and due.date() < date(2027, 2, 1)
        ):
            acts.cell(r, 7).value = "Yes"
    wb.save(path)


def _invoke(*args: str) -> object:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_split_fill_merge_equals_the_whole(sales_spec: Path, tmp_path: Path) -> None:
    whole = tmp_path / "plan.xlsx"
    _invoke("build", str(sales_spec), "-o", str(whole), "--as-of", AS_OF.isoformat())
    parts = tmp_path / "parts"
    _invoke("split", str(whole), "-o", str(parts), "--as-of", AS_OF.isoformat())
    files = sorted(p.name for p in parts.glob("*.xlsx"))
    assert files == sorted(
        [
            "dana-whitfield.xlsx",
            "ravi-patel.xlsx",
            "mei-chen.xlsx",
            "tomas-herrera.xlsx",
            "aisha-okafor.xlsx",
        ]
    )
    ravi = read_workbook(parts / "ravi-patel.xlsx")
    assert ravi.plan.part == "Ravi Patel" and ravi.plan.id == "fy27-new-business"
    assert [o.name for o in ravi.plan.owners] == ["Ravi Patel"]
    assert ravi.plan.actions and all(a.owner == "Ravi Patel" for a in ravi.plan.actions)
    assert len(ravi.plan.anti_goals) == 3

    _fill(parts / "ravi-patel.xlsx", RAVI, "Ravi Patel")
    _fill(parts / "mei-chen.xlsx", MEI, "Mei Chen")
    merged = tmp_path / "merged.xlsx"
    _invoke("merge", *[str(p) for p in sorted(parts.glob("*.xlsx"))], "-o", str(merged))

    # The whole plan filled the same way.
    _fill(whole, RAVI + MEI, "Ravi Patel")
    _fill(whole, [], "Mei Chen")
    a, b = read_workbook(merged), read_workbook(whole)
    assert a.plan.part == ""
    assert len(a.check_ins) == len(b.check_ins) == 4
    assert sum(c.value for c in a.check_ins) == sum(c.value for c in b.check_ins)
    assert {k for k, v in a.done.items() if str(v).lower() == "yes"} == {
        k for k, v in b.done.items() if str(v).lower() == "yes"
    }
    ra, rb = evaluate(a, AS_OF), evaluate(b, AS_OF)
    assert [(x.id, x.status, x.actual) for x in ra.goals] == [
        (x.id, x.status, x.actual) for x in rb.goals
    ]
    assert [(x.id, x.status) for x in ra.milestones] == [(x.id, x.status) for x in rb.milestones]
    assert [(x.id, x.status) for x in ra.actions] == [(x.id, x.status) for x in rb.actions]
    assert [(x.id, x.status, x.parts) for x in ra.owners] == [
        (x.id, x.status, x.parts) for x in rb.owners
    ]
    assert [(x.id, x.status) for x in ra.anti_goals] == [(x.id, x.status) for x in rb.anti_goals]


def test_a_check_in_by_a_stranger_stops_the_split(sales_spec: Path, tmp_path: Path) -> None:
    whole = tmp_path / "plan.xlsx"
    _invoke("build", str(sales_spec), "-o", str(whole), "--as-of", AS_OF.isoformat())
    _fill(whole, [(date(2027, 2, 1), "G1", "Somebody Else", 5.0)], "nobody")
    result = CliRunner().invoke(main, ["split", str(whole), "-o", str(tmp_path / "parts")])
    assert result.exit_code == 2
    assert "not an owner" in result.stderr and "Somebody Else" in result.stderr
    assert not list((tmp_path / "parts").glob("*.xlsx")) if (tmp_path / "parts").exists() else True


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_part_brief_mentions_only_that_owner(sales_spec: Path, tmp_path: Path, fmt: str) -> None:
    whole = tmp_path / "plan.xlsx"
    _invoke("build", str(sales_spec), "-o", str(whole), "--as-of", AS_OF.isoformat())
    _invoke("split", str(whole), "-o", str(tmp_path / "parts"))
    out = tmp_path / "briefs"
    _invoke("brief", str(tmp_path / "parts" / "mei-chen.xlsx"), "-o", str(out), "--format", fmt)
    assert [p.name for p in out.iterdir()] == [f"mei-chen.{fmt}"]


def test_collect_puts_parts_back_together(sales_spec: Path, tmp_path: Path) -> None:
    from backplan_xlsx.collect import collect

    whole = tmp_path / "plan.xlsx"
    _invoke("build", str(sales_spec), "-o", str(whole), "--as-of", AS_OF.isoformat())
    parts = tmp_path / "parts"
    _invoke("split", str(whole), "-o", str(parts), "--as-of", AS_OF.isoformat())
    _fill(parts / "ravi-patel.xlsx", RAVI, "Ravi Patel")
    _fill(parts / "mei-chen.xlsx", MEI, "Mei Chen")
    result = collect([parts], tmp_path / "rollup.xlsx", history=None, as_of=AS_OF, jobs=2)
    assert result.skipped == 0 and len(result.plans) == 1
    got = result.plans[0]
    assert got.files == 5 and got.plan.part == ""
    assert len(got.plan.owners) == 5 and len(got.plan.actions) == len(
        read_workbook(whole).plan.actions
    )
    _fill(whole, RAVI + MEI, "Ravi Patel")
    _fill(whole, [], "Mei Chen")
    expected = evaluate(read_workbook(whole), AS_OF)
    assert [(g.id, g.status, g.actual) for g in got.report.goals] == [
        (g.id, g.status, g.actual) for g in expected.goals
    ]
    assert [(o.id, o.status) for o in got.report.owners] == [
        (o.id, o.status) for o in expected.owners
    ]


def test_a_part_shows_the_owners_share_of_each_milestone(sales_spec: Path, tmp_path: Path) -> None:
    whole = tmp_path / "plan.xlsx"
    _invoke("build", str(sales_spec), "-o", str(whole), "--as-of", AS_OF.isoformat())
    _invoke("split", str(whole), "-o", str(tmp_path / "parts"))
    plan = read_workbook(whole).plan
    ravi = next(o for o in plan.owners if o.name == "Ravi Patel")
    wb = openpyxl.load_workbook(tmp_path / "parts" / "ravi-patel.xlsx", data_only=True)
    rows = [r for r in wb["Start"].iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "Ravi Patel's part of each milestone")
    table = {
        r[0]: r for r in rows[start + 2 : start + 40] if isinstance(r[0], str) and " · G" in r[0]
    }
    for m in plan.milestones:
        goal = plan.goal(m.goal)
        if goal.measure != "sum":
            assert f"{m.id} · {m.goal}" not in table
            continue
        row = table[f"{m.id} · {m.goal}"]
        assert row[2] == pytest.approx(m.target)
        assert row[3] == pytest.approx(ravi.share_of(m.goal) * (m.target - goal.baseline))


def test_merging_parts_with_one_missing_is_refused(sales_spec: Path, tmp_path: Path) -> None:
    """Four of five parts would make a plan without the fifth person: refused, nothing written.

    With the whole plan among the files, the missing person comes from it.
    """
    plan_xlsx = tmp_path / "plan.xlsx"
    assert CliRunner().invoke(main, ["build", str(sales_spec), "-o", str(plan_xlsx)]).exit_code == 0
    parts = tmp_path / "parts"
    assert CliRunner().invoke(main, ["split", str(plan_xlsx), "-o", str(parts)]).exit_code == 0
    four = sorted(p for p in parts.glob("*.xlsx") if not p.name.startswith("aisha"))
    assert len(four) == 4
    out = tmp_path / "merged.xlsx"
    refused = CliRunner().invoke(main, ["merge", *map(str, four), "-o", str(out)])
    assert refused.exit_code == 2
    assert "the part of Aisha Okafor is missing" in refused.stderr
    assert "Traceback" not in refused.output
    assert not out.exists()
    two = CliRunner().invoke(main, ["merge", *map(str, four[:2]), "-o", str(out)])
    assert two.exit_code == 2 and " and Aisha Okafor are missing (parts given: " in two.stderr
    whole = CliRunner().invoke(main, ["merge", str(plan_xlsx), *map(str, four), "-o", str(out)])
    assert whole.exit_code == 0, whole.output
    merged = read_workbook(out)
    assert [o.name for o in merged.plan.owners][-1] == "Aisha Okafor"
    assert len(merged.plan.actions) == len(read_workbook(plan_xlsx).plan.actions)
