"""The workbook writer: a plan (and what people typed) in, a finished .xlsx out.

One module per part of the workbook (``start``, ``dashboard``, ``datasheets``,
``checkins``, ``meta``), the formulas in :mod:`.formulas` (built only from
the twins in :mod:`backplan_xlsx.rules`), checked cell writes and styles in
:mod:`.book`, and what may be overwritten in :mod:`.overwrite`.

Every formula is written with the value the Python engine computes, because
LibreOffice (headless) and many programs never recalculate. The same plan
and as-of date give the same bytes: the creation time is pinned to the as-of
date and XlsxWriter's zip entries carry a fixed time.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import engine, layout, rules
from ..fileio import atomic_write, atomic_write_many, writing
from ..model import Plan, Snapshot
from ..parts import part_view
from .overwrite import Replaced, check_target, make_way

if TYPE_CHECKING:
    from .book import Book

__all__ = ["BuildResult", "build", "build_many", "build_workbook", "write_workbook"]


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What :func:`build` wrote, and what happened to a workbook in the way."""

    path: Path
    as_of: date
    replaced: Replaced
    plan: Plan

    @property
    def summary(self) -> str:
        """One line for people: what was written, as of when, and what was replaced."""
        p = self.plan
        parts = [
            f"plan {p.id} v{p.version}: {len(p.goals)} goals, {len(p.milestones)} milestones, "
            f"{len(p.actions)} actions, {len(p.owners)} owners, {len(p.anti_goals)} anti-goals; "
            f"values as of {self.as_of.isoformat()}"
        ]
        r = self.replaced
        if r.backup is not None:
            parts.append(f"the workbook it replaced is backed up as {r.backup}")
        elif r.existed:
            parts.append("replaced a workbook without check-ins")
        return "; ".join(parts)


def write_workbook(snapshot: Snapshot, path: Path, as_of: date, *, fast: bool = True) -> None:
    """Write the workbook for ``snapshot`` to ``path`` as is (no checks, not atomic).

    The caller decides about existing files; :func:`build` is the safe entry.
    Check-ins, Done marks, reviews and feedback in the snapshot are written
    into their input cells, so a re-plan keeps what people typed; a date in
    ``snapshot.as_of`` replaces ``=TODAY()`` in the AsOf cell. ``fast=False``
    writes every formula through XlsxWriter's own ``write_formula``: the
    same bytes, slower (see :func:`backplan_xlsx.writer.book.store_formula`).
    """
    import xlsxwriter

    from .book import Book, Styles

    # A number typed as text is written as the number: the formulas count it from now on.
    snapshot = rules.as_rewritten(snapshot)
    # A part's figures are its owner's share, in its formulas as in ``status``.
    report = engine.evaluate(part_view(snapshot), as_of)
    options = {
        "in_memory": _in_memory(snapshot),
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "default_date_format": layout.DATE,
    }
    with warnings.catch_warnings():
        # A warning from XlsxWriter means a part silently left out: a bug here.
        warnings.filterwarnings("error", module=r"xlsxwriter(\.|$)")
        workbook = xlsxwriter.Workbook(str(path), options)
        try:
            book = Book(workbook, Styles(workbook), snapshot, report, as_of, fast=fast)
            _describe(workbook, snapshot.plan, as_of)
            _write_sheets(book)
        finally:
            workbook.close()


#: Up to this many rows in all (plan rows and check-ins), XlsxWriter assembles
#: the file's parts in memory instead of in a temp file each.
IN_MEMORY_ROWS = 20_000


def _in_memory(snapshot: Snapshot) -> bool:
    """Whether to assemble the workbook in memory (XlsxWriter's ``in_memory``).

    On disk, XlsxWriter writes each of a workbook's parts (two dozen for the
    sales template) to a temp file, zips it and deletes it: a quarter of the
    time it spends closing a small workbook. In memory the sheets' XML is
    held as text until it is zipped, so a large plan keeps to temp files.
    Either way the file lands through :func:`~backplan_xlsx.fileio.atomic_write`;
    the zip entries' fixed time differs (1980-01-01 in memory, 1980-01-31 on
    disk), the parts do not.
    """
    plan = snapshot.plan
    rows = len(plan.goals) + len(plan.milestones) + len(plan.actions) + len(plan.owners)
    return rows + len(plan.anti_goals) + len(snapshot.check_ins) <= IN_MEMORY_ROWS


