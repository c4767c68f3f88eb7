"""The monthly import: every returned workbook into a roll-up and the history.

Files are read on one pool of forked workers (:mod:`backplan_xlsx.workers`),
each behind the guard; only small results come back, and what copies share
is kept once (:mod:`backplan_xlsx.intake`), so memory grows with the plans,
not the files. :func:`~backplan_xlsx.intake.classify` decides what becomes
of each file; copies of one plan are merged (:mod:`backplan_xlsx.merge`);
each plan is judged by the engine as of one date. One bad file is logged
and skipped, never fatal.

The roll-up and the month in the history are one unit: the roll-up is
written to a temp file (and flushed) in the history's transaction, which
holds the store's write lock, so concurrent runs take turns. Then the
history commits and the roll-up is renamed into place: a full disk or any
error before the commit leaves both as they were. (A kill in the 0.2 ms
between commit and rename leaves the old roll-up; the next run writes both.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CollectError as CollectError  # re-exported: raised here
from .errors import Problem
from .fileio import Staged, atomic_write, check_writable, staged_write
from .finding import SUFFIXES as SUFFIXES  # re-exported, with find_workbooks
from .finding import find_workbooks as find_workbooks
from .finding import log_entry, passed_over, shown_name
from .intake import (
    FileDecision,
    FileRead,
    SharedInputs,
    classify,
    parts_read_whole,
    plan_rows_wanted,
    read_packed,
)
from .intake import read_one as read_one  # re-exported: the worker's tasks
from .intake import read_whole as read_whole
from .merge import Conflict, Copy, Unplaced, merge_all
from .model import Plan
from .parts import missing_parts
from .returns import ReturnedFile, ReturnRow, every_owner
from .rollup import ImportEntry, PlanResult, write_rollup

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from .changes import Change
    from .history import HistoryRow, HistoryStore
    from .workers import WorkerPool


@dataclass
class CollectResult:
    """What an import did, for the command to report."""

    files: int = 0
    skipped: int = 0
    plans: list[PlanResult] = field(default_factory=list)
    log: list[ImportEntry] = field(default_factory=list)
    conflicts: list[tuple[str, Conflict]] = field(default_factory=list)
    #: Inputs of older-version copies whose row the current version no longer has.
    unplaced: list[tuple[str, Unplaced]] = field(default_factory=list)
    history_rows: int = 0
    month: str = ""
    rollup: Path | None = None
    returns: list[ReturnRow] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    #: Roll-up cells whose text was too long for a cell and was cut to fit (with a mark).
    cut: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[ReturnRow]:
        """Owners who should have answered and sent nothing back."""
        from .returns import MISSING

        return [r for r in self.returns if r.state == MISSING]


def collect(
    inputs: Sequence[Path],
    rollup: Path,
    *,
    history: str | Path | None = None,
    as_of: date,
    month: str | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    expect: Sequence[Path] = (),
    trend_owners: bool = False,
) -> CollectResult:
    """Import every workbook under ``inputs`` into ``rollup`` and the history store.

    ``expect`` names plan workbooks whose owners should all have answered
    (besides the owners of the plans found and of last month's plans in the
    history): each becomes a row of the Returns sheet. ``trend_owners``
    draws each owner's part on the Trend sheet's attainment chart too.

    Inputs may also be mail (.eml files, mbox files, Maildir folders, given
    or inside a folder): their workbook attachments are read like files
    (:mod:`backplan_xlsx.sources`), labelled by sender and date in the log.

    Raises:
        CollectError: no workbook found, or none readable.
    """
    from .sources import mail_inputs

    with mail_inputs(inputs) as mail:
        if mail.mail and not mail.inputs:
            shown = ", ".join(str(p) for p in inputs)
            raise CollectError(
                f"no .xlsx or .ods attachments in the {mail.messages} messages in {shown}",
                tuple(Problem("no-workbook", "warning", e.problems, file=e.file) for e in mail.log),
            )
        not_read = [*mail.log]  # and the files in the folders that are not workbooks:
        ours = [rollup, *expect, *mail.mail, *_store_files(history)]
        for p, why in passed_over(inputs, ours):
            not_read.append(ImportEntry(shown_name(str(p), inputs), "", None, "skipped", why))
        return _collect_files(
            mail.inputs,
            rollup,
            history=history,
            as_of=as_of,
            month=month,
            jobs=jobs,
            progress=progress,
            expect=expect,
            trend_owners=trend_owners,
            not_read=not_read,
        )


def _collect_files(
    inputs: Sequence[Path],
    rollup: Path,
    *,
    history: str | Path | None = None,
    as_of: date,
    month: str | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    expect: Sequence[Path] = (),
    trend_owners: bool = False,
    not_read: Sequence[ImportEntry] = (),
) -> CollectResult:
    from .workers import WorkerPool

    month = month or as_of.strftime("%Y-%m")
    files = _files_to_read(inputs, rollup, expect, not_read)
    result = CollectResult(files=len(files), month=month, rollup=rollup)
    with WorkerPool(jobs, preload=_loaded_later(history)) as pool:  # forked once, every pass
        reads = _read_files(pool, files, progress)
        _ensure_some_readable(reads, inputs, not_read)
        sent: list[Plan] = []  # the --expect plans, whole: every owner gets a row
        expected = _expected_plans(expect, pool, sent)
        whole = {**parts_read_whole(reads), **_read_plan_rows(pool, plan_rows_wanted(reads))}
    decisions = classify(reads, whole, inputs)
    del reads, whole  # the decisions hold what is still needed
    result.log = [log_entry(d) for d in decisions]
    result.log.extend(not_read)  # attachments and files that are not workbooks
    result.skipped = sum(d.action == "skip" for d in decisions)
    _merge_plans(result, decisions, as_of, sent)
    returned = _returned_files(decisions, {p.plan.id: p.plan for p in result.plans})
    _finish(result, rollup, history, as_of, len(files), expected, returned, trend_owners, sent)
    return result


def _store_files(history: str | Path | None) -> list[Path]:
    """The history store's own files (SQLite's journals too): never "not a workbook"."""
    if history is None or "://" in str(history):
        return []
    base = Path(history)
    return [base, *(base.with_name(base.name + end) for end in ("-journal", "-wal", "-shm"))]


def _loaded_later(history: str | Path | None) -> tuple[str, ...]:
    """The libraries the roll-up and the history store load: imported while files are read."""
    if history is None:
        return ("xlsxwriter",)
    sql = "sqlite" if "://" not in str(history) else str(history).split(":")[0].split("+")[0]
    return ("xlsxwriter", "sqlalchemy", f"sqlalchemy.dialects.{sql}")


def _files_to_read(
    inputs: Sequence[Path], rollup: Path, expect: Sequence[Path], not_read: Sequence[ImportEntry]
) -> list[Path]:
    """The workbooks to import; the roll-up must be writable before hundreds are read.

    Raises:
        CollectError: the roll-up is not an .xlsx, or no workbook was found.
    """
    if rollup.suffix.lower() != ".xlsx":
        raise CollectError(f"{rollup}: the roll-up must be an .xlsx file")
    check_writable(rollup)  # before reading hundreds of files
    files = find_workbooks(inputs, exclude=[rollup, *expect])
    if not files:
        shown = ", ".join(str(p) for p in inputs)
        raise CollectError(
            f"no .xlsx or .ods workbooks found in {shown}",
            tuple(Problem("not-read", "warning", e.problems, file=e.file) for e in not_read),
        )
    return files


def _read_files(
    pool: WorkerPool, files: Sequence[Path], progress: Callable[[int, int], None] | None
) -> list[FileRead]:
    """Every file read for its inputs; equal parts of copies kept once, as they arrive."""
    from . import checks, reader  # noqa: F401 - imported before the fork: no worker imports again

    shared = SharedInputs()
    reads = []
    for done, outcome in enumerate(pool.map(read_packed, [str(p) for p in files])):
        if outcome.result is None:
            reads.append(FileRead(outcome.item, 0.0, None, (), outcome.error))
        else:
            reads.append(shared.unpack(outcome.result))
        if progress is not None:
            progress(done + 1, len(files))
    return reads


def _ensure_some_readable(
    reads: Sequence[FileRead], inputs: Sequence[Path], not_read: Sequence[ImportEntry]
) -> None:
    """Raises CollectError, with every file's reason, when no file could be read."""
    if any(r.snapshot is not None for r in reads):
        return
    log = [
        ImportEntry(shown_name(r.path, inputs), "", None, "skipped", r.error)
        for r in sorted(reads, key=lambda r: r.path)
    ]
    raise CollectError(
        f"none of the {len(reads)} files could be read; see the reasons above",
        tuple(Problem("unreadable", "error", e.problems, file=e.file) for e in [*log, *not_read]),
    )


