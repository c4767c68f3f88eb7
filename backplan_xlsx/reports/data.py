"""JSON and CSV: the machine-readable status, every item and every figure.

JSON follows the brief's "Machine-readable status": one object with
``plan``, ``as_of``, the five lists and ``problems``; dates are ISO strings
and numbers JSON numbers. CSV is one row per item with a ``kind`` column.
A CSV opened in a spreadsheet runs any cell starting with ``= + - @``, tab
or carriage return as a formula, and plan text comes from whoever edited
the workbook; such text cells get a leading single quote, and so does a
trigger after a separator (a ``;``-separated import splits there). Numbers are
written as numbers and left alone (``-5`` is data, not a formula).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from ..engine import (
    ActionStatus,
    AntiGoalStatus,
    GoalStatus,
    MilestoneStatus,
    OwnerPart,
    OwnerStatus,
    StatusReport,
)
from ..errors import Problem
from . import common
from .common import By

#: What a spreadsheet runs as a formula when a cell starts with it.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def asdict(item: Any) -> dict[str, Any]:
    """A report dataclass as a dict, nested ones too (``dataclasses.asdict`` deep-copies: slow)."""
    out = {}
    for name in item.__dataclass_fields__:
        value = getattr(item, name)
        if isinstance(value, tuple) and value and hasattr(value[0], "__dataclass_fields__"):
            value = [asdict(v) for v in value]
        out[name] = value
    return out


def _plain(value: Any) -> Any:
    """Dates to ISO text and non-finite floats to null, recursively."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def problem_dict(p: Problem) -> dict[str, Any]:
    """A problem as JSON: where (file, sheet, cell), what (code, severity, message)."""
    return {
        "code": p.code,
        "severity": p.severity,
        "file": p.file,
        "sheet": p.sheet,
        "cell": p.cell,
        "message": p.message,
    }


def status_dict(
    report: StatusReport, problems: Sequence[Problem], by: By | None = None
) -> dict[str, Any]:
    """The status as plain data (the JSON shape, before encoding)."""
    data: dict[str, Any] = {
        "plan": {
            "id": report.plan_id,
            "title": report.title,
            "version": report.version,
            "file": report.file,
        },
        "as_of": report.as_of.isoformat(),
        "goals": [asdict(g) for g in report.goals],
        "milestones": [asdict(m) for m in report.milestones],
        "actions": [asdict(a) for a in report.actions],
        "owners": [asdict(o) for o in report.owners],
        "anti_goals": [asdict(x) for x in report.anti_goals],
        "problems": [problem_dict(p) for p in problems],
    }
    if report.part:  # only on a part, so a whole plan's shape is the brief's exactly
        data["plan"]["part"] = report.part
    if by is not None:
        data["by"] = by
        data["groups"] = [
            {
                "id": g.key,
                "title": g.title,
                "status": g.status,
                "goals": [x.id for x in g.goals],
                "owners": [x.id for x in g.owners],
                "milestones": [x.id for x in g.milestones],
                "actions": [x.id for x in g.actions],
                "anti_goals": [x.id for x in g.anti_goals],
            }
            for g in common.groups(report, by)
        ]
    plain: dict[str, Any] = _plain(data)
    return plain


def status_json(report: StatusReport, problems: Sequence[Problem], by: By | None = None) -> str:
    """The status as one JSON object (see the module docstring)."""
    return json.dumps(status_dict(report, problems, by), indent=2, ensure_ascii=False) + "\n"


#: The start of the text or a separator some import may split on (``,`` or
#: ``;`` by locale, tab, ``|``, a line break), then optional spaces (which
#: an import may trim), then a formula trigger: the start of a cell there.
_TRIGGER_AFTER_SEPARATOR = re.compile(r"((?:^|[,;\t|\r\n])[ \u00a0]*)([=+\-@])")


def neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula, made inert with a quote.

    Not only a leading ``= + - @``, tab or CR: a ``;``-separated import
    (European Excel, LibreOffice) splits ``Lee;=cmd|' /C calc'!A0`` into two
    cells, the second a formula, although the ``,``-writer left it one
    field. So a trigger after any separator gets its quote too.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS):
        value = "'" + value
    return _TRIGGER_AFTER_SEPARATOR.sub(r"\1'\2", value)


CSV_COLUMNS = (
    "kind",
    "group",
    "id",
    "name",
    "goal",
    "milestone",
    "owner",
    "status",
    "actual",
    "expected",
    "target",
    "baseline",
    "start",
    "due",
    "projected",
    "rate_needed",
    "periods_left",
    "share",
    "done",
    "instead",
    "latest",
    "limit",
    "direction",
    "last_reviewed",
    "unit",
    "sheet",
    "cell",
    "severity",
    "code",
    "message",
)


