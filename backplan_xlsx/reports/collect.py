"""What ``collect`` did, for people (a short summary) and for scripts (``--format json``).

The summary answers the morning-after questions in order: who has not sent
theirs back (Missing), who sent it back unchanged (Untouched), and which
goals and owners got worse since last month.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Literal

from ..returns import MISSING, RETURNED, UNTOUCHED, count_states

if TYPE_CHECKING:
    from ..changes import Change
    from ..collect import CollectResult

CollectFormat = Literal["table", "json"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _change_line(c: Change) -> str:
    then = c.status_then or "new"
    delta = "" if c.change is None else f", {c.change * 100:+.0f} pts"
    return (
        f"  {c.plan} {c.who} {c.id} {c.name}: {then} -> {c.status_now}, attainment "
        f"{_pct(c.attainment)}{delta}"
    )


def render_collect(result: CollectResult, fmt: CollectFormat, store: str) -> str:
    """The summary of one import as text or JSON."""
    if fmt == "json":
        return json.dumps(collect_json(result, store), indent=2, ensure_ascii=False) + "\n"
    counts = count_states(result.returns)
    lines = [
        f"Imported {result.files - result.skipped} of {result.files} files "
        f"({len(result.plans)} plans) for {result.month} into {result.rollup}; history: {store}.",
        f"Returns: {counts[RETURNED]} returned, {counts[UNTOUCHED]} untouched, "
        f"{counts[MISSING]} missing.",
    ]
    for state in (MISSING, UNTOUCHED):
        for r in result.returns:
            if r.state == state:
                where = f" ({r.file})" if r.file else ""
                lines.append(f"  {state}: {r.plan}: {r.owner}{where}")
    if result.cut:
        lines.append(
            "Cut to fit a cell in the roll-up (a cell holds 32,767 characters; the whole text "
            "is in the file it came from): " + "; ".join(result.cut)
        )
    worse = [c for c in result.changes if c.worsened]
    if worse:
        lines.append(f"Worse since {worse[0].previous_month}: {len(worse)}")
        lines += [_change_line(c) for c in worse]
    return "\n".join(lines) + "\n"


def change_json(c: Change) -> dict[str, object]:
    """One change as JSON (numbers as numbers, unknown as null)."""
    return {
        "plan": c.plan,
        "kind": c.who,
        "id": c.id,
        "name": c.name,
        "goal": c.goal,
        "month": c.month,
        "previous_month": c.previous_month or None,
        "actual": c.actual,
        "target_to_date": c.target_to_date,
        "target": c.target,
        "attainment": c.attainment,
        "previous_attainment": c.previous_attainment,
        "change": c.change,
        "actual_change": c.actual_change,
        "status_then": c.status_then or None,
        "status_now": c.status_now,
        "worsened": c.worsened,
        "returns": c.returns or None,
    }


def collect_json(result: CollectResult, store: str) -> dict[str, object]:
    """The import as one JSON object: files, returns, changes, coverage, skipped files."""
    from ..coverage import plan_coverage

    return {
        "month": result.month,
        "rollup": str(result.rollup),
        "history": store,
        "files": result.files,
        "imported": result.files - result.skipped,
        "skipped": [
            {"file": e.file, "reason": e.problems} for e in result.log if e.result != "imported"
        ],
        "plans": [
            {"id": p.plan.id, "version": p.plan.version, "files": p.files} for p in result.plans
        ],
        "returns": [
            {
                "plan": r.plan,
                "owner": r.owner,
                "state": r.state,
                "file": r.file or None,
                "modified": r.modified.isoformat() if r.modified else None,
            }
            for r in result.returns
        ],
        "returns_count": count_states(result.returns),
        "changes": [change_json(c) for c in result.changes],
        "cut": list(result.cut),
        "coverage": [
            {**dataclasses.asdict(c), "covered": c.covered}
            for p in result.plans
            for c in plan_coverage(p.plan, p.report)
        ],
        "conflicts": [{"plan": pid, "conflict": str(c)} for pid, c in result.conflicts],
    }