def _read_plan_rows(pool: WorkerPool, paths: Sequence[str]) -> dict[str, Plan]:
    """Path → the plan with its rows (actions), for the files read again whole."""
    whole: dict[str, Plan] = {}
    for outcome in pool.map(read_whole, paths):
        if outcome.result is not None and outcome.result.snapshot is not None:
            whole[outcome.item] = outcome.result.snapshot.plan
    return whole


def _finish(
    result: CollectResult,
    rollup: Path,
    history: str | Path | None,
    as_of: date,
    files: int,
    expected: dict[str, list[str]],
    returned: dict[str, list[ReturnedFile]],
    trend_owners: bool,
    sent: Sequence[Plan] = (),
) -> None:
    """Write the roll-up, and file the month in the history (both or neither)."""
    from .changes import compare, with_returns
    from .history import HistoryStore, report_rows

    if history is None:
        result.returns = every_owner(result.plans, expected, {}, returned)
        goal_rows = _goal_rows(result.month, result.plans)
        result.changes = with_returns(
            compare((r for p in result.plans for r in report_rows(result.month, p.report)), []),
            result.returns,
        )
        atomic_write(rollup, lambda tmp: _write(tmp, result, as_of, goal_rows, goal_rows))
        return
    store = HistoryStore(history)
    try:
        with staged_write(rollup) as stage:
            with store.locked() as conn:
                _file_month(store, conn, stage, result, as_of, files, expected, returned,
                            trend_owners, sent)  # fmt: skip
            stage.put_in_place()  # right after the commit: a rename, nothing left to fail
    finally:
        store.close()


