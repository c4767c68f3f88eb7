"""People's names as people type them: one matching rule for every command.

A check-in typed "Zoë O'Brien" belongs to the owner "Zoë O’Brien": case,
spaces around (and runs of spaces inside, as the spreadsheet's TRIM folds
them), Unicode form (composed or decomposed accents) and straight vs curly
apostrophes do not make another person. The workbook's formulas cannot
normalise Unicode, so :func:`name_variants` lists the spellings a formula
compares against; :func:`person_key` is the Python side of the same rule.

Accents themselves do matter in the workbook ("José" and "Jose" may be two
people), but a name typed on the command line may leave them out:
:func:`find_person` falls back to an accent-blind match when it is unique.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

#: Apostrophe look-alikes people (and autocorrect) type for "'".
APOSTROPHES = ("\u2019", "\u2018", "\u02bc", "\u0060", "\u00b4")


def _trim(text: str) -> str:
    """Spaces folded the way the spreadsheet TRIM folds them (U+0020 only)."""
    return " ".join(part for part in text.split(" ") if part)


@lru_cache(maxsize=8192)
def person_key(name: str) -> str:
    """The key two spellings of one person share (see the module docstring).

    Cached: a workbook repeats a handful of names over thousands of rows.
    """
    text = unicodedata.normalize("NFC", name)
    for a in APOSTROPHES:
        text = text.replace(a, "'")
    return _trim(text).casefold()


def loose_key(name: str) -> str:
    """:func:`person_key` without accents: for names typed on a command line."""
    decomposed = unicodedata.normalize("NFKD", person_key(name))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def same_person(a: str, b: str) -> bool:
    """Whether two typed names are the same person by :func:`person_key`."""
    return person_key(a) == person_key(b)


def name_variants(name: str) -> tuple[str, ...]:
    """The spellings of ``name`` a formula must accept (case aside).

    Composed and decomposed forms, each with straight and with curly
    apostrophes; trimmed, since formulas compare against ``TRIM(cell)``.
    """
    base = _trim(name)
    forms: list[str] = []
    for form in ("NFC", "NFD"):
        text = unicodedata.normalize(form, base)
        straight = text
        for a in APOSTROPHES:
            straight = straight.replace(a, "'")
        for variant in (text, straight, straight.replace("'", "\u2019")):
            if variant not in forms:
                forms.append(variant)
    return tuple(forms)


def find_person(query: str, names: Iterable[str]) -> str | None:
    """The one name in ``names`` that ``query`` means, or None.

    An exact :func:`person_key` match wins; otherwise an accent-blind match
    counts only when exactly one name has it ("Tomas" finds "Tomás").
    """
    pool = list(names)
    key = person_key(query)
    for n in pool:
        if person_key(n) == key:
            return n
    loose = loose_key(query)
    hits = [n for n in pool if loose_key(n) == loose]
    return hits[0] if len(hits) == 1 else None
