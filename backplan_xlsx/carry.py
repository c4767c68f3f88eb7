"""Nothing typed in an earlier month is forgotten: each month's merge starts from the last.

Each month, ``collect`` sees only the copies returned that month. An owner
who typed check-ins in May's part and sends nothing back in June would
vanish from June's figures, so every collect files each plan's merged
inputs (check-ins, every input cell by row id, inserted columns, and the
owners and actions of the parts that came back) in the history store
(``backplan_inputs``), and the next month's merge starts from the latest
earlier month's, with that month's copies folded on top:

* a check-in already returned again is kept once; a carried owner's
  readings of a goal on a date that this month's copies hold readings for
  (the same owner, goal and date) are replaced by them: a correction wins,
  and each replaced reading is reported as a conflict, by the cell that
  changed as ``merge`` reports an edited row (``lineage``), and once;
* an input cell keeps this month's value where a copy holds one, the
  carried value where none does;
* owners and actions of the same plan version that no returned part holds
  come back from the carried month, so the owner who sent nothing keeps
  their row and their figures;
* what no longer has a row (a re-plan dropped it) is reported, not dropped.

A typed As-of is never carried (it belongs to its month). This runs inside
the store's locked transaction (:meth:`~backplan_xlsx.history.HistoryStore.locked`),
so any number of collects at once each start from a month nobody is
halfway through writing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from . import layout
from .lineage import changed_cells
from .merge import Conflict, Unplaced, row_ids
from .model import Action, CheckIn, Owner, Plan, Snapshot, UserColumn
from .names import person_key

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from .collect import CollectResult

#: The format of the stored JSON (bumped if its shape changes).
FORMAT = 1


@dataclass(frozen=True, slots=True)
class CarriedInputs:
    """One plan's merged inputs as one month's collect filed them."""

    month: str
    plan_id: str
    version: int
    check_ins: tuple[CheckIn, ...] = ()
    #: Input field (``done``, ``notes``…) → row id → value, as the layout names them.
    cells: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    user_columns: tuple[UserColumn, ...] = ()
    owners: tuple[Owner, ...] = ()
    actions: tuple[Action, ...] = ()
    #: Owner name key → fingerprint of their inputs (``returns.inputs_fingerprints``).
    fingerprints: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Folded:
    """This month's merged snapshot with the carried month folded in, and what that did."""

    snapshot: Snapshot
    conflicts: tuple[Conflict, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()


def inputs_of(month: str, snap: Snapshot) -> CarriedInputs:
    """What a month's merged snapshot holds that people typed (the next month's base)."""
    from .returns import inputs_fingerprints

    prints = inputs_fingerprints(snap)
    return CarriedInputs(
        month,
        snap.plan.id,
        snap.plan.version,
        snap.check_ins,
        {col.field: dict(getattr(snap, col.field)) for _, col in layout.row_inputs()},
        snap.user_columns,
        snap.plan.owners,
        snap.plan.actions,
        {person_key(o.name): prints[o.id] for o in snap.plan.owners if o.id in prints},
    )


def fold(base: CarriedInputs | None, snap: Snapshot, sent: Sequence[Plan] = ()) -> Folded:
    """``snap`` (this month's merge) on top of ``base`` (the latest earlier month's, if any).

    ``sent``: whole plans (``--expect``) whose owners and actions of the same
    version complete the plan too, so an owner who never answered has a row.
    The snapshot itself comes back when there is nothing to add.
    """
    plan = with_people(snap.plan, [base] if base else [], sent)
    if base is None:
        return Folded(snap if plan is snap.plan else replace(snap, plan=plan))
    source = f"the {base.month} collect (carried)"
    unplaced: list[Unplaced] = []
    cells: dict[str, Any] = {}
    added = 0
    for spec, col in layout.row_inputs():
        ids = row_ids(plan, spec.name)
        now = dict(getattr(snap, col.field))
        for item, value in base.cells.get(col.field, {}).items():
            if value in (None, ""):
                continue
            if item not in ids:
                unplaced.append(
                    Unplaced(source, base.version, spec.name, item, col.header, _shown(value))
                )
            elif now.get(item) in (None, ""):
                now[item] = value
                added += 1
        cells[col.field] = now
    check_ins, conflicts = _check_ins(base, snap, source)
    users = _user_columns(base, snap, plan, source, unplaced)
    added += len(check_ins) - len(snap.check_ins)
    if not added and plan is snap.plan and users == snap.user_columns:
        return Folded(snap, tuple(conflicts), tuple(unplaced))  # everyone answered again
    folded = replace(snap, plan=plan, check_ins=check_ins, user_columns=users, **cells)
    return Folded(folded, tuple(conflicts), tuple(unplaced))


def with_people(plan: Plan, bases: Sequence[CarriedInputs], sent: Sequence[Plan] = ()) -> Plan:
    """The plan with the owners and actions no returned copy holds.

    From the carried month and the ``--expect`` plans of the same version:
    a split plan whose parts did not all come back still has every owner.
    A carried month of an older version (a re-plan since) gives only the
    owners (its actions are gone), and only while the owners' shares do not
    yet cover every goal: then a part is missing, not a person removed.
    """
    sources = [(b.owners, b.actions) for b in bases if b.version == plan.version]
    if not _covered(plan):
        sources += [(b.owners, ()) for b in bases if b.version != plan.version]
    sources += [
        (s.owners, s.actions)
        for s in sent
        if s.id == plan.id and s.version == plan.version and not s.part
    ]
    owners, actions = plan.owners, plan.actions
    for more_owners, more_actions in sources:
        have = {o.id for o in owners}
        owners += tuple(o for o in more_owners if o.id not in have)
        acts = {a.id for a in actions}
        actions += tuple(a for a in more_actions if a.id not in acts)
    if len(owners) == len(plan.owners) and len(actions) == len(plan.actions):
        return plan
    return replace(
        plan,
        owners=tuple(sorted(owners, key=lambda o: _number(o.id))),
        actions=tuple(sorted(actions, key=lambda a: _number(a.id))),
    )


def _covered(plan: Plan) -> bool:
    """Whether the owners' shares of every summed goal add up to the whole (no part missing)."""
    return all(
        sum(o.share_of(g.id) for o in plan.owners) >= 1 - 1e-6
        for g in plan.goals
        if g.measure == "sum"
    )


def _number(item_id: str) -> tuple[str, int]:
    digits = "".join(ch for ch in item_id if ch.isdigit())
    return (item_id.rstrip("0123456789"), int(digits) if digits else 0)


def _reading(c: CheckIn) -> tuple[date, str, str]:
    """Owner, goal and date: names matched as everywhere else (``names.person_key``)."""
    return (c.date, c.goal.strip().casefold(), person_key(c.owner))


def _same(c: CheckIn) -> tuple[object, ...]:
    return (*_reading(c), c.value, c.comment.strip(), c.ref.strip())


def _check_ins(
    base: CarriedInputs, snap: Snapshot, source: str
) -> tuple[tuple[CheckIn, ...], list[Conflict]]:
    """Carried check-ins not returned again, unless this month corrects that reading."""
    kept = list(snap.check_ins)
    seen = {_same(c) for c in kept}
    now: dict[tuple[date, str, str], list[CheckIn]] = {}
    for c in kept:
        now.setdefault(_reading(c), []).append(c)
    conflicts = []
    for c in base.check_ins:
        if _same(c) in seen:
            continue
        edits = now.get(_reading(c))
        if edits:  # reported as merge reports an edited row: by the cell that changed
            counterpart = _counterpart(c, edits)
            conflicts.extend(changed_cells(c, counterpart, source, "this month's copies"))
            continue
        seen.add(_same(c))
        kept.append(c)
    kept.sort(key=lambda ci: (ci.date, ci.goal, ci.owner))
    return tuple(replace(ci, row=i + 2) for i, ci in enumerate(kept)), conflicts


def _counterpart(carried: CheckIn, edits: Sequence[CheckIn]) -> CheckIn:
    """The reading this month most like the carried one (same value, else same comment)."""
    for e in edits:
        if e.value == carried.value:
            return e
    comment = carried.comment.strip()
    return next((e for e in edits if e.comment.strip() == comment), edits[0])


def _user_columns(
    base: CarriedInputs, snap: Snapshot, plan: Plan, source: str, unplaced: list[Unplaced]
) -> tuple[UserColumn, ...]:
    """Inserted columns: this month's values, the carried ones where a row holds none."""
    out = {(u.sheet, u.header): dict(u.values) for u in snap.user_columns}
    for user in base.user_columns:
        values = out.setdefault((user.sheet, user.header), {})
        if user.sheet == layout.CHECK_INS:
            continue  # their values travel on each check-in
        ids = row_ids(plan, user.sheet)
        for rid, value in user.values:
            if rid not in ids:
                unplaced.append(
                    Unplaced(source, base.version, user.sheet, rid, user.header, _shown(value))
                )
            elif values.get(rid) in (None, ""):
                values[rid] = value
    return tuple(UserColumn(s, h, tuple(v.items())) for (s, h), v in out.items())


def _said(c: Conflict) -> tuple[str, str, str, str, str]:
    """What a conflict says, whichever files it names."""
    return (c.sheet, c.item, c.column, c.kept, c.other)


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    return value.isoformat() if isinstance(value, date) else str(value)


# --- JSON, typed: dates and datetimes survive (a Done mark may be either) ---------------


def _enc(value: object) -> object:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, tuple | list):
        return [_enc(v) for v in value]
    return value


