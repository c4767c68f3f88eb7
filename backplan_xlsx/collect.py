"""The monthly import: every returned workbook into a roll-up and the history.

Files are read in parallel (:mod:`backplan_xlsx.workers`), each in a worker
behind the guard, and only small results come back, so memory stays flat
however many files there are. Copies of one plan are merged
(:mod:`backplan_xlsx.merge`); each plan is judged by the engine as of one
date. One bad file is logged and skipped, never fatal.

The roll-up and the month in the history are one unit: the whole roll-up
is written to a temp file (and flushed) while the history transaction is
open, holding the store's write lock, so concurrent runs take turns and no
lock file is left. Only then does the history commit, and the roll-up is
renamed into place right after: a full disk or any error before the
commit leaves both as they were. (A kill in the moment between the commit
and the rename, about 0.2 ms, leaves the old roll-up beside the new month;
the next run writes both.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BackplanError, Problem
from .errors import CollectError as CollectError  # re-exported: raised here
from .fileio import Staged, atomic_write, check_writable, staged_write
from .finding import SUFFIXES as SUFFIXES
from .finding import find_workbooks as find_workbooks
from .finding import shown_name
from .merge import Conflict, Copy, Unplaced, merge_all
from .model import Plan, Snapshot
from .returns import ReturnedFile, ReturnRow, plan_returns
from .rollup import ImportEntry, PlanResult, write_rollup

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from .changes import Change
    from .history import HistoryRow, HistoryStore


@dataclass(frozen=True, slots=True)
class FileRead:
    """What a worker sends back about one file (small: no workbook bytes)."""

    path: str
    modified: float
    snapshot: Snapshot | None
    problems: tuple[Problem, ...] = ()
    error: str = ""


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


def read_one(path: str, *, inputs_only: bool = True) -> FileRead:
    """Read one file in a worker; our own errors come back as data.

    By default only what people typed is read (see ``read_workbook``'s
    ``inputs_only``); :func:`read_whole` reads the plan rows too.
    """
    from .reader import read_workbook

    p = Path(path)
    try:
        modified = p.stat().st_mtime
    except OSError:
        modified = 0.0
    try:
        snapshot = read_workbook(p, inputs_only=inputs_only)
    except BackplanError as exc:
        text = _one_line(str(exc))
        return FileRead(path, modified, None, (), text.removeprefix(f"{p.name}: "))
    return FileRead(path, modified, snapshot, snapshot.problems)


def read_whole(path: str) -> FileRead:
    """Read one file with its plan rows (one copy of each plan, and every part)."""
    return read_one(path, inputs_only=False)


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())


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
            mail_log=mail.log,
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
    mail_log: Sequence[ImportEntry] = (),
) -> CollectResult:
    from .changes import compare
    from .history import HistoryStore, report_rows
    from .workers import run_parallel

    month = month or as_of.strftime("%Y-%m")
    if rollup.suffix.lower() != ".xlsx":
        raise CollectError(f"{rollup}: the roll-up must be an .xlsx file")
    check_writable(rollup)  # before reading hundreds of files
    files = find_workbooks(inputs, exclude=[rollup, *expect])
    if not files:
        shown = ", ".join(str(p) for p in inputs)
        raise CollectError(f"no .xlsx or .ods workbooks found in {shown}")
    result = CollectResult(files=len(files), month=month, rollup=rollup)
    reads: list[FileRead] = []
    shared: dict[tuple[str, int, str], Plan] = {}
    outcomes = run_parallel(read_one, [str(p) for p in files], jobs=jobs)
    for done, outcome in enumerate(outcomes):
        got = outcome.result or FileRead(outcome.item, 0.0, None, (), outcome.error)
        if got.snapshot is not None:
            # Copies of one plan hold equal plan rows: keep one, so memory stays flat.
            plan = got.snapshot.plan
            key = (plan.id, plan.version, plan.part)
            first = shared.setdefault(key, plan)
            if first is not plan and first == plan:
                got = replace(got, snapshot=replace(got.snapshot, plan=first))
        reads.append(got)
        if progress is not None:
            progress(done + 1, len(files))
    reads.sort(key=lambda r: r.path)
    groups: dict[tuple[str, int], list[FileRead]] = {}
    for r in reads:
        name = shown_name(r.path, inputs)
        if r.snapshot is None:
            result.skipped += 1
            result.log.append(ImportEntry(name, "", None, "skipped", r.error))
            continue
        plan = r.snapshot.plan
        groups.setdefault((plan.id, plan.version), []).append(r)
        errors = [str(p) for p in r.problems if p.severity == "error"]
        result.log.append(
            ImportEntry(name, plan.id, plan.version, "imported", "; ".join(errors)[:2000])
        )
    result.log.extend(mail_log)  # attachments that were not workbooks
    if not groups:
        raise CollectError(
            f"none of the {len(files)} files could be read; see the reasons above",
            tuple(Problem("unreadable", "error", e.problems, file=e.file) for e in result.log),
        )
    expected = _expected_plans(expect, jobs)
    latest: dict[str, int] = {}
    for pid, version in groups:
        latest[pid] = max(latest.get(pid, 0), version)
    # The plan rows (actions) are read whole once per plan, and once per part.
    wanted: set[str] = set()
    for (pid, version), members in groups.items():
        if version == latest[pid]:
            wanted.add(max(members, key=_recency).path)
            wanted.update(m.path for m in members if m.snapshot and m.snapshot.plan.part)
    whole_paths = sorted(wanted)
    whole: dict[str, Plan] = {}
    for outcome in run_parallel(read_whole, whole_paths, jobs=jobs):
        if outcome.result is not None and outcome.result.snapshot is not None:
            whole[outcome.item] = outcome.result.snapshot.plan
    by_plan: dict[str, list[FileRead]] = {}
    for (pid, _version), members in sorted(groups.items()):
        by_plan.setdefault(pid, []).extend(members)
    for pid, members in sorted(by_plan.items()):
        _merge_plan(result, pid, members, latest[pid], whole, inputs, as_of)
    merged_plans = {p.plan.id: p.plan for p in result.plans}
    returned = _returned_files(groups, latest, whole, merged_plans, inputs)
    if history is None:
        result.returns = _returns(result.plans, expected, {}, returned)
        goal_rows = _goal_rows(month, result.plans)
        result.changes = compare(
            (r for p in result.plans for r in report_rows(month, p.report)), []
        )
        atomic_write(rollup, lambda tmp: _write(tmp, result, as_of, goal_rows, goal_rows))
        return result
    store = HistoryStore(history)
    try:
        with staged_write(rollup) as stage:
            with store.locked() as conn:
                _file_month(store, conn, stage, result, as_of, len(files), expected, returned,
                            trend_owners)  # fmt: skip
            stage.put_in_place()  # right after the commit: a rename, nothing left to fail
    finally:
        store.close()
    return result


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
) -> None:
    """File the month and write the roll-up aside, in the store's locked transaction.

    Under the lock, what is read (last month's owners, the trend, the
    changes) holds every other run's months and nothing half-filed.
    """
    month = result.month
    before = _last_month_owners(store, month, conn)
    result.returns = _returns(result.plans, expected, before, returned)
    result.history_rows = store.record(
        month, [p.report for p in result.plans], files, returns=result.returns, conn=conn
    )
    goal_rows = store.rows(kind="goal", conn=conn)
    result.changes = _changes(store, month, {p.plan.id for p in result.plans}, conn)
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


def _expected_plans(paths: Sequence[Path], jobs: int | None) -> dict[str, list[str]]:
    """Plan id → owner names, from the ``--expect`` workbooks.

    Raises:
        CollectError: an expected plan that cannot be read.
    """
    from .workers import run_parallel

    out: dict[str, list[str]] = {}
    for outcome in run_parallel(read_whole, [str(p) for p in paths], jobs=jobs):
        got = outcome.result
        if got is None or got.snapshot is None:
            why = got.error if got is not None else outcome.error
            raise CollectError(f"{outcome.item}: cannot read the expected plan: {why}")
        plan = got.snapshot.plan
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
    groups: dict[tuple[str, int], list[FileRead]],
    latest: dict[str, int],
    whole: dict[str, Plan],
    merged: dict[str, Plan],
    inputs: Sequence[Path],
) -> dict[str, list[ReturnedFile]]:
    """Plan id → its current-version files, each with its plan rows (who owns what).

    A part keeps its own rows; a whole copy, read for its inputs only, is
    judged against the merged plan (every action with its owner).
    """
    out: dict[str, list[ReturnedFile]] = {}
    for (pid, version), members in groups.items():
        if version != latest[pid]:
            continue
        for m in members:
            if m.snapshot is None:
                continue
            full = whole.get(m.path) if m.snapshot.plan.part else merged.get(pid)
            snap = replace(m.snapshot, plan=full) if full is not None else m.snapshot
            out.setdefault(pid, []).append(
                ReturnedFile(shown_name(m.path, inputs), m.modified, snap)
            )
    return out


def _returns(
    plans: Sequence[PlanResult],
    expected: dict[str, list[str]],
    before: dict[str, list[str]],
    returned: dict[str, list[ReturnedFile]],
) -> list[ReturnRow]:
    """Every expected owner of every plan seen, expected or filed last month."""
    owners: dict[str, list[str]] = {}
    for p in plans:
        owners.setdefault(p.plan.id, []).extend(o.name for o in p.plan.owners)
    for source in (expected, before):
        for pid, names in source.items():
            owners.setdefault(pid, []).extend(names)
    for pid, files in returned.items():
        owners.setdefault(pid, []).extend(
            f.snapshot.plan.part for f in files if f.snapshot.plan.part
        )
    rows: list[ReturnRow] = []
    for pid in sorted(owners):
        rows.extend(plan_returns(pid, owners[pid], returned.get(pid, [])))
    return rows


def _merge_plan(
    result: CollectResult,
    pid: str,
    members: Sequence[FileRead],
    latest: int,
    whole: dict[str, Plan],
    inputs: Sequence[Path],
    as_of: date,
) -> None:
    """Merge one plan's copies (older versions carried forward by row id) and judge it."""
    from . import engine

    current = [m for m in members if m.snapshot and m.snapshot.plan.version == latest]
    newest = max(current, key=_recency)
    team_plan = whole.get(newest.path) or next(
        (whole[m.path] for m in current if m.path in whole and not whole[m.path].part), None
    )
    copies = []
    for m in members:
        if m.snapshot is None:
            continue
        name = shown_name(m.path, inputs)
        if m.snapshot.plan.version != latest:
            # Its plan rows are stale; only what people typed is carried forward.
            copies.append(Copy(name, m.modified, m.snapshot))
            continue
        full = whole.get(m.path) if m.snapshot.plan.part else team_plan
        if full is None:
            _mark(result.log, name, "skipped", "could not be read again")
            result.skipped += 1
            continue
        copies.append(Copy(name, m.modified, replace(m.snapshot, plan=full)))
    if not any(c.snapshot.plan.version == latest for c in copies):
        return
    merged = merge_all(copies)
    result.conflicts.extend((pid, c) for c in merged.conflicts)
    result.unplaced.extend((pid, u) for u in merged.unplaced)
    for name in merged.carried:
        lost = "; ".join(str(u) for u in merged.unplaced if u.file == name)
        _note(
            result.log,
            name,
            f"carried forward into version {latest}" + (f"; {lost}" if lost else ""),
        )
    report = engine.evaluate(merged.snapshot, as_of)
    result.plans.append(PlanResult(merged.snapshot.plan, report, len(copies)))


def _note(log: list[ImportEntry], name: str, why: str) -> None:
    for i, e in enumerate(log):
        if e.file == name:
            log[i] = ImportEntry(
                e.file, e.plan_id, e.version, e.result, "; ".join(filter(None, [why, e.problems]))
            )


def _goal_rows(month: str, plans: Sequence[PlanResult]) -> list[HistoryRow]:
    from .history import report_rows

    return [r for p in plans for r in report_rows(month, p.report) if r.kind == "goal"]


def _recency(r: FileRead) -> tuple[float, str]:
    return (r.modified, r.path)


def _mark(log: list[ImportEntry], name: str, result: str, why: str) -> None:
    for i, e in enumerate(log):
        if e.file == name:
            log[i] = ImportEntry(e.file, e.plan_id, e.version, result, why)
