"""Columns people inserted into the tables: read so every rewrite can keep them.

Readers find the contract's columns by header; anything else under a header
in a table is somebody's own column (a forecast, a deal link, a region).
Nothing in it counts for status, but merge, split, replan and
``build --keep`` write it back, so it is read here with its header and its
values by row id (on Check-ins, by reading).
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import layout
from ..model import CheckIn, UserColumn
from ..values import clean_text
from .columns import Table

#: The Owners sheet's per-goal columns ("G1 share", "G1 target"…) belong to the layout.
_OWNER_PART = re.compile(
    r"^\S+\s+(" + "|".join(label for label, *_ in layout.OWNER_GOAL_PARTS) + r")$", re.IGNORECASE
)


def read_user_columns(
    tables: dict[str, Table], check_ins: tuple[CheckIn, ...]
) -> tuple[tuple[UserColumn, ...], tuple[CheckIn, ...]]:
    """Every inserted column of every table read, and the check-ins with theirs."""
    found: list[UserColumn] = []
    for name, table in tables.items():
        extra = _inserted(table, owners=name == layout.OWNERS)
        if not extra:
            continue
        if name == layout.CHECK_INS:
            found.extend(UserColumn(name, header) for _, header in extra)
            check_ins = _check_in_values(table, extra, check_ins)
            continue
        for c, header in extra:
            values = []
            for r in table.data_rows(("id",)):
                raw = table.grid.cell(r, c)
                if raw not in (None, "") and not (isinstance(raw, str) and not raw.strip()):
                    values.append((table.text(r, "id"), raw))
            found.append(UserColumn(name, header, tuple(values)))
    return tuple(found), check_ins


def _inserted(table: Table, *, owners: bool) -> list[tuple[int, str]]:
    """(column, header) of each header cell that is not the contract's."""
    known = set(table.columns.values())
    rows = table.grid.rows
    line = rows[table.header_row] if table.header_row < len(rows) else []
    out = []
    for c, raw in enumerate(line):
        header = clean_text(raw) if raw not in (None, "") else ""
        if c in known or not header or (owners and _OWNER_PART.match(header)):
            continue
        out.append((c, header))
    return out


def _check_in_values(
    table: Table, extra: list[tuple[int, str]], check_ins: tuple[CheckIn, ...]
) -> tuple[CheckIn, ...]:
    out = []
    for ci in check_ins:
        pairs = tuple(
            (header, raw)
            for c, header in extra
            if (raw := table.grid.cell(ci.row - 1, c)) not in (None, "")
        )
        out.append(replace(ci, extra=pairs) if pairs else ci)
    return tuple(out)
