"""Cell values as people type them: numbers, dates and text, read strictly.

A returned workbook holds what people typed, and people type ``1,200``,
``$2,500``, `` 300 ``, ``45%``, ``31 Mar 2027`` or ``03/04/2027`` into cells
that a spreadsheet may have kept as text. Each parser here returns the value,
``None`` for a blank cell, or a :class:`~backplan_xlsx.errors.Problem` saying
what to type instead. Nothing is ever guessed and nothing silently becomes 0:
a value that could mean two things (``03/04/2027``, ``1,5``, ``€1.200,50``)
is a problem, because a wrong number in a status report is worse than a
missing one.

The Problems carry no location; the reader fills in file, sheet and cell
with :func:`dataclasses.replace`, which keeps these parsers pure and cheap.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta

from .errors import Problem

#: How to write a date, in every message that asks for one.
DATE_HINT = "type it as YYYY-MM-DD, e.g. 2027-03-31"

#: Excel's last valid date serial (9999-12-31) in the 1900 system.
MAX_SERIAL_1900 = 2_958_465
#: ... and in the 1904 system, which counts from 1904-01-01.
MAX_SERIAL_1904 = 2_957_003
#: The largest number a plan or a check-in may hold. A spreadsheet keeps 15
#: significant digits, so anything larger is a typo or a hostile file; and
#: a million check-ins below it cannot add up to infinity (two of Excel's
#: 1.7e308 already do).
MAX_MAGNITUDE = 1e15
#: Lotus 1-2-3's leap-year bug, kept by Excel: serial 60 is 1900-02-29.
PHANTOM_SERIAL = 60

_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)

# Whitespace a spreadsheet or a web page pastes: NBSP, narrow NBSP, thin space.
_SPACES = "\u00a0\u202f\u2009\u2007"
#: What :func:`clean_text` trims: ASCII blanks and the pasted spaces above.
TRIM = " \t\r\n" + _SPACES
_MINUS = "\u2212\u2013"  # the minus sign and the en dash people paste from Word
_CURRENCY_CODES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY")
_CODES = "|".join(_CURRENCY_CODES)
_CURRENCY = re.compile(
    rf"^(?:(?P<pre>[$€£¥]|(?:{_CODES})\s*)?)(?P<body>.*?)(?:\s*(?P<post>[$€£¥]|{_CODES}))?$",
    re.IGNORECASE,
)
# English grouping only: 1200, 1,200, 1,200,000.50, .5, 1e6. Spaces as
# thousands separators (ISO style) are accepted too, in groups of three.
_PLAIN = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_COMMA_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_SPACE_GROUPED = re.compile(r"^\d{1,3}(?: \d{3})+(?:\.\d*)?$")
_SHORTHAND = re.compile(r"^[\d.,]+\s*(?:k|m|mm|bn|b|mn|thousand|million|billion)$", re.IGNORECASE)
# 1.200 after a currency sign: a European 1200 or an English 1.2? Ask.
_DOT_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})+$")


def problem(code: str, message: str) -> Problem:
    """An error-level Problem with no location yet (the reader adds it)."""
    return Problem(code=code, severity="error", message=message)


def is_blank(raw: object) -> bool:
    """Whether a cell counts as empty: nothing, or only whitespace."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip(" \t\r\n" + _SPACES)
    return False


def clean_text(raw: object) -> str:
    """A cell as text: trimmed; whole numbers without ``.0``; dates ISO.

    Ids and names may come back as numbers (a user typed ``1`` into an
    Owner cell) or with stray spaces; this gives the text people see.
    """
    if type(raw) is str:  # most cells, and the reader asks thousands of times a file
        return raw.strip(TRIM)
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        if math.isfinite(raw) and raw == int(raw) and abs(raw) < 1e15:
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, datetime):
        if raw.time() == time(0, 0):
            return raw.date().isoformat()
        return raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw).strip(TRIM)


def _show(raw: object) -> str:
    """A value quoted for a message, cut short if a paste was long."""
    text = clean_text(raw) if not isinstance(raw, str) else raw.strip()
    if len(text) > 40:
        text = text[:37] + "..."
    return f'"{text}"'


# --- numbers -----------------------------------------------------------------


