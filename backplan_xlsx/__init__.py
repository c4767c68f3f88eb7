"""backplan: plan backward from a sales goal, as a linked Excel workbook.

The package is imported by the ``backplan`` command on every call, so it
imports nothing heavy here: each function pulls in XlsxWriter, openpyxl,
python-calamine or pydantic only when it needs them.
"""

from __future__ import annotations

__version__ = "0.1.0"
