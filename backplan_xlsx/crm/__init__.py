"""CRM exports into check-ins: the actuals people already download every month.

``backplan import`` reads a deals export from HubSpot, a Salesforce
opportunity report or a Pipedrive deals export (CSV or xlsx), recognises
its columns by name, keeps the won deals and appends one check-in per deal
to the workbook, keyed by the deal's id in the Check-ins ``Ref`` column so
that importing the same export again, or a later one that overlaps it, adds
each deal once.

The modules: :mod:`.exports` reads the file (encoding, separator, header
row), :mod:`.vendors` knows the three layouts and resolves ``--map`` and
``--where``, :mod:`.amounts` reads amounts and dates as the vendor writes
them, and :mod:`.deals` turns rows into check-ins against a
:class:`~backplan_xlsx.model.Snapshot` and writes the workbook.
"""

from __future__ import annotations

from .deals import ImportResult, plan_import, save_import
from .exports import ExportTable, read_export

__all__ = ["ExportTable", "ImportResult", "plan_import", "read_export", "save_import"]