def _file_month(
    store: HistoryStore,
    conn: Connection,
    stage: Staged,
    result: CollectResult,
    as_of: date,
    files: int,
    expected: dict[str, list[str]],
    returned: dict[str, list[ReturnedFile]],
    trend_owners: bool,
    sent: Sequence[Plan] = (),
) -> None:
    """File the month and write the roll-up aside, in the store's locked transaction.

    Under the lock, what is read (last month's owners, the trend, the
    changes) holds every other run's months and nothing half-filed.
    """
    from .carry import carry_month
    from .changes import with_returns

    month = result.month
    carried = carry_month(conn, result, as_of, sent)  # a month never forgets what was typed
    before = _last_month_owners(store, month, conn)
    prints = {pid: c.fingerprints for pid, c in carried.items()}
    result.returns = every_owner(result.plans, expected, before, returned, prints)
    result.history_rows = store.record(
        month, [p.report for p in result.plans], files, returns=result.returns, conn=conn
    )
    goal_rows = store.rows(kind="goal", conn=conn)
    result.changes = with_returns(
        _changes(store, month, {p.plan.id for p in result.plans}, conn), result.returns
    )
    owner_rows = store.rows(kind="owner_part", conn=conn) if trend_owners else []
    stage.write(lambda tmp: _write(tmp, result, as_of, goal_rows, goal_rows + owner_rows))


def _write(
    tmp: Path,
    result: CollectResult,
    as_of: date,
    goal_rows: list[HistoryRow],
    trend_rows: list[HistoryRow],
) -> None:
    from .history import status_counts

    result.cut = list(
        write_rollup(
            tmp,
            result.month,
            as_of,
            result.plans,
            result.log,
            status_counts(goal_rows),
            returns=result.returns,
            changes=result.changes,
            attainment=trend_rows,
        )
    )


def _changes(
    store: HistoryStore, month: str, plans: set[str], conn: Connection | None = None
) -> list[Change]:
    """This month's plans against the previous month in the store."""
    from .changes import month_changes

    rows = [
        r
        for kind in ("goal", "owner_part")
        for r in store.rows(kind=kind, conn=conn)
        if r.plan_id in plans and r.month <= month
    ]
    return month_changes(rows, month)


def _expected_plans(
    paths: Sequence[Path], pool: WorkerPool, plans: list[Plan] | None = None
) -> dict[str, list[str]]:
    """Plan id → owner names, from the ``--expect`` workbooks (their plans added to ``plans``).

    Raises:
        CollectError: an expected plan that cannot be read.
    """
    out: dict[str, list[str]] = {}
    for outcome in pool.map(read_whole, [str(p) for p in paths]):
        got = outcome.result
        if got is None or got.snapshot is None:
            why = got.error if got is not None else outcome.error
            raise CollectError(f"{outcome.item}: cannot read the expected plan: {why}")
        plan = got.snapshot.plan
        if plans is not None:
            plans.append(plan)
        names = [plan.part] if plan.part else [o.name for o in plan.owners]
        out.setdefault(plan.id, []).extend(names)
    return out


