"""The words, names and small helpers every rule and formula shares.

Status words are the contract (reports, JSON and the workbook print them
exactly); the named cells are what formulas read like sentences with.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Literal

#: What the Done dropdown offers: declared with the Done column, in the layout.
from ..layout import DONE_CHOICES as DONE_CHOICES

if TYPE_CHECKING:
    from ..model import Snapshot

DONE = "Done"
MISSED = "Missed"
NOT_STARTED = "Not started"
ON_TRACK = "On track"
AT_RISK = "At risk"
OFF_TRACK = "Off track"
PROGRESS_STATUSES = (DONE, ON_TRACK, AT_RISK, OFF_TRACK, MISSED, NOT_STARTED)

OPEN = "Open"
OVERDUE = "Overdue"
ACTION_STATUSES = (DONE, OPEN, OVERDUE)

BREACHED = "Breached"
WARNING = "Warning"
REVIEW_OVERDUE = "Review overdue"
NO_DATA = "No data"
OK = "OK"
ANTI_GOAL_STATUSES = (BREACHED, WARNING, REVIEW_OVERDUE, NO_DATA, OK)

#: Worst first: an owner (or a team) takes the worst status of their parts.
SEVERITY = (MISSED, OFF_TRACK, AT_RISK, ON_TRACK, NOT_STARTED, DONE)
#: Words that mark an action done in the Done column (case, spaces around
#: and a trailing full stop do not matter); a checkbox's TRUE and a positive
#: number (1, or the date it was done) count too.
DONE_WORDS = ("yes", "y", "x", "done", "\u2713", "\u2714", "true")
#: An anti-goal reading within this fraction of its limit is a Warning.
WARNING_MARGIN = 0.1

AS_OF = "AsOf"
ON_TRACK_RATIO = "OnTrackRatio"
AT_RISK_RATIO = "AtRiskRatio"

Measure = Literal["sum", "latest"]


def serial(d: date) -> int:
    """Days since Excel's 1899-12-30 epoch: the number a date cell holds."""
    return (d - date(1899, 12, 30)).days


def as_of_for(snapshot: Snapshot, given: date | None, today: date | None = None) -> date:
    """The date to judge on: ``--as-of``, else a date typed into AsOf, else today.

    The one place this rule lives: status, check, brief, split, replan, merge
    and build all ask here (``reader.as_of_for`` is this function). Here,
    beside the ``AsOf`` cell's name, so that ``build`` asks without importing
    the reader. ``today`` is for tests (default: the clock).
    """
    if given is not None:
        return given
    if snapshot.as_of is not None:
        return snapshot.as_of
    return today if today is not None else date.today()


def date_formula(d: date) -> str:
    """A date as a formula term (never a bare serial, which 1904 files misread)."""
    return f"DATE({d.year},{d.month},{d.day})"


class ArrayFormula(str):
    """A formula the file marks as an array formula (OOXML ``t="array"``).

    Conditional maxima and element-wise tests over a range are evaluated as
    arrays only where the file says so: Gnumeric and the Python evaluators
    intersect a plain formula's ranges with its own row, Excel happens not to.
    Marking the cell is what every engine (and Google Sheets, as
    ARRAYFORMULA) honours, so the writer writes these with
    ``write_array_formula``.
    """

    __slots__ = ()


#: A number larger than any date or row, for conditional minima.
BIG = "1E+300"


# --- counted words in action texts ---------------------------------------------

_AFTER_COUNT = re.compile(r"(\{n\}\s+)([^\W\d_]+)")


def singular(word: str) -> str:
    """The singular of a regular English plural noun ("opportunities" → "opportunity").

    Only the regular endings: an action template names its own noun, and one
    that is already singular ("Close {n} business") is left alone.
    """
    low = word.casefold()
    if len(low) > 3 and low.endswith("ies"):
        return word[:-3] + ("Y" if word[-3:].isupper() else "y")
    if low.endswith(("sses", "xes", "zzes", "ches", "shes")):
        return word[:-2]
    if len(low) > 1 and low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def count_text(template: str, n: int) -> str:
    """An action's words for ``n`` of a funnel step: "Close {n} deals" → "Close 1 deal".

    The noun right after ``{n}`` is made singular for one; a template without
    ``{n}`` gets the count after a colon.
    """
    if "{n}" not in template:
        return f"{template}: {n}"
    if n == 1:
        template = _AFTER_COUNT.sub(lambda m: m.group(1) + singular(m.group(2)), template)
    return template.format(n=n)
