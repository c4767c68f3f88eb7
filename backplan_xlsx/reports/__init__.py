"""Render a status report, or a list of problems, as table, JSON, CSV, Markdown or HTML.

One entry point per kind of result, a module per family of formats.
Formats are imported on use: only ``--format markdown`` loads tabulate.
The verdicts behind ``--fail-on`` live here too, because they read a report
the same way people do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from .. import rules
from ..engine import StatusReport
from ..errors import Problem
from .common import By

Format = Literal["table", "json", "csv", "markdown", "html"]
FORMATS: tuple[Format, ...] = ("table", "json", "csv", "markdown", "html")
BY: tuple[By, ...] = ("owner", "goal")
FailOn = Literal["off-track", "breach"]
FAIL_ON: tuple[FailOn, ...] = ("off-track", "breach")

#: Statuses that fail ``--fail-on off-track``.
FAILING_PROGRESS = (rules.OFF_TRACK, rules.MISSED)


def render_status(
    report: StatusReport,
    fmt: Format = "table",
    *,
    problems: Sequence[Problem] = (),
    by: By | None = None,
    color: bool = False,
) -> str:
    """A status report as text in one of :data:`FORMATS`.

    Args:
        report: what :func:`backplan_xlsx.engine.evaluate` returned.
        fmt: table (for a terminal), json, csv, markdown or html.
        problems: what reading the workbook found; every format lists them.
        by: group by ``owner`` or by ``goal`` instead of by kind of item.
        color: colour status words (table only; pass True only for a terminal).
    """
    if fmt == "json":
        from .data import status_json

        return status_json(report, problems, by)
    if fmt == "csv":
        from .data import status_csv

        return status_csv(report, problems, by)
    if fmt == "html":
        from .html import status_html

        return status_html(report, problems, by)
    from .text import status_markdown, status_table

    if fmt == "markdown":
        return status_markdown(report, problems, by)
    if fmt == "table":
        return status_table(report, problems, by, color)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def render_problems(problems: Sequence[Problem], fmt: Format = "table", *, file: str = "") -> str:
    """``check`` findings in one of :data:`FORMATS` (one line each as a table)."""
    if fmt == "json":
        from .data import problems_json

        return problems_json(problems, file)
    if fmt == "csv":
        from .data import problems_csv

        return problems_csv(problems, file)
    if fmt == "html":
        from .html import problems_html

        return problems_html(problems, file)
    from .text import problems_markdown, problems_table

    if fmt == "markdown":
        return problems_markdown(problems, file)
    if fmt == "table":
        return problems_table(problems, file)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def fail_reasons(report: StatusReport, fail_on: FailOn) -> list[str]:
    """Why ``--fail-on`` fails, one line per item; empty when it passes.

    ``off-track``: a goal or an owner that is Off track or Missed, or a
    milestone whose window holds the as-of date that is Off track. A past
    milestone's Missed is history and would fail every later run, so only
    the current one counts; a goal past its deadline still fails as Missed.
    ``breach``: an anti-goal that is Breached.
    """
    if fail_on == "breach":
        return [
            f"{x.id} {x.avoid}: {x.status}" for x in report.anti_goals if x.status == "Breached"
        ]
    out = [f"{g.id} {g.name}: {g.status}" for g in report.goals if g.status in FAILING_PROGRESS]
    out += [
        f"{m.id} {m.name}: {m.status}"
        for m in report.milestones
        if m.start <= report.as_of <= m.due and m.status in FAILING_PROGRESS
    ]
    out += [f"{o.id} {o.name}: {o.status}" for o in report.owners if o.status in FAILING_PROGRESS]
    return out
