"""A starter spec from a few answers, for ``backplan new`` without a template.

The answers are turned into commented YAML (so the file explains itself
like the templates do), then loaded back through the normal validator
before anything is written: a starter spec is always a valid one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from .fileio import atomic_write_text
from .spec import load_spec_text

Prompt = Callable[..., Any]


def _q(text: str) -> str:
    """A YAML scalar that survives any text (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def interactive_spec(prompt: Prompt) -> str:
    """Ask for the essentials and return the YAML text of a valid spec."""
    from .errors import SpecError

    title = prompt("Plan title", default="New business plan")
    start = prompt("Start date (YYYY-MM-DD)", default=date.today().isoformat(), value_proc=_date)
    name = prompt("Goal", default="New ARR")
    unit = prompt("Unit", default="USD")
    baseline = prompt("Where the goal stands at the start", default=0.0, type=float)
    target = prompt("Target", type=float)
    deadline = prompt("Deadline (YYYY-MM-DD)", value_proc=_date)
    cadence = prompt(
        "Milestones every", default="monthly", type=_choice("weekly", "monthly", "quarterly")
    )
    owners_text = prompt("Owners, comma-separated", default="Sales manager")
    owners = [o.strip() for o in owners_text.split(",") if o.strip()] or ["Sales manager"]
    avoid = prompt("Something the team deliberately avoids (blank for none)", default="")
    instead = ""
    if avoid:
        instead = prompt("What the team does instead")
    text = render_spec(
        title, start, name, unit, baseline, target, deadline, cadence, owners, avoid, instead
    )
    try:
        load_spec_text(text, "plan.yaml")
    except SpecError as exc:
        raise SpecError("those answers do not make a valid plan:\n" + str(exc)) from None
    return text


def _choice(*options: str) -> Any:
    import click

    return click.Choice(options)


def _date(value: str) -> date:
    import click

    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def split_evenly(n: int) -> list[float]:
    """Shares for ``n`` owners that add up to exactly 1 (the last takes the rest)."""
    base = round(1.0 / n, 4)
    shares = [base] * (n - 1)
    shares.append(round(1.0 - sum(shares), 4))
    return shares


def render_spec(
    title: str,
    start: date,
    goal: str,
    unit: str,
    baseline: float,
    target: float,
    deadline: date,
    cadence: str,
    owners: list[str],
    avoid: str,
    instead: str,
) -> str:
    """Commented YAML for a one-goal plan."""
    lines = [
        "# backplan plan spec. Build it: backplan build plan.yaml -o plan.xlsx",
        "# See `backplan new --template sales` for every field, commented.",
        f"plan: {_q(title)}",
        f"start: {start.isoformat()}            # baselines are as of this date",
        "goals:",
        f"  - name: {_q(goal)}",
        f"    unit: {_q(unit)}",
        f"    baseline: {baseline:g}             # where the goal stands at the start",
        f"    target: {target:g}",
        f"    deadline: {deadline.isoformat()}",
        f"    cadence: {cadence}           # weekly | monthly | quarterly",
        "    curve: linear               # linear | front-loaded | back-loaded",
        f"    measure: {'latest' if unit.strip() == '%' else 'sum   '}             "
        "# sum of check-ins | latest reading (a % is a reading)",
        "owners:                         # shares of each goal add up to 1",
    ]
    for name, share in zip(owners, split_evenly(len(owners)), strict=True):
        lines += [f"  - name: {_q(name)}", f"    shares: {{G1: {share:g}}}"]
    if avoid:
        lines += [
            "anti_goals:                     # what the team avoids, and what it does instead",
            f"  - avoid: {_q(avoid)}",
            f"    instead: {_q(instead)}",
            f"    owner: {_q(owners[0])}",
            "    review_every_days: 30",
        ]
    return "\n".join(lines) + "\n"


def write_spec(path: Path, text: str) -> None:
    """Write a spec atomically (the caller decides about overwriting)."""
    atomic_write_text(path, text)
