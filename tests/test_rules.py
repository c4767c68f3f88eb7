"""Status rules: properties that follow from the brief, for any dates and numbers."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from backplan_xlsx import rules
from backplan_xlsx.model import CheckIn, Thresholds

D = st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31))
X = st.floats(-1e7, 1e7, allow_nan=False)
TH = Thresholds(0.95, 0.80)
RANK = {s: i for i, s in enumerate(rules.SEVERITY)}


@given(X, X, D, st.integers(1, 2000), D)
def test_expected_runs_from_start_value_to_target_and_clamps(
    t0: float, t: float, s: date, days: int, as_of: date
) -> None:
    d = s + timedelta(days=days)
    e = rules.expected(t0, t, s, d, as_of)
    assert min(t0, t) - 1e-6 <= e <= max(t0, t) + 1e-6
    if as_of <= s:
        assert e == t0
    if as_of >= d:
        assert abs(e - t) <= 1e-9 * max(1.0, abs(t))


@given(X, X, X, D, st.integers(1, 2000), D)
def test_progress_status_follows_the_brief(
    a: float, t: float, e: float, s: date, days: int, as_of: date
) -> None:
    d = s + timedelta(days=days)
    status = rules.progress_status(a, t, e, s, d, as_of, TH)
    assert (status == rules.DONE) == (a >= t)
    if a < t:
        if as_of > d:
            assert status == rules.MISSED
        elif as_of < s:
            assert status == rules.NOT_STARTED
        else:
            assert status in (rules.ON_TRACK, rules.AT_RISK, rules.OFF_TRACK)
            assert (status == rules.ON_TRACK) == (a >= e * 0.95)
            assert (status == rules.OFF_TRACK) == (a < e * 0.80)


@given(X, X, X, X, D, st.integers(1, 2000), D)
def test_more_actual_never_reads_worse(
    a: float, more: float, t: float, e: float, s: date, days: int, as_of: date
) -> None:
    assume(e >= 0)
    d = s + timedelta(days=days)
    low = rules.progress_status(min(a, more), t, e, s, d, as_of, TH)
    high = rules.progress_status(max(a, more), t, e, s, d, as_of, TH)
    assert RANK[high] >= RANK[low] or high == rules.DONE


@given(st.booleans(), D, D)
def test_action_status(done: bool, due: date, as_of: date) -> None:
    status = rules.action_status(done, due, as_of)
    expected = rules.DONE if done else (rules.OVERDUE if as_of > due else rules.OPEN)
    assert status == expected


def test_done_words() -> None:
    assert all(rules.is_done(w) for w in ("yes", "Yes ", " X", "DONE", "y"))
    assert not any(rules.is_done(w) for w in ("no", "", None, 1, True, "yes please"))


@given(
    st.none() | X,
    st.none() | X,
    st.sampled_from(["max", "min"]),
    st.none() | D,
    st.integers(1, 120),
    D,
    D,
)
def test_anti_goal_status_follows_the_brief(
    latest: float | None,
    limit: float | None,
    direction: str,
    reviewed: date | None,
    every: int,
    as_of: date,
    start: date,
) -> None:
    status = rules.anti_goal_status(latest, limit, direction, reviewed, every, as_of, start)
    crossed = (
        latest is not None
        and limit is not None
        and (latest > limit if direction == "max" else latest < limit)
    )
    assert (status == rules.BREACHED) == crossed
    if status == rules.WARNING:
        assert latest is not None and limit is not None
        assert abs(latest - limit) <= abs(limit) * 0.1 + 1e-9
    overdue = (as_of - (reviewed or start)).days > every
    if status in (rules.OK, rules.NO_DATA):
        assert not overdue
    if status == rules.NO_DATA:
        assert latest is None and limit is not None
    if not crossed and status != rules.WARNING:
        assert (status == rules.REVIEW_OVERDUE) == overdue


def test_actual_sums_or_takes_the_latest_reading() -> None:
    c = [
        CheckIn(date(2027, 1, 5), "G1", "Ann", 10, row=2),
        CheckIn(date(2027, 1, 9), "g1", "ann", 5, row=3),
        CheckIn(date(2027, 1, 9), "G1", "Bob", 7, row=4),
        CheckIn(date(2027, 2, 1), "G1", "Bob", 100, row=5),
        CheckIn(date(2027, 1, 1), "G2", "Bob", 1000, row=6),
    ]
    until = date(2027, 1, 31)
    assert rules.actual("sum", 3, c, until, "G1") == 3 + 10 + 5 + 7
    assert rules.actual("sum", 0, c, until, "G1", owner="ANN") == 15
    # The latest date wins; on the same date, the later row.
    assert rules.actual("latest", 3, c, until, "G1") == 7
    assert rules.actual("latest", 3, c, date(2027, 1, 4), "G1") == 3
    assert rules.latest_reading(c, "G1", date(2027, 12, 31)) == 100


def test_projection_and_rate_needed() -> None:
    s, d = date(2027, 1, 1), date(2027, 12, 31)
    mid = s + (d - s) / 2
    # Half-way with half the increment done projects the target.
    p = rules.projected("sum", 100, 100 + 500, s, d, mid)
    assert abs(p - 1100) < 1e-9
    assert rules.projected("latest", 0.2, 0.25, s, d, mid) == 0.25
    assert rules.projected("sum", 100, 150, s, d, s) == 150
    assert rules.rate_needed(1000, 400, 3) == 200
    assert rules.rate_needed(1000, 1200, 3) == 0
    assert rules.rate_needed(1000, 400, 0) == 600


def test_worst_takes_the_most_severe() -> None:
    assert rules.worst([rules.DONE, rules.AT_RISK, rules.ON_TRACK]) == rules.AT_RISK
    assert rules.worst([rules.DONE, rules.MISSED, rules.OFF_TRACK]) == rules.MISSED
    assert rules.worst([]) == rules.NOT_STARTED