def parse_number(raw: object) -> float | None | Problem:
    """A number from a cell: a real number, or text that reads as one.

    Accepted text: ``1200``, ``1,200.50``, ``1 200``, `` 300 ``, ``$2,500``,
    ``2,500 USD``, ``45%`` (0.45), ``-5``, ``−5``, ``(1,200)`` (accounting
    negative), ``1e6``. Refused with a problem: shorthand (``1.2k``), decimal
    commas and European grouping (``1,5``, ``€1.200,50``), booleans, errors
    (``#N/A``), anything else.

    Returns:
        The number; None for a blank cell; a Problem saying what to type.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        return problem(
            "bad-number", f"{_show(raw)} is not a number; type the number (e.g. 1200) instead"
        )
    if isinstance(raw, int | float):
        value = float(raw)
        if not math.isfinite(value):
            return problem("bad-number", f"{raw} is not a finite number; type a number")
        # The text is for the message alone: formatting it for every number costs.
        return value if abs(value) <= MAX_MAGNITUDE else _bounded(value, f"{value:g}")
    if isinstance(raw, datetime | date | time | timedelta):
        return problem(
            "bad-number",
            f"{_show(raw)} is a date or time where a number belongs; type a number (e.g. 1200)",
        )
    if not isinstance(raw, str):
        return problem("bad-number", f"{_show(raw)} is not a number; type a number (e.g. 1200)")
    return _number_from_text(raw)


def _number_from_text(raw: str) -> float | None | Problem:
    text = raw.strip(" \t\r\n" + _SPACES)
    if not text:
        return None
    shown = _show(raw)
    if text.startswith("#"):
        return problem(
            "bad-number", f"{shown} is a spreadsheet error, not a number; type the number"
        )
    for ch in _SPACES:
        text = text.replace(ch, " ")
    for ch in _MINUS:
        text = text.replace(ch, "-")
    if text.startswith("'"):  # Excel's "keep as text" marker, pasted literally
        text = text[1:].strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    sign = ""
    if text[:1] in ("+", "-"):
        sign, text = text[0], text[1:].strip()
    match = _CURRENCY.match(text)
    had_currency = False
    if match and (match.group("pre") or match.group("post")):
        had_currency = True
        text = match.group("body").strip()
        if not sign and text[:1] in ("+", "-"):  # $-5 as well as -$5
            sign, text = text[0], text[1:].strip()
    percent = False
    if text.endswith("%"):
        percent, text = True, text[:-1].rstrip()
    if not text:
        return problem("bad-number", f"{shown} is not a number; type a number (e.g. 1200)")
    if negative and sign:
        return problem("bad-number", f"{shown} has two minus signs; type one, e.g. -1200")
    if _SHORTHAND.match(text):
        return problem(
            "bad-number",
            f"{shown} is shorthand, not a number; type it in full (e.g. 1200 for 1.2k)",
        )
    if had_currency and _DOT_THOUSANDS.match(text):
        return _ambiguous_number(shown)
    if _PLAIN.match(text):
        body = text
    elif _COMMA_GROUPED.match(text):
        body = text.replace(",", "")
    elif _SPACE_GROUPED.match(text):
        body = text.replace(" ", "")
    elif "," in text and re.fullmatch(r"[\d.,]+", text):
        return _ambiguous_number(shown)
    else:
        return problem("bad-number", f"{shown} is not a number; type a number (e.g. 1200)")
    value = float(body)
    if not math.isfinite(value):
        return problem("bad-number", f"{shown} is too large; type a number (e.g. 1200)")
    if percent:
        value /= 100
    if negative or sign == "-":
        value = -value
    return _bounded(value + 0.0, shown)  # -0.0 reads as 0


def _bounded(value: float, shown: str) -> float | Problem:
    """The value, or a problem when it is beyond :data:`MAX_MAGNITUDE` (it would overflow sums)."""
    if abs(value) > MAX_MAGNITUDE:
        return problem(
            "bad-number",
            f"{shown} is too large to count with (at most 1e15); type the real figure",
        )
    return value


def _ambiguous_number(shown: str) -> Problem:
    return problem(
        "ambiguous-number",
        f"{shown} could be read two ways (decimal comma or thousands separator); "
        "type it with a decimal point and no separators, e.g. 1200.50",
    )


# --- dates -------------------------------------------------------------------


def from_serial(serial: float, *, date1904: bool = False) -> date | Problem:
    """The date an Excel serial number stands for, in the workbook's date system.

    In the 1900 system serial 1 is 1900-01-01 and serial 60 is Excel's
    phantom 1900-02-29 (a Lotus 1-2-3 bug kept for compatibility), so serials
    below 60 are one day off from the plain epoch and 60 itself is no date.
    A time-of-day fraction is dropped.
    """
    if not math.isfinite(serial):
        return problem("bad-date", f"{serial} is not a date; {DATE_HINT}")
    whole = math.floor(serial)
    if date1904:
        if whole < 0 or whole > MAX_SERIAL_1904:
            return _serial_out_of_range(serial)
        return _EPOCH_1904 + timedelta(days=whole)
    if whole < 1 or whole > MAX_SERIAL_1900:
        return _serial_out_of_range(serial)
    if whole == PHANTOM_SERIAL:
        return problem(
            "bad-date",
            "60 is Excel's 1900-02-29, a day that never existed; " + DATE_HINT,
        )
    if whole < PHANTOM_SERIAL:
        return _EPOCH_1900 + timedelta(days=whole + 1)
    return _EPOCH_1900 + timedelta(days=whole)


def _serial_out_of_range(serial: float) -> Problem:
    return problem(
        "bad-date",
        f"{clean_text(float(serial))} is outside the dates a spreadsheet can hold; {DATE_HINT}",
    )


_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$")
_DAY_MONTH_YEAR = re.compile(
    r"^" + _WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]+([a-z]+)\.?[\s\-/.,]+(\d{2,4})$"
)
_MONTH_DAY_YEAR = re.compile(
    r"^" + _WEEKDAY + r"([a-z]+)\.?[\s\-/.]+(\d{1,2})(?:st|nd|rd|th)?,?[\s\-/.]+(\d{2,4})$"
)
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$")


def parse_date(raw: object, *, date1904: bool = False) -> date | None | Problem:
    """A date from a cell: a date cell, a serial number, or unambiguous text.

    Accepted: date and datetime cells (the time is dropped), serial numbers
    in the workbook's date system, ISO text (``2027-03-31``, also with a
    time), month names (``31 Mar 2027``, ``March 31, 2027``, ``31-Mar-2027``)
    and numeric day/month text where only one reading is possible
    (``31/03/2027``). Refused: ``03/04/2027`` (March 4 or April 3?), two-digit
    years, words like "today" or "next tue", impossible dates.

    Returns:
        The date; None for a blank cell; a Problem saying what to type.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        return problem("bad-date", f"{_show(raw)} is not a date; {DATE_HINT}")
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float):
        return from_serial(float(raw), date1904=date1904)
    if isinstance(raw, time | timedelta):
        return problem("bad-date", f"{_show(raw)} is a time, not a date; {DATE_HINT}")
    if not isinstance(raw, str):
        return problem("bad-date", f"{_show(raw)} is not a date; {DATE_HINT}")
    return _date_from_text(raw)


