"""Action texts count as people write: "Close 1 deal", "Close 3 deals" (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from backplan_xlsx.cli import main
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.rekey import _words
from backplan_xlsx.rules.words import count_text, singular


def test_one_of_a_step_is_singular_and_more_stay_plural() -> None:
    assert count_text("Close {n} deals", 1) == "Close 1 deal"
    assert count_text("Close {n} deals", 2) == "Close 2 deals"
    assert count_text("Open {n} opportunities", 1) == "Open 1 opportunity"
    assert count_text("Qualify {n} leads", 1) == "Qualify 1 lead"
    assert count_text("Book {n} demos with buyers", 1) == "Book 1 demo with buyers"
    assert count_text("Send {n} boxes", 1) == "Send 1 box"
    assert count_text("Win {n} business", 1) == "Win 1 business"
    assert count_text("Calls", 1) == "Calls: 1"


def test_regular_plurals_become_singular() -> None:
    pairs = {
        "deals": "deal",
        "opportunities": "opportunity",
        "classes": "class",
        "branches": "branch",
        "purchases": "purchase",
        "quotes": "quote",
        "status": "status",
        "analysis": "analysis",
        "OPPORTUNITIES": "OPPORTUNITY",
    }
    for plural, one in pairs.items():
        assert singular(plural) == one


@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=1, max_value=10_000))
def test_rekey_matches_the_words_whatever_the_counts(a: int, b: int) -> None:
    for template in ("Close {n} deals", "Catch-up: Open {n} opportunities", "Qualify {n} leads"):
        assert _words(count_text(template, a)) == _words(count_text(template, b))


def test_the_sales_template_never_says_one_of_a_plural(tmp_path: Path) -> None:
    spec, out = tmp_path / "plan.yaml", tmp_path / "plan.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["new", str(spec), "--template", "sales"]).exit_code == 0
    result = runner.invoke(main, ["build", str(spec), "-o", str(out), "--as-of", "2027-05-10"])
    assert result.exit_code == 0, result.output
    texts = [a.action for a in read_workbook(out).plan.actions]
    ones = [t for t in texts if re.search(r"\b1 \w+", t)]
    assert ones, "the template has a count of 1 somewhere"
    assert not [t for t in ones if re.search(r"\b1 (deals|opportunities|leads)\b", t)]
    assert "Close 1 deal" in texts
