"""The terminal table and the Markdown page.

Colour goes only to a terminal: piped output must stay plain text that
``grep`` and e-mail read, so the caller says whether to colour.

The terminal table is laid out here, not by tabulate: tabulate 0.10 asks
``importlib.metadata`` for its own version on import, about 60 ms, a
quarter of what a whole ``backplan status`` may take. Markdown, written to
files and wikis rather than watched in a terminal, uses tabulate's GitHub
tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import click

from ..engine import StatusReport
from ..errors import Problem
from . import common, markdown, sections
from .common import By

_COLOURS = {"good": "green", "warn": "yellow", "bad": "red"}


def paint_terminal(status: str) -> str:
    """A status word in its colour (green, yellow, red; dim when quiet)."""
    tone = common.tone(status)
    if tone == "quiet":
        return click.style(status, dim=True)
    return click.style(status, fg=_COLOURS[tone], bold=tone == "bad")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def width(text: str) -> int:
    """Columns a line takes in a terminal: colour codes take none, wide characters two."""
    plain = _ANSI.sub("", text)
    if plain.isascii():
        return len(plain)
    return sum(
        0
        if unicodedata.combining(ch)
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in plain
    )


def columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: headers, a dashed rule, rows; a cell may span lines."""
    cells = [[c.split("\n") for c in row] for row in rows]
    widths = [width(h) for h in headers]
    for row in cells:
        for i, lines in enumerate(row):
            widths[i] = max(widths[i], *(width(line) for line in lines))

    def line(parts: Sequence[str]) -> str:
        padded = (p + " " * (w - width(p)) for p, w in zip(parts, widths, strict=True))
        return "  ".join(padded).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    for row in cells:
        for k in range(max(len(lines) for lines in row)):
            out.append(line([lines[k] if k < len(lines) else "" for lines in row]))
    return "\n".join(out)


def status_table(
    report: StatusReport, problems: Sequence[Problem], by: By | None, color: bool
) -> str:
    """The report as plain-text tables, one per section, for a terminal."""
    paint = paint_terminal if color else sections.plain
    out = [sections.heading(report)]
    if report.file:
        out.append(f"File: {report.file}")
    for g in report.goals:
        out.append(f"  {g.id} {g.name}: {paint(g.status)}; {common.long_view(g)}")
    for s in sections.sections(report, by, paint):
        if s.level == 1:
            out.extend(["", f"== {s.title}: {paint(s.status)} =="])
            continue
        out.extend(["", s.title])
        if s.rows:
            out.append(columns(s.headers, s.rows))
        if s.note:
            out.append(s.note)
    if problems:
        out.extend(["", f"Problems ({sections.count_line(problems)[:-1]})"])
        out.extend(f"  {sections.problem_line(p)}" for p in problems)
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Data text in Markdown: inert (no HTML, links or images), line breaks as <br>."""
    text = markdown.inline(text)
    return text.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    from tabulate import tabulate

    return tabulate(
        [[_md(c) for c in r] for r in rows],
        headers=[_md(h) for h in headers],
        tablefmt="github",
        disable_numparse=True,
    )


def status_markdown(report: StatusReport, problems: Sequence[Problem], by: By | None) -> str:
    """The report as a Markdown page (for a wiki, a pull request, an e-mail)."""
    out = [f"# {_md(report.title)}", ""]
    meta = f"Plan {markdown.code_span(report.plan_id)}, version {report.version}, as of "
    meta += str(report.as_of)
    if report.file:
        meta += f", from {markdown.code_span(report.file)}"
    meta += _md(sections.part_note(report))
    out.extend([meta + ".", ""])
    for g in report.goals:
        out.append(f"- **{_md(g.id)} {_md(g.name)}**: {g.status}; {_md(common.long_view(g))}")
    for s in sections.sections(report, by):
        if s.level == 1:
            out.extend(["", f"## {_md(s.title)}: {s.status}"])
            continue
        out.extend(["", f"{'###' if by else '##'} {_md(s.title)}", ""])
        if s.rows:
            out.append(_md_table(s.headers, s.rows))
        if s.note:
            out.extend(["", _md(s.note)])
    if problems:
        out.extend(["", "## Problems", ""])
        out.append(_md_table(sections.PROBLEM_HEADERS, sections.problem_rows(problems)))
    return "\n".join(out) + "\n"


def problems_table(problems: Sequence[Problem], file: str) -> str:
    """``check`` findings, one line each: ``Sheet!Cell: sentence, what to do``."""
    lines = [sections.problem_line(p) for p in problems]
    lines.append(sections.count_line(problems, file))
    return "\n".join(lines) + "\n"


def problems_markdown(problems: Sequence[Problem], file: str) -> str:
    """``check`` findings as a Markdown table under a heading."""
    title = f"# Check of {_md(file)}" if file else "# Check"
    out = [title, "", _md(sections.count_line(problems, file))]
    if problems:
        out.extend(["", _md_table(sections.PROBLEM_HEADERS, sections.problem_rows(problems))])
    return "\n".join(out) + "\n"