def _last_month_owners(
    store: HistoryStore, month: str, conn: Connection | None = None
) -> dict[str, list[str]]:
    """Plan id → owners filed (or expected: Returns) in the history's month before ``month``."""
    earlier = [m for m in store.months(conn) if m < month]
    if not earlier:
        return {}
    out: dict[str, list[str]] = {}
    for kind in ("owner", "return"):
        for r in store.rows(kind=kind, month=earlier[-1], conn=conn):
            out.setdefault(r.plan_id, []).append(r.name)
    return out


def _returned_files(
    decisions: Sequence[FileDecision], merged: dict[str, Plan]
) -> dict[str, list[ReturnedFile]]:
    """Plan id → its files, each with its plan rows (who owns what).

    A part keeps its own rows; a whole copy, read for its inputs only, is
    judged against the merged plan (every action with its owner). A copy of
    an older version is an answer too (its inputs were carried forward),
    judged on its own plan's rows.
    """
    out: dict[str, list[ReturnedFile]] = {}
    for d in decisions:
        if d.read is None or d.read.snapshot is None or d.action == "skip":
            continue
        snapshot = d.read.snapshot
        if d.action == "carry":
            full = None
        else:
            full = d.plan_rows if snapshot.plan.part else merged.get(d.plan_id)
        snap = replace(snapshot, plan=full) if full is not None else snapshot
        out.setdefault(d.plan_id, []).append(ReturnedFile(d.name, d.read.modified, snap))
    return out


def _merge_plans(
    result: CollectResult, decisions: Sequence[FileDecision], as_of: date, sent: Sequence[Plan]
) -> None:
    """Merge each plan's copies, plan by plan in id order, and judge each."""
    by_plan: dict[str, list[FileDecision]] = {}
    for d in decisions:
        if d.action != "skip":
            by_plan.setdefault(d.plan_id, []).append(d)
    for pid, members in sorted(by_plan.items()):
        members.sort(key=lambda d: (d.version or 0, d.path))
        _merge_plan(result, pid, members, as_of, sent)


def _merge_plan(
    result: CollectResult,
    pid: str,
    members: Sequence[FileDecision],
    as_of: date,
    sent: Sequence[Plan] = (),
) -> None:
    """Merge one plan's copies (older versions carried forward by row id) and judge it.

    Older copies are carried into the whole current plan, as ``merge`` with the whole plan among
    its files does: the returned parts' rows completed by the ``--expect`` plans of that version
    (:func:`~backplan_xlsx.carry.with_people`), so an owner who answers on last version's part
    keeps the marks of rows the current version still has, though they sent no part of it. The
    merged result is judged as ``merge`` writes it (``rules.as_rewritten``).
    """
    from . import engine, intake, rules
    from .carry import with_people

    if not any(d.action == "merge" for d in members):
        return
    copies = []
    for d in members:
        assert d.read is not None and d.read.snapshot is not None
        snap = d.read.snapshot
        if d.plan_rows is not None:  # an older copy's plan rows are stale: its inputs count
            snap = replace(snap, plan=d.plan_rows)
        copies.append(Copy(d.name, d.read.modified, snap))
    if not (copies := intake.skip_deleted_rows(copies, result, sent)):  # a row nobody holds
        return
    merged = merge_all(copies, complete=lambda plan: with_people(plan, [], sent))
    result.conflicts.extend((pid, c) for c in merged.conflicts)
    if merged.unplaced and not sent and (gone := missing_parts([c.snapshot.plan for c in copies])):
        hint = (
            f"the current version's rows of {', '.join(gone)} were not returned: give the "
            "current plan with --expect PLAN.xlsx to carry it"
        )
        merged = replace(merged, unplaced=tuple(replace(u, hint=hint) for u in merged.unplaced))
    result.unplaced.extend((pid, u) for u in merged.unplaced)
    latest = max(d.version or 0 for d in members)
    for name in merged.carried:
        lost = "; ".join(str(u) for u in merged.unplaced if u.file == name)
        _note(
            result.log,
            name,
            f"carried forward into version {latest}" + (f"; {lost}" if lost else ""),
        )
    snapshot = rules.as_rewritten(merged.snapshot)
    report = engine.evaluate(snapshot, as_of)
    result.plans.append(PlanResult(snapshot.plan, report, len(copies), snapshot))


def _note(log: list[ImportEntry], name: str, why: str) -> None:
    for i, e in enumerate(log):
        if e.file == name:
            log[i] = ImportEntry(
                e.file, e.plan_id, e.version, e.result, "; ".join(filter(None, [why, e.problems]))
            )


def _goal_rows(month: str, plans: Sequence[PlanResult]) -> list[HistoryRow]:
    from .history import report_rows

    return [r for p in plans for r in report_rows(month, p.report) if r.kind == "goal"]
