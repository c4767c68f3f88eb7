"""Columns people inserted into the tables: read so every rewrite can keep them.

Readers find the contract's columns by header; anything else under a header
in a table is somebody's own column (a forecast, a deal link, a region).
Nothing in it counts for status, but merge, split, replan and
``build --keep`` write it back, so it is read here with its header and its
values by row id (on Check-ins, by reading).
"""

from __future__ import annotations

import re

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
        extra = inserted_columns(table, owners=name == layout.OWNERS)
        if not extra:
            continue
        if name == layout.CHECK_INS:  # the values were read with each reading
            found.extend(UserColumn(name, header) for _, header in extra)
            continue
        for c, header in extra:
            values = []
            for r in table.data_rows((layout.ID_KEY,)):
                raw = table.grid.cell(r, c)
                if raw not in (None, "") and not (isinstance(raw, str) and not raw.strip()):
                    values.append((table.text(r, layout.ID_KEY), raw))
            found.append(UserColumn(name, header, tuple(values)))
    return tuple(found), check_ins


def inserted_columns(table: Table, *, owners: bool = False) -> list[tuple[int, str]]:
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
