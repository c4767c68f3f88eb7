"""Cell values as people type them: numbers, dates, and what is refused."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backplan_xlsx.errors import Problem
from backplan_xlsx.rules import serial
from backplan_xlsx.values import (
    clean_text,
    from_serial,
    is_blank,
    parse_date,
    parse_number,
)

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
LONG_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
plan_dates = st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31))


# --- numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1,200", 1200.0),
        ("$2,500", 2500.0),
        (" 300 ", 300.0),
        ("\u00a0300\u00a0", 300.0),
        ("45%", 0.45),
        ("45 %", 0.45),
        ("(1,200)", -1200.0),
        ("-5", -5.0),
        ("\u22125", -5.0),
        ("-$5", -5.0),
        ("$-5", -5.0),
        ("1 200", 1200.0),
        ("2,500 USD", 2500.0),
        ("€ 1,200.50", 1200.5),
        ("1,200,000.50", 1200000.5),
        ("1e6", 1e6),
        (".5", 0.5),
        ("'1200", 1200.0),
        ("1.200", 1.2),
        (7, 7.0),
        (7.25, 7.25),
    ],
)
def test_numbers_people_type(typed: object, value: float) -> None:
    assert parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize(
    ("typed", "code", "hint"),
    [
        ("1.2k", "bad-number", "1200"),
        ("3M", "bad-number", "in full"),
        ("€1.200,50", "ambiguous-number", "decimal point"),
        ("1,5", "ambiguous-number", "decimal point"),
        ("$1.200", "ambiguous-number", "decimal point"),
        ("12,00,000", "ambiguous-number", "decimal point"),
        ("abc", "bad-number", "type a number"),
        ("#N/A", "bad-number", "spreadsheet error"),
        ("5%%", "bad-number", "type a number"),
        ("(-5)", "bad-number", "two minus signs"),
        ("1.5.5", "bad-number", "type a number"),
        (True, "bad-number", "type the number"),
        (float("nan"), "bad-number", "finite"),
        (float("inf"), "bad-number", "finite"),
        (datetime(2027, 3, 1), "bad-number", "date or time"),
    ],
)
def test_numbers_refused_say_what_to_type(typed: object, code: str, hint: str) -> None:
    got = parse_number(typed)
    assert isinstance(got, Problem)
    assert got.code == code
    assert got.severity == "error"
    assert hint in got.message


@pytest.mark.parametrize("typed", [None, "", "   ", "\u00a0\t"])
def test_blank_number_is_none_not_zero(typed: object) -> None:
    assert parse_number(typed) is None
    assert is_blank(typed)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_grouped_integers_read_back(n: int) -> None:
    assert parse_number(f"{n:,}") == n
    assert parse_number(f"  {n:,}  ") == n


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["$", "€", "£", "USD "]))
def test_currency_prefix_is_dropped(n: int, sign: str) -> None:
    assert parse_number(f"{sign}{n:,}.00") == n


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_formatted_floats_read_back(x: float) -> None:
    got = parse_number(f"{x:,.2f}")
    assert isinstance(got, float)
    assert got == pytest.approx(round(x, 2), abs=0.006)


@given(st.integers(min_value=-1000, max_value=1000))
def test_percent_is_a_fraction(k: int) -> None:
    got = parse_number(f"{k}%")
    assert isinstance(got, float)
    assert math.isclose(got, k / 100)


@given(st.text(alphabet=st.characters(blacklist_categories=["Nd"]), max_size=20))
def test_text_without_digits_is_never_a_number(text: str) -> None:
    got = parse_number(text)
    assert got is None or isinstance(got, Problem)


@given(st.text(max_size=30))
def test_any_text_gives_number_blank_or_problem(text: str) -> None:
    got = parse_number(text)
    assert got is None or isinstance(got, float | Problem)
    if isinstance(got, float):
        assert math.isfinite(got)


# --- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("2027-03-31", date(2027, 3, 31)),
        ("2027-3-5", date(2027, 3, 5)),
        ("2027/03/31", date(2027, 3, 31)),
        ("2027-03-31T10:30:00", date(2027, 3, 31)),
        ("2027-03-31 10:30", date(2027, 3, 31)),
        ("31 Mar 2027", date(2027, 3, 31)),
        ("31 March 2027", date(2027, 3, 31)),
        ("March 31, 2027", date(2027, 3, 31)),
        ("Mar 31 2027", date(2027, 3, 31)),
        ("31-Mar-2027", date(2027, 3, 31)),
        ("Wed, 31 Mar 2027", date(2027, 3, 31)),
        ("Sept 5, 2027", date(2027, 9, 5)),
        ("5th September 2027", date(2027, 9, 5)),
        ("31/03/2027", date(2027, 3, 31)),
        ("03/31/2027", date(2027, 3, 31)),
        ("03/03/2027", date(2027, 3, 3)),
        (datetime(2027, 3, 31, 15, 0), date(2027, 3, 31)),
        (date(2027, 3, 31), date(2027, 3, 31)),
        (46477, date(2027, 3, 31)),
        (46477.75, date(2027, 3, 31)),
    ],
)
def test_dates_people_type(typed: object, value: date) -> None:
    assert parse_date(typed) == value


@pytest.mark.parametrize(
    ("typed", "code", "hint"),
    [
        ("03/04/2027", "ambiguous-date", "2027-04-03 or 2027-03-04"),
        ("31-Mar-27", "ambiguous-date", "full date"),
        ("next tue", "bad-date", "YYYY-MM-DD"),
        ("today", "bad-date", "YYYY-MM-DD"),
        ("2027-02-30", "bad-date", "not a real date"),
        ("13/13/2027", "bad-date", "YYYY-MM-DD"),
        ("31 Foo 2027", "bad-date", "YYYY-MM-DD"),
        (60, "bad-date", "1900-02-29"),
        (0, "bad-date", "outside"),
        (-3, "bad-date", "outside"),
        (3_000_000, "bad-date", "outside"),
        (True, "bad-date", "YYYY-MM-DD"),
        (time(9, 30), "bad-date", "time"),
        (timedelta(hours=3), "bad-date", "time"),
    ],
)
def test_dates_refused_say_what_to_type(typed: object, code: str, hint: str) -> None:
    got = parse_date(typed)
    assert isinstance(got, Problem)
    assert got.code == code
    assert hint in got.message


def test_serials_around_excels_phantom_leap_day() -> None:
    assert from_serial(1) == date(1900, 1, 1)
    assert from_serial(59) == date(1900, 2, 28)
    assert isinstance(from_serial(60), Problem)
    assert from_serial(61) == date(1900, 3, 1)
    assert from_serial(2_958_465) == date(9999, 12, 31)
    assert isinstance(from_serial(2_958_466), Problem)


def test_serials_in_the_1904_system() -> None:
    assert from_serial(0, date1904=True) == date(1904, 1, 1)
    assert from_serial(60, date1904=True) == date(1904, 3, 1)
    assert from_serial(45015, date1904=True) == date(2027, 3, 31)
    assert isinstance(from_serial(-1, date1904=True), Problem)
    assert isinstance(from_serial(2_957_004, date1904=True), Problem)


@given(plan_dates)
def test_serials_read_back_in_both_systems(d: date) -> None:
    assert from_serial(serial(d)) == d
    offset = (d - date(1904, 1, 1)).days
    if offset >= 0:
        assert from_serial(offset, date1904=True) == d
    else:
        assert isinstance(from_serial(offset, date1904=True), Problem)


@given(plan_dates)
def test_iso_and_month_names_read_back(d: date) -> None:
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.day} {MONTHS[d.month - 1]} {d.year}") == d
    assert parse_date(f"{LONG_MONTHS[d.month - 1]} {d.day}, {d.year}") == d
    assert parse_date(f"{d.day:02d}-{MONTHS[d.month - 1]}-{d.year}") == d


@given(plan_dates)
def test_numeric_dates_are_read_only_when_unambiguous(d: date) -> None:
    typed = f"{d.day:02d}/{d.month:02d}/{d.year}"
    got = parse_date(typed)
    if d.day <= 12 and d.day != d.month:
        assert isinstance(got, Problem)
        assert got.code == "ambiguous-date"
        assert d.isoformat() in got.message
    else:
        assert got == d


@given(st.text(max_size=30))
def test_any_text_gives_date_blank_or_problem(text: str) -> None:
    got = parse_date(text)
    assert got is None or isinstance(got, date | Problem)


# --- text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (None, ""),
        ("  G1 ", "G1"),
        (1.0, "1"),
        (2.5, "2.5"),
        (datetime(2027, 3, 31), "2027-03-31"),
        (date(2027, 3, 31), "2027-03-31"),
        (True, "TRUE"),
    ],
)
def test_clean_text(raw: object, text: str) -> None:
    assert clean_text(raw) == text
