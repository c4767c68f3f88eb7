"""``backplan import``: check-ins from the CRM export people already download."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pathlib import Path

from . import FILE, as_of_option, main, read_untrusted

#: How many left-out rows are listed one by one (the rest are counted).
SHOWN = 30


@main.command("import")
@click.argument("workbook", metavar="PLAN.xlsx", type=FILE)
@click.argument("export", metavar="EXPORT.csv|EXPORT.xlsx", type=FILE)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FIELD=COLUMN,...",
    help="Which column is the date, owner, value, ref, name or email (goal=G1: the goal the "
    "deals count for). Default: recognised by the vendor's column names.",
)
@click.option(
    "--where",
    "where",
    multiple=True,
    metavar="COLUMN=VALUE",
    help='Only rows whose COLUMN holds VALUE ("|" between several; != to exclude). '
    "The vendor's won stage still applies unless COLUMN is the stage column itself.",
)
@click.option(
    "--day-first/--month-first",
    "day_first",
    default=None,
    help="How to read dates like 03/04/2027 when the file cannot tell.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@as_of_option("Compute the cached values as of this date (default: As-of cell, else today).")
def import_(
    workbook: Path,
    export: Path,
    maps: tuple[str, ...],
    where: tuple[str, ...],
    day_first: bool | None,
    dry_run: bool,
    as_of: date | None,
) -> None:
    """Append check-ins from a CRM export: HubSpot, Salesforce or Pipedrive deals.

    Reads the export (CSV with , ; or tab, UTF-8 or Windows-1252; or xlsx),
    keeps the won deals, and adds one check-in per deal: its close date,
    its owner (matched by name or e-mail), its amount, its name as the
    comment and its id in the Ref column. A deal already imported is not
    added again; one whose amount changed is reported. Rows whose owner or
    date cannot be placed are listed by line and left out. The workbook is
    backed up first.

    \b
    Example:
      backplan import plan.xlsx hubspot-deals.csv --dry-run
      backplan import plan.xlsx opportunities.xlsx --map goal=G1
      backplan import plan.xlsx deals.csv --map "date=Won on,owner=Rep,value=ARR" --where "Type=New"
    """
    from ..crm import plan_import, read_export, save_import
    from ..crm.vendors import is_header, parse_map
    from ..merge import ensure_nothing_lost
    from ..reader import as_of_for, read_workbook

    if export.resolve() == workbook.resolve():
        raise click.UsageError("the export and the workbook are the same file")
    mapping = parse_map(maps)
    mapped = [v for k, v in mapping.items() if k in ("date", "value")]
    snap = read_untrusted(read_workbook, workbook)
    ensure_nothing_lost(snap)
    table = read_untrusted(read_export, export, lambda cells: is_header(cells, mapped))
    result = plan_import(snap, table, mapping=mapping, where=where, day_first=day_first)
    _report(result)
    if dry_run:
        click.echo(f"Dry run: would add {len(result.added)} check-ins; nothing was written.")
        return
    if not result.changes_workbook:
        click.echo(f"Nothing new to add; {workbook} is unchanged.")
        return
    kept = save_import(workbook, result, as_of_for(snap, as_of, date.today()))
    linked = f" and filled in {_rows(len(result.linked), 'Ref')}" if result.linked else ""
    click.echo(
        f"Added {len(result.added)} check-ins ({result.total:,.2f}){linked} to {workbook}; "
        f"the previous file is backed up as {kept}."
    )


def _report(result: Any) -> None:
    """What was read, what defaults applied, and every row left out, on stderr."""
    from ..errors import printable

    for note in result.notes:
        click.echo(printable(note), err=True)
    for c in result.added[:SHOWN]:
        shown = f"  + {c.date.isoformat()}  {c.goal}  {c.owner}  {c.value:,.2f}  {c.comment}"
        click.echo(printable(shown))
    if len(result.added) > SHOWN:
        click.echo(f"  + … and {len(result.added) - SHOWN} more")
    if result.filtered:
        click.echo(f"{_rows(result.filtered)} left out by the filter.", err=True)
    if result.already:
        click.echo(f"{_rows(result.already, 'deal')} imported before: not added again.", err=True)
    for k in result.linked:
        click.echo(
            f"Already typed by hand: {result.export} {result.unit} {k.line}: deal {k.ref} is "
            f"Check-ins row {k.row} (same day, owner and amount); its Ref is filled in, "
            "nothing added",
            err=True,
        )
    for d in result.changed:
        click.echo(
            printable(
                f"Changed since imported: {result.export} {result.unit} {d.line}: deal {d.ref} "
                f"({d.name}) is {d.now:,.2f} now, {d.was:,.2f} in Check-ins row {d.row}; not "
                "added again: correct that check-in by hand if the new amount is right"
            ),
            err=True,
        )
    for u in result.unplaced[:SHOWN]:
        click.echo(
            printable(f"Not imported: {result.export} {result.unit} {u.line}: {u.reason}"), err=True
        )
    if len(result.unplaced) > SHOWN:
        click.echo(f"Not imported: … and {_rows(len(result.unplaced) - SHOWN)} more", err=True)
    if result.others:
        count = sum(n for _name, n in result.others)
        names = ", ".join(f"{name} ({n})" for name, n in result.others)
        part = result.snapshot.plan.part
        click.echo(
            printable(f"{_rows(count)} of other people, not imported into {part}'s part: {names}"),
            err=True,
        )


def _rows(n: int, what: str = "row") -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"
