"""Plan spec templates: YAML files in ``templates/``, shipped in the wheel.

In a wheel they sit at ``backplan_xlsx/templates``; in a source checkout
(an editable install) at the repository's top level.
"""

from __future__ import annotations

from pathlib import Path

from .errors import SpecError


def templates_dir() -> Path:
    """Where the templates are, installed or in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise SpecError("no templates folder found; reinstall backplan-xlsx")


def list_templates() -> list[str]:
    """The names of the templates (``sales``...)."""
    return sorted(p.stem for p in templates_dir().glob("*.yaml"))


def template_text(name: str) -> str:
    """A template's YAML text.

    Raises:
        SpecError: no template has this name.
    """
    path = templates_dir() / f"{name}.yaml"
    if not path.is_file():
        raise SpecError(f"no template named {name!r}; choose one of: {', '.join(list_templates())}")
    return path.read_text(encoding="utf-8")
