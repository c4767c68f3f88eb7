"""Each goal's planning settings that the visible sheets do not show, as one ``_backplan`` cell.

The Goals sheet shows a goal's target and deadline, but not how its path was
shaped (the curve or explicit weights) nor its funnel (deal size, stage
conversion rates, sales cycle). Without them a returned copy re-plans a
straight line and derives no funnel actions, so ``replan``, ``build --keep``,
``merge`` and ``split`` would quietly lose the plan's shape. They are kept
as compact JSON in one cell: goals on a straight line without a funnel are
left out, and the text is bounded by what a cell holds (explicit weights
are the only part that can grow; past the limit they are dropped, and the
goal falls back to a straight line, which the reader reports).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import CurveName, Funnel, Goal, Stage

#: What a cell holds, less a margin for the key's own row.
CELL_LIMIT = 32_000
_CURVES: tuple[CurveName, ...] = ("linear", "front-loaded", "back-loaded")


@dataclass(frozen=True, slots=True)
class GoalSettings:
    """A goal's curve and funnel as the build planned it."""

    curve: CurveName | tuple[float, ...] = "linear"
    funnel: Funnel | None = None


def _funnel_json(f: Funnel) -> dict[str, Any]:
    return {
        "deal": f.deal_size,
        "cycle": f.sales_cycle_days,
        "close": f.close_action,
        "stages": [[s.name, s.conversion, s.days] for s in f.stages],
    }


def encode_settings(goals: Sequence[Goal]) -> str:
    """``{"G1":{"curve":"back-loaded","funnel":{…}}}``; empty when every goal is plain."""
    items: dict[str, dict[str, Any]] = {}
    for g in goals:
        item: dict[str, Any] = {}
        if g.curve != "linear":
            item["curve"] = g.curve if isinstance(g.curve, str) else list(g.curve)
        if g.funnel is not None:
            item["funnel"] = _funnel_json(g.funnel)
        if item:
            items[g.id] = item
    text = _dumps(items)
    if len(text) > CELL_LIMIT:
        for item in items.values():
            if isinstance(item.get("curve"), list):
                del item["curve"]
        text = _dumps({k: v for k, v in items.items() if v})
    return text if len(text) <= CELL_LIMIT else "{}"


def _dumps(items: dict[str, dict[str, Any]]) -> str:
    return json.dumps(items, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def decode_settings(text: str) -> dict[str, GoalSettings] | None:
    """The inverse of :func:`encode_settings`; None when the text is not one (edited by hand)."""
    try:
        raw = json.loads(text)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    out: dict[str, GoalSettings] = {}
    for gid, item in raw.items():
        if not isinstance(item, dict):
            return None
        curve = _curve(item.get("curve", "linear"))
        funnel = _funnel(item["funnel"]) if "funnel" in item else None
        if curve is None or ("funnel" in item and funnel is None):
            return None
        out[str(gid)] = GoalSettings(curve, funnel)
    return out


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _curve(raw: object) -> CurveName | tuple[float, ...] | None:
    if isinstance(raw, str):
        return raw if raw in _CURVES else None
    if not isinstance(raw, list) or not raw:
        return None
    weights = [_number(w) for w in raw]
    clean = tuple(w for w in weights if w is not None and w >= 0)
    return clean if len(clean) == len(weights) and sum(clean) > 0 else None


def _funnel(raw: object) -> Funnel | None:
    if not isinstance(raw, dict):
        return None
    deal, cycle = _number(raw.get("deal")), _number(raw.get("cycle"))
    close, stages_raw = raw.get("close"), raw.get("stages")
    if deal is None or deal <= 0 or cycle is None or cycle < 0 or cycle != int(cycle):
        return None
    if not isinstance(close, str) or not isinstance(stages_raw, list):
        return None
    stages = []
    for s in stages_raw:
        if not isinstance(s, list) or len(s) != 3 or not isinstance(s[0], str):
            return None
        conversion, days = _number(s[1]), _number(s[2])
        if conversion is None or not 0 < conversion <= 1 or days is None or days != int(days):
            return None
        stages.append(Stage(s[0], conversion, int(days)))
    return Funnel(deal, int(cycle), tuple(stages), close)