def _csv_rows(report: StatusReport, problems: Sequence[Problem]) -> list[dict[str, object]]:
    """One row per item, kind by kind, then one per problem (see :data:`CSV_COLUMNS`)."""
    rows: list[dict[str, object]] = []
    rows.extend(_goal_row(g) for g in report.goals)
    rows.extend(_milestone_row(m) for m in report.milestones)
    rows.extend(_action_row(a) for a in report.actions)
    for o in report.owners:
        rows.append({"kind": "owner", "id": o.id, "name": o.name, "status": o.status})
        rows.extend(_owner_part_row(o, p) for p in o.parts)
    rows.extend(_anti_goal_row(x) for x in report.anti_goals)
    rows.extend(_problem_row(p) for p in problems)
    return rows


def _goal_row(g: GoalStatus) -> dict[str, object]:
    return {
        "kind": "goal",
        "id": g.id,
        "name": g.name,
        "goal": g.id,
        "owner": g.owner,
        "status": g.status,
        "actual": g.actual,
        "expected": g.expected,
        "target": g.target,
        "baseline": g.baseline,
        "due": g.deadline,
        "projected": g.projected,
        "rate_needed": g.rate_needed,
        "periods_left": g.periods_left,
        "unit": g.unit,
    }


def _milestone_row(m: MilestoneStatus) -> dict[str, object]:
    return {
        "kind": "milestone",
        "id": m.id,
        "name": m.name,
        "goal": m.goal,
        "owner": m.owner,
        "status": m.status,
        "actual": m.actual,
        "expected": m.expected,
        "target": m.target,
        "baseline": m.start_value,
        "start": m.start,
        "due": m.due,
    }


def _action_row(a: ActionStatus) -> dict[str, object]:
    return {
        "kind": "action",
        "id": a.id,
        "name": a.action,
        "goal": a.goal,
        "milestone": a.milestone,
        "owner": a.owner,
        "status": a.status,
        "due": a.due,
        "done": "yes" if a.done else "no",
    }


def _owner_part_row(o: OwnerStatus, p: OwnerPart) -> dict[str, object]:
    return {
        "kind": "owner_part",
        "id": o.id,
        "name": o.name,
        "goal": p.goal,
        "owner": o.name,
        "status": p.status,
        "actual": p.actual,
        "expected": p.expected,
        "target": p.target,
        "share": p.share,
    }


def _anti_goal_row(x: AntiGoalStatus) -> dict[str, object]:
    return {
        "kind": "anti_goal",
        "id": x.id,
        "name": x.avoid,
        "owner": x.owner,
        "status": x.status,
        "instead": x.instead,
        "latest": x.latest,
        "limit": x.limit,
        "direction": x.direction,
        "last_reviewed": x.last_reviewed,
    }


def _problem_row(p: Problem) -> dict[str, object]:
    return {
        "kind": "problem",
        "sheet": p.sheet,
        "cell": p.cell,
        "severity": p.severity,
        "code": p.code,
        "message": p.message,
    }


def _write_csv(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> str:
    import csv  # here: only the CSV format needs it

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(_cell(v)) for k, v in row.items()})
    return buf.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return value


def status_csv(report: StatusReport, problems: Sequence[Problem], by: By | None = None) -> str:
    """One row per item (``kind`` says which), problems last; grouped rows carry ``group``."""
    rows = _csv_rows(report, problems)
    if by is not None:
        member: dict[tuple[str, str], str] = {}
        for g in common.groups(report, by):
            for kind, items in (
                ("goal", g.goals),
                ("milestone", g.milestones),
                ("action", g.actions),
                ("owner", g.owners),
                ("owner_part", g.owners),
                ("anti_goal", g.anti_goals),
            ):
                for item in items:
                    member.setdefault((kind, item.id), g.key)
        for row in rows:
            row["group"] = member.get((str(row["kind"]), str(row.get("id", ""))), "")
        order = {g.key: i for i, g in enumerate(common.groups(report, by))}
        rows.sort(key=lambda r: order.get(str(r["group"]), len(order)))
    return _write_csv(rows, CSV_COLUMNS)


def problems_json(problems: Sequence[Problem], file: str) -> str:
    """``check`` findings as JSON: the file, counts, and one object per problem."""
    errors = sum(1 for p in problems if p.severity == "error")
    data = {
        "file": file,
        "errors": errors,
        "warnings": len(problems) - errors,
        "problems": [problem_dict(p) for p in problems],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def problems_csv(problems: Sequence[Problem], file: str) -> str:
    """``check`` findings as CSV, one row each (text cells neutralised)."""
    rows = [problem_dict(p) | {"file": p.file or file} for p in problems]
    return _write_csv(rows, ("file", "sheet", "cell", "severity", "code", "message"))
