"""Fingerprints of built rows: what a reader recomputes to spot edits and overwrites.

Pure functions (no XlsxWriter, no openpyxl), outside the writer package so the
reader imports them without loading the writer.
Both fingerprints are taken over canonical text (:func:`canonical`,
:func:`normalize_formula`) so that a re-save by LibreOffice, which rewrites
numbers and formula spelling, does not look like an edit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date, datetime

FINGERPRINT_CHARS = 16


def canonical(value: object) -> str:
    """One text per cell value, the same whether written by us or re-saved by others.

    Numbers keep 15 significant digits (what every spreadsheet guarantees);
    a date and a midnight datetime are the same ISO date; empty is ``""``.
    """
    if type(value) is str:  # most cells: their own text
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        text = f"{float(value):.15g}"
        return "0" if text == "-0" else text
    return str(value)


def _digest(parts: Iterable[str]) -> str:
    import hashlib  # here: reading a workbook takes canonical() alone, never a digest

    h = hashlib.sha256("\x1f".join(parts).encode("utf-8"))
    return h.hexdigest()[:FINGERPRINT_CHARS]


def values_fingerprint(values: Iterable[object]) -> str:
    """The fingerprint of a row's plan values, in column order (sha256, 16 hex)."""
    # Text is its own canonical form: skip the call for it (every recorded row, every read).
    return _digest([v if type(v) is str else canonical(v) for v in values])


_SPACE = re.compile(r"\s+")
_WHOLE_COLUMN = re.compile(r"\b([A-Z]{1,3})1:([A-Z]{1,3})1048576\b")
#: A number literal (not the row of a reference such as A2, nor part of a name).
_NUMBER = re.compile(r"(?<![A-Z0-9_.$])((?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?)(?![A-Z0-9_(])")


def _number(match: re.Match[str]) -> str:
    """A number literal spelled one way: LibreOffice writes 1E-12 as 0.000000000001."""
    return repr(float(match.group(1)))


def normalize_formula(formula: str) -> str:
    """A formula's spelling with the differences re-saving programs introduce removed.

    Drops the leading ``=``, ``$`` anchors, spaces and ``_xlfn.`` prefixes,
    upper-cases everything outside string literals, turns ``TRUE()`` and
    whole-column ranges written as ``D1:D1048576`` back into ``TRUE`` and ``D:D``,
    and spells every number literal one way (``1E-12`` and ``0.000000000001``).
    """
    text = formula.strip().removeprefix("=")
    # Split on quotes: even parts are code, odd parts string literals (an
    # escaped "" leaves an empty code part between, which stays empty).
    parts = text.split('"')
    parts[::2] = [_normalize_code(p) for p in parts[::2]]
    return '"'.join(parts)


@functools.lru_cache(maxsize=4096)
def _normalize_code(code: str) -> str:
    # Each step is guarded by a cheap test: this runs for every formula written,
    # and remembered, because a formula repeats its code between string literals
    # (the Done test seven times an action) and rows repeat each other's.
    if not code:
        return code
    if " " in code or "\n" in code or "\t" in code or "\r" in code:
        code = _SPACE.sub("", code)
    code = code.replace("$", "").upper()
    if "_XL" in code:
        code = code.replace("_XLFN.", "").replace("_XLWS.", "")
    if "()" in code:
        code = code.replace("TRUE()", "TRUE").replace("FALSE()", "FALSE")
    if "1048576" in code:
        code = _WHOLE_COLUMN.sub(r"\1:\2", code)
    return _NUMBER.sub(_number, code)


def formulas_fingerprint(formulas: Iterable[str]) -> str:
    """The fingerprint of a row's formulas, in column order, spelling normalized."""
    return _digest(normalize_formula(f) for f in formulas)
