"""One exception tree, and findings as data.

The CLI catches :class:`BackplanError` alone and turns it into a message and
exit code 2; anything else is a bug and keeps its traceback. Every error
carries where it happened (file, line or sheet and cell, field path) so the
message can tell the user what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about a spec or a workbook, rendered by ``reports``.

    ``code`` is a stable slug (``bad-date``, ``formula-overwritten``) that
    scripts may match on; ``message`` is a plain sentence for people.
    """

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    line: int | None = None
    field: str = ""

    @property
    def where(self) -> str:
        """``plan.yaml:14: goals[0].deadline`` or ``plan.xlsx, Check-ins!B17``."""
        if self.sheet:
            place = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
            return f"{self.file}, {place}" if self.file else place
        head = self.file
        if self.line is not None:
            head = f"{head}:{self.line}"
        if self.field:
            head = f"{head}: {self.field}" if head else self.field
        return head

    def __str__(self) -> str:
        where = self.where
        return f"{where}: {self.message}" if where else self.message


_INVISIBLE = {
    *range(0x00, 0x09),
    0x0B,
    0x0C,
    *range(0x0E, 0x20),
    0x7F,
    *range(0x80, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0xFEFF,
}


def printable(text: str) -> str:
    """Text safe for a terminal: control and bidi-override characters made visible.

    A file or sheet named with U+202E (right-to-left override) or an escape
    sequence would otherwise reorder or recolour what the user reads; here it
    prints as ``<U+202E>``. Tabs and newlines are kept.
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(f"<U+{ord(ch):04X}>" if ord(ch) in _INVISIBLE else ch for ch in text)


class BackplanError(Exception):
    """Base of every error a user can cause; the CLI prints it and exits 2."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return "\n".join(str(p) for p in self.problems if p.severity == "error")


class SpecError(BackplanError):
    """A plan spec that cannot be planned: bad YAML, bad fields, bad references."""


class WorkbookReadError(BackplanError):
    """A workbook that cannot be read: missing, not a workbook, broken, hostile."""


class WorkbookWriteError(BackplanError):
    """A workbook that cannot be written, or must not be overwritten."""


class ExportError(BackplanError):
    """A CRM export that cannot be read or mapped onto check-ins."""


class InputsWouldBeLostError(BackplanError):
    """Something people typed has no place in what would be written: nothing is written."""


class HistoryError(BackplanError):
    """The history store cannot be opened, read or written."""


class SplitError(BackplanError):
    """A plan that cannot be split without losing something."""


class ReplanError(BackplanError):
    """A plan that cannot be re-planned as asked (goal reached, deadline passed)."""


class MergeError(BackplanError):
    """Copies that cannot be merged (different plans), or inputs that would be lost."""


class CollectError(BackplanError):
    """Nothing to import, or bad arguments."""


class OutputError(WorkbookWriteError):
    """A fault of the machine while writing: full disk, read-only folder, bad path."""
