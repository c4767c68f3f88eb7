"""Which files a monthly import reads, and how its log names them.

Folders are searched recursively for .xlsx and .ods; Office lock files,
backplan's own temp files and backups, and the roll-up being written are
left out, so a collect run over the folder it writes into is safe.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from .fileio import TEMP_PREFIX

SUFFIXES = (".xlsx", ".ods")


def find_workbooks(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> list[Path]:
    """Every .xlsx/.ods under the inputs, recursively, sorted.

    Skips Office lock files (``~$…``), our own temp files and backups, and
    the paths in ``exclude`` (the roll-up being written).
    """
    skip = {_resolved(p) for p in exclude}
    found: dict[Path, None] = {}
    for item in inputs:
        if item.is_dir():
            candidates: Iterator[Path] = (p for p in sorted(item.rglob("*")) if p.is_file())
        else:
            candidates = iter([item])
        for p in candidates:
            name = p.name
            if item.is_dir() and (
                p.suffix.lower() not in SUFFIXES
                or name.startswith(("~$", ".~lock", TEMP_PREFIX))
                or ".bak." in name
            ):
                continue
            if _resolved(p) in skip:
                continue
            found[p] = None
    return list(found)


def shown_name(path: str, inputs: Sequence[Path]) -> str:
    p = Path(path)
    for base in inputs:
        if base.is_dir():
            with contextlib.suppress(ValueError):
                return str(p.relative_to(base))
    return p.name


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop, a name too long: read (and refused) as given
        return path
