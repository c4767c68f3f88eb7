"""``python -m backplan_xlsx`` runs the ``backplan`` command."""

from .cli import run

run()
