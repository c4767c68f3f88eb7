"""Text from workbooks made inert in Markdown: no HTML, no links, no images.

Every name, note and anti-goal in a report was typed by someone editing a
workbook, and Markdown is rendered by wikis, chat tools and mail clients
that pass raw HTML through, follow ``[x](javascript:…)`` links and load
``![](https://…)`` images. PRODUCT: everything written for people is inert.
So data text is escaped, never trusted:

- HTML: ``& < >`` become entities, so ``<script>`` and ``<img onerror>``
  show as text;
- links and images: ``[`` and ``]`` are escaped, so no ``[x](…)`` or
  ``![](…)`` forms; a bare URL (which GFM would auto-link) is shown in a
  code span, where nothing is a link;
- emphasis, code and table syntax (`` \\ ` * _ ~ | ``) are escaped, and a
  line cannot start a heading, quote or list (``#``, ``-``, ``+``, ``=``,
  ``1.``).

The structure of a page (headings, bullets, tables) is backplan's own and is
written around the escaped text, never from it.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]~|])")
_LINE_MARK = re.compile(r"^(\s*)([#+=-])", re.M)
_LINE_NUMBER = re.compile(r"^(\s*\d+)([.)])", re.M)
#: What GFM and most renderers turn into a link without any brackets:
#: ``scheme:…`` with a slash or a call, ``www.…``, and e-mail addresses. A ``|``
#: ends one: a GFM table splits cells at a pipe even inside a code span.
_BARE_LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]{0,15}:(?://|[^\s|]*[/(])|www\.)[^\s<>|]*"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    re.IGNORECASE,
)


def code_span(text: str) -> str:
    """``text`` as an inline code span: shown as typed, never rendered."""
    flat = " ".join(text.split())
    runs = [len(r) for r in re.findall(r"`+", flat)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}" if flat else ""


def _escape_plain(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def inline(text: str) -> str:
    """Data text for the middle of a Markdown line (a table cell, after a label)."""
    out: list[str] = []
    pos = 0
    for m in _BARE_LINK.finditer(text):
        out.append(_escape_plain(text[pos : m.start()]))
        out.append(code_span(m.group(0)))
        pos = m.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def line(text: str) -> str:
    """Data text that starts a line (a bullet's text): no heading, quote or list either."""
    escaped = _LINE_MARK.sub(r"\1\\\2", inline(text))
    return _LINE_NUMBER.sub(r"\1\\\2", escaped)
