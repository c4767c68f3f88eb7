"""The files of a monthly import: each read once, held compactly, and given one decision.

Every file is read in a worker (:func:`read_packed`) and only a small
:class:`PackedRead` comes back. Copies of one plan hold mostly the same
inputs (last month's check-ins, the same Done marks), so equal parts of
the copies are kept once (:class:`SharedInputs`): memory grows with what
people typed that differs, not with the number of copies.

:func:`classify` is the one place that decides what becomes of each file
(skipped and why, merged as a current copy or a part, carried forward from
an older version); the rest of ``collect`` acts on those decisions.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .errors import BackplanError, Problem
from .finding import shown_name
from .model import Plan, Snapshot

if TYPE_CHECKING:
    from .collect import CollectResult
    from .merge import Copy

#: The parts of a snapshot that copies of one plan often share.
SHARED_FIELDS = (
    "plan",
    "check_ins",
    "done",
    "reviews",
    "feedback",
    "notes",
    "problems",
    "built_inputs",
    "user_columns",
)
SNAPSHOT_FIELDS = dataclasses.fields(Snapshot)


@dataclass(frozen=True, slots=True)
class FileRead:
    """What a worker found in one file (small: no workbook bytes)."""

    path: str
    modified: float
    snapshot: Snapshot | None
    problems: tuple[Problem, ...] = ()
    error: str = ""


@dataclass(frozen=True, slots=True)
class PackedRead:
    """A :class:`FileRead` as a worker sends it: each snapshot field pickled on its own.

    Pickled once, in the worker, so the parent can tell a field it holds
    already by the digest of its bytes (``1``, ``1.0`` and ``True`` pickle
    apart) and unpickle only what is new.
    """

    path: str
    modified: float
    error: str = ""
    fields: tuple[bytes, ...] = ()


def read_one(path: str, *, inputs_only: bool = True) -> FileRead:
    """Read one file in a worker; our own errors come back as data.

    By default only what people typed is read (see ``read_workbook``'s
    ``inputs_only``); :func:`read_whole` reads the plan rows too. The
    problems include the rows deleted since the build (``check``'s
    :func:`~backplan_xlsx.rowchecks.row_problems`), so the import log names them.
    """
    from .reader import ensure_check_ins_readable, ensure_sheets_readable, read_details
    from .rowchecks import row_problems

    p = Path(path)
    try:
        modified = p.stat().st_mtime
    except OSError:
        modified = 0.0
    try:
        details = read_details(p, with_record=True, inputs_only=inputs_only)
        ensure_check_ins_readable(details)
        ensure_sheets_readable(details)
    except BackplanError as exc:
        text = _one_line(str(exc))
        return FileRead(path, modified, None, (), text.removeprefix(f"{p.name}: "))
    snapshot = details.snapshot
    rows = row_problems(details)
    if rows:
        snapshot = dataclasses.replace(snapshot, problems=(*snapshot.problems, *rows))
    return FileRead(path, modified, snapshot, snapshot.problems)


def read_whole(path: str) -> FileRead:
    """Read one file with its plan rows (one copy of each plan, and every part)."""
    return read_one(path, inputs_only=False)


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())


def read_packed(path: str) -> PackedRead:
    """:func:`read_one`, packed for the trip back to the parent (see :class:`PackedRead`)."""
    got = read_one(path)
    if got.snapshot is None:
        return PackedRead(got.path, got.modified, got.error)
    dump = functools.partial(pickle.dumps, protocol=pickle.HIGHEST_PROTOCOL)
    values = (getattr(got.snapshot, f.name) for f in SNAPSHOT_FIELDS)
    return PackedRead(got.path, got.modified, "", tuple(dump(v) for v in values))


class SharedInputs:
    """Equal parts of many files' snapshots held once (the first one seen).

    Only parts whose pickles are byte for byte the same are shared, so a
    shared part is exactly what the file held. Snapshots are never changed
    in place (merge builds new dicts), which is what makes sharing safe.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, bytes], object] = {}

    def unpack(self, packed: PackedRead) -> FileRead:
        """The file's read, each part of it that an earlier file held too shared with it."""
        if not packed.fields:
            return FileRead(packed.path, packed.modified, None, (), packed.error)
        values: dict[str, object] = {}
        for f, data in zip(SNAPSHOT_FIELDS, packed.fields, strict=True):
            if f.name not in SHARED_FIELDS:
                values[f.name] = pickle.loads(data)
                continue
            key = (f.name, hashlib.blake2b(data, digest_size=16).digest())
            if key not in self._seen:
                self._seen[key] = pickle.loads(data)
            values[f.name] = self._seen[key]
        snapshot = Snapshot(**values)  # type: ignore[arg-type]
        return FileRead(packed.path, packed.modified, snapshot, snapshot.problems)


Action = Literal["skip", "merge", "carry"]


@dataclass(frozen=True, slots=True)
class FileDecision:
    """What the import does with one file, decided once by :func:`classify`.

    ``action``: ``skip`` (``reason`` says why, for the log), ``merge`` (a
    copy or part of its plan's current version) or ``carry`` (an older
    version's copy, whose inputs are carried forward by row id).
    ``plan_rows`` is the plan a current copy is judged with (its own rows
    for a part, the newest copy's for a whole copy).
    """

    path: str
    name: str
    action: Action
    reason: str = ""
    plan_id: str = ""
    version: int | None = None
    read: FileRead | None = None
    plan_rows: Plan | None = None


