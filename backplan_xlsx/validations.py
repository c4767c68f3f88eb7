"""What ``check`` finds about input checks lost in a re-save or a paste.

A dropdown or a date check is what stops a typing slip at the keyboard;
a program that re-saves the file, or a paste over the cells, can drop it
without anyone noticing. Both the data sheets' validated columns and the
Start sheet's settings are declared in the layout (``layout.validated``,
``layout_meta.START_INPUTS``), so this module only asks whether each
declared check is still on its first cell. openpyxl sees validations;
calamine does not.
"""

from __future__ import annotations

from typing import Any

from . import layout, layout_meta
from .errors import Problem
from .layout import col_letter
from .reader import WorkbookDetails
from .reader.identity import named_cell

_REPAIR = (
    "so typing mistakes are no longer caught; copy its cells from the original "
    "workbook with Paste Special > Validation"
)


def lost_validations(details: WorkbookDetails, wb: Any) -> list[Problem]:
    """One warning per declared check that is no longer on its cell."""
    return [*_table_validations(details, wb), *_start_validations(details, wb)]


def _kept(ws: Any, ref: str, kind: str) -> bool:
    return any(dv.type == kind and ref in dv.sqref for dv in ws.data_validations.dataValidation)


def _what(kind: str) -> str:
    return "dropdown" if kind == "list" else f"{kind} check"


def _table_validations(details: WorkbookDetails, wb: Any) -> list[Problem]:
    """The data sheets' validated columns, checked on their first data row."""
    out: list[Problem] = []
    for sheet, key, kind in layout.validated():
        table = details.tables.get(sheet)
        if table is None or not table.has(key) or table.sheet not in wb.sheetnames:
            continue
        ref = f"{col_letter(table.columns[key])}{table.header_row + 2}"
        if _kept(wb[table.sheet], ref, kind):
            continue
        header = next(c.header for c in layout.DATA_LAYOUTS[sheet].columns if c.key == key)
        message = f"the {header} column lost its {_what(kind)} (a re-save or a paste over it?), "
        out.append(_problem(details, message + _REPAIR, table.sheet, ref))
    return out


def _start_validations(details: WorkbookDetails, wb: Any) -> list[Problem]:
    """The Start sheet's settings (As-of, the two ratios), each on its own cell."""
    out: list[Problem] = []
    for setting in layout_meta.START_INPUTS:
        cell = named_cell(details.source, setting.name)
        if cell is None or cell.sheet not in wb.sheetnames:
            continue  # the reader already says the setting is gone
        if _kept(wb[cell.sheet], cell.ref, setting.validation):
            continue
        message = (
            f"the {setting.label} setting lost its {_what(setting.validation)} "
            "(a re-save or a paste over it?), "
        )
        out.append(_problem(details, message + _REPAIR, cell.sheet, cell.ref))
    return out


def _problem(details: WorkbookDetails, message: str, sheet: str, cell: str) -> Problem:
    return Problem(
        "validation-lost", "warning", message, file=details.source.name, sheet=sheet, cell=cell
    )
