"""Commands that read one returned workbook: status and check."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from pathlib import Path

from . import (
    EXIT_PROBLEMS,
    FILE,
    _emit,
    _format_option,
    _output_option,
    as_of_option,
    main,
    read_untrusted,
)


@main.command()
@click.argument("workbook", metavar="PLAN.xlsx", type=FILE)
@as_of_option("Judge as of this date (default: a date typed into the As-of cell, else today).")
@_format_option()
@click.option("--by", type=click.Choice(("owner", "goal")), help="Group by owner or by goal.")
@click.option(
    "--fail-on",
    type=click.Choice(("off-track", "breach")),
    multiple=True,
    help="Exit 1 when, for off-track: a goal or owner is Off track or Missed, or a milestone "
    "whose window holds the as-of date is Off track; for breach: an anti-goal is Breached.",
)
@_output_option()
@click.pass_context
def status(
    ctx: click.Context,
    workbook: Path,
    as_of: date | None,
    fmt: str,
    by: str | None,
    fail_on: tuple[str, ...],
    output: Path | None,
) -> None:
    """Read a (possibly edited) workbook and report who and what is on track.

    Statuses are computed from the check-ins, never from the workbook's
    cached formula values. Cells that cannot be read are listed with sheet
    and cell. .xlsx and .ods files are read. A part (from split) is judged
    on its owner's share of each goal, and says so.

    \b
    Example:
      backplan status plan.xlsx
      backplan status plan.xlsx --by owner --as-of 2027-06-30
      backplan status plan.xlsx --format json --fail-on off-track
      backplan status plan.xlsx --format html -o status.html
    """
    color = output is None and fmt == "table" and sys.stdout.isatty()
    text, reasons = read_untrusted(_judged, workbook, as_of, fmt, by, fail_on, color)
    _emit(text, output, inputs=(workbook,))
    for reason in reasons:
        click.echo(f"Failing: {reason}", err=True)
    if reasons:
        ctx.exit(EXIT_PROBLEMS)


def _judged(
    workbook: Path,
    as_of: date | None,
    fmt: str,
    by: str | None,
    fail_on: tuple[str, ...],
    color: bool,
) -> tuple[str, list[str]]:
    """Read, judge and render one workbook: the report's text and why it fails, if it does.

    Run in the isolated reader as a whole, so what crosses back is text, not
    a snapshot of every row (pickled there and rebuilt here), and this
    process never loads the reading and judging code at all.
    """
    from ..engine import evaluate
    from ..parts import judged_on_share
    from ..reader import as_of_for, read_workbook
    from ..reports import fail_reasons, render_status

    snap = read_workbook(workbook)
    report = evaluate(judged_on_share(snap), as_of_for(snap, as_of))
    text = render_status(report, fmt, problems=snap.problems, by=by, color=color)  # type: ignore[arg-type]
    reasons = [r for cond in fail_on for r in fail_reasons(report, cond)]  # type: ignore[arg-type]
    return text, reasons


@main.command()
@click.argument("workbook", metavar="PLAN.xlsx", type=FILE)
@as_of_option(
    "Judge reviews and future check-ins as of this date (default: As-of cell, else today)."
)
@_format_option()
@_output_option()
@click.pass_context
def check(
    ctx: click.Context, workbook: Path, as_of: date | None, fmt: str, output: Path | None
) -> None:
    """Validate an edited workbook: every problem with its sheet, cell and what to do.

    Finds values that cannot be read, formulas typed over, rows deleted or
    ids changed since the build, check-ins for unknown goals or owners or
    outside the plan, dropdowns and protection lost in a re-save, and
    overdue anti-goal reviews. Exit 0: nothing found; 1: problems (errors
    or warnings) found; 2: the file cannot be read.

    \b
    Example:
      backplan check plan.xlsx
      backplan check plan.xlsx --format json -o findings.json
    """
    from ..checks import check_workbook
    from ..reports import render_problems

    problems = read_untrusted(check_workbook, workbook, as_of)
    _emit(render_problems(problems, fmt, file=str(workbook)), output, inputs=(workbook,))  # type: ignore[arg-type]
    if problems:
        ctx.exit(EXIT_PROBLEMS)
