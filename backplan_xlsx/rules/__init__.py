"""Status rules: the one source of truth, and the formulas that mirror it.

Each rule is a pure function over dates and numbers, and next to it sits
the function that writes the same rule as a spreadsheet formula, so a change
to a rule and to its formula is one diff. Formulas use only functions that
Excel 2016, LibreOffice and Google Sheets all have, plain A1 references and
the named cells ``AsOf``, ``OnTrackRatio`` and ``AtRiskRatio``.

Arithmetic is written in the same order in both, so the workbook and the
engine agree to the last bit, not merely approximately; a formula that needs
array evaluation is an :class:`ArrayFormula`, which the file marks as such,
because Gnumeric and others intersect a plain formula's ranges instead.

One module per kind of item: :mod:`.actuals` (check-ins into actuals),
:mod:`.progress` (the plan path and the progress statuses), :mod:`.actions`
(done marks), :mod:`.anti_goals`; :mod:`.words` holds the status words and
named cells they share. Everything is re-exported here: ``rules.actual``.
"""

from __future__ import annotations

from .actions import (
    action_status,
    action_status_formula,
    is_done,
    is_done_formula,
)
from .actuals import (
    CheckInIndex,
    CheckInRanges,
    actual,
    actual_formula,
    latest_formula,
    latest_reading,
    owner_match_formula,
    person_key_formula,
)
from .anti_goals import (
    anti_goal_status,
    anti_goal_status_formula,
)
from .progress import (
    TOLERANCE,
    MilestoneRanges,
    direction,
    expected,
    expected_formula,
    owner_expected,
    owner_expected_formula,
    owner_target,
    owner_target_formula,
    path,
    path_formula,
    periods_left,
    periods_left_formula,
    progress_status,
    progress_status_formula,
    projected,
    projected_formula,
    rate_needed,
    rate_needed_formula,
    tolerance,
    tolerance_formula,
    worst,
    worst_formula,
)
from .words import (
    ACTION_STATUSES,
    ANTI_GOAL_STATUSES,
    AS_OF,
    AT_RISK,
    AT_RISK_RATIO,
    BREACHED,
    DONE,
    DONE_CHOICES,
    DONE_WORDS,
    MISSED,
    NO_DATA,
    NOT_STARTED,
    OFF_TRACK,
    OK,
    ON_TRACK,
    ON_TRACK_RATIO,
    OPEN,
    OVERDUE,
    PROGRESS_STATUSES,
    REVIEW_OVERDUE,
    SEVERITY,
    WARNING,
    WARNING_MARGIN,
    ArrayFormula,
    Measure,
    date_formula,
    serial,
)

__all__ = [
    "CheckInIndex",
    "DONE",
    "MISSED",
    "NOT_STARTED",
    "ON_TRACK",
    "AT_RISK",
    "OFF_TRACK",
    "PROGRESS_STATUSES",
    "OPEN",
    "OVERDUE",
    "ACTION_STATUSES",
    "BREACHED",
    "WARNING",
    "REVIEW_OVERDUE",
    "NO_DATA",
    "OK",
    "ANTI_GOAL_STATUSES",
    "SEVERITY",
    "DONE_WORDS",
    "DONE_CHOICES",
    "WARNING_MARGIN",
    "AS_OF",
    "ON_TRACK_RATIO",
    "AT_RISK_RATIO",
    "Measure",
    "serial",
    "date_formula",
    "ArrayFormula",
    "actual",
    "latest_reading",
    "CheckInRanges",
    "person_key_formula",
    "owner_match_formula",
    "actual_formula",
    "latest_formula",
    "direction",
    "expected",
    "expected_formula",
    "path",
    "MilestoneRanges",
    "path_formula",
    "TOLERANCE",
    "tolerance",
    "tolerance_formula",
    "progress_status",
    "progress_status_formula",
    "owner_target",
    "owner_target_formula",
    "owner_expected",
    "owner_expected_formula",
    "projected",
    "projected_formula",
    "rate_needed",
    "rate_needed_formula",
    "periods_left",
    "periods_left_formula",
    "worst",
    "worst_formula",
    "is_done",
    "is_done_formula",
    "action_status",
    "action_status_formula",
    "anti_goal_status",
    "anti_goal_status_formula",
]
