"""Amounts and dates as CRMs write them, read the same way down a whole column.

``1,200`` is twelve hundred in a US export and one point two in a German
one, and ``03/04/2027`` is March or April depending on the exporting
user's locale. A single cell cannot tell, but a column can: one value like
``1.234,50`` or ``25/03/2027`` settles the convention for every other
value. So the convention is inferred once per column (:func:`decimal_mark`,
:func:`date_order`), falling back on the file's hint (a ``;`` separator is
written by a European locale), and each value is then read strictly: a
value that does not fit the convention is unreadable, never guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal

DateOrder = Literal["dmy", "mdy"]

#: The largest amount a Check-ins Value cell accepts (its validation's bound).
MAX_AMOUNT = 1e15

#: Characters that may sit inside a number: digits, marks, and the spaces and
#: apostrophes some locales group thousands with (1 234,50; 1'234.50).
_GROUPING = " \u00a0\u202f'\u2019"
_NUMBER = re.compile(r"[0-9][0-9.,\s\u00a0\u202f'\u2019]*")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{2}|\d{4})(?:[ ,T].*)?$")
_NAMED_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y")
#: Excel serial day 0 (the 1900 system; xlsx exports are in it).
_EXCEL_EPOCH = date(1899, 12, 30)


def _digits_part(text: str) -> tuple[str, bool] | None:
    """The number inside an amount's text, and whether it is negative.

    Currency symbols and codes around it (``$``, ``€``, ``USD``, ``kr``)
    are dropped; a leading ``-``, a trailing ``-`` or parentheses mean a
    negative amount. None when there is no single number in the text.
    """
    found = _NUMBER.findall(text)
    if len(found) != 1:
        return None
    rest = text.replace(found[0], " ", 1)
    negative = "-" in rest or "\u2212" in rest or ("(" in rest and ")" in rest)
    return found[0].strip(_GROUPING + " \t"), negative


def decimal_mark(values: Iterable[object], hint: str = ".") -> str:
    """The decimal mark (``.`` or ``,``) a column's text amounts are written with.

    Evidence: a value holding both marks (the last is the decimal); a mark
    used twice (it groups thousands); one mark followed by other than three
    digits (it is the decimal). ``1,200`` alone is no evidence: the hint
    decides.
    """
    votes = {".": 0, ",": 0}
    for v in values:
        if not isinstance(v, str):
            continue
        part = _digits_part(v)
        if part is None:
            continue
        digits = part[0]
        dots, commas = digits.count("."), digits.count(",")
        if dots and commas:
            votes["." if digits.rfind(".") > digits.rfind(",") else ","] += 1
        elif dots > 1 or commas > 1:
            votes["," if dots > 1 else "."] += 1
        elif dots or commas:
            mark = "." if dots else ","
            if len(digits) - digits.rfind(mark) - 1 != 3:
                votes[mark] += 1
    if votes["."] == votes[","]:
        return hint
    return "." if votes["."] > votes[","] else ","


def parse_amount(raw: object, mark: str = ".") -> float | None:
    """An amount as a number, or None when it is blank or not one amount.

    Thousands must be grouped by threes: with ``,`` as the decimal mark,
    ``12.5`` is not an amount (rather than 125).
    """
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) and abs(raw) <= MAX_AMOUNT else None
    if not isinstance(raw, str):
        return None
    part = _digits_part(raw)
    if part is None:
        return None
    digits, negative = part
    for g in _GROUPING:
        digits = digits.replace(g, " ")
    group = "." if mark == "," else ","
    digits = digits.replace(" ", group)
    whole, _, fraction = digits.partition(mark)
    if mark in fraction or group in fraction:
        return None
    groups = whole.split(group)
    if not groups[0] or (len(groups) > 1 and not all(len(g) == 3 for g in groups[1:])):
        return None
    if len(groups[0]) > 3 and len(groups) > 1:
        return None
    number = float("".join(groups) + ("." + fraction if fraction else ""))
    if number > MAX_AMOUNT:
        return None
    return -number if negative else number


def date_order(values: Iterable[object], hint: DateOrder) -> tuple[DateOrder, bool]:
    """Day-first or month-first for a column's ``dd/mm/yyyy``-like dates, and whether it was told.

    A first number above 12 says day-first, a second above 12 month-first;
    dots (``25.03.2027``) are always day-first. Without such a value the
    hint decides and the second result is False (the caller says so).
    """
    votes = {"dmy": 0, "mdy": 0}
    for v in values:
        if not isinstance(v, str):
            continue
        m = _NUMERIC.match(v.strip())
        if m is None:
            continue
        a, sep, b = int(m[1]), m[2], int(m[3])
        if sep == "." or a > 12:
            votes["dmy"] += 1
        elif b > 12:
            votes["mdy"] += 1
    if votes["dmy"] == votes["mdy"]:
        return hint, votes["dmy"] > 0
    return ("dmy" if votes["dmy"] > votes["mdy"] else "mdy"), True


def is_ambiguous(raw: object) -> bool:
    """Whether a date's text reads as two dates (``03/04/2027``), day-first or month-first."""
    if not isinstance(raw, str):
        return False
    m = _NUMERIC.match(raw.strip())
    return m is not None and m[2] != "." and int(m[1]) <= 12 and int(m[3]) <= 12 and m[1] != m[3]


def parse_date(raw: object, order: DateOrder = "mdy") -> date | None:
    """A date from a cell (a typed date, an Excel serial, or text), or None.

    Text may be ISO (``2027-03-25``, with a time after it), numeric in the
    column's order (``25/03/2027``, ``3/25/2027 10:12 AM``, ``25.03.2027``)
    or with an English month name (``25 Mar 2027``, ``Mar 25, 2027``).
    """
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        if 1 <= raw < 2958466:  # an xlsx date cell without a date format
            return _EXCEL_EPOCH + timedelta(days=int(raw))
        return None
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    try:
        if m := _ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.match(text):
            a, b, year = int(m[1]), int(m[3]), int(m[4])
            if year < 100:
                year += 2000
            if m[2] == "." or order == "dmy":
                return date(year, b, a)
            return date(year, a, b)
    except ValueError:
        return None
    cleaned = " ".join(text.replace(",", " ").split()[:3])
    for fmt in _NAMED_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None
