"""Which copies are one file saved again, so a corrected check-in is not counted twice.

Check-ins have no ids, so ``merge`` unions them by content: a row found in
several copies is one. A row someone corrected in a later save of their file
(40,000 retyped as 45,000) then looks like a new row, and both would count.
Yet copies of a whole plan sent to many people each get rows typed at the
same row numbers, and those are not edits of each other: every one must be
kept. So a row is taken as an earlier version of another only with proof
that both files are one file saved twice (one *lineage*):

* the same plan, version and part (the same person's part, or both whole),
  built from the same record: equal as-built fingerprints (``_backplan``'s
  inputs and input cells; a file that records none proves nothing);
* the older copy's check-ins are the newer one's first rows, row for row at
  the same row numbers, each one the same or an *edit*: the same date, goal,
  owner and CRM ref, with the value or comment changed. One row that is
  neither (another owner, another date, a row deleted above) and the two
  files are not provably one: every row of both is kept, as before.

Within a lineage the newest copy's row is kept and the older one's is not
added; each changed cell is a :class:`~backplan_xlsx.conflicts.Conflict`.
A row the older copy has below the newer one's last row is kept (nothing
typed is dropped on a guess) and reported when the newer copy was edited at
all: it may have been deleted on purpose, and the merged workbook is where
to delete it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from . import layout
from .conflicts import Conflict
from .model import CheckIn, Snapshot
from .names import person_key

if TYPE_CHECKING:
    from .merge import Copy

#: A check-in's content: what makes two rows one when they are equal.
Key = tuple[date, str, str, float, str, str]


def content_key(c: CheckIn) -> Key:
    """Date, goal, owner (as a person reads the name), value, comment and CRM ref."""
    return (
        c.date,
        c.goal.strip().casefold(),
        person_key(c.owner),  # "Zoë O’Brien" and "zoë o'brien" are one person
        c.value,
        c.comment.strip(),
        c.ref.strip(),
    )


def _reading(k: Key) -> tuple[date, str, str, str]:
    """What an edit keeps: date, goal, owner and CRM ref (value and comment may change)."""
    return (k[0], k[1], k[2], k[5])


@dataclass(frozen=True, slots=True)
class Superseded:
    """What merging keeps of each copy's check-ins, and the conflicts found on the way.

    ``dropped`` holds, per copy (by its index in the merge's oldest-first
    order), the row numbers a newer copy of its lineage edited.
    """

    dropped: dict[int, set[int]]
    conflicts: tuple[Conflict, ...]


def lineage_key(snap: Snapshot) -> tuple[object, ...] | None:
    """What copies of one lineage share (None: a file that records no as-built state)."""
    if not snap.built_inputs or snap.built_cells is None:
        return None
    plan = snap.plan
    return (plan.id, plan.version, person_key(plan.part), snap.built_inputs, snap.built_cells)


def superseded(ordered: Sequence[Copy]) -> Superseded:
    """The rows of older copies that a newer copy of their lineage edited.

    ``ordered`` is oldest first (by modification time, then file name), so
    the result does not depend on the order the files were given in. Each
    older row is judged against the newest copy of its lineage that edited
    it: one conflict per changed cell, whatever the number of saves between.
    As for input cells (``asbuilt``), a row a copy holds only as it was
    built (its owner typed nothing there) never beats an edited one: the
    edit is kept, whichever file is newer, and nothing is reported.
    """
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, c in enumerate(ordered):
        key = lineage_key(c.snapshot)
        if key is not None:
            groups.setdefault(key, []).append(i)
    groups = {k: members for k, members in groups.items() if len(members) > 1}
    judge = _Judge(ordered, [i for members in groups.values() for i in members])
    for members in groups.values():
        agree = judge.agreeing(members)
        for pos, i in enumerate(members):
            gone_said = False
            for j in reversed(members[pos + 1 :]):  # the newest copy first
                if j not in agree[i]:
                    continue
                edits = judge.edits(i, j)
                if edits is None:
                    continue
                for old, new in edits:
                    judge.settle(i, old, j, new)
                if not gone_said and judge.gone(i, j):
                    gone_said = True
    return Superseded(judge.dropped, tuple(judge.conflicts))


class _Judge:
    """The copies of the lineages being compared, and what comparing them decided."""

    def __init__(self, ordered: Sequence[Copy], members: Sequence[int]) -> None:
        self.ordered = ordered
        self.rows = {i: _rows(ordered[i].snapshot) for i in members}
        self.spots = {i: _positions(r) for i, r in self.rows.items()}
        self.dropped: dict[int, set[int]] = {}
        self.conflicts: list[Conflict] = []
        self._prints: dict[int, tuple[dict[str, str], dict[str, str]]] = {}

    def agreeing(self, members: Sequence[int]) -> dict[int, set[int]]:
        """Per copy, the copies whose rows hold the same readings as far as both go.

        Only those can be one file saved twice. Found through a hash of each
        copy's first rows' readings, so hundreds of copies of one file, each
        with a row of its own, are not compared pair by pair.
        """
        prefixes: dict[int, list[int]] = {}
        for i in members:
            h = 0
            hashes = [h]
            for row, key, _ in self.rows[i]:
                h = hash((h, row, _reading(key)))
                hashes.append(h)
            prefixes[i] = hashes
        whole: dict[tuple[int, int], list[int]] = {}
        for i in members:
            n = len(self.rows[i])
            whole.setdefault((n, prefixes[i][n]), []).append(i)
        lengths = sorted({n for n, _ in whole})
        out: dict[int, set[int]] = {i: set() for i in members}
        for j in members:
            for n in lengths:
                if n > len(self.rows[j]):
                    break
                for i in whole.get((n, prefixes[j][n]), ()):
                    if i != j:
                        out[i].add(j)
                        out[j].add(i)
        return out

    def edits(self, i: int, j: int) -> list[tuple[CheckIn, CheckIn]] | None:
        return _edits(self.rows[i], self.rows[j], self.spots[i], self.spots[j])

    def settle(self, i: int, old: CheckIn, j: int, new: CheckIn) -> None:
        """One edited row: the newer kept (and said), unless only the older was typed."""
        if old.row in self.dropped.get(i, ()) or new.row in self.dropped.get(j, ()):
            return
        if self._as_built(j, new.owner) and not self._as_built(i, old.owner):
            self.dropped.setdefault(j, set()).add(new.row)  # an unedited row beats no edit
            return
        self.dropped.setdefault(i, set()).add(old.row)
        files = self.ordered[i].file, self.ordered[j].file
        self.conflicts.extend(changed_cells(old, new, *files))

    def gone(self, i: int, j: int) -> bool:
        """Say the rows of ``i`` below ``j``'s last one (kept), when ``j`` was edited at all."""
        older, newer = self.rows[i], self.rows[j]
        if len(older) <= len(newer) or not _touched(self.ordered[j].snapshot):
            return False
        files = self.ordered[i].file, self.ordered[j].file
        self.conflicts.extend(_gone(older[len(newer) :], *files))
        return True

    def _as_built(self, i: int, owner: str) -> bool:
        """Whether ``owner``'s inputs in copy ``i`` are as it was built (unknown: no)."""
        from .returns import decode, inputs_fingerprints

        snap = self.ordered[i].snapshot
        if i not in self._prints:
            self._prints[i] = (decode(snap.built_inputs), inputs_fingerprints(snap))
        built, now = self._prints[i]
        key = person_key(owner)
        oid = next((o.id for o in snap.plan.owners if person_key(o.name) == key), None)
        return oid is not None and oid in built and built[oid] == now.get(oid)


