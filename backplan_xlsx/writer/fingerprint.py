"""The writer's name for :mod:`backplan_xlsx.fingerprint` (kept so old imports work).

The fingerprints live outside the writer package so that reading a workbook
(``status``, ``collect``) never imports the writer and XlsxWriter's helpers.
"""

from __future__ import annotations

from ..fingerprint import (
    FINGERPRINT_CHARS,
    canonical,
    formulas_fingerprint,
    normalize_formula,
    values_fingerprint,
)

__all__ = [
    "FINGERPRINT_CHARS",
    "canonical",
    "formulas_fingerprint",
    "normalize_formula",
    "values_fingerprint",
]
