"""Edits people make to returned workbooks, done with openpyxl on real built files.

Shared by the reader, check, status and round-trip tests: each helper takes
a built workbook and changes it the way a person or a program would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from backplan_xlsx import layout
from backplan_xlsx.engine import StatusReport, evaluate
from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.writer import build_workbook

AS_OF = date(2027, 5, 10)

#: Check-ins a sales team might type by early May 2027 (value may be text).
CHECK_INS: tuple[tuple[date, str, str, float], ...] = (
    (date(2027, 1, 20), "G1", "Ravi Patel", 40000.0),
    (date(2027, 2, 14), "G1", "Mei Chen", 80000.0),
    (date(2027, 3, 3), "G1", "Tomás Herrera", 40000.0),
    (date(2027, 3, 28), "G2", "Aisha Okafor", 900000.0),
    (date(2027, 4, 2), "G2", "Ravi Patel", 650000.0),
    (date(2027, 3, 31), "G3", "Dana Whitfield", 0.23),
    (date(2027, 4, 30), "G3", "Dana Whitfield", 0.25),
    (date(2027, 4, 15), "X1", "Aisha Okafor", 0.12),
    (date(2027, 4, 20), "X2", "Dana Whitfield", 0.12),
    (date(2027, 5, 5), "G1", "Aisha Okafor", 120000.0),
)
DONE = {"A1": "Yes", "A2": "x", "A21": "done", "A3": "No"}
REVIEWS = {"X1": date(2027, 4, 25)}


def build(plan: Plan, path: Path, as_of: date = AS_OF) -> Path:
    """A freshly built workbook (cached values as of ``as_of``)."""
    return build_workbook(plan, path, as_of, force=True)


def edit(path: Path, change: Callable[[Any], None], out: Path | None = None) -> Path:
    """Open with openpyxl, apply ``change(workbook)``, save (to ``out`` if given)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    change(wb)
    target = out or path
    wb.save(target)
    return target


def header_col(ws: Any, header: str) -> int:
    """1-based column of a header in row 1."""
    for cell in ws[1]:
        if isinstance(cell.value, str) and cell.value.strip().casefold() == header.casefold():
            return int(cell.column)
    raise KeyError(header)


def row_of(ws: Any, rid: str) -> int:
    """1-based row whose ID column holds ``rid``."""
    col = header_col(ws, "ID")
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col).value == rid:
            return r
    raise KeyError(rid)


def fill(
    wb: Any,
    check_ins: Sequence[tuple[object, object, object, object]] = CHECK_INS,
    *,
    first_row: int = 2,
    done: dict[str, Any] | None = None,
    reviews: dict[str, date] | None = None,
) -> None:
    """Type check-ins (from ``first_row``), Done marks and review dates."""
    ws = wb[layout.CHECK_INS]
    for i, (day, goal, owner, value) in enumerate(check_ins):
        r = first_row + i
        ws.cell(r, 1, day)
        ws.cell(r, 2, goal)
        ws.cell(r, 3, owner)
        ws.cell(r, 4, value)
        if isinstance(day, date):
            ws.cell(r, 1).number_format = "yyyy-mm-dd"
    actions = wb[layout.ACTIONS]
    for aid, mark in (DONE if done is None else done).items():
        actions.cell(row_of(actions, aid), header_col(actions, "Done"), mark)
    anti = wb[layout.ANTI_GOALS]
    for xid, day in (REVIEWS if reviews is None else reviews).items():
        cell = anti.cell(row_of(anti, xid), header_col(anti, "Last reviewed"), day)
        cell.number_format = "yyyy-mm-dd"


def expected_snapshot(
    plan: Plan,
    check_ins: Sequence[tuple[date, str, str, float]] = CHECK_INS,
    *,
    first_row: int = 2,
    done: dict[str, str] | None = None,
    reviews: dict[str, date] | None = None,
) -> Snapshot:
    """What the reader should recover from a workbook filled with :func:`fill`."""
    rows = tuple(
        CheckIn(day, goal, owner, value, row=first_row + i)
        for i, (day, goal, owner, value) in enumerate(check_ins)
    )
    return Snapshot(
        plan,
        rows,
        done=dict(DONE if done is None else done),
        reviews=dict(REVIEWS if reviews is None else reviews),
    )


def statuses(report: StatusReport) -> dict[str, Any]:
    """Every item's status and figures, without the plan's metadata (file, cadence)."""
    return {
        "goals": [
            (g.id, g.status, g.actual, g.expected, g.projected, g.rate_needed, g.periods_left)
            for g in report.goals
        ],
        "milestones": [(m.id, m.status, m.actual, m.expected) for m in report.milestones],
        "actions": [(a.id, a.status, a.done) for a in report.actions],
        "owners": [(o.id, o.status, o.parts) for o in report.owners],
        "anti_goals": [(x.id, x.status, x.latest, x.last_reviewed) for x in report.anti_goals],
    }


def engine_statuses(snapshot: Snapshot, as_of: date = AS_OF) -> dict[str, Any]:
    """The engine's verdict on a snapshot."""
    return statuses(evaluate(snapshot, as_of))


def run(*args: str | Path) -> Any:
    """``backplan ARGS…`` through Click's test runner (the result: exit code, output).

    An exception the command does not turn into a message (a bug) is raised
    in the test, with its traceback, rather than hidden in the result.
    """
    from click.testing import CliRunner

    from backplan_xlsx.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def built_by_cli(spec: Path, out: Path, as_of: str) -> Path:
    """``backplan build SPEC -o OUT --as-of AS_OF``, asserted to succeed."""
    result = run("build", spec, "-o", out, "--as-of", as_of)
    assert result.exit_code == 0, result.output
    return out
