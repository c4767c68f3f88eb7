"""Commands for many returned workbooks: merge, collect, history."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pathlib import Path

from . import (
    EXISTING,
    EXISTING_FILE,
    EXIT_PROBLEMS,
    FILE,
    _emit,
    _output_option,
    _path_option,
    _read_many,
    _refuse_overwriting_inputs,
    as_of_option,
    main,
)


@main.command()
@click.argument(
    "workbooks",
    metavar="A.xlsx B.xlsx...",
    nargs=-1,
    required=True,
    type=FILE,
)
@_path_option("M.xlsx", "The merged workbook to write.")
@as_of_option("Compute the cached values as of this date (default: today).")
@click.option(
    "--force", is_flag=True, help="Replace an existing workbook with check-ins (backed up)."
)
def merge(workbooks: tuple[Path, ...], output: Path, as_of: date | None, force: bool) -> None:
    """Merge returned copies (or split parts) of one plan into one workbook.

    Check-ins are unioned (a row found in several copies is kept once),
    except a row corrected in a newer save of the same file (same part and
    build record, the older rows the newer's first rows): the newer row is
    kept and each changed cell printed as a conflict. An
    input cell edited differently in two copies is a conflict: the newest
    file wins and both values are printed. A value a copy holds only because
    it was written there (built, split, re-planned) never beats an edit,
    whatever the versions. A typed As-of date is kept only
    when every copy holds it. Copies of an older version are carried
    forward by row id (each input whose row is gone is printed); copies of
    different plans are refused.

    \b
    Example:
      backplan merge returned/dana.xlsx returned/ravi.xlsx -o merged.xlsx
    """
    from ..merge import merge_whole
    from ..writer import build as build_plan

    _refuse_overwriting_inputs(output, workbooks)
    got = merge_whole(_read_many(workbooks))
    merged, conflicts = got.snapshot, got.conflicts
    for c in conflicts:
        click.echo(f"Conflict: {c}", err=True)
    for name in got.carried:
        click.echo(f"Carried forward: {name} into version {merged.plan.version}", err=True)
    for u in got.unplaced:
        click.echo(f"Not carried forward: {u}", err=True)
    result = build_plan(merged.plan, output, as_of, force=force, snapshot=merged)
    click.echo(
        f"Merged {len(workbooks)} files into {result.path}: {len(merged.check_ins)} check-ins, "
        f"{len(conflicts)} conflicts."
    )


@main.command()
@click.argument(
    "inputs",
    metavar="FILES/DIR...",
    nargs=-1,
    required=True,
    type=EXISTING,
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
@click.option(
    "--expect",
    "expect",
    multiple=True,
    metavar="PLAN.xlsx",
    type=EXISTING_FILE,
    help="A plan whose owners should all have answered (repeatable; last month's plans in "
    "the history are expected too).",
)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(("missing",)),
    multiple=True,
    help="Exit 1 when an expected owner sent nothing back.",
)
@click.option(
    "--trend-owners", is_flag=True, help="Draw each owner's attainment on the Trend chart too."
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
    help="The summary printed: text, or one JSON object (returns, changes, skipped files).",
)
@click.pass_context
def collect(
    ctx: click.Context,
    inputs: tuple[Path, ...],
    output: Path,
    history: str | None,
    month: str | None,
    as_of: date | None,
    jobs: int | None,
    expect: tuple[Path, ...],
    fail_on: tuple[str, ...],
    trend_owners: bool,
    fmt: str,
) -> None:
    """Monthly import: every returned workbook into a roll-up and the history.

    Reads every .xlsx/.ods under the folders (recursively; Office lock files
    skipped) on every core, merges copies of each plan, writes the roll-up
    (Summary, Returns, Changes, Coverage, Owners, Anti-goals, Import log, Trend,
    Attainment) and files the month in the history store. Returns lists
    every owner as Returned, Untouched (sent back with no input changed) or
    Missing; who should answer comes from the plans found, --expect and last
    month's plans in the history. Replies straight from mail count too:
    .eml files, mbox files and Maildir folders (given, or inside a folder)
    have every .xlsx/.ods attachment read like a file, named in the log by
    sender and date. Exit 0: all imported; 1: some files
    skipped (see the log), or --fail-on missing and someone is missing;
    2: nothing readable.

    \b
    Example:
      backplan collect returned/ -o rollup-2027-05.xlsx --as-of 2027-05-31
      backplan collect parts/ -o rollup.xlsx --expect plan.xlsx --fail-on missing
      backplan collect ~/Mail/backplan-replies.mbox -o rollup-2027-05.xlsx
      backplan collect returned/ -o rollup.xlsx --history postgresql+psycopg://ops@db/backplan
    """
    from ..collect import collect as collect_all

    _refuse_overwriting_inputs(output, tuple(p for p in inputs if p.is_file()))
    store = history or str(output.with_name("backplan-history.sqlite"))
    with _ReadingBar() as bar:
        result = collect_all(
            list(inputs),
            output,
            history=store,
            as_of=as_of or date.today(),
            month=month,
            jobs=jobs,
            progress=bar.update,
            expect=expect,
            trend_owners=trend_owners,
        )
    _say_what_was_left(result)
    from ..reports.collect import render_collect

    _emit(render_collect(result, fmt, store), None)  # type: ignore[arg-type]
    if result.skipped or ("missing" in fail_on and result.missing):
        ctx.exit(EXIT_PROBLEMS)


class _ReadingBar:
    """A progress bar on a terminal while files are read; nothing when output is piped."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> _ReadingBar:
        return self

    def update(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Reading", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _say_what_was_left(result: Any) -> None:
    """Every file skipped, conflict resolved and input not carried, one line each, on stderr."""
    for entry in result.log:
        if entry.result != "imported":
            click.echo(f"Skipped: {entry.file}: {entry.problems}", err=True)
    for pid, c in result.conflicts:
        click.echo(f"Conflict: {pid}: {c}", err=True)
    for pid, u in result.unplaced:
        click.echo(f"Not carried forward: {pid}: {u}", err=True)


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
    type=click.Choice(("goal", "milestone", "owner", "anti-goal", "action", "return")),
    default="goal",
    show_default=True,
    help="Which items to show (owner: each owner, and their part of each goal; return: who "
    "sent their part back).",
)
@click.option("--since", metavar="YYYY-MM", help="From this month on (2027-5 or 2027-05).")
@click.option(
    "--changes",
    is_flag=True,
    help="Change since last month: each goal and owner's part (actual, target to date, "
    "attainment, status then and now), worsened first.",
)
@click.option("--month", metavar="YYYY-MM", help="With --changes: this month (default: latest).")
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
    changes: bool,
    month: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Trends from the history store, month by month.

    Every row carries its attainment (progress ÷ plan path progress, in the
    goal's direction) and its change since the previous month; the HTML page
    charts attainment against the plan path.

    \b
    Example:
      backplan history --plan fy27-new-business
      backplan history --goal G1 --since 2027-03 --format html -o trend.html
      backplan history --kind owner --format html -o owners.html
      backplan history --changes
    """
    from pathlib import Path

    from ..history import HistoryStore
    from ..lookups import history_rows, month_arg, resolve_filters
    from ..reports.trend import render_changes, render_trend

    if since:
        month_arg(since)  # a bad month is a usage error before any store is opened
    if month:
        month = month_arg(month, "--month")
    if "://" not in history and not Path(history).exists():
        raise click.UsageError(f"{history}: no history store yet; run `backplan collect` first")
    store = HistoryStore(history)
    try:
        if changes:
            from ..changes import month_changes
            from ..lookups import filed_month

            plan, goal = resolve_filters(store, history, plan=plan, item=goal)
            month = filed_month(store, history, month)
            found = [r for k in ("goal", "owner_part") for r in store.rows(plan=plan, kind=k)]
            if goal:
                found = [r for r in found if r.goal_id == goal]
            _emit(render_changes(month_changes(found, month), fmt), output)  # type: ignore[arg-type]
            return
        kinds = ["goal"] if goal else [kind.replace("-", "_")]
        if kinds == ["owner"]:
            kinds.append("owner_part")
        rows = history_rows(store, history, plan=plan, kinds=kinds, item=goal, since=since)
    finally:
        store.close()
    rows.sort(key=lambda r: (r.month, r.plan_id, r.kind, r.item_id))
    _emit(render_trend(rows, fmt), output)  # type: ignore[arg-type]
