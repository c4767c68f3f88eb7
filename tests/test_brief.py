"""Briefs: each owner's page carries their own figures, escaped in HTML."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from backplan_xlsx.brief import owner_file_name, render_brief
from backplan_xlsx.engine import evaluate
from backplan_xlsx.model import CheckIn, Plan, Snapshot


def test_each_owner_sees_their_share_and_standing(sales_plan: Plan) -> None:
    check_ins = (
        CheckIn(date(2027, 2, 1), "G1", "Ravi Patel", 50_000),
        CheckIn(date(2027, 2, 10), "G1", "Mei Chen", 20_000),
    )
    report = evaluate(Snapshot(sales_plan, check_ins=check_ins), date(2027, 3, 15))
    for owner in sales_plan.owners:
        text = render_brief(sales_plan, report, owner)
        assert text.startswith(f"# {sales_plan.title}: {owner.name}'s part")
        status = next(o for o in report.owners if o.id == owner.id)
        g1 = next(p for p in status.parts if p.goal == "G1")
        share = owner.share_of("G1")
        assert f"Your part: {share:.0%} = {g1.target:,.0f} USD. So far {g1.actual:,.0f} USD" in text
        assert f": {g1.status}." in text
        mine = [a for a in report.actions if a.owner == owner.name]
        assert f"Done so far: 0 of {len(mine)}." in text
        for x in sales_plan.anti_goals:
            assert f"Instead: {x.instead}." in text
        # Every listed action is theirs.
        for aid in re.findall(r"^- \d{4}-\d\d-\d\d (A\d+) ", text, re.M):
            assert next(a for a in report.actions if a.id == aid).owner == owner.name


def test_html_brief_escapes_everything(sales_plan: Plan) -> None:
    evil = "<img src=x onerror=alert(1)>"
    plan = replace(
        sales_plan,
        title=evil,
        goals=(replace(sales_plan.goals[0], name=evil), *sales_plan.goals[1:]),
    )
    owner = replace(plan.owners[0], name=evil)
    report = evaluate(Snapshot(plan), date(2027, 3, 15))
    page = render_brief(plan, report, owner, "html")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert owner_file_name(owner, ".html") == "img-src-x-onerror-alert-1.html"
