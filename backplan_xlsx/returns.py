"""Who sent their part back this month: Returned, Untouched or Missing, per plan and owner.

An ops lead's first question the morning after an import. A file that came
back is not enough: a part opened and sent back unchanged says nothing. So
``build`` and ``split`` record in ``_backplan`` a fingerprint of the inputs
they wrote (:func:`inputs_fingerprints`): one of the whole file and one per
owner (their check-ins, the Done marks and notes of their actions, the
reviews and feedback of their anti-goals). A returned file whose inputs
still match is *Untouched*; a part is judged on the whole file (it is one
person's), a whole copy on each owner's own inputs. Fingerprints are taken
over canonical text (:func:`~backplan_xlsx.fingerprint.canonical`), so
a re-save by another program that rewrites numbers is not an edit.

Who *should* have answered comes from the caller: the owners of the plans
found, of the plans given with ``--expect`` and of the plans filed in the
history the month before. A file built before fingerprints were recorded
cannot be told untouched and counts as Returned.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .fingerprint import canonical
from .model import Snapshot
from .names import person_key

if TYPE_CHECKING:
    from .rollup import PlanResult

RETURNED = "Returned"
UNTOUCHED = "Untouched"
MISSING = "Missing"
STATES = (RETURNED, UNTOUCHED, MISSING)
#: The key of the whole file's fingerprint (owner ids never hold ``*``).
WHOLE = "*"
_CELL_LIMIT = 32_000


@dataclass(frozen=True, slots=True)
class ReturnedFile:
    """One current-version file of a plan, read with its whole plan."""

    file: str
    modified: float
    snapshot: Snapshot


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """One owner of one plan: what came back from them (the Returns sheet's row)."""

    plan: str
    owner: str
    state: str
    file: str = ""
    modified: datetime | None = None


def _digest(lines: Iterable[str]) -> str:
    h = hashlib.sha256("\n".join(sorted(lines)).encode("utf-8"))
    return h.hexdigest()[:16]


def _owned_lines(snap: Snapshot) -> tuple[list[str], dict[str, list[str]]]:
    """Canonical lines for every input, and the same lines grouped by owner key.

    One pass over the inputs, so a plan with hundreds of owners costs no more
    than one with five. Lines tied to nobody (the AsOf cell, a check-in by a
    name that is not an owner) count only for the whole file.
    """
    plan = snap.plan
    action_owner = {a.id: person_key(a.owner) for a in plan.actions}
    anti_owner = {x.id: person_key(x.owner) for x in plan.anti_goals}
    every: list[str] = []
    mine: dict[str, list[str]] = {}

    def add(line: str, key: str | None) -> None:
        every.append(line)
        if key is not None:
            mine.setdefault(key, []).append(line)

    for c in snap.check_ins:
        who = person_key(c.owner)
        add(
            "\x1f".join(("c", c.date.isoformat(), c.goal, who, canonical(c.value)))
            + "\x1f"
            + c.comment.strip(),
            who,
        )
    for tag, values, owner_of in (
        ("d", snap.done, action_owner),
        ("n", snap.notes, action_owner),
        ("f", snap.feedback, anti_owner),
    ):
        for k, v in values.items():
            text = canonical(v).strip()
            if text:
                add(f"{tag}\x1f{k}\x1f{text}", owner_of.get(k))
    for k, day in snap.reviews.items():
        add(f"r\x1f{k}\x1f{day.isoformat()}", anti_owner.get(k))
    if snap.as_of is not None:
        add(f"a\x1f{snap.as_of.isoformat()}", None)
    return every, mine


def inputs_fingerprints(snap: Snapshot) -> dict[str, str]:
    """``*`` → the whole file's inputs; each owner id → that owner's inputs."""
    every, mine = _owned_lines(snap)
    out = {WHOLE: _digest(every)}
    for o in snap.plan.owners:
        out[o.id] = _digest(mine.get(person_key(o.name), []))
    return out


def encode(fingerprints: Mapping[str, str]) -> str:
    """``*=…;O1=…``: one cell of ``_backplan`` (owners dropped past a cell's size)."""
    text = ";".join(f"{k}={v}" for k, v in fingerprints.items())
    if len(text) > _CELL_LIMIT:
        return f"{WHOLE}={fingerprints[WHOLE]}"
    return text


def decode(text: str) -> dict[str, str]:
    """The inverse of :func:`encode`; empty for a file built without fingerprints."""
    out = {}
    for item in text.split(";"):
        k, sep, v = item.partition("=")
        if sep and k.strip():
            out[k.strip()] = v.strip()
    return out


#: The fingerprint of no inputs at all: an owner's, in a plan as ``build`` writes it.
NOTHING = _digest([])


def _touched(
    f: ReturnedFile,
    owner: str,
    seen: dict[str, tuple[dict[str, str], ...]],
    known: Mapping[str, set[tuple[str, str]]],
) -> bool:
    """Whether ``owner``'s inputs in ``f`` differ from what was built (unknown: touched).

    A whole copy is asked twice: did the owner's inputs change since the
    file was written, and do they differ from every other known state of
    them (``known``: what the other files were built with, what last
    month's collect filed; none known: nothing typed). The second catches a
    merged workbook: written from the parts, it holds their edits, yet its
    own fingerprints match. ``seen`` caches each file's fingerprints.
    """
    if f.file not in seen:
        seen[f.file] = (decode(f.snapshot.built_inputs), inputs_fingerprints(f.snapshot))
    built, now = seen[f.file]
    if f.snapshot.plan.part:
        return built.get(WHOLE) != now[WHOLE]
    key = person_key(owner)
    oid = next(o.id for o in f.snapshot.plan.owners if person_key(o.name) == key)
    if oid not in built or built[oid] != now[oid]:
        return True
    others = {fp for file, fp in known.get(key, set()) if file != f.file}
    return now[oid] not in (others or {NOTHING})


def _known(
    files: Sequence[ReturnedFile], before: Mapping[str, str]
) -> dict[str, set[tuple[str, str]]]:
    """Owner key → (file, fingerprint) of each state of their inputs known besides a file's own.

    ``before``: owner key → the fingerprint last month's collect filed.
    """
    out: dict[str, set[tuple[str, str]]] = {k: {("", fp)} for k, fp in before.items()}
    for f in files:
        built = decode(f.snapshot.built_inputs)
        for o in f.snapshot.plan.owners:
            if o.id in built:
                out.setdefault(person_key(o.name), set()).add((f.file, built[o.id]))
    return out


def _covers(f: ReturnedFile, owner: str) -> bool:
    key = person_key(owner)
    plan = f.snapshot.plan
    if plan.part:
        return person_key(plan.part) == key
    return any(person_key(o.name) == key for o in plan.owners)


def plan_returns(
    plan_id: str,
    owners: Sequence[str],
    files: Sequence[ReturnedFile],
    before: Mapping[str, str] | None = None,
) -> list[ReturnRow]:
    """One row per expected owner: the newest file they changed, else one they sent back.

    When the plan was split (a part of it is among ``files``), an owner's
    answer is their part, or a whole copy in which their inputs changed.

    Args:
        plan_id: the plan.
        owners: every owner who should have answered, in the order to list them.
        files: the plan's files found this month (older versions too: their
            inputs were carried forward, so they are answers).
        before: owner key → fingerprint of their inputs as last month's
            collect filed them (see :func:`_touched`).
    """
    rows = []
    seen: set[str] = set()
    prints: dict[str, tuple[dict[str, str], ...]] = {}
    split = any(f.snapshot.plan.part for f in files)
    known = _known(files, before or {})
    for owner in owners:
        if person_key(owner) in seen:
            continue
        seen.add(person_key(owner))
        mine = sorted((f for f in files if _covers(f, owner)), key=lambda f: (f.modified, f.file))
        changed = [f for f in mine if _touched(f, owner, prints, known)]
        if split:
            # Parts went out: an unchanged whole copy (the master kept beside them) is
            # not this owner's answer.
            mine = [f for f in mine if f.snapshot.plan.part or f in changed]
        pick = (changed or mine)[-1] if mine else None
        if pick is None:
            rows.append(ReturnRow(plan_id, owner, MISSING))
            continue
        stamp = datetime.fromtimestamp(pick.modified).replace(microsecond=0)
        state = RETURNED if changed else UNTOUCHED
        rows.append(ReturnRow(plan_id, owner, state, pick.file, stamp))
    return rows


def every_owner(
    plans: Sequence[PlanResult],
    expected: dict[str, list[str]],
    before: dict[str, list[str]],
    returned: dict[str, list[ReturnedFile]],
    prints: Mapping[str, Mapping[str, str]] | None = None,
) -> list[ReturnRow]:
    """The Returns rows: every owner of every plan seen, expected or filed last month.

    ``returned``: plan id → its files found this month (see :func:`plan_returns`).

    ``prints``: plan id → owner key → their inputs' fingerprint as the
    month carried from filed them (see :func:`~backplan_xlsx.returns.plan_returns`).
    """
    owners: dict[str, list[str]] = {}
    for pid, files in returned.items():  # a part names its whole plan's owners, in order
        owners[pid] = list(_plan_owners(files))
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
        rows.extend(plan_returns(pid, owners[pid], returned.get(pid, []), (prints or {}).get(pid)))
    return rows


def _plan_owners(files: Sequence[ReturnedFile]) -> tuple[str, ...]:
    """Every owner of the plan as its newest version's parts recorded them (none: no part).

    So a month's first import, of the parts that came back, lists the
    owners whose part did not as Missing (an older version's owners may be
    gone from the plan, so only the newest version's parts count).
    """
    parts = [f.snapshot.plan for f in files if f.snapshot.plan.part]
    if not parts:
        return ()
    newest = max(p.version for p in parts)
    return next((p.plan_owners for p in parts if p.version == newest and p.plan_owners), ())


def count_states(rows: Iterable[ReturnRow]) -> dict[str, int]:
    """State → how many owners are in it (every state present, zeros included)."""
    out = dict.fromkeys(STATES, 0)
    for r in rows:
        out[r.state] += 1
    return out
