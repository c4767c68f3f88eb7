"""Merge returned copies of one plan: nothing anyone typed is dropped.

One plan is emailed to many people and comes back as many copies. Check-ins
are rows, so they are unioned (a row identical in several copies is kept
once). The other inputs are cells (an action's Done mark and Notes, an
anti-goal's Last reviewed and Feedback, the AsOf date): when two copies
hold different values for the same cell, the newest file wins and the
conflict is reported with both files and both values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TypeVar

from .errors import BackplanError
from .model import CheckIn, Plan, Snapshot

V = TypeVar("V")


class MergeError(BackplanError):
    """Copies that cannot be merged (different plans or versions)."""


@dataclass(frozen=True, slots=True)
class Copy:
    """One returned copy: its file, when it was last saved, and what it holds."""

    file: str
    modified: float
    snapshot: Snapshot


@dataclass(frozen=True, slots=True)
class Conflict:
    """The same input cell edited differently in two copies."""

    sheet: str
    item: str
    column: str
    kept_file: str
    kept: str
    other_file: str
    other: str

    def __str__(self) -> str:
        return (
            f"{self.sheet}, {self.item} {self.column}: {self.kept!r} in {self.kept_file} "
            f"(newer, kept) vs {self.other!r} in {self.other_file}"
        )


def _key(c: CheckIn) -> tuple[date, str, str, float, str, str]:
    return (
        c.date,
        c.goal.strip().casefold(),
        c.owner.strip().casefold(),
        c.value,
        c.comment.strip(),
        c.ref.strip(),
    )


def merge_copies(copies: Sequence[Copy]) -> tuple[Snapshot, list[Conflict]]:
    """Merge copies of one plan version into one snapshot.

    Raises:
        MergeError: no copies, or copies of different plans or versions.
    """
    if not copies:
        raise MergeError("nothing to merge")
    first = copies[0]
    for c in copies[1:]:
        a, b = first.snapshot.plan, c.snapshot.plan
        if a.id != b.id:
            raise MergeError(
                f"{c.file} is plan {b.id!r} but {first.file} is plan {a.id!r}; merge copies "
                "of one plan at a time"
            )
        if a.version != b.version:
            raise MergeError(
                f"{c.file} is version {b.version} of {a.id!r} but {first.file} is version "
                f"{a.version}; bring the older copy up to date (backplan replan) before merging"
            )
    ordered = sorted(copies, key=lambda c: (c.modified, c.file))  # oldest first
    newest = ordered[-1]
    seen: set[tuple[date, str, str, float, str, str]] = set()
    check_ins: list[CheckIn] = []
    for c in ordered:
        for ci in c.snapshot.check_ins:
            k = _key(ci)
            if k not in seen:
                seen.add(k)
                check_ins.append(ci)
    check_ins.sort(key=lambda ci: (ci.date, ci.goal, ci.owner))
    renumbered = tuple(replace(ci, row=i + 2) for i, ci in enumerate(check_ins))
    conflicts: list[Conflict] = []
    done = _cells(ordered, "Actions", "Done", lambda s: s.done, conflicts)
    notes = _cells(ordered, "Actions", "Notes", lambda s: s.notes, conflicts)
    reviews = _cells(ordered, "Anti-goals", "Last reviewed", lambda s: s.reviews, conflicts)
    feedback = _cells(ordered, "Anti-goals", "Feedback", lambda s: s.feedback, conflicts)
    as_ofs = _cells(
        ordered, "Start", "AsOf", lambda s: {"AsOf": s.as_of} if s.as_of else {}, conflicts
    )
    plan = newest.snapshot.plan
    if any(c.snapshot.plan.part for c in ordered):
        plan = _union_of_parts(ordered)
    merged = replace(
        newest.snapshot,
        plan=plan,
        check_ins=renumbered,
        done=done,
        notes=notes,
        reviews=reviews,
        feedback=feedback,
        as_of=as_ofs.get("AsOf"),
        file=newest.file,
    )
    return merged, conflicts


def _number(item_id: str) -> tuple[str, int]:
    digits = "".join(ch for ch in item_id if ch.isdigit())
    return (item_id.rstrip("0123456789"), int(digits) if digits else 0)


def _union_of_parts(ordered: Sequence[Copy]) -> Plan:
    """The whole plan again from its parts: owners and actions unioned by id."""
    owners = {o.id: o for c in ordered for o in c.snapshot.plan.owners}
    actions = {a.id: a for c in ordered for a in c.snapshot.plan.actions}
    newest = ordered[-1].snapshot.plan
    return replace(
        newest,
        owners=tuple(owners[k] for k in sorted(owners, key=_number)),
        actions=tuple(actions[k] for k in sorted(actions, key=_number)),
        part="",
    )


def _cells(
    ordered: Sequence[Copy],
    sheet: str,
    column: str,
    get: Callable[[Snapshot], Mapping[str, V]],
    conflicts: list[Conflict],
) -> dict[str, V]:
    """Newest non-blank value per item; a different earlier value is a conflict."""
    out: dict[str, V] = {}
    source: dict[str, str] = {}
    for c in ordered:
        for item, value in get(c.snapshot).items():
            if value in (None, ""):
                continue
            if item in out and out[item] != value:
                conflicts.append(
                    Conflict(sheet, item, column, c.file, str(value), source[item], str(out[item]))
                )
            out[item] = value
            source[item] = c.file
    return out


#: Sheets whose cells people type into: a value there that cannot be read
#: would be dropped if the workbook were written again.
INPUT_SHEETS = ("Check-ins", "Actions", "Anti-goals")


def ensure_nothing_lost(snapshot: Snapshot) -> None:
    """Refuse to write a snapshot back when something people typed could not be read.

    A check-in whose date says "next tue" is left out of the figures; written
    back into a new workbook it would be gone. So commands that rewrite a
    workbook (merge, replan, split) stop and name the cells to fix first.

    Raises:
        MergeError: one problem per unreadable input cell.
    """
    lost = tuple(
        p
        for p in snapshot.problems
        if p.severity == "error"
        and p.sheet in INPUT_SHEETS
        and p.code.startswith(("bad-", "ambiguous-", "missing-value"))
    )
    if lost:
        head = (
            f"{snapshot.file or 'the workbook'}: {len(lost)} typed value(s) cannot be read and "
            "would be lost; fix them first (backplan check shows them all); nothing was written"
        )
        raise MergeError("\n".join([head, *(str(p) for p in lost)]))


def copy_of(path: Path, snapshot: Snapshot) -> Copy:
    """A :class:`Copy` of a file, dated by its last modification."""
    return Copy(path.name, path.stat().st_mtime, snapshot)