def _dec(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
    if isinstance(value, list):
        return tuple(_dec(v) for v in value)
    return value


def to_json(c: CarriedInputs) -> str:
    """The stored text of one plan's month (typed values, so a date stays a date)."""
    data = {
        "format": FORMAT,
        "check_ins": [
            [_enc(ci.date), ci.goal, ci.owner, ci.value, ci.comment, ci.ref, _enc(ci.extra)]
            for ci in c.check_ins
        ],
        "cells": {f: {k: _enc(v) for k, v in vals.items()} for f, vals in c.cells.items()},
        "user_columns": [[u.sheet, u.header, _enc(u.values)] for u in c.user_columns],
        "owners": [[o.id, o.name, o.role, o.email, o.team, _enc(o.shares)] for o in c.owners],
        "actions": [
            [a.id, a.milestone, a.goal, a.action, a.owner, _enc(a.due), a.count, a.stage]
            for a in c.actions
        ],
        "fingerprints": dict(c.fingerprints),
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def from_json(month: str, plan_id: str, version: int, text: str) -> CarriedInputs:
    """The inverse of :func:`to_json`."""
    data = json.loads(text)
    return CarriedInputs(
        month,
        plan_id,
        version,
        tuple(
            CheckIn(_dec(d), g, o, float(v), cm, 0, ref, _dec(extra))
            for d, g, o, v, cm, ref, extra in data.get("check_ins", [])
        ),
        {f: {k: _dec(v) for k, v in vals.items()} for f, vals in data.get("cells", {}).items()},
        tuple(UserColumn(s, h, _dec(vals)) for s, h, vals in data.get("user_columns", [])),
        tuple(
            Owner(i, n, r, e, t, tuple((g, float(x)) for g, x in shares))
            for i, n, r, e, t, shares in data.get("owners", [])
        ),
        tuple(
            Action(i, m, g, act, o, _dec(due), count, stage)
            for i, m, g, act, o, due, count, stage in data.get("actions", [])
        ),
        dict(data.get("fingerprints", {})),
    )


# --- the store: read the month before, file this month ---------------------------------


def inputs_table(md: Any = None) -> Any:
    """Schema 3's ``backplan_inputs``: one plan's merged inputs in one month, as JSON text.

    Kept apart from the item rows: they are figures, this is what people
    typed, read back only by the next month's collect (this module).
    """
    from sqlalchemy import Column, Integer, MetaData, String, Table, Text

    return Table(
        "backplan_inputs",
        md if md is not None else MetaData(),
        Column("month", String(7), primary_key=True),
        Column("plan_id", String(200), primary_key=True),
        Column("plan_version", Integer, nullable=False),
        Column("inputs", Text, nullable=False),
    )


def carried_before(conn: Connection, month: str, plans: Iterable[str]) -> dict[str, CarriedInputs]:
    """Plan id → its inputs as filed in the latest month before ``month`` that holds them."""
    from sqlalchemy import func, select

    table = inputs_table()
    wanted = sorted(set(plans))
    out: dict[str, CarriedInputs] = {}
    for i in range(0, len(wanted), 500):  # bounded IN lists; one month's text per plan read
        chunk = wanted[i : i + 500]
        latest = (
            select(table.c.plan_id, func.max(table.c.month).label("month"))
            .where(table.c.plan_id.in_(chunk) & (table.c.month < month))
            .group_by(table.c.plan_id)
            .subquery()
        )
        query = select(table).join(
            latest, (table.c.plan_id == latest.c.plan_id) & (table.c.month == latest.c.month)
        )
        for r in conn.execute(query):
            out[r.plan_id] = from_json(r.month, r.plan_id, r.plan_version, r.inputs)
    return out


def file_inputs(conn: Connection, month: str, carried: Sequence[CarriedInputs]) -> None:
    """Replace ``month``'s stored inputs of these plans (re-importing a month replaces it)."""
    table = inputs_table()
    ids = sorted({c.plan_id for c in carried})
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        conn.execute(table.delete().where((table.c.month == month) & table.c.plan_id.in_(chunk)))
    if carried:
        conn.execute(
            table.insert(),
            [
                {"month": month, "plan_id": c.plan_id, "plan_version": c.version,
                 "inputs": to_json(c)}
                for c in carried
            ],
        )  # fmt: skip


def carry_month(
    conn: Connection, result: CollectResult, as_of: date, sent: Sequence[Plan] = ()
) -> dict[str, CarriedInputs]:
    """Fold the latest earlier month into each plan of ``result`` and file this month's inputs.

    Each plan is judged again when something was carried. ``sent``: the
    ``--expect`` plans (see :func:`with_people`). Conflicts and
    inputs with no row are added to ``result``'s, as merge's are.

    Returns:
        Plan id → the month carried from (for Returns: what each owner had before).
    """
    from . import engine
    from .rollup import PlanResult

    month = result.month
    bases = carried_before(conn, month, (p.plan.id for p in result.plans))
    plans = []
    filed = []
    for p in result.plans:
        if p.snapshot is None:
            plans.append(p)
            continue
        got = fold(bases.get(p.plan.id), p.snapshot, sent)
        said = {_said(c) for pid, c in result.conflicts if pid == p.plan.id}
        # A correction this month's merge already reported (a newer save of the file) is said once.
        result.conflicts.extend((p.plan.id, c) for c in got.conflicts if _said(c) not in said)
        result.unplaced.extend((p.plan.id, u) for u in got.unplaced)
        if got.snapshot is not p.snapshot:  # something carried: judge it again
            report = engine.evaluate(got.snapshot, as_of)
            p = PlanResult(got.snapshot.plan, report, p.files, got.snapshot)
        plans.append(p)
        filed.append(inputs_of(month, got.snapshot))
    result.plans = plans
    file_inputs(conn, month, filed)
    return bases