def _rows(snap: Snapshot) -> list[tuple[int, Key, CheckIn]]:
    return sorted(((c.row, content_key(c), c) for c in snap.check_ins), key=lambda r: r[0])


def _positions(rows: Sequence[tuple[int, Key, CheckIn]]) -> list[tuple[int, Key]]:
    return [(row, key) for row, key, _ in rows]


def _edits(
    older: Sequence[tuple[int, Key, CheckIn]],
    newer: Sequence[tuple[int, Key, CheckIn]],
    older_at: list[tuple[int, Key]],
    newer_at: list[tuple[int, Key]],
) -> list[tuple[CheckIn, CheckIn]] | None:
    """The (older, newer) row pairs edited, when ``older`` is provably ``newer`` saved before.

    None when a row at a shared position is neither the same nor an edit.
    ``older_at``/``newer_at``: (row, content) of each, to skip equal rows fast.
    """
    same = _common(older_at, newer_at)
    out = []
    for (row_a, key_a, a), (row_b, key_b, b) in zip(older[same:], newer[same:], strict=False):
        if row_a != row_b or _reading(key_a) != _reading(key_b):
            return None
        if key_a != key_b:
            out.append((a, b))
    return out


def _common(a: list[tuple[int, Key]], b: list[tuple[int, Key]]) -> int:
    """How many first rows two copies share: list compares (C speed), halving the range.

    Copies of one file share every row it was built with, so a plain loop
    would walk them all for each pair of copies.
    """
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _touched(snap: Snapshot) -> bool:
    """Whether anything was typed into a copy since it was built (unknown: yes)."""
    from .returns import WHOLE, decode, inputs_fingerprints

    built = decode(snap.built_inputs).get(WHOLE)
    return built is None or built != inputs_fingerprints(snap)[WHOLE]


def item_of(c: CheckIn) -> str:
    """A check-in named as people read it: ``2027-01-20 G1 Ravi Patel``."""
    return f"{c.date.isoformat()} {c.goal} {c.owner}"


def shown(value: object) -> str:
    """A value as a conflict shows it (40,000; a date in ISO form)."""
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    return value.isoformat() if isinstance(value, date) else str(value)


def changed_cells(old: CheckIn, new: CheckIn, old_file: str, new_file: str) -> list[Conflict]:
    """One conflict per cell of an edited row that changed (Value, Comment): the newer kept."""
    out = []
    for col, a, b in (
        (layout.CHECK_IN.value, old.value, new.value),
        (layout.CHECK_IN.comment, old.comment.strip(), new.comment.strip()),
    ):
        if a != b:
            out.append(
                Conflict(
                    layout.CHECK_INS,
                    item_of(new),
                    col.header,
                    new_file,
                    shown(b),
                    old_file,
                    shown(a),
                )
            )
    return out


def _gone(rows: Sequence[tuple[int, Key, CheckIn]], old_file: str, new_file: str) -> list[Conflict]:
    header = layout.CHECK_IN.value.header
    return [
        Conflict(
            layout.CHECK_INS, item_of(c), header, old_file, shown(c.value), new_file, "", gone=True
        )
        for _, _, c in rows
    ]
