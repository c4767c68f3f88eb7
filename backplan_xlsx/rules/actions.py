"""Actions: done marks as people type them, and Done, Overdue or Open."""

from __future__ import annotations

from datetime import date

from ..model import DoneMark
from .words import AS_OF, DONE, DONE_WORDS, OPEN, OVERDUE


def _done_word(text: str) -> str:
    """A Done cell's text as compared: trimmed (as TRIM does), one trailing
    full stop dropped, trimmed again, case folded."""
    word = " ".join(p for p in text.split(" ") if p)
    if word.endswith("."):
        word = " ".join(p for p in word[:-1].split(" ") if p)
    return word.casefold()


def is_done(mark: DoneMark | None) -> bool:
    """Whether a Done cell marks the action done.

    A done word (yes, y, x, done, ✓, ✔, true; case, spaces and a trailing
    full stop aside), a checkbox's TRUE, or a positive number (1, or the
    date it was done). Anything else, "No" included, is not done.
    """
    if isinstance(mark, bool):
        return mark
    if isinstance(mark, int | float):
        return mark > 0
    if isinstance(mark, date):
        return True
    if isinstance(mark, str):
        return _done_word(mark) in DONE_WORDS
    return False


def is_done_formula(done_ref: str) -> str:
    """The formula twin of :func:`is_done` (TRUE or FALSE).

    ISNUMBER comes first: LibreOffice stores a checkbox's TRUE as the number
    1, which is positive, so both readings agree.
    """
    t = f"TRIM({done_ref})"
    word = f'TRIM(IF(RIGHT({t},1)=".",LEFT({t},LEN({t})-1),{t}))'
    words = ",".join(f'{word}="{w}"' for w in DONE_WORDS)
    return (
        f"IF(ISNUMBER({done_ref}),{done_ref}>0,IF(ISLOGICAL({done_ref}),{done_ref},"
        f"IF(ISTEXT({done_ref}),OR({words}),FALSE)))"
    )


def action_status(done: bool, due: date, as_of: date) -> str:
    """Done when marked done, else Overdue past its due date, else Open."""
    if done:
        return DONE
    if as_of > due:
        return OVERDUE
    return OPEN


def action_status_formula(done_ref: str, due: str) -> str:
    """The formula twin of :func:`action_status` (with :func:`is_done`)."""
    return f'IF({is_done_formula(done_ref)},"{DONE}",IF({AS_OF}>{due},"{OVERDUE}","{OPEN}"))'
