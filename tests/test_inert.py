"""Everything written for people is inert: CSV for any separator, Markdown, HTML.

The plan is built from a spec whose names and notes are the attacks people
paste: a CSV formula hidden after a ``;``, HTML tags, ``javascript:`` links,
remote images. Markdown is rendered by a real CommonMark/GFM renderer (raw
HTML allowed, bare links auto-linked, as chat tools and wikis do) and the
HTML it gives is searched for links, images and scripts.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from backplan_xlsx.cli import main
from backplan_xlsx.reports.data import neutralise
from backplan_xlsx.reports.markdown import inline, line
from tests.workbooks import edit, fill

LEE = "Lee;=cmd|' /C calc'!A0"
SPEC = f"""\
plan: "Hostile <b>plan</b>"
start: 2027-01-01
goals:
  - name: "<img src=x onerror=alert(1)> ARR"
    target: 1000
    deadline: 2027-06-30
    why: "[click](javascript:alert(1)) ![pic](https://evil.example/p.png)"
owners:
  - name: "{LEE}"
    shares: {{G1: 0.5}}
  - name: "Tomás Herrera"
    shares: {{G1: 0.5}}
actions:
  - goal: G1
    action: '=HYPERLINK("http://evil.example","x")'
    owner: "Tomás Herrera"
    due: 2027-03-01
anti_goals:
  - avoid: "<script>alert(1)</script>"
    instead: "[x](javascript:alert(1))"
    rationale: "![t](https://evil.example/track.png) see www.evil.example or bob@evil.example"
    owner: "{LEE}"
"""
AS_OF = "2027-03-01"
TRIGGERS = ("=", "+", "-", "@")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    spec = tmp_path / "plan.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(main, ["build", str(spec), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [(date(2027, 2, 1), "G1", "Bob,+SUM(1)", 5.0), (date(2027, 2, 2), "G1", LEE, 7.0)]
    return edit(out, lambda wb: fill(wb, rows, done={}, reviews={}))


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _assert_no_formula_for_any_separator(text: str) -> None:
    """No cell a ``,`` ``;`` tab or ``|`` import makes can start a formula."""
    for sep in (",", ";", "\t", "|"):
        for row in csv.reader(io.StringIO(text), delimiter=sep):
            for cell in row:
                s = cell.lstrip(" \u00a0")
                if s[:1] == "-" and re.fullmatch(r"-\d+(\.\d+)?(e[+-]?\d+)?", s):
                    continue  # a negative number is data
                assert not s.startswith(TRIGGERS), (sep, cell)


def test_status_csv_is_inert_for_comma_and_semicolon_imports(hostile: Path) -> None:
    text = _run("status", str(hostile), "--format", "csv", "--as-of", AS_OF)
    assert "Lee;=" not in text
    assert LEE.replace(";=", ";'=") in text  # still reads as written, the quote aside
    _assert_no_formula_for_any_separator(text)


def test_status_csv_by_owner_is_inert_too(hostile: Path) -> None:
    text = _run("status", str(hostile), "--format", "csv", "--by", "owner", "--as-of", AS_OF)
    _assert_no_formula_for_any_separator(text)


def test_check_csv_is_inert(hostile: Path) -> None:
    text = _run("check", str(hostile), "--format", "csv", "--as-of", AS_OF)
    assert "Bob,'+SUM(1)" in text  # the unknown owner is named, made inert
    _assert_no_formula_for_any_separator(text)


def test_history_csv_is_inert(hostile: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'h.db'}"
    result = CliRunner().invoke(
        main,
        ["collect", str(hostile), "-o", str(tmp_path / "r.xlsx"), "--history", store]
        + ["--as-of", AS_OF],
    )
    assert result.exit_code == 0, result.output
    text = _run("history", "--history", store, "--kind", "owner", "--format", "csv")
    assert "Lee" in text
    _assert_no_formula_for_any_separator(text)


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from(list(",;\t|\r\n =+-@ab1'\"")), max_size=30))
def test_neutralised_text_starts_no_formula_after_any_separator(text: str) -> None:
    out = neutralise(text)
    assert isinstance(out, str)
    for piece in re.split(r"[,;\t|\r\n]", out):
        assert not piece.lstrip(" ").startswith(TRIGGERS), (text, out)
    assert out.replace("'", "") == text.replace("'", "")  # nothing else changed


def _render(markdown_text: str) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("gfm-like")
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # as lax as a chat tool
    return str(md.render(markdown_text))


SAFE_TAGS = {"h1", "h2", "h3", "p", "ul", "li", "strong", "em", "code", "pre", "br", "hr"}
SAFE_TAGS |= {"table", "thead", "tbody", "tr", "th", "td"}


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def _assert_inert_html(html: str) -> None:
    """Only text structure: no link, image, script or any attribute but table alignment."""
    for tag, attrs in _tags(html):
        assert tag in SAFE_TAGS, (tag, attrs)
        assert all(name == "style" and "text-align" in (v or "") for name, v in attrs), attrs


def test_the_renderer_in_these_tests_does_link_what_is_not_escaped() -> None:
    raw = _render("[x](javascript:alert(1)) ![i](https://e.example/p.png) <b>x</b>")
    assert "<img" in raw and "<b>" in raw and '<a href="javascript:' in raw  # tests can fail
    assert "<a " in _render("see https://e.example/page")


def test_status_markdown_carries_no_html_link_or_image(hostile: Path) -> None:
    text = _run("status", str(hostile), "--format", "markdown", "--as-of", AS_OF)
    _assert_inert_html(_render(text))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # shown, as text


def test_brief_markdown_carries_no_html_link_or_image(hostile: Path) -> None:
    text = _run("brief", str(hostile), "--format", "md", "--as-of", AS_OF)
    html = _render(text)
    _assert_inert_html(html)
    assert "javascript:alert(1)" in html  # visible as text, in a code span
    assert "<h2>Your brief</h2>" in html  # backplan's own structure survives


@pytest.mark.parametrize("fmt", [("status", "html"), ("brief", "html")])
def test_html_stays_escaped_with_no_javascript_href(hostile: Path, fmt: tuple[str, str]) -> None:
    command, name = fmt
    text = _run(command, str(hostile), "--format", name, "--as-of", AS_OF)
    low = text.lower()
    assert "<script" not in low and "<img" not in low and "href" not in low
    assert "&lt;script&gt;" in text


MARKDOWN_BITS = st.sampled_from(
    ["[", "]", "(", ")", "!", "<", ">", "`", "*", "_", "#", "-", "1.", " ", "\n", "|", "&", "\\"]
    + ["javascript:", "https://", "www.", "e.example", "/p.png", "@", "img", "script", "a"]
)


@settings(deadline=None)  # the first render imports markdown-it
@given(st.text(max_size=60) | st.lists(MARKDOWN_BITS, max_size=25).map("".join))
def test_escaped_markdown_renders_no_tag_from_data(text: str) -> None:
    one_line = " ".join(text.split())
    _assert_inert_html(_render("Owner: " + inline(one_line)))  # inside a line
    _assert_inert_html(_render(line(text)))  # starting lines
    _assert_inert_html(_render("| a |\n|---|\n| " + inline(one_line) + " |"))  # a table cell
