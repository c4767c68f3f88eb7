"""The files of a monthly import: each read once, held compactly, and given one decision.

Every file is read in a worker (:func:`read_one`) and only a small
:class:`FileRead` comes back. Copies of one plan hold mostly the same
inputs (last month's check-ins, the same Done marks), so equal parts of
the copies are kept once (:class:`SharedInputs`): memory grows with what
people typed that differs, not with the number of copies.

:func:`classify` is the one place that decides what becomes of each file
(skipped and why, merged as a current copy or a part, carried forward from
an older version); the rest of ``collect`` acts on those decisions.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from .errors import BackplanError, Problem
from .finding import shown_name
from .model import Plan, Snapshot

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


@dataclass(frozen=True, slots=True)
class FileRead:
    """What a worker sends back about one file (small: no workbook bytes).

    ``keys`` fingerprints each of :data:`SHARED_FIELDS` (the digest of its
    pickle, so ``1``, ``1.0`` and ``True`` stay apart), computed in the
    worker, for :class:`SharedInputs` to keep equal parts once.
    """

    path: str
    modified: float
    snapshot: Snapshot | None
    problems: tuple[Problem, ...] = ()
    error: str = ""
    keys: tuple[bytes, ...] = ()


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
    return FileRead(path, modified, snapshot, snapshot.problems, keys=_keys(snapshot))


def read_whole(path: str) -> FileRead:
    """Read one file with its plan rows (one copy of each plan, and every part)."""
    return read_one(path, inputs_only=False)


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())


def _keys(snapshot: Snapshot) -> tuple[bytes, ...]:
    out = []
    for name in SHARED_FIELDS:
        data = pickle.dumps(getattr(snapshot, name), protocol=pickle.HIGHEST_PROTOCOL)
        out.append(hashlib.blake2b(data, digest_size=16).digest())
    return tuple(out)


class SharedInputs:
    """Equal parts of many files' snapshots held once (the first one seen).

    Only parts whose pickles are byte for byte the same are shared, so a
    shared part is exactly what the file held. Snapshots are never changed
    in place (merge builds new dicts), which is what makes sharing safe.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, bytes], object] = {}

    def keep(self, read: FileRead) -> FileRead:
        """``read`` with each part replaced by an equal one already held, if any."""
        snap = read.snapshot
        if snap is None or len(read.keys) != len(SHARED_FIELDS):
            return read
        parts = {
            name: self._seen.setdefault((name, key), getattr(snap, name))
            for name, key in zip(SHARED_FIELDS, read.keys, strict=True)
        }
        snap = replace(snap, **parts)  # type: ignore[arg-type]
        return replace(read, snapshot=snap, problems=snap.problems, keys=())


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
    """The files read again whole: the newest current copy of each plan, and every part.

    The plan rows (actions) are the same in every copy, so they are read
    once per plan (and once per part, which holds its own).
    """
    latest = latest_versions(reads)
    newest: dict[str, FileRead] = {}
    wanted: set[str] = set()
    for r in reads:
        if r.snapshot is None or r.snapshot.plan.version != latest[r.snapshot.plan.id]:
            continue
        pid = r.snapshot.plan.id
        if pid not in newest or _recency(r) > _recency(newest[pid]):
            newest[pid] = r
        if r.snapshot.plan.part:
            wanted.add(r.path)
    wanted.update(r.path for r in newest.values())
    return sorted(wanted)


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
    """Plan id → the whole plan's rows: the newest current copy's, else any whole copy's."""
    current: dict[str, list[FileRead]] = {}
    for r in sorted(reads, key=lambda r: r.path):
        if r.snapshot is not None and r.snapshot.plan.version == latest[r.snapshot.plan.id]:
            current.setdefault(r.snapshot.plan.id, []).append(r)
    out: dict[str, Plan] = {}
    for pid, members in current.items():
        newest = max(members, key=_recency)
        found = whole.get(newest.path) or next(
            (whole[m.path] for m in members if m.path in whole and not whole[m.path].part), None
        )
        if found is not None:
            out[pid] = found
    return out


def _recency(r: FileRead) -> tuple[float, str]:
    return (r.modified, r.path)
