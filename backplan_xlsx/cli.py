"""The ``backplan`` command: a thin layer over the library.

Each command parses options, calls one library function and renders the
result. Only :class:`~backplan_xlsx.errors.BackplanError` is caught (here,
once): it becomes a message on stderr and exit code 2. Anything else is a
bug and keeps its traceback. Heavy libraries are imported inside commands,
so ``backplan --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import BackplanError

_F = TypeVar("_F", bound=Callable[..., Any])

EXIT_PROBLEMS = 1
EXIT_ERROR = 2


class BackplanGroup(click.Group):
    """Turns our errors into messages and exit code 2, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BackplanError as exc:
            if ctx.meta.get("backplan.debug"):
                raise
            for line in str(exc).splitlines() or [exc.message]:
                click.echo(f"Error: {line}", err=True)
            for p in exc.problems:
                if p.severity == "warning":
                    click.echo(f"Warning: {p}", err=True)
            ctx.exit(EXIT_ERROR)


def _iso_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def as_of_option(help_text: str) -> Callable[[_F], _F]:
    """The shared ``--as-of DATE`` option."""
    return click.option("--as-of", "as_of", metavar="DATE", callback=_iso_date, help=help_text)


@click.group(
    cls=BackplanGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="backplan-xlsx")
@click.option("--debug", is_flag=True, help="Show a traceback for user errors too.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Plan backward from a sales goal, as a linked Excel workbook.

    Write a plan spec, build the workbook, send it out, and read the copies
    that come back to see who and what is on track.

    \b
    Example:
      backplan new --template sales plan.yaml
      backplan build plan.yaml -o plan.xlsx
      backplan status plan.xlsx
    """
    ctx.meta["backplan.debug"] = debug


@main.command()
@click.argument(
    "spec", metavar="PLAN.yaml", type=click.Path(dir_okay=False, path_type=Path), required=False
)
@click.option(
    "-t", "--template", metavar="NAME", help="Write this template (see --list-templates)."
)
@click.option("--list-templates", is_flag=True, help="List the templates and exit.")
@click.option("--force", is_flag=True, help="Overwrite PLAN.yaml if it exists.")
def new(spec: Path | None, template: str | None, list_templates: bool, force: bool) -> None:
    """Write a starter plan spec: a template, or answers to a few questions.

    \b
    Example:
      backplan new --template sales plan.yaml
      backplan new plan.yaml            # asks for the essentials
      backplan new --list-templates
    """
    from . import newspec, templates

    if list_templates:
        for name in templates.list_templates():
            click.echo(name)
        return
    if spec is None:
        raise click.UsageError("give the file to write, e.g. `backplan new plan.yaml`")
    if spec.exists() and not force:
        raise click.UsageError(f"{spec} exists; use --force to overwrite it")
    if template:
        text = templates.template_text(template)
    else:
        text = newspec.interactive_spec(click.prompt)
    newspec.write_spec(spec, text)
    click.echo(f"Wrote {spec}. Next: backplan build {spec} -o {spec.with_suffix('.xlsx')}")


@main.command()
@click.argument("spec", metavar="PLAN.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    metavar="PLAN.xlsx",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The workbook to write.",
)
@as_of_option("Compute the cached values as of this date (default: today).")
@click.option(
    "--force", is_flag=True, help="Replace a workbook that holds check-ins (a backup is kept)."
)
def build(spec: Path, output: Path, as_of: date | None, force: bool) -> None:
    """Plan backward from the spec and write the linked workbook.

    A workbook in the way is replaced only when it holds no check-ins;
    with --force it is replaced anyway and a timestamped backup is kept.

    \b
    Example:
      backplan build plan.yaml -o plan.xlsx
      backplan build plan.yaml -o plan.xlsx --as-of 2027-03-31
    """
    from .spec import read_spec
    from .writer import build as build_plan

    plan, warnings = read_spec(spec)
    for w in warnings:
        click.echo(f"Warning: {w}", err=True)
    result = build_plan(plan, output, as_of, force=force, spec_path=spec)
    click.echo(f"Wrote {result.path} ({result.summary}).")


#: The report formats (``reports.FORMATS``; repeated here so --help imports nothing).
FORMATS = ("table", "json", "csv", "markdown", "html")


def _format_option() -> Callable[[_F], _F]:
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="How to print it.",
    )


def _output_option() -> Callable[[_F], _F]:
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the report to FILE instead of printing it.",
    )


def _emit(text: str, output: Path | None) -> None:
    """Print the report, or write it atomically to ``output``."""
    if output is None:
        click.echo(text, nl=False)
        return
    from .fileio import atomic_write_text

    atomic_write_text(output, text)
    click.echo(f"Wrote {output}.", err=True)


@main.command()
@click.argument("workbook", metavar="PLAN.xlsx", type=click.Path(dir_okay=False, path_type=Path))
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
    and cell. .xlsx and .ods files are read.

    \b
    Example:
      backplan status plan.xlsx
      backplan status plan.xlsx --by owner --as-of 2027-06-30
      backplan status plan.xlsx --format json --fail-on off-track
      backplan status plan.xlsx --format html -o status.html
    """
    from .engine import evaluate
    from .reader import as_of_for, read_workbook
    from .reports import fail_reasons, render_status

    snap = read_workbook(workbook)
    report = evaluate(snap, as_of_for(snap, as_of, date.today()))
    color = output is None and fmt == "table" and sys.stdout.isatty()
    text = render_status(report, fmt, problems=snap.problems, by=by, color=color)  # type: ignore[arg-type]
    _emit(text, output)
    reasons = [r for cond in fail_on for r in fail_reasons(report, cond)]  # type: ignore[arg-type]
    for reason in reasons:
        click.echo(f"Failing: {reason}", err=True)
    if reasons:
        ctx.exit(EXIT_PROBLEMS)


@main.command()
@click.argument("workbook", metavar="PLAN.xlsx", type=click.Path(dir_okay=False, path_type=Path))
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
    from .checks import check_workbook
    from .reports import render_problems

    problems = check_workbook(workbook, as_of)
    _emit(render_problems(problems, fmt, file=str(workbook)), output)  # type: ignore[arg-type]
    if problems:
        ctx.exit(EXIT_PROBLEMS)


def run() -> None:  # pragma: no cover - console entry for `python -m`
    """Entry point for ``python -m backplan_xlsx``."""
    main(prog_name="backplan")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
