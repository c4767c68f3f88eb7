"""File names for people: one per person, safe on every system they open them on.

``split`` writes a part per owner and ``brief`` a page per person; both are
mailed to people who mostly use Windows. So a name made from a person's
name must be valid there too: no ``<>:"/\\|?*`` or control characters, no
trailing dot or space, none of the reserved device names (``CON``,
``NUL``, ``COM1``… with any extension), and short enough for any file
system and for a folder path in front of it.

Names are slugs of the person's name (Unicode NFC, lower case, accents on
Latin letters dropped so "José Núñez" composed or decomposed is one
``jose-nunez``; other scripts kept). Two people whose slugs meet (``A`` and
``A.``, or a slug that meets another's suffixed one) never share a file:
the first in plan order keeps the slug, the others get their owner id
appended, so a name does not change from one month to the next while the
owner list stays the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: The longest slug, in characters (and at most 4 bytes each in UTF-8).
MAX_STEM = 60

_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    "conin$",
    "conout$",
    *(f"{dev}{n}" for dev in ("com", "lpt") for n in (*"123456789", "¹", "²", "³")),
}


def _plain(ch: str) -> str:
    """A Latin letter without its accents (``é`` → ``e``); any other letter as is."""
    decomposed = unicodedata.normalize("NFKD", ch)
    if decomposed[:1].isascii() and all(unicodedata.combining(c) for c in decomposed[1:]):
        return decomposed[:1]
    return ch


def slug(name: str) -> str:
    """The file-name stem for a name: letters and digits, ``-`` between words."""
    text = "".join(_plain(ch) for ch in unicodedata.normalize("NFC", name)).casefold()
    kept = (ch if ch.isalnum() or unicodedata.category(ch).startswith("M") else "-" for ch in text)
    stem = re.sub(r"-+", "-", "".join(kept)).strip("-")
    stem = unicodedata.normalize("NFC", stem)[:MAX_STEM].rstrip("-")
    return stem


def is_reserved(stem: str) -> bool:
    """Whether Windows refuses ``stem`` (with any extension) as a file name."""
    return stem.split(".", 1)[0].strip().casefold() in _RESERVED


def person_file_names(people: Iterable[tuple[str, str]], suffix: str) -> dict[str, str]:
    """Person id → a distinct, Windows-safe file name ending in ``suffix``.

    Args:
        people: (id, name) pairs in plan order (``O1``, ``Dana Whitfield``).
        suffix: the extension, with its dot (``.xlsx``).
    """
    pairs = list(people)
    wanted = {pid: _stem(pid, name) for pid, name in pairs}
    taken: set[str] = set()
    out: dict[str, str] = {}
    firsts: dict[str, str] = {}
    for pid, _ in pairs:
        firsts.setdefault(wanted[pid], pid)
    for pid, _ in pairs:
        stem = wanted[pid]
        if firsts[stem] != pid or stem in taken:
            stem = _free(f"{stem}-{pid.casefold()}", taken, set(wanted.values()))
        taken.add(stem)
        out[pid] = f"{stem}{suffix}"
    return out


def _stem(pid: str, name: str) -> str:
    stem = slug(name) or slug(pid) or "person"
    return f"{stem}-{slug(pid)}" if is_reserved(stem) else stem


def _free(stem: str, taken: set[str], reserved: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``… whichever no one has or wants."""
    candidate, n = stem, 1
    while candidate in taken or candidate in reserved:
        n += 1
        candidate = f"{stem}-{n}"
    return candidate
