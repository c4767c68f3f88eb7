"""Commands that make and remake plans: new, build, replan, split, brief."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pathlib import Path

from . import (
    FILE,
    _path_option,
    as_of_option,
    main,
    read_untrusted,
)


@main.command()
@click.argument("spec", metavar="PLAN.yaml", type=FILE, required=False)
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
    from .. import newspec, templates

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
@click.argument("spec", metavar="PLAN.yaml", type=FILE)
@_path_option("PLAN.xlsx", "The workbook to write.")
@as_of_option("Compute the cached values as of this date (default: today).")
@click.option(
    "--force", is_flag=True, help="Replace a workbook that holds any input (a backup is kept)."
)
@click.option(
    "--keep",
    metavar="OLD.xlsx",
    type=FILE,
    help="Carry every input of this workbook (check-ins, Done, notes, reviews, feedback, "
    "As-of) into the new one by row id, one version up.",
)
def build(spec: Path, output: Path, as_of: date | None, force: bool, keep: Path | None) -> None:
    """Plan backward from the spec and write the linked workbook.

    A workbook in the way is replaced only when it holds no input (no
    check-ins, Done marks, notes, reviews, feedback or typed As-of); with
    --force it is replaced anyway and a timestamped backup is kept. With
    --keep OLD.xlsx the rebuild carries OLD's inputs by row id: every row
    OLD has keeps its id, new rows get ids OLD never used; the version goes
    above OLD's (and above a newer workbook it overwrites) and whatever it
    overwrites is backed up; an input whose row the edited spec no longer
    has is printed with its cell and nothing is written.

    \b
    Example:
      backplan build plan.yaml -o plan.xlsx
      backplan build plan.yaml -o plan.xlsx --as-of 2027-03-31
      backplan build plan.yaml -o plan.xlsx --keep plan.xlsx   # after editing plan.yaml
    """
    from ..spec import read_spec
    from ..writer import build as build_plan

    plan, warnings = read_spec(spec)
    for w in warnings:
        click.echo(f"Warning: {w}", err=True)
    snapshot = None
    if keep is not None:
        from ..keep import kept_snapshot

        rebuild = read_untrusted(kept_snapshot, keep, plan, output)
        for note in rebuild.notes:
            click.echo(f"Note: {note}", err=True)
        snapshot = rebuild.snapshot
        plan = snapshot.plan
    result = build_plan(
        plan,
        output,
        as_of,
        force=force,
        spec_path=spec,
        snapshot=snapshot,
        always_backup=keep is not None,
    )
    click.echo(f"Wrote {result.path} ({result.summary}).")


def _typed_into_actions(snap: Any) -> set[str]:
    """Actions holding a note or a value in a column someone inserted."""
    from .. import layout

    ids = {aid for aid, note in snap.notes.items() if note.strip()}
    for user in snap.user_columns:
        if user.sheet == layout.ACTIONS:
            ids.update(rid for rid, _ in user.values)
    return ids


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
@click.argument("workbook", metavar="PLAN.xlsx", type=FILE)
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
    from ..merge import ensure_nothing_lost
    from ..reader import as_of_for, read_workbook
    from ..replan import replan as replan_plan
    from ..writer import build as build_plan
    from ..writer.overwrite import same_file

    snap = read_untrusted(read_workbook, workbook)
    ensure_nothing_lost(snap)
    day = as_of_for(snap, as_of)
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
        typed_into=_typed_into_actions(snap),
        used=[rid for _, rid in snap.missing_rows],
    )
    same = same_file(output, workbook)
    from dataclasses import replace as _replace

    result = build_plan(plan, output, day, force=same, snapshot=_replace(snap, plan=plan))
    for change in changes:
        click.echo(str(change))
    click.echo(f"Wrote {result.path}: version {plan.version}, as of {day.isoformat()}.")
    if result.replaced.backup is not None:
        click.echo(f"The previous file is backed up as {result.replaced.backup}.", err=True)


@main.command()
@click.argument("workbook", metavar="PLAN.xlsx", type=FILE)
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
    from ..brief import owner_file_names
    from ..merge import ensure_nothing_lost
    from ..reader import as_of_for, read_workbook
    from ..split import split_plan
    from ..writer import build_many

    snap = read_untrusted(read_workbook, workbook)
    ensure_nothing_lost(snap)
    day = as_of_for(snap, as_of)
    parts = split_plan(snap)
    names = owner_file_names([o for o, _ in parts], ".xlsx")
    written = build_many(output, {names[o.id]: part for o, part in parts}, day, force=force)
    for result, (_, part) in zip(written, parts, strict=True):
        click.echo(
            f"Wrote {result.path}: {len(part.plan.actions)} actions, "
            f"{len(part.check_ins)} check-ins"
        )
        if result.replaced.backup is not None:
            click.echo(f"The previous part is backed up as {result.replaced.backup}.", err=True)


@main.command()
@click.argument("workbook", metavar="PLAN.xlsx", type=FILE)
@click.option(
    "--owner",
    "owners",
    multiple=True,
    metavar="NAME",
    help="Only this person (case, accents and apostrophes need not match).",
)
@_path_option(
    "DIR", "Write one file per person into DIR (default: print).", required=False, folder=True
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("md", "markdown", "html")),
    default="md",
    show_default=True,
    help="md (markdown, as status calls it) or html.",
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
    from ..brief import owner_file_names, render_brief
    from ..engine import evaluate
    from ..fileio import atomic_write_many
    from ..lookups import find_owners
    from ..parts import judged_on_share
    from ..reader import as_of_for, read_workbook

    fmt = "md" if fmt == "markdown" else fmt
    snap = read_untrusted(read_workbook, workbook)
    report = evaluate(judged_on_share(snap), as_of_for(snap, as_of))
    people = find_owners(snap.plan.owners, owners)
    pages = [(o, render_brief(snap.plan, report, o, fmt)) for o in people]  # type: ignore[arg-type]
    if output is None:
        click.echo("\n---\n\n".join(text for _, text in pages), nl=False)
        return
    names = owner_file_names([o for o, _ in pages], f".{fmt}")
    files = {names[o.id]: _text_writer(text) for o, text in pages}
    for path in atomic_write_many(output, files):
        click.echo(f"Wrote {path}")


def _text_writer(text: str) -> Callable[[Path], object]:
    return lambda p: p.write_text(text, encoding="utf-8")
