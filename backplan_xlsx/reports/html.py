"""One self-contained HTML page: no scripts, no external files, everything escaped.

Every name in a report comes from a workbook someone edited, so every piece
of text goes through :func:`html.escape`; the page carries no JavaScript and
loads nothing, so it is safe to e-mail and to open from a shared folder.
The chart is inline SVG: per goal, target against actual (each goal scaled
to its own target, since goals count different units), with the expected
pace and the projection at the deadline marked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from .. import rules
from ..engine import GoalStatus, StatusReport
from ..errors import Problem
from . import common, sections
from .common import By

_OPEN, _CLOSE = "\ue000", "\ue001"
_BADGE = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]*){_CLOSE}")
_KNOWN = set(common.TONES)

_FILL = {"good": "#2e7d32", "warn": "#b26a00", "bad": "#c62828", "quiet": "#757575"}

CSS = """
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --head:#1F4E78; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); margin: 0; background: #f6f7f9; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 48px; }
header h1 { margin: 0 0 4px; font-size: 26px; color: var(--head); }
header p { margin: 0; color: var(--muted); }
h2 { font-size: 18px; margin: 30px 0 10px; color: var(--head); }
h3 { font-size: 15px; margin: 18px 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr));
  gap: 14px; margin-top: 20px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.card h3 { margin: 0 0 6px; font-size: 16px; display: flex; justify-content: space-between;
  gap: 8px; align-items: baseline; }
.figs { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 8px 0; }
.figs dt { color: var(--muted); } .figs dd { margin: 0; font-variant-numeric: tabular-nums; }
.long { border-top: 1px solid var(--line); padding-top: 8px; margin: 8px 0 0; }
.chart { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px;
  margin-top: 14px; }
.chart svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line);
  font-size: 13px; }
th { background: var(--head); color: #fff; text-align: left; font-weight: 600;
  padding: 6px 8px; }
td { padding: 5px 8px; border-top: 1px solid var(--line); vertical-align: top;
  white-space: pre-line; }
td.date { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; white-space: nowrap; }
.good { background: #C6EFCE; color: #006100; } .warn { background: #FFEB9C; color: #9C5700; }
.bad { background: #FFC7CE; color: #9C0006; } .quiet { background: #E7E6E6; color: #3A3A3A; }
.note { color: var(--muted); margin: 6px 0 0; }
.group { margin-top: 34px; border-top: 3px solid var(--head); }
.problems td:first-child { white-space: nowrap; font-family: ui-monospace, monospace; }
footer { color: var(--muted); margin-top: 36px; font-size: 12px; }
"""


def _mark(status: str) -> str:
    """Marks a status word for a badge; the marks survive escaping, user text cannot forge tags."""
    return f"{_OPEN}{status}{_CLOSE}"


def _cell(text: str) -> str:
    """Escape a cell, then turn marked status words into badges."""

    def badge(m: re.Match[str]) -> str:
        word = m.group(1)
        if word not in _KNOWN:
            return escape(word)
        return f'<span class="badge {common.tone(word)}">{escape(word)}</span>'

    return _BADGE.sub(badge, escape(text, quote=True))


def _badge(status: str) -> str:
    return _cell(_mark(status))


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMERIC = re.compile(r"^[-\d,.% ]+(?: [A-Za-z%]{1,5})?(?: / [-\d,.%]+)?$")


def _kind(text: str) -> str:
    """A cell's CSS class: dates never wrap, numbers also align right."""
    if _DATE.match(text):
        return "date"
    if _NUMERIC.match(text):
        return "num"
    return ""


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{_kind(c)}">{_cell(c)}</td>' if _kind(c) else f"<td>{_cell(c)}</td>"
            for c in row
        )
        body.append(f"<tr>{cells}</tr>")
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _goal_card(g: GoalStatus) -> str:
    figs = [
        ("Actual", common.money(g.actual, g.unit)),
        ("Expected now", common.money(g.expected, g.unit)),
        ("Target", common.money(g.target, g.unit)),
        ("Deadline", common.when(g.deadline)),
        ("Owner", g.owner),
    ]
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in figs if v)
    return (
        f'<section class="card"><h3><span>{escape(g.id)} · {escape(g.name)}</span>'
        f'{_badge(g.status)}</h3><dl class="figs">{rows}</dl>'
        f'<p class="long"><strong>Long term:</strong> {escape(common.long_view(g))}.</p></section>'
    )


#: The goal chart's geometry: total width, label and right-hand columns, rows.
_CHART_W, _LABEL_W, _RIGHT_W = 1040, 230, 250
_BAR_W = _CHART_W - _LABEL_W - _RIGHT_W
_ROW_H, _TOP = 54, 52


def goal_chart(goals: Sequence[GoalStatus]) -> str:
    """Inline SVG: per goal, a target track, the actual bar, expected and projected marks.

    Each goal is scaled to the larger of its target and projection (goals
    count dollars, percentages, deals), measured from its baseline in its
    direction, so a win rate going from 22% to 28% fills the bar as it nears
    28%, and a sales cycle going from 95 to 70 days as it nears 70.
    """
    if not goals:
        return ""
    height = _TOP + _ROW_H * len(goals) + 8
    parts = [_chart_head(height)]
    parts.extend(_goal_bar(g, _TOP + i * _ROW_H) for i, g in enumerate(goals))
    parts.append("</svg>")
    return "".join(parts)


