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


def run() -> None:  # pragma: no cover - console entry for `python -m`
    """Entry point for ``python -m backplan_xlsx``."""
    main(prog_name="backplan")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
