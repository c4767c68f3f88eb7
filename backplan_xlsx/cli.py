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

from .errors import BackplanError, printable

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")

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
                click.echo(f"Error: {printable(line)}", err=True)
            for p in exc.problems:
                if p.severity == "warning":
                    click.echo(f"Warning: {printable(str(p))}", err=True)
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


def _path_option(
    metavar: str, help_text: str, *, required: bool = True, folder: bool = False
) -> Callable[[_F], _F]:
    """The ``-o/--output`` option of commands that write a file (or a folder)."""
    kind = (
        click.Path(file_okay=False, path_type=Path)
        if folder
        else click.Path(dir_okay=False, path_type=Path)
    )
    return click.option(
        "-o", "--output", metavar=metavar, required=required, type=kind, help=help_text
    )


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
@_path_option("PLAN.xlsx", "The workbook to write.")
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


def _emit(text: str, output: Path | None, *, inputs: tuple[Path, ...] = ()) -> None:
    """Print the report (control characters made visible), or write it to ``output``.

    Writing over one of the command's inputs is refused: a report must never
    replace the workbook it reports on.
    """
    if output is None:
        # A person at a terminal sees control characters made visible; a pipe gets the data.
        click.echo(printable(text) if sys.stdout.isatty() else text, nl=False)
        return
    _refuse_overwriting_inputs(output, inputs)
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

    snap = read_untrusted(read_workbook, workbook)
    report = evaluate(snap, as_of_for(snap, as_of, date.today()))
    color = output is None and fmt == "table" and sys.stdout.isatty()
    text = render_status(report, fmt, problems=snap.problems, by=by, color=color)  # type: ignore[arg-type]
    _emit(text, output, inputs=(workbook,))
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

    problems = read_untrusted(check_workbook, workbook, as_of)
    _emit(render_problems(problems, fmt, file=str(workbook)), output, inputs=(workbook,))  # type: ignore[arg-type]
    if problems:
        ctx.exit(EXIT_PROBLEMS)


def read_untrusted(fn: Callable[..., _T], path: Path, *args: Any) -> _T:
    """Run a reader on a file in a worker, so a native crash is a message, not a kill."""
    from .isolate import run_isolated

    return run_isolated(fn, path, *args, file=path.name)


def _read_many(paths: tuple[Path, ...]) -> list[Any]:
    from .merge import copy_of, ensure_nothing_lost
    from .reader import read_workbook

    copies = []
    for path in paths:
        snap = read_untrusted(read_workbook, path)
        ensure_nothing_lost(snap)
        copies.append(copy_of(path, snap))
    return copies


def _refuse_overwriting_inputs(output: Path, inputs: tuple[Path, ...]) -> None:
    target = output.resolve()
    for p in inputs:
        if p.resolve() == target:
            raise click.UsageError(f"{output} is also an input; write the result to a new file")


