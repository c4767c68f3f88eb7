"""Status rules: properties that follow from the brief, for any dates and numbers."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from backplan_xlsx import rules
from backplan_xlsx.model import CheckIn, Milestone, Thresholds

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


#: Whole numbers as floats: sums and differences are exact, so mirrored goals
#: (reflected about the baseline) compute bit-for-bit the same progress.
W = st.integers(-(10**7), 10**7).map(float)


def _p(x: float, b: float, way: int) -> float:
    return (x - b) * way


@given(X, X, X, X, st.sampled_from([1, -1]), D, st.integers(1, 2000), D)
def test_progress_status_follows_the_brief(
    a: float, t: float, e: float, b: float, way: int, s: date, days: int, as_of: date
) -> None:
    d = s + timedelta(days=days)
    status = rules.progress_status(a, t, e, s, d, as_of, TH, baseline=b, direction=way)
    got = _p(a, b, way) + rules.tolerance(b, t)
    assert (status == rules.DONE) == (got >= _p(t, b, way))
    if status != rules.DONE:
        if as_of > d:
            assert status == rules.MISSED
        elif as_of < s:
            assert status == rules.NOT_STARTED
        else:
            assert status in (rules.ON_TRACK, rules.AT_RISK, rules.OFF_TRACK)
            assert (status == rules.ON_TRACK) == (got >= _p(e, b, way) * 0.95)
            on = got >= _p(e, b, way) * 0.95
            assert (status == rules.OFF_TRACK) == (not on and got < _p(e, b, way) * 0.80)


@given(W, W, W, W, D, st.integers(1, 2000), D)
def test_goals_that_move_down_mirror_goals_that_move_up(
    a: float, t: float, e: float, b: float, s: date, days: int, as_of: date
) -> None:
    """Reflecting baseline, target, expected and actual about the baseline keeps the status."""
    d = s + timedelta(days=days)
    up = rules.progress_status(a, t, e, s, d, as_of, TH, baseline=b, direction=1)
    down = rules.progress_status(
        2 * b - a, 2 * b - t, 2 * b - e, s, d, as_of, TH, baseline=b, direction=-1
    )
    assert up == down


@given(X, X, X, X, X, st.sampled_from([1, -1]), D, st.integers(1, 2000), D)
def test_more_progress_never_reads_worse(
    a: float, more: float, t: float, e: float, b: float, way: int, s: date, days: int, as_of: date
) -> None:
    assume((e - b) * way >= 0)
    d = s + timedelta(days=days)
    lo, hi = sorted((a, more), key=lambda x: (x - b) * way)
    low = rules.progress_status(lo, t, e, s, d, as_of, TH, baseline=b, direction=way)
    high = rules.progress_status(hi, t, e, s, d, as_of, TH, baseline=b, direction=way)
    assert RANK[high] >= RANK[low] or high == rules.DONE


@given(st.booleans(), D, D)
def test_action_status(done: bool, due: date, as_of: date) -> None:
    status = rules.action_status(done, due, as_of)
    expected = rules.DONE if done else (rules.OVERDUE if as_of > due else rules.OPEN)
    assert status == expected


def test_done_marks() -> None:
    marks = ("yes", "Yes ", " X", "DONE", "y", "done.", "Done. ", "\u2713", "\u2714", "true")
    assert all(rules.is_done(w) for w in marks)
    assert all(rules.is_done(v) for v in (True, 1, 1.0, 0.5, 46000.0, date(2027, 3, 1)))
    not_done = ("no", "", None, 0, -1, False, "yes please", "done..", "n", "FALSE", "x x")
    assert not any(rules.is_done(w) for w in not_done)
    # Only plain spaces are trimmed, as Excel's and LibreOffice's TRIM do: "yes" and a
    # non-breaking space (pasted from a web page) is not a done mark there, so not here.
    assert not rules.is_done("yes\u00a0") and not rules.is_done("\tyes")


def test_a_done_cell_is_read_with_what_trim_keeps() -> None:
    from backplan_xlsx.reader.fields import done_mark

    assert done_mark(" yes ", "yes") == "yes"
    assert done_mark("yes\u00a0", "yes") == "yes\u00a0"


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
    # Crossed by more than the slack every comparison carries (rounding noise is no breach).
    slack = rules.TOLERANCE * (abs(limit) + 1) if limit is not None else 0.0
    crossed = (
        latest is not None
        and limit is not None
        and (latest > limit + slack if direction == "max" else latest < limit - slack)
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
    assert rules.actual("sum", 0, c, until, "G1", owner="  ann ") == 15
    # The latest date wins; on the same date, the later row.
    assert rules.actual("latest", 3, c, until, "G1") == 7
    assert rules.actual("latest", 3, c, date(2027, 1, 4), "G1") == 3
    assert rules.latest_reading(c, "G1", date(2027, 12, 31)) == 100


def test_projection_and_rate_needed() -> None:
    s, d = date(2027, 1, 1), date(2027, 12, 31)
    mid = s + (d - s) / 2
    # Half-way with half the increment done projects the target.
    # Linear plan: expected is half the increment; half done projects the target.
    p = rules.projected("sum", 100, 100 + 500, 1100, 600, s, d, mid)
    assert abs(p - 1100) < 1e-9
    # Back-loaded plan expecting only a quarter by now: a quarter done is on course.
    assert rules.projected("sum", 0, 250, 1000, 250, s, d, mid) == 1000
    # A goal that moves down: 95 -> 70 days, expected 85, at 85 projects 70.
    assert rules.projected("sum", 95, 85, 70, 85, s, d, mid) == 70
    assert rules.projected("latest", 0.2, 0.25, 0.3, 0.25, s, d, mid) == 0.25
    assert rules.projected("sum", 100, 150, 1100, 100, s, d, s) == 150
    assert rules.projected("sum", 100, 150, 1100, 100, s, d, mid) == 150  # nothing expected yet
    assert rules.rate_needed(1000, 400, 3, 1) == 200
    assert rules.rate_needed(1000, 1200, 3, 1) == 0
    assert rules.rate_needed(1000, 400, 0, 1) == 600
    assert rules.rate_needed(70, 85, 3, -1) == 5
    assert rules.rate_needed(70, 60, 3, -1) == 0


def test_worst_takes_the_most_severe() -> None:
    assert rules.worst([rules.DONE, rules.AT_RISK, rules.ON_TRACK]) == rules.AT_RISK
    assert rules.worst([rules.DONE, rules.MISSED, rules.OFF_TRACK]) == rules.MISSED
    assert rules.worst([]) == rules.NOT_STARTED


def test_owner_names_match_as_people_read_them() -> None:
    """Case, spaces, composed or decomposed accents and curly apostrophes: one person."""
    name = "Zo\u00eb O\u2019Brien"
    typed = ["zo\u00eb o'brien", " ZOE\u0308 O'BRIEN ", "Zo\u00eb  O\u2019Brien"]
    c = [CheckIn(date(2027, 1, 5), "G1", who, 1.0, row=k) for k, who in enumerate(typed, 2)]
    c.append(CheckIn(date(2027, 1, 5), "G1", "Zoe O'Brien", 100.0, row=9))  # no accent: not her
    assert rules.actual("sum", 0, c, date(2027, 1, 31), "G1", owner=name) == 3
    stars = [
        CheckIn(date(2027, 1, 5), "G1", "Ann*", 1.0),
        CheckIn(date(2027, 1, 5), "G1", "Annie", 2.0),
    ]
    assert rules.actual("sum", 0, stars, date(2027, 1, 31), "G1", owner="Ann*") == 1


def _milestone(goal: str, start: date, due: date, v0: float, v1: float) -> Milestone:
    return Milestone(f"M{due.toordinal()}", goal, "m", start, due, v0, v1)


@given(
    st.lists(st.integers(1, 120), min_size=1, max_size=6),
    st.lists(W, min_size=6, max_size=6),
    W,
    st.integers(-30, 800),
)
def test_the_path_runs_through_every_milestone(
    gaps: list[int], values: list[float], baseline: float, offset: int
) -> None:
    start = date(2027, 1, 1)
    ms, prev_due, prev_value = [], start, baseline
    for gap, value in zip(gaps, values, strict=False):
        due = prev_due + timedelta(days=gap)
        ms.append(_milestone("G1", prev_due, due, prev_value, value))
        prev_due, prev_value = due, value
    deadline, target = ms[-1].due, ms[-1].target
    as_of = start + timedelta(days=offset)
    p = rules.path(ms, baseline, target, start, deadline, as_of)
    if as_of <= start:
        assert p == baseline
    elif as_of > deadline:
        assert p == target
    else:
        m = next(m for m in ms if m.due >= as_of)
        assert p == rules.expected(m.start_value, m.target, m.start, m.due, as_of)
        if as_of == m.due:
            assert p == m.target


@given(
    st.lists(
        st.tuples(
            st.integers(0, 60),
            st.sampled_from(["G1", "g1", "G2", "X1"]),
            st.sampled_from(["Ann", " ann ", "Bo", "Zo\u00eb O\u2019Brien", "zoe\u0308 o'brien"]),
            st.integers(-1000, 1000),
        ),
        max_size=40,
    ),
    st.integers(-5, 65),
    st.sampled_from(["sum", "latest"]),
    st.sampled_from([None, "Ann", "Zo\u00eb O'Brien", "Nobody"]),
)
def test_the_check_in_index_gives_what_the_rules_give(
    rows: list[tuple[int, str, str, int]], day: int, measure: str, owner: str | None
) -> None:
    """The engine's lookup and the plain rules agree on every actual and latest reading."""
    start = date(2027, 1, 1)
    check_ins = [
        CheckIn(start + timedelta(days=d), g, who, v / 4, row=k + 2)
        for k, (d, g, who, v) in enumerate(rows)
    ]
    until = start + timedelta(days=day)
    idx = rules.CheckInIndex(check_ins)
    for gid in ("G1", "G2", "X1", "Z9"):
        want = rules.actual(measure, 7.0, check_ins, until, gid, owner=owner)  # type: ignore[arg-type]
        got = idx.actual(measure, 7.0, until, gid, owner=owner)  # type: ignore[arg-type]
        assert got == want  # quarters add up exactly in any order
        assert idx.latest(gid, until) == rules.latest_reading(check_ins, gid, until)
