"""What a formula may contain so that every spreadsheet engine computes the same value.

The allow-list is COMPAT.md's "safe everywhere" list (Excel 2016, 365,
LibreOffice, Google Sheets, Gnumeric) plus what docs/ENGINES.md records as
measured. :func:`engine_dependent` finds the constructs docs/ENGINES.md
records as engine-dependent: Gnumeric and the Python evaluators intersect a
range with the formula's own row unless the file marks the cell as an array
formula, and Excel and Gnumeric rank every boolean above every number.
"""

from __future__ import annotations

import re

from openpyxl.formula import Tokenizer

ALLOWED_FUNCTIONS = frozenset(
    [
        "SUM",
        "SUMIF",
        "SUMIFS",
        "COUNT",
        "COUNTA",
        "COUNTIF",
        "COUNTIFS",
        "AVERAGEIF",
        "AVERAGEIFS",
        "SUMPRODUCT",
        "MIN",
        "MAX",
        "ROUND",
        "ABS",
        "INT",
        "INDEX",
        "MATCH",
        "VLOOKUP",
        "IF",
        "IFERROR",
        "AND",
        "OR",
        "NOT",
        "ISNUMBER",
        "ISBLANK",
        "ISTEXT",
        "ISLOGICAL",
        "LEFT",
        "RIGHT",
        "MID",
        "LEN",
        "TRIM",
        "SUBSTITUTE",
        "DATE",
        "YEAR",
        "MONTH",
        "DAY",
        "EOMONTH",
        "EDATE",
        "DATEVALUE",
        "TODAY",
        "ROW",
    ]
)
#: Functions that take a range as a range (no array evaluation needed).
RANGE_ARGUMENTS = frozenset(
    [
        "SUM",
        "SUMIF",
        "SUMIFS",
        "COUNT",
        "COUNTA",
        "COUNTIF",
        "COUNTIFS",
        "AVERAGEIF",
        "AVERAGEIFS",
        "MIN",
        "MAX",
        "INDEX",
        "MATCH",
        "VLOOKUP",
    ]
)
_WHOLE_COLUMN = re.compile(r"(^|!)\$?[A-Z]{1,3}:\$?[A-Z]{1,3}$")
_COMPARISON = {"=", "<", ">", "<=", ">=", "<>"}


def functions(formula: str) -> set[str]:
    """The function names a formula calls."""
    return {
        t.value.rstrip("(").upper()
        for t in Tokenizer(formula).items
        if t.type == "FUNC" and t.subtype == "OPEN"
    }


def engine_dependent(formula: str, *, array: bool) -> list[str]:
    """The constructs in ``formula`` whose value depends on the engine (empty when none).

    Args:
        formula: the formula text, with its leading ``=``.
        array: whether the cell is marked as an array formula.
    """
    found: list[str] = []
    items = [t for t in Tokenizer(formula).items if t.type != "WHITE-SPACE"]
    stack: list[tuple[str, bool]] = []  # (function name or "(", holds a comparison)
    for k, t in enumerate(items):
        before = items[k - 1] if k else None
        after = items[k + 1] if k + 1 < len(items) else None
        if t.type in ("FUNC", "PAREN") and t.subtype == "OPEN":
            stack.append((t.value.rstrip("(").upper() if t.type == "FUNC" else "(", False))
        elif t.type in ("FUNC", "PAREN") and t.subtype == "CLOSE":
            name, compared = stack.pop() if stack else ("(", False)
            if (
                name == "("
                and compared
                and after is not None
                and after.type == "OPERATOR-INFIX"
                and after.value in _COMPARISON
            ):
                found.append("a comparison's TRUE/FALSE compared with a number")
        elif t.type == "OPERATOR-INFIX" and t.value in _COMPARISON and stack:
            stack[-1] = (stack[-1][0], True)
        elif t.type == "OPERAND" and t.subtype == "RANGE" and ":" in t.value:
            if array and _WHOLE_COLUMN.search(t.value):
                found.append(f"a whole column ({t.value}) in an array formula")
            if array:
                continue
            infix = [x for x in (before, after) if x is not None and x.type == "OPERATOR-INFIX"]
            if infix:
                found.append(
                    f"arithmetic or a comparison on a range ({t.value}) outside an array formula"
                )
            elif stack and stack[-1][0] not in RANGE_ARGUMENTS:
                found.append(f"{stack[-1][0]} over a range ({t.value}) outside an array formula")
    return found
