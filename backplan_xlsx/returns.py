"""Who sent their part back this month: Returned, Untouched or Missing, per plan and owner.

An ops lead's first question the morning after an import. A file that came
back is not enough: a part opened and sent back unchanged says nothing. So
``build`` and ``split`` record in ``_backplan`` a fingerprint of the inputs
they wrote (:func:`inputs_fingerprints`): one of the whole file and one per
owner (their check-ins, the Done marks and notes of their actions, the
reviews and feedback of their anti-goals). A returned file whose inputs
still match is *Untouched*; a part is judged on the whole file (it is one
person's), a whole copy on each owner's own inputs. Fingerprints are taken
over canonical text (:func:`~backplan_xlsx.writer.fingerprint.canonical`), so
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

from .model import Snapshot
from .names import person_key
from .writer.fingerprint import canonical

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


def _inputs(snap: Snapshot, owner: str | None) -> list[str]:
    """Canonical lines for every input (``owner`` None) or one owner's inputs."""
    plan = snap.plan
    key = person_key(owner) if owner is not None else None
    mine_actions = {a.id for a in plan.actions if key is None or person_key(a.owner) == key}
    mine_anti = {x.id for x in plan.anti_goals if key is None or person_key(x.owner) == key}
    lines = [
        "c\x1f"
        + "\x1f".join((c.date.isoformat(), c.goal, person_key(c.owner)))
        + "\x1f"
        + canonical(c.value)
        + "\x1f"
        + c.comment.strip()
        for c in snap.check_ins
        if key is None or person_key(c.owner) == key
    ]
    for tag, values, ids in (
        ("d", snap.done, mine_actions),
        ("n", snap.notes, mine_actions),
        ("f", snap.feedback, mine_anti),
    ):
        lines += [
            f"{tag}\x1f{k}\x1f{canonical(v).strip()}"
            for k, v in values.items()
            if canonical(v).strip() and (key is None or k in ids)
        ]
    lines += [
        f"r\x1f{k}\x1f{v.isoformat()}"
        for k, v in snap.reviews.items()
        if key is None or k in mine_anti
    ]
    if key is None and snap.as_of is not None:
        lines.append(f"a\x1f{snap.as_of.isoformat()}")
    return lines


def inputs_fingerprints(snap: Snapshot) -> dict[str, str]:
    """``*`` → the whole file's inputs; each owner id → that owner's inputs."""
    out = {WHOLE: _digest(_inputs(snap, None))}
    for o in snap.plan.owners:
        out[o.id] = _digest(_inputs(snap, o.name))
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


def _touched(f: ReturnedFile, owner: str) -> bool:
    """Whether ``owner``'s inputs in ``f`` differ from what was built (unknown: touched)."""
    built = decode(f.snapshot.built_inputs)
    now = inputs_fingerprints(f.snapshot)
    if f.snapshot.plan.part:
        return built.get(WHOLE) != now[WHOLE]
    oid = next(o.id for o in f.snapshot.plan.owners if person_key(o.name) == person_key(owner))
    return oid not in built or built[oid] != now[oid]


def _covers(f: ReturnedFile, owner: str) -> bool:
    key = person_key(owner)
    plan = f.snapshot.plan
    if plan.part:
        return person_key(plan.part) == key
    return any(person_key(o.name) == key for o in plan.owners)


def plan_returns(
    plan_id: str, owners: Sequence[str], files: Sequence[ReturnedFile]
) -> list[ReturnRow]:
    """One row per expected owner: the newest file they changed, else one they sent back.

    Args:
        plan_id: the plan.
        owners: every owner who should have answered, in the order to list them.
        files: the plan's current-version files found this month.
    """
    rows = []
    seen: set[str] = set()
    for owner in owners:
        if person_key(owner) in seen:
            continue
        seen.add(person_key(owner))
        mine = sorted((f for f in files if _covers(f, owner)), key=lambda f: (f.modified, f.file))
        changed = [f for f in mine if _touched(f, owner)]
        pick = (changed or mine)[-1] if mine else None
        if pick is None:
            rows.append(ReturnRow(plan_id, owner, MISSING))
            continue
        stamp = datetime.fromtimestamp(pick.modified).replace(microsecond=0)
        state = RETURNED if changed else UNTOUCHED
        rows.append(ReturnRow(plan_id, owner, state, pick.file, stamp))
    return rows


def count_states(rows: Iterable[ReturnRow]) -> dict[str, int]:
    """State → how many owners are in it (every state present, zeros included)."""
    out = dict.fromkeys(STATES, 0)
    for r in rows:
        out[r.state] += 1
    return out