@main.command()
@click.argument(
    "workbooks",
    metavar="A.xlsx B.xlsx...",
    nargs=-1,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@_path_option("M.xlsx", "The merged workbook to write.")
@as_of_option("Compute the cached values as of this date (default: today).")
@click.option(
    "--force", is_flag=True, help="Replace an existing workbook with check-ins (backed up)."
)
def merge(workbooks: tuple[Path, ...], output: Path, as_of: date | None, force: bool) -> None:
    """Merge returned copies (or split parts) of one plan into one workbook.

    Check-ins are unioned (a row found in several copies is kept once); an
    input cell edited differently in two copies is a conflict: the newest
    file wins and both values are printed. Copies of different plans or
    versions are refused.

    \b
    Example:
      backplan merge returned/dana.xlsx returned/ravi.xlsx -o merged.xlsx
    """
    from .merge import merge_copies
    from .writer import build as build_plan

    _refuse_overwriting_inputs(output, workbooks)
    merged, conflicts = merge_copies(_read_many(workbooks))
    for c in conflicts:
        click.echo(f"Conflict: {c}", err=True)
    result = build_plan(merged.plan, output, as_of, force=force, snapshot=merged)
    click.echo(
        f"Merged {len(workbooks)} files into {result.path}: {len(merged.check_ins)} check-ins, "
        f"{len(conflicts)} conflicts."
    )


def _goal_values(values: tuple[str, ...], kind: str, parse: Callable[[str], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for text in values:
        gid, sep, value = text.partition("=")
        if not sep:
            gid, value = "*", text
        try:
            out[gid.strip()] = parse(value.strip())
        except ValueError:
            raise click.BadParameter(f"{text!r}: give {kind} as GOAL={kind.upper()}") from None
    return out


@main.command()
@click.argument("workbook", metavar="PLAN.xlsx", type=click.Path(dir_okay=False, path_type=Path))
@_path_option(
    "NEW.xlsx", "The new version to write (the input itself is allowed: it is backed up first)."
)
@as_of_option("Re-plan from the actuals as of this date (default: As-of cell, else today).")
@click.option("--target", "targets", multiple=True, metavar="[GOAL=]N", help="A new target.")
@click.option(
    "--deadline", "deadlines", multiple=True, metavar="[GOAL=]DATE", help="A new deadline."
)
def replan(
    workbook: Path,
    output: Path,
    as_of: date | None,
    targets: tuple[str, ...],
    deadlines: tuple[str, ...],
) -> None:
    """Re-plan the remaining path from the actuals: a new version, no check-in lost.

    Milestones already due are kept; the rest is planned again from the
    actual as of the date to the (possibly new) target by the goal's curve,
    funnel actions are derived again, done and hand-written actions kept.
    Prints every change. Writing over the input keeps a timestamped backup.

    \b
    Example:
      backplan replan plan.xlsx -o plan-v2.xlsx --as-of 2027-06-30
      backplan replan plan.xlsx -o plan.xlsx --target G1=2600000 --deadline G2=2028-03-31
    """
    from .merge import ensure_nothing_lost
    from .reader import as_of_for, read_workbook
    from .replan import replan as replan_plan
    from .writer import build as build_plan

    snap = read_untrusted(read_workbook, workbook)
    ensure_nothing_lost(snap)
    day = as_of_for(snap, as_of, date.today())
    goal_ids = [g.id for g in snap.plan.goals]
    new_targets = _goal_values(targets, "target", float)
    new_deadlines = _goal_values(deadlines, "deadline", date.fromisoformat)
    if "*" in new_targets:
        if len(goal_ids) > 1:
            raise click.BadParameter("this plan has several goals: write --target GOAL=N")
        new_targets[goal_ids[0]] = new_targets.pop("*")
    if "*" in new_deadlines:
        day_all = new_deadlines.pop("*")
        new_deadlines.update({g: day_all for g in goal_ids if g not in new_deadlines})
    plan, changes = replan_plan(
        snap.plan,
        snap.check_ins,
        day,
        done=snap.done,
        targets=new_targets,
        deadlines=new_deadlines,
    )
    same = output.resolve() == workbook.resolve()
    from dataclasses import replace as _replace

    result = build_plan(plan, output, day, force=same, snapshot=_replace(snap, plan=plan))
    for change in changes:
        click.echo(str(change))
    click.echo(f"Wrote {result.path}: version {plan.version}, as of {day.isoformat()}.")
    if result.replaced.backup is not None:
        click.echo(f"The previous file is backed up as {result.replaced.backup}.", err=True)


@main.command()
@click.argument("workbook", metavar="PLAN.xlsx", type=click.Path(dir_okay=False, path_type=Path))
@_path_option("DIR", "The folder for the parts.", folder=True)
@as_of_option("Compute the cached values as of this date (default: As-of cell, else today).")
@click.option("--force", is_flag=True, help="Replace parts in DIR that hold check-ins (backed up).")
def split(workbook: Path, output: Path, as_of: date | None, force: bool) -> None:
    """One workbook per owner, holding their part; merge takes them back.

    Each part keeps the plan id and version and is marked as that person's
    part: their actions, their share of each goal, their check-ins and the
    team's anti-goals. `backplan merge` (or `collect`) puts filled parts
    together again.

    \b
    Example:
      backplan split plan.xlsx -o parts/
      backplan merge parts/*.xlsx -o plan-merged.xlsx
    """
    from .brief import owner_file_names
    from .merge import ensure_nothing_lost
    from .reader import as_of_for, read_workbook
    from .split import split_plan
    from .writer import build as build_plan

    snap = read_untrusted(read_workbook, workbook)
    ensure_nothing_lost(snap)
    day = as_of_for(snap, as_of, date.today())
    parts = split_plan(snap)
    names = owner_file_names([o for o, _ in parts], ".xlsx")
    output.mkdir(parents=True, exist_ok=True)
    for owner, part in parts:
        path = output / names[owner.id]
        build_plan(part.plan, path, day, force=force, snapshot=part)
        click.echo(
            f"Wrote {path}: {len(part.plan.actions)} actions, {len(part.check_ins)} check-ins"
        )


@main.command()
@click.argument("workbook", metavar="PLAN.xlsx", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--owner", "owners", multiple=True, metavar="NAME", help="Only this person.")
@_path_option(
    "DIR", "Write one file per person into DIR (default: print).", required=False, folder=True
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(("md", "html")), default="md", show_default=True
)
@as_of_option("Judge as of this date (default: As-of cell, else today).")
def brief(
    workbook: Path, owners: tuple[str, ...], output: Path | None, fmt: str, as_of: date | None
) -> None:
    """One page per person: the goal, their part, what is next, what to avoid.

    Plain enough to paste into an email or print: the goal in one sentence
    and why it matters, their share and where they stand, their next
    milestones and actions, the anti-goals with what to do instead, and how
    to check in.

    \b
    Example:
      backplan brief plan.xlsx --owner "Ravi Patel"
      backplan brief plan.xlsx -o briefs --format html
    """
    from .brief import owner_file_names, render_brief
    from .engine import evaluate
    from .fileio import atomic_write_text
    from .reader import as_of_for, read_workbook

    snap = read_untrusted(read_workbook, workbook)
    report = evaluate(snap, as_of_for(snap, as_of, date.today()))
    wanted = {o.casefold() for o in owners}
    people = [o for o in snap.plan.owners if not wanted or o.name.casefold() in wanted]
    if wanted and len(people) < len(wanted):
        known = ", ".join(o.name for o in snap.plan.owners)
        raise click.BadParameter(f"no such owner in this plan; owners: {known}")
    pages = [(o, render_brief(snap.plan, report, o, fmt)) for o in people]  # type: ignore[arg-type]
    if output is None:
        click.echo("\n---\n\n".join(text for _, text in pages), nl=False)
        return
    output.mkdir(parents=True, exist_ok=True)
    names = owner_file_names([o for o, _ in pages], f".{fmt}")
    for owner, text in pages:
        path = output / names[owner.id]
        atomic_write_text(path, text)
        click.echo(f"Wrote {path}")


@main.command()
@click.argument(
    "inputs",
    metavar="FILES/DIR...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
)
@_path_option("ROLLUP.xlsx", "The roll-up workbook to write.")
@click.option(
    "--history",
    "history",
    metavar="PATH|URL",
    help="The history store: a SQLite file, or a SQLAlchemy URL such as "
    "postgresql+psycopg://user@host/db (default: backplan-history.sqlite beside the roll-up).",
)
@click.option("--month", metavar="YYYY-MM", help="The month to file it under (default: --as-of's).")
@as_of_option("Judge every plan as of this date (default: today).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Workers (default: every core).")
@click.pass_context
def collect(
    ctx: click.Context,
    inputs: tuple[Path, ...],
    output: Path,
    history: str | None,
    month: str | None,
    as_of: date | None,
    jobs: int | None,
) -> None:
    """Monthly import: every returned workbook into a roll-up and the history.

    Reads every .xlsx/.ods under the folders (recursively; Office lock files
    skipped) on every core, merges copies of each plan, writes the roll-up
    (Summary, Owners, Anti-goals, Import log, Trend) and files the month in
    the history store. Exit 0: all imported; 1: some files skipped (see the
    log); 2: nothing readable.

    \b
    Example:
      backplan collect returned/ -o rollup-2027-05.xlsx --as-of 2027-05-31
      backplan collect returned/ -o rollup.xlsx --history postgresql+psycopg://ops@db/backplan
    """
    from .collect import collect as collect_all

    _refuse_overwriting_inputs(output, tuple(p for p in inputs if p.is_file()))
    store = history or str(output.with_name("backplan-history.sqlite"))
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not sys.stderr.isatty():
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Reading", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        result = collect_all(
            list(inputs),
            output,
            history=store,
            as_of=as_of or date.today(),
            month=month,
            jobs=jobs,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for entry in result.log:
        if entry.result != "imported":
            click.echo(f"Skipped: {entry.file}: {entry.problems}", err=True)
    for pid, c in result.conflicts:
        click.echo(f"Conflict: {pid}: {c}", err=True)
    click.echo(
        f"Imported {result.files - result.skipped} of {result.files} files ({len(result.plans)} "
        f"plans) for {result.month} into {output}; history: {store}."
    )
    if result.skipped:
        ctx.exit(EXIT_PROBLEMS)


@main.command()
@click.option(
    "--history",
    "history",
    metavar="PATH|URL",
    default="backplan-history.sqlite",
    show_default=True,
    help="The history store (a SQLite file or a SQLAlchemy URL).",
)
@click.option("--plan", metavar="ID", help="Only this plan.")
@click.option("--goal", metavar="ID", help="Only this goal (implies --kind goal).")
@click.option(
    "--kind",
    type=click.Choice(("goal", "milestone", "owner", "anti-goal", "action")),
    default="goal",
    show_default=True,
    help="Which items to show.",
)
@click.option("--since", metavar="YYYY-MM", help="From this month on.")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("table", "json", "csv", "html")),
    default="table",
    show_default=True,
)
@_output_option()
def history(
    history: str,
    plan: str | None,
    goal: str | None,
    kind: str,
    since: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Trends from the history store, month by month.

    \b
    Example:
      backplan history --plan fy27-new-business
      backplan history --goal G1 --since 2027-03 --format html -o trend.html
    """
    from .history import HistoryStore
    from .reports.trend import render_trend

    if "://" not in history and not Path(history).exists():
        raise click.UsageError(f"{history}: no history store yet; run `backplan collect` first")
    store = HistoryStore(history)
    try:
        rows = store.rows(
            plan=plan, kind="goal" if goal else kind.replace("-", "_"), item=goal, since=since
        )
    finally:
        store.close()
    _emit(render_trend(rows, fmt), output)  # type: ignore[arg-type]


def run() -> None:  # pragma: no cover - console entry for `python -m`
    """Entry point for ``python -m backplan_xlsx``."""
    main(prog_name="backplan")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
