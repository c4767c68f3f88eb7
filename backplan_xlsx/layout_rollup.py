"""The roll-up workbook's sheets, declared once: names, headers, fields, widths, formats.

``collect`` writes one roll-up a month and next month's scripts read it by
header (the brief names the Returns sheet's: Plan, Owner, State, File,
Modified), so a header here is a contract like the plan workbook's. Each
column names the field of the row it shows (each sheet's row builder in
``rollup``/``rollupviews`` makes one dict per row with exactly these
fields, and the writer refuses any other), its width, how its numbers are
shown and whether it is coloured by status words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from . import rules

#: How a column's numbers are shown: plain, a percentage, a multiple (``2.50x``),
#: or a signed change in points (``+3.0%``).
NumberStyle = Literal["number", "percent", "times", "change"]
#: Which words colour a column: the plan's statuses, or a return's state.
Colours = Literal["", "status", "returns"]


@dataclass(frozen=True, slots=True)
class ReportColumn:
    """One roll-up column: its header, the row field it shows, width and look."""

    header: str
    field: str
    width: float
    number: NumberStyle = "number"
    colours: Colours = ""


@dataclass(frozen=True, slots=True)
class ReportLayout:
    """One roll-up sheet: a table (under a title row when ``titled``) with a filter."""

    name: str
    columns: tuple[ReportColumn, ...]
    titled: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        """The header row, left to right."""
        return tuple(c.header for c in self.columns)

    @property
    def fields(self) -> tuple[str, ...]:
        """The row fields the columns show, left to right."""
        return tuple(c.field for c in self.columns)


def _c(
    header: str, field: str, width: float, number: NumberStyle = "number", colours: Colours = ""
) -> ReportColumn:
    return ReportColumn(header, field, width, number, colours)


SUMMARY = ReportLayout(
    "Summary",
    (
        _c("Plan", "plan", 18),
        _c("Version", "version", 8),
        _c("Title", "title", 24),
        _c("Goal ID", "goal_id", 7),
        _c("Goal", "goal", 22),
        _c("Owner", "owner", 18),
        _c("Team", "team", 10),
        _c("Status", "status", 12, colours="status"),
        _c("Actual", "actual", 13),
        _c("Expected", "expected", 13),
        _c("Target", "target", 13),
        _c("Projected", "projected", 13),
        _c("Rate needed", "rate_needed", 13),
        _c("Deadline", "deadline", 11),
        _c("Files", "files", 6),
    ),
    titled=True,
)

RETURNS = ReportLayout(
    "Returns",
    (
        _c("Plan", "plan", 18),
        _c("Owner", "owner", 22),
        _c("State", "state", 11, colours="returns"),
        _c("File", "file", 40),
        _c("Modified", "modified", 18),
    ),
)

CHANGES = ReportLayout(
    "Changes",
    (
        _c("Month", "month", 8),
        _c("Previous month", "previous_month", 9),
        _c("Plan", "plan", 18),
        _c("Kind", "kind", 7),
        _c("ID", "id", 8),
        _c("Name", "name", 22),
        _c("Goal", "goal", 6),
        _c("Actual", "actual", 13),
        _c("Target to date", "target_to_date", 13),
        _c("Attainment", "attainment", 11, "percent"),
        _c("Previous attainment", "previous_attainment", 11, "percent"),
        _c("Change", "change", 9, "change"),
        _c("Status then", "status_then", 12, colours="status"),
        _c("Status now", "status_now", 12, colours="status"),
        _c("Worsened", "worsened", 9),
        _c("Returns", "returns", 10, colours="returns"),
    ),
)

COVERAGE = ReportLayout(
    "Coverage",
    (
        _c("Plan", "plan", 18),
        _c("Goal", "goal", 7),
        _c("Pipeline goal", "pipeline_goal", 9),
        _c("Left to close", "left_to_close", 14),
        _c("Win rate", "win_rate", 9, "percent"),
        _c("Win rate from", "win_rate_from", 13),
        _c("Required coverage", "required_coverage", 10, "times"),
        _c("Pipeline needed", "pipeline_needed", 14),
        _c("Open pipeline", "open_pipeline", 14),
        _c("Coverage", "coverage", 10, "times"),
        _c("Covered", "covered", 8),
    ),
)

OWNERS = ReportLayout(
    "Owners",
    (
        _c("Plan", "plan", 18),
        _c("ID", "id", 6),
        _c("Owner", "owner", 20),
        _c("Role", "role", 20),
        _c("Team", "team", 10),
        _c("Status", "status", 12, colours="status"),
        _c("Parts", "parts", 70),
        _c("Returns", "returns", 10, colours="returns"),
    ),
)

ANTI_GOALS = ReportLayout(
    "Anti-goals",
    (
        _c("Plan", "plan", 18),
        _c("ID", "id", 6),
        _c("Avoid", "avoid", 36),
        _c("Instead", "instead", 36),
        _c("Owner", "owner", 18),
        _c("Latest", "latest", 9),
        _c("Limit", "limit", 9),
        _c("Direction", "direction", 9),
        _c("Last reviewed", "last_reviewed", 12),
        _c("Feedback", "feedback", 36),
        _c("Status", "status", 14, colours="status"),
    ),
)

IMPORT_LOG = ReportLayout(
    "Import log",
    (
        _c("File", "file", 40),
        _c("Plan", "plan", 18),
        _c("Version", "version", 8),
        _c("Result", "result", 12),
        _c("Problems", "problems", 90),
    ),
)

#: The goal statuses the Trend sheet counts, month by month.
TREND_STATUSES = (
    rules.DONE,
    rules.ON_TRACK,
    rules.AT_RISK,
    rules.OFF_TRACK,
    rules.MISSED,
    rules.NOT_STARTED,
)
TREND = ReportLayout(
    "Trend",
    (_c("Month", "month", 10), *(_c(s, s, 11) for s in TREND_STATUSES)),
    titled=True,
)

ATTAINMENT_NAME = "Attainment"
PLAN_PATH = "Plan path"


def attainment_layout(series: tuple[str, ...]) -> ReportLayout:
    """The Attainment sheet: the month, one column per goal (or owner's part), the plan path.

    A series is a row field by its position (``series 0``…), so no label a
    plan brings can collide with another column.
    """
    return ReportLayout(
        ATTAINMENT_NAME,
        (
            _c("Month", "month", 10),
            *(_c(name, f"series {i}", 14, "percent") for i, name in enumerate(series)),
            _c(PLAN_PATH, "plan_path", 14, "percent"),
        ),
        titled=True,
    )


#: Every roll-up sheet, in the order the roll-up holds them.
ROLLUP_SHEETS = (
    SUMMARY.name,
    RETURNS.name,
    CHANGES.name,
    COVERAGE.name,
    OWNERS.name,
    ANTI_GOALS.name,
    IMPORT_LOG.name,
    TREND.name,
    ATTAINMENT_NAME,
)
