"""What a name, id or month typed on the command line refers to.

People type ``--owner "Tomas Herrera"`` for Tomás, ``--since 2027-5`` for
May and a plan id from memory. Each is resolved here the way the workbook
would match it (owner names by :func:`backplan_xlsx.names.find_person`),
and one that matches nothing is an error that lists what there is, never an
empty report that looks like "no data".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .errors import BackplanError
from .names import find_person, loose_key

if TYPE_CHECKING:
    from .history import HistoryRow, HistoryStore
    from .model import Owner

_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*$")
_SHOWN = 12


def _listing(names: Iterable[str]) -> str:
    items = list(dict.fromkeys(names))
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return ", ".join(items[:_SHOWN]) + more if items else "none"


def find_owners(owners: Sequence[Owner], queries: Sequence[str]) -> list[Owner]:
    """The owners each query means, in the plan's order (every owner when none given).

    Raises:
        BackplanError: a query that matches no owner, or (without accents)
            several, with the owners there are.
    """
    if not queries:
        return list(owners)
    picked: set[str] = set()
    for query in queries:
        name = find_person(query, (o.name for o in owners))
        if name is None:
            hits = [o.name for o in owners if loose_key(o.name) == loose_key(query)]
            if hits:
                what = f"matches {len(hits)} owners ({_listing(hits)})"
                hint = "type the name with its accents"
            else:
                what, hint = "no such owner in this plan", "check the spelling"
            raise BackplanError(
                f"--owner {query!r}: {what}; {hint}. Owners: {_listing(o.name for o in owners)}"
            )
        picked.update(o.id for o in owners if o.name == name)
    return [o for o in owners if o.id in picked]


def month_arg(text: str, option: str = "--since") -> str:
    """``2027-5``, ``2027-05`` or ``2027/5`` → ``2027-05``.

    Raises:
        BackplanError: not a month.
    """
    m = _MONTH.match(text)
    if m is None or not 1 <= int(m[2]) <= 12:
        raise BackplanError(f"{option} {text!r}: not a month; write YYYY-MM, e.g. 2027-05")
    return f"{int(m[1]):04d}-{int(m[2]):02d}"


def _resolve(given: str, known: Sequence[str], what: str, store: str) -> str:
    """``given`` as the store spells it (case aside), or an error listing ``known``."""
    if given in known:
        return given
    folded = [k for k in known if k.casefold() == given.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise BackplanError(f"{store}: no {what} {given!r} in the history; it holds {_listing(known)}")


def resolve_filters(
    store: HistoryStore,
    where: str,
    *,
    plan: str | None = None,
    kind: str = "goal",
    item: str | None = None,
) -> tuple[str | None, str | None]:
    """A plan id and an item id as the store spells them (an empty store takes any).

    Raises:
        BackplanError: a plan or item the store does not hold, listing what it holds.
    """
    if not (plan or item) or not store.months():
        return plan, item
    everything = store.rows(kind=kind)
    if plan:
        plan = _resolve(plan, sorted({r.plan_id for r in everything}), "plan", where)
    if item:
        pool = [r.item_id for r in everything if not plan or r.plan_id == plan]
        what = kind.replace("_", "-") + (f" of plan {plan}" if plan else "")
        item = _resolve(item, sorted(set(pool)), what, where)
    return plan, item


def history_rows(
    store: HistoryStore,
    where: str,
    *,
    plan: str | None = None,
    kinds: Sequence[str] = ("goal",),
    item: str | None = None,
    since: str | None = None,
) -> list[HistoryRow]:
    """The stored rows a ``history`` command asks for, of every kind in ``kinds``.

    A store with no rows at all gives an empty list (the report says to
    run collect). A plan or item the store does not hold is an error
    naming what it holds; a month after the last stored one is one too,
    so a typo never looks like "no data yet".

    Args:
        store: the open history store.
        where: how the user named the store (for messages).
        plan, kinds, item: filters (plan id, kinds of item, item id).
        since: YYYY-M or YYYY-MM.

    Raises:
        BackplanError: a bad month, or a filter that matches nothing stored.
    """
    month = month_arg(since) if since else None
    months = store.months()
    if not months:
        return []
    plan, item = resolve_filters(store, where, plan=plan, kind=kinds[0], item=item)
    if month and month > months[-1]:
        raise BackplanError(
            f"{where}: no history since {month}; it holds {months[0]} to {months[-1]}"
        )
    return [r for k in kinds for r in store.rows(plan=plan, kind=k, item=item, since=month)]


def filed_month(store: HistoryStore, where: str, month: str | None) -> str | None:
    """``month`` when the store holds it (any month for an empty store), else an error.

    A month never filed would show an empty Changes view that reads like
    "no history yet"; naming the months held says what to type instead.

    Raises:
        BackplanError: the store holds months, but not this one.
    """
    months = store.months()
    if month is None or not months or month in months:
        return month
    raise BackplanError(
        f"{where}: nothing was filed for {month}; it holds {_listing(months)}. To file it, "
        f"run `backplan collect` with --as-of a day of {month}"
    )