def _date_from_text(raw: str) -> date | None | Problem:
    text = raw.strip(" \t\r\n" + _SPACES)
    if not text:
        return None
    for ch in _SPACES:
        text = text.replace(ch, " ")
    low = text.casefold()
    shown = _show(raw)
    if m := _ISO.match(text):
        return _make_date(shown, int(m[1]), int(m[2]), int(m[3]))
    if m := _DAY_MONTH_YEAR.match(low):
        return _named_month(shown, m[2], int(m[1]), m[3])
    if m := _MONTH_DAY_YEAR.match(low):
        return _named_month(shown, m[1], int(m[2]), m[3])
    if m := _NUMERIC.match(text):
        first, second, year_text = int(m[1]), int(m[2]), m[3]
        if len(year_text) != 4:
            return _two_digit_year(shown)
        year = int(year_text)
        if first > 12 and second <= 12:
            return _make_date(shown, year, second, first)
        if second > 12 and first <= 12:
            return _make_date(shown, year, first, second)
        if first == second:
            return _make_date(shown, year, first, second)
        if first <= 12 and second <= 12:
            a = _safe_date(year, second, first)
            b = _safe_date(year, first, second)
            options = " or ".join(d.isoformat() for d in (a, b) if d is not None)
            return problem(
                "ambiguous-date",
                f"{shown} could be day/month or month/day; type {options} "
                "(YYYY-MM-DD) to say which",
            )
        return problem("bad-date", f"{shown} is not a date; {DATE_HINT}")
    return problem("bad-date", f"{shown} is not a date; {DATE_HINT}")


def _named_month(shown: str, month_name: str, day: int, year_text: str) -> date | Problem:
    month = _MONTHS.get(month_name.rstrip("."))
    if month is None:
        return problem("bad-date", f"{shown} is not a date; {DATE_HINT}")
    if len(year_text) != 4:
        return _two_digit_year(shown)
    return _make_date(shown, int(year_text), month, day)


def _two_digit_year(shown: str) -> Problem:
    return problem(
        "ambiguous-date", f"{shown} has a two-digit year; type the full date as YYYY-MM-DD"
    )


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _make_date(shown: str, year: int, month: int, day: int) -> date | Problem:
    made = _safe_date(year, month, day)
    if made is None or year < 1900:
        return problem("bad-date", f"{shown} is not a real date; {DATE_HINT}")
    return made