def _chart_head(height: int) -> str:
    """The chart's opening tag, title and legend."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_CHART_W} {height}" '
        f'role="img" aria-labelledby="chart-title">',
        '<title id="chart-title">Target versus actual per goal</title>',
        '<text x="0" y="14" font-size="13" font-weight="600" fill="#1F4E78">'
        "Target versus actual</text>"
        f'<text x="{_LABEL_W}" y="14" font-size="12" fill="#6b7280">'
        "from baseline to target, each goal on its own scale</text>",
    ]
    legend = [
        ("#e5e7eb", "target"),
        (_FILL["good"], "actual (coloured by status)"),
        ("#111827", "expected now"),
        ("#6d28d9", "projected at the deadline"),
    ]
    x = _LABEL_W
    for colour, text in legend:
        parts.append(
            f'<rect x="{x}" y="25" width="11" height="11" rx="2" fill="{colour}"/>'
            f'<text x="{x + 16}" y="35" font-size="12" fill="#374151">{escape(text)}</text>'
        )
        x += 16 + int(6.6 * len(text)) + 22
    return "".join(parts)


def _goal_bar(g: GoalStatus, y: int) -> str:
    """One goal's row of the chart, its top at ``y``."""
    # Progress in the goal's direction: a goal that moves down fills its bar
    # as the value falls towards its target, like one that moves up.
    way = g.direction
    span = max((v - g.baseline) * way for v in (g.target, g.projected, g.actual))
    span = span if span > 0 else 1.0

    def pos(value: float) -> float:
        return _LABEL_W + _BAR_W * max(0.0, min(1.0, (value - g.baseline) * way / span))

    target_x, actual_x = pos(g.target), pos(g.actual)
    fill = _FILL[common.tone(g.status)]
    ex, px = pos(g.expected), pos(g.projected)
    right = _CHART_W - _RIGHT_W + 12
    return (
        f'<text x="0" y="{y + 16}" font-size="13" font-weight="600" fill="#1f2937">'
        f"{escape(_clip(g.id + ' ' + g.name, 30))}</text>"
        f'<text x="0" y="{y + 33}" font-size="12" fill="{fill}">{escape(g.status)}</text>'
        f'<rect x="{_LABEL_W}" y="{y + 4}" width="{target_x - _LABEL_W:.1f}" height="26" '
        f'rx="3" fill="#e5e7eb"><title>{escape("Target " + common.money(g.target, g.unit))}'
        "</title></rect>"
        f'<rect x="{_LABEL_W}" y="{y + 9}" width="{max(0.0, actual_x - _LABEL_W):.1f}" '
        f'height="16" rx="2" fill="{fill}"><title>'
        f"{escape('Actual ' + common.money(g.actual, g.unit))}</title></rect>"
        f'<line x1="{ex:.1f}" x2="{ex:.1f}" y1="{y}" y2="{y + 34}" stroke="#111827" '
        f'stroke-width="2"><title>{escape("Expected " + common.money(g.expected, g.unit))}'
        "</title></line>"
        f'<path d="M{px:.1f},{y + 30} l-6,10 h12 z" fill="#6d28d9"><title>'
        f"{escape('Projected ' + common.money(g.projected, g.unit))}</title></path>"
        f'<text x="{right}" y="{y + 16}" font-size="12" fill="#1f2937">'
        f"{escape(common.money(g.actual, g.unit))} of {escape(common.money(g.target, g.unit))}"
        f'</text><text x="{right}" y="{y + 33}" font-size="11" fill="#6b7280">'
        f"{escape('projected ' + common.money(g.projected, g.unit))}</text>"
    )


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _problems(problems: Sequence[Problem]) -> str:
    return f"<h2>Problems</h2><p>{escape(sections.count_line(problems))}</p>" + _table(
        sections.PROBLEM_HEADERS, sections.problem_rows(problems), "problems"
    )


def status_html(report: StatusReport, problems: Sequence[Problem], by: By | None) -> str:
    """The report as one page: goal cards with the long view, the chart, the tables."""
    meta = f"Plan {report.plan_id}, version {report.version} · as of {report.as_of.isoformat()}"
    if report.file:
        meta += f" · {report.file}"
    meta += sections.part_note(report)
    out = [
        f"<header><h1>{escape(report.title)}</h1><p>{escape(meta)}</p></header>",
        f'<div class="cards">{"".join(_goal_card(g) for g in report.goals)}</div>',
        f'<div class="chart">{goal_chart(report.goals)}</div>',
    ]
    for s in sections.sections(report, by, _mark):
        if s.level == 1:
            out.append(
                f'<h2 class="group">{escape(s.title)} {_badge(s.status) if s.status else ""}</h2>'
            )
            continue
        tag = "h3" if by else "h2"
        out.append(f"<{tag}>{escape(s.title)}</{tag}>")
        if s.rows:
            out.append(_table(s.headers, s.rows))
        if s.note:
            out.append(f'<p class="note">{escape(s.note)}</p>')
    if problems:
        out.append(_problems(problems))
    legend = ", ".join(f"{escape(s)}" for s in rules.PROGRESS_STATUSES)
    out.append(
        f"<footer>Statuses: {legend}. Each goal is judged against its own plan path "
        "(its milestones, on the curve the plan chose), measuring progress from the baseline "
        "in the goal's direction, so a goal that moves down (fewer days, less churn) reads "
        "like one that moves up. Computed by backplan from the check-ins; "
        "cached workbook values are not used.</footer>"
    )
    return _page(f"{report.title} — status", "".join(out))


def problems_html(problems: Sequence[Problem], file: str) -> str:
    """``check`` findings as one page."""
    title = f"Check of {file}" if file else "Check"
    body = f"<header><h1>{escape(title)}</h1></header>"
    body += (
        _problems(problems) if problems else f"<p>{escape(sections.count_line(problems, file))}</p>"
    )
    return _page(title, body)
