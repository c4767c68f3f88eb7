"""``check``: everything wrong with an edited workbook, each finding at its cell.

On top of what the reader finds (values it cannot read, unknown ids, dates
outside the plan), ``check`` compares the workbook with what the build
recorded in ``_backplan``: rows deleted, ids changed, plan cells edited,
formulas overwritten by values; it looks for dropdowns and protection lost
in a re-save; and it reads the plan as of a date for overdue anti-goal
reviews and check-ins dated in the future. Findings are
:class:`~backplan_xlsx.errors.Problem` data, rendered by :mod:`reports`.

Only here is openpyxl imported (about 220 ms): formulas, data validations
and protection are invisible to calamine.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from . import layout
from .errors import Problem
from .layout import ACTION as A
from .layout import ANTI_GOAL as X
from .layout import CHECK_IN as C
from .layout import ID_KEY, col_letter
from .layout import OWNER_PART as P
from .model import Snapshot
from .reader import WorkbookDetails, as_of_for, read_details
from .reader.columns import Table
from .reader.identity import RecordRow
from .reader.source import boundary
from .rowchecks import id_rows, problem, record_problems, sheet_layout
from .rowchecks import row_problems as row_problems  # the import log's part of check
from .spec import MAX_ANTI_GOALS, MAX_AVOID_CHARS
from .validations import lost_validations
from .values import clean_text

#: Sheets the build protects (without a password: against slips).
PROTECTED = layout.PROTECTED_SHEETS
SHARE_TOLERANCE = 1e-6


def check_workbook(
    path: str | Path, as_of: date | None = None, *, today: date | None = None
) -> list[Problem]:
    """Every problem in a returned workbook, in sheet and row order.

    Args:
        path: the workbook (.xlsx for the full check; .ods skips what only
            openpyxl can see, and says so).
        as_of: judge review dates and future check-ins as of this date
            (default: a date typed into AsOf, else ``today``).
        today: today's date (default: the system's).

    Raises:
        WorkbookReadError: the file cannot be opened at all.
    """
    details = read_details(path, with_record=True)
    snap = details.snapshot
    day = as_of_for(snap, as_of, today)
    found = list(snap.problems)
    rows = id_rows(details)
    found += record_problems(details, rows)
    if details.source.kind == "xlsx":
        found += _openpyxl_problems(details, rows)
    else:
        found.append(
            Problem(
                "check-limited",
                "warning",
                "is an OpenDocument (.ods) file: overwritten formulas, dropdowns and protection "
                "cannot be checked; save it as .xlsx for the full check",
                file=details.source.name,
            )
        )
    found += _plan_problems(snap, day, details, rows)
    found += _done_mark_problems(snap, details, rows)
    return sorted(found, key=_order)


def _done_mark_problems(
    snap: Snapshot, details: WorkbookDetails, rows: dict[str, dict[str, int]]
) -> list[Problem]:
    """Every non-empty Done cell that is not a done mark ("No" and "not yet" too).

    The brief says any other non-empty Done cell is not done and ``check``
    names it: someone who typed "no" may have meant it, or may have thought
    a word of theirs would count, and the workbook's dropdown offers only
    done marks, so the one way to say "not done" is an empty cell.
    """
    from . import rules

    table = details.tables.get(layout.ACTIONS)
    out: list[Problem] = []
    for aid, mark in snap.done.items():
        if rules.is_done(mark):
            continue
        shown = mark if isinstance(mark, str) else clean_text(mark)
        r = rows.get(layout.ACTIONS, {}).get(aid.casefold())
        cell = table.ref(r, A.done.key) if table is not None and r is not None else ""
        out.append(
            problem(
                details,
                "not-a-done-mark",
                "warning",
                f'{aid}\'s {A.done.header} holds "{shown}", which does not mark it done, so it '
                "counts as not done (Open, or Overdue past its due date); pick Yes (or type "
                "\u2713, x, done, TRUE or the date it was done) when it is done, or clear the "
                "cell while it is not",
                layout.ACTIONS,
                cell,
            )
        )
    return out


def _order(p: Problem) -> tuple[int, int, int, str]:
    sheets = {s.casefold(): i for i, s in enumerate(layout.SHEET_ORDER)}
    m = re.match(r"^([A-Z]+)(\d+)$", p.cell)
    row, col = (int(m.group(2)), len(m.group(1)) * 100 + ord(m.group(1)[-1])) if m else (0, 0)
    return (sheets.get(p.sheet.casefold(), -1) if p.sheet else -2, row, col, p.code)


def _openpyxl_problems(details: WorkbookDetails, rows: dict[str, dict[str, int]]) -> list[Problem]:
    """Overwritten formulas, lost dropdowns, lost protection (openpyxl sees these)."""
    import openpyxl

    src = details.source
    with boundary(src.path), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
        wb = openpyxl.load_workbook(src.path)
    out: list[Problem] = []
    out += _formula_problems(details, rows, wb)
    out += lost_validations(details, wb)
    for sheet in PROTECTED:
        name = src.find_sheet(sheet)
        if name is None or name not in wb.sheetnames:
            continue
        if not wb[name].protection.sheet:
            out.append(
                problem(
                    details,
                    "protection-lost",
                    "warning",
                    "is no longer protected, so formulas and plan cells can be typed over by "
                    "mistake; protect it again (Review > Protect Sheet, no password)",
                    name,
                )
            )
    return out


def _is_formula(value: object) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def _formula_problems(
    details: WorkbookDetails, rows: dict[str, dict[str, int]], wb: Any
) -> list[Problem]:
    """Formulas typed over (an error each) and rows whose formulas were edited."""
    from .fingerprint import formulas_fingerprint

    out: list[Problem] = []
    unmoved = all(
        table.header_row == 0
        and all(
            table.columns.get(c.key) == i for i, c in enumerate(sheet_layout(details, name).columns)
        )
        for name, table in details.tables.items()
    )
    for rec in details.identity.record:
        table = details.tables.get(rec.sheet)
        r = rows.get(rec.sheet, {}).get(rec.id.casefold())
        if table is None or r is None or table.sheet not in wb.sheetnames:
            continue
        formulas = _row_formulas(details, table, rec, r, wb[table.sheet], out)
        if (
            unmoved
            and r + 1 == rec.row
            and len(formulas) == len(rec.formula_keys)
            and formulas_fingerprint(formulas) != rec.formulas
        ):
            out.append(
                problem(
                    details,
                    "formula-edited",
                    "warning",
                    f"{rec.id}'s formulas differ from the ones built; the workbook may compute "
                    "something else than status does. Copy the row's formula cells back from "
                    "the original workbook",
                    table.sheet,
                    f"{col_letter(table.columns[ID_KEY])}{r + 1}",
                )
            )
    return out


def _row_formulas(
    details: WorkbookDetails, table: Table, rec: RecordRow, r: int, ws: Any, out: list[Problem]
) -> list[str]:
    """The text of each formula a recorded row still holds; one typed over is added to ``out``."""
    formulas: list[str] = []
    for key in rec.formula_keys:
        col = table.columns.get(key)
        if col is None:
            continue
        value = ws.cell(r + 1, col + 1).value
        if _is_formula(value):
            # openpyxl gives an array formula as an object holding its text.
            text = value if isinstance(value, str) else getattr(value, "text", "")
            formulas.append(text if isinstance(text, str) else "")
            continue
        header = _header(details, rec, key)
        shown = f'"{clean_text(value)}"' if value is not None else "nothing"
        out.append(
            problem(
                details,
                "formula-overwritten",
                "error",
                f"{rec.id}'s {header} should be a formula but holds {shown} (typed or "
                "pasted over it), so the workbook no longer computes it; copy the cell "
                "from another row of this column and paste it here (status is not "
                "affected: it computes its own figures)",
                table.sheet,
                f"{col_letter(col)}{r + 1}",
            )
        )
    return formulas


def _header(details: WorkbookDetails, rec: RecordRow, key: str) -> str:
    for c in sheet_layout(details, rec.sheet).columns:
        if c.key == key:
            return c.header
    return key


def _plan_problems(
    snap: Snapshot, day: date, details: WorkbookDetails, rows: dict[str, dict[str, int]]
) -> list[Problem]:
    """Reviews overdue, check-ins dated after the as-of date, too many anti-goals, shares."""
    plan = snap.plan
    out = _review_problems(snap, day, details, rows)
    anti = details.tables.get(layout.ANTI_GOALS)
    ins = details.tables.get(layout.CHECK_INS)
    for c in snap.check_ins:
        if c.date > day and ins is not None:
            out.append(
                problem(
                    details,
                    "future-check-in",
                    "warning",
                    f"is dated {c.date.isoformat()}, after the as-of date {day.isoformat()}: it "
                    "does not count until then; check the date",
                    ins.sheet,
                    ins.ref(c.row - 1, C.date.key),
                )
            )
    if len(plan.anti_goals) > MAX_ANTI_GOALS:
        out.append(
            problem(
                details,
                "too-many-anti-goals",
                "warning",
                f"lists {len(plan.anti_goals)} anti-goals; keep to {MAX_ANTI_GOALS} or fewer so "
                "the team remembers them",
                anti.sheet if anti is not None else layout.ANTI_GOALS,
            )
        )
    for x in plan.anti_goals:
        r = rows.get(layout.ANTI_GOALS, {}).get(x.id.casefold())
        if len(x.avoid) > MAX_AVOID_CHARS and anti is not None and r is not None:
            out.append(
                problem(
                    details,
                    "long-anti-goal",
                    "warning",
                    f"{x.id}'s {X.avoid.header} is {len(x.avoid)} characters; say it in "
                    f"{MAX_AVOID_CHARS} or fewer so it is read",
                    anti.sheet,
                    anti.ref(r, X.avoid.key),
                )
            )
    out += _share_problems(snap, details)
    return out


def _review_problems(
    snap: Snapshot, day: date, details: WorkbookDetails, rows: dict[str, dict[str, int]]
) -> list[Problem]:
    """Anti-goals whose last review (the plan start if never) is older than their cadence."""
    plan = snap.plan
    out: list[Problem] = []
    anti = details.tables.get(layout.ANTI_GOALS)
    for x in plan.anti_goals:
        reviewed = snap.reviews.get(x.id)
        since = reviewed or plan.start
        if (day - since).days <= x.review_every_days:
            continue
        r = rows.get(layout.ANTI_GOALS, {}).get(x.id.casefold())
        cell = anti.ref(r, X.last_reviewed.key) if anti is not None and r is not None else ""
        last = (
            f"was last reviewed on {reviewed.isoformat()}"
            if reviewed
            else f"has not been reviewed since the plan started ({plan.start.isoformat()})"
        )
        out.append(
            problem(
                details,
                "review-overdue",
                "warning",
                f"{x.id} ({x.avoid}) {last}, more than its {x.review_every_days} days before "
                f"{day.isoformat()}; review it with the team and type the date here",
                anti.sheet if anti is not None else layout.ANTI_GOALS,
                cell,
            )
        )
    return out


def _share_problems(snap: Snapshot, details: WorkbookDetails) -> Iterable[Problem]:
    owners: Table | None = details.tables.get(layout.OWNERS)
    if owners is None or snap.plan.part:
        # A part holds one owner: their share alone is all it should hold.
        return []
    out = []
    for g in snap.plan.goals:
        if g.measure != "sum":
            continue
        key = P.share.key(g.id)
        if not owners.has(key):
            continue
        total = sum(o.share_of(g.id) for o in snap.plan.owners)
        if abs(total - 1) > SHARE_TOLERANCE:
            out.append(
                problem(
                    details,
                    "shares",
                    "warning",
                    f"the owners' shares of {g.id} add up to {total:.0%}, not 100%, so their "
                    "parts do not cover the goal; fix the shares in the plan spec and re-plan",
                    owners.sheet,
                    f"{col_letter(owners.columns[key])}{owners.header_row + 1}",
                )
            )
    return out