def plan_rows_wanted(reads: Sequence[FileRead]) -> list[str]:
    """The files read again whole: the newest current whole copy of each plan.

    The plan rows (actions) are the same in every copy, so they are read
    once per plan. A part holds its own rows and was read whole the first
    time (:func:`parts_read_whole`); a whole copy beside newer parts needs
    the whole plan's rows, so the newest whole copy is read too.
    """
    latest = latest_versions(reads)
    newest: dict[str, FileRead] = {}
    newest_whole: dict[str, FileRead] = {}
    for r in reads:
        if r.snapshot is None or r.snapshot.plan.version != latest[r.snapshot.plan.id]:
            continue
        pid = r.snapshot.plan.id
        if pid not in newest or _recency(r) > _recency(newest[pid]):
            newest[pid] = r
        if not r.snapshot.plan.part and (
            pid not in newest_whole or _recency(r) > _recency(newest_whole[pid])
        ):
            newest_whole[pid] = r
    wanted = {r.path for r in [*newest.values(), *newest_whole.values()]}
    return sorted(wanted - set(parts_read_whole(reads)))


def parts_read_whole(reads: Sequence[FileRead]) -> dict[str, Plan]:
    """Path → plan, for each current part: a part is read with its rows the first time."""
    latest = latest_versions(reads)
    return {
        r.path: r.snapshot.plan
        for r in reads
        if r.snapshot is not None
        and r.snapshot.plan.part
        and r.snapshot.plan.version == latest[r.snapshot.plan.id]
    }


def latest_versions(reads: Sequence[FileRead]) -> dict[str, int]:
    """Plan id → the newest version any readable file holds."""
    latest: dict[str, int] = {}
    for r in reads:
        if r.snapshot is not None:
            plan = r.snapshot.plan
            latest[plan.id] = max(latest.get(plan.id, 0), plan.version)
    return latest


def classify(
    reads: Sequence[FileRead], whole: Mapping[str, Plan], inputs: Sequence[Path]
) -> list[FileDecision]:
    """One decision per file, in path order: skip (and why), merge or carry forward.

    A file is skipped when it could not be read (the reader's reason), or
    when it is a current copy whose plan rows could not be read again (its
    own for a part, the newest copy's for a whole copy).
    """
    latest = latest_versions(reads)
    team = _team_plans(reads, whole, latest)
    out = []
    for r in sorted(reads, key=lambda r: r.path):
        name = shown_name(r.path, inputs)
        if r.snapshot is None:
            out.append(FileDecision(r.path, name, "skip", r.error, read=r))
            continue
        plan = r.snapshot.plan
        if plan.version != latest[plan.id]:
            out.append(FileDecision(r.path, name, "carry", "", plan.id, plan.version, r))
            continue
        rows = whole.get(r.path) if plan.part else team.get(plan.id)
        if rows is None:
            why = "could not be read again"
            out.append(FileDecision(r.path, name, "skip", why, plan.id, plan.version, r))
            continue
        out.append(FileDecision(r.path, name, "merge", "", plan.id, plan.version, r, rows))
    return out


def _team_plans(
    reads: Sequence[FileRead], whole: Mapping[str, Plan], latest: Mapping[str, int]
) -> dict[str, Plan]:
    """Plan id → the whole plan's rows: the newest whole copy's, else the newest copy's.

    Never a part's while a whole copy is there: a whole copy judged on one
    person's rows would answer for that person alone.
    """
    current: dict[str, list[FileRead]] = {}
    for r in sorted(reads, key=lambda r: r.path):
        if r.snapshot is not None and r.snapshot.plan.version == latest[r.snapshot.plan.id]:
            current.setdefault(r.snapshot.plan.id, []).append(r)
    out: dict[str, Plan] = {}
    for pid, members in current.items():
        newest = max(members, key=_recency)
        found = next(
            (
                whole[m.path]
                for m in sorted(members, key=_recency, reverse=True)
                if m.path in whole and not whole[m.path].part
            ),
            whole.get(newest.path),
        )
        if found is not None:
            out[pid] = found
    return out


def _recency(r: FileRead) -> tuple[bool, float, str]:
    """Newest last; a copy that lost rows its record lists never gives the plan's rows."""
    whole = r.snapshot is None or not r.snapshot.missing_rows
    return (whole, r.modified, r.path)


def skip_deleted_rows(
    copies: list[Copy], result: CollectResult, wholes: Sequence[Plan] = ()
) -> list[Copy]:
    """The copies left once each one missing a row that no copy holds is skipped (logged).

    A row the ``wholes`` (the ``--expect`` plans) hold counts as held: the
    merge takes it from there.

    merge refuses such a copy; a monthly import skips it with merge's reason
    instead of stopping. Skipping one can leave another's deleted row with no
    holder, so this repeats until every row a copy lost is held by one that stays.
    """
    from .merge import deleted_rows
    from .rollup import ImportEntry

    latest = max((c.snapshot.plan.version for c in copies), default=0)
    while lost := deleted_rows(copies, wholes):
        gone = {d.file for d in lost}
        for d in lost:
            why = str(d).removeprefix(f"{d.file}: ")
            for i, e in enumerate(result.log):
                if e.file == d.file:
                    done = e.problems if e.result == "skipped" else ""
                    reason = "; ".join(filter(None, [done, why]))
                    result.log[i] = ImportEntry(e.file, e.plan_id, e.version, "skipped", reason)
        result.skipped += len(gone)
        copies = [c for c in copies if c.file not in gone]
    # None of the current version left: older copies alone would pass for the plan.
    return copies if any(c.snapshot.plan.version == latest for c in copies) else []