def _describe(workbook: Any, plan: Plan, as_of: date) -> None:
    """The file's properties (what Explorer and Finder show) and automatic recalculation."""
    workbook.set_properties(
        {
            "title": plan.title,
            "subject": f"Backward plan {plan.id}, version {plan.version}",
            "comments": "Built by backplan. Check-ins go on the Check-ins sheet.",
            "created": datetime(as_of.year, as_of.month, as_of.day),
        }
    )
    workbook.set_calc_mode("auto")


def _write_sheets(book: Book) -> None:
    """Every sheet, added in the contract's order.

    Goals come first among the data sheets because the others refer to its
    rows; Start and the Dashboard are filled last because they point at all
    of them.
    """
    from .checkins import write_check_ins
    from .dashboard import write_dashboard
    from .datasheets import (
        owners_layout,
        write_actions,
        write_anti_goals,
        write_goals,
        write_milestones,
        write_owners,
    )
    from .meta import write_identity, write_meta_sheet
    from .start import write_start

    start = book.add_sheet(layout.START)
    dash = book.add_sheet(layout.DASHBOARD)
    write_goals(book)
    write_milestones(book)
    write_actions(book)
    owners = owners_layout(book)
    write_owners(book)
    write_anti_goals(book)
    write_check_ins(book, owners)
    write_start(book, start)
    write_dashboard(book, dash)
    write_meta_sheet(book)
    write_identity(book)


def build(
    plan: Plan,
    path: Path,
    as_of: date | None = None,
    *,
    force: bool = False,
    spec_path: Path | None = None,
    snapshot: Snapshot | None = None,
    always_backup: bool = False,
) -> BuildResult:
    """Write the plan's workbook atomically, keeping any work in the way.

    Args:
        plan: the planned plan (see :func:`backplan_xlsx.spec.load_spec`).
        path: where to write; must end in ``.xlsx``.
        as_of: the date the cached values are computed for (default: a date
            typed into the snapshot's AsOf cell, else today).
        force: replace a workbook that holds check-ins (a backup is kept).
        spec_path: the spec the plan came from; writing over it is refused.
        snapshot: what people typed, to carry into the new workbook
            (default: nothing).
        always_backup: back up an existing workbook at ``path`` even when it
            holds no input, and replace it (``build --keep``).

    Raises:
        WorkbookWriteError: a bad output path, a workbook with check-ins in
            the way without ``force``, or a plan Excel cannot hold.
    """
    path = Path(path)
    snap = snapshot or Snapshot(plan)
    day = rules.as_of_for(snap, as_of)
    with writing(path):  # a name too long or a link loop is a message, not a traceback
        check_target(path, spec_path)
        replaced = make_way(path, force, always_backup=always_backup)
    atomic_write(path, lambda tmp: write_workbook(snap, tmp, day))
    return BuildResult(path, day, replaced, plan)


def build_many(
    folder: Path, workbooks: dict[str, Snapshot], as_of: date, *, force: bool = False
) -> list[BuildResult]:
    """Write several workbooks into ``folder`` as one unit (``split``'s parts).

    Every file in the way is looked at first (and backed up with ``force``),
    then all are written to a temp folder and moved into place only when each
    was written: a fault midway leaves every old file as it was.

    Args:
        folder: where the workbooks go; created when missing.
        workbooks: file name → what to write into it.
        as_of: the date the cached values are computed for.
        force: replace workbooks that hold check-ins (backups are kept).
    """
    paths = {name: Path(folder) / name for name in workbooks}
    with writing(Path(folder), is_folder=True):
        for path in paths.values():
            check_target(path, None)
        replaced = {name: make_way(path, force) for name, path in paths.items()}
    atomic_write_many(
        Path(folder),
        {name: _writer_of(snap, as_of) for name, snap in workbooks.items()},
    )
    return [
        BuildResult(paths[name], as_of, replaced[name], snap.plan)
        for name, snap in workbooks.items()
    ]


def _writer_of(snapshot: Snapshot, as_of: date) -> Callable[[Path], None]:
    return lambda tmp: write_workbook(snapshot, tmp, as_of)


def build_workbook(
    plan: Plan,
    path: Path,
    as_of: date | None = None,
    *,
    force: bool = False,
    spec_path: Path | None = None,
) -> Path:
    """Build the workbook for a plan and return its path (see :func:`build`)."""
    return build(plan, path, as_of, force=force, spec_path=spec_path).path
