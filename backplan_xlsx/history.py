"""The history store: one row per plan item per month, for trends.

An embedded SQLite file by default; any SQLAlchemy URL (``postgresql://…``)
for a store an ops team shares. SQLAlchemy Core earns its import (~0.3 s,
paid only by ``collect`` and ``history``) by giving one dialect-neutral
schema, transactions and upserts-by-replace on both SQLite and PostgreSQL.

Importing a month again replaces that month's rows for the plans imported
and touches nothing else; every import is one transaction, so a kill midway
leaves the store as it was. The schema carries a version and is migrated in
code (:data:`MIGRATIONS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine import StatusReport
from .errors import BackplanError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

SCHEMA_VERSION = 1
KINDS = ("goal", "milestone", "owner", "owner_part", "anti_goal", "action")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class HistoryError(BackplanError):
    """The history store cannot be opened, read or written."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One item's state in one month."""

    month: str
    plan_id: str
    plan_version: int
    kind: str
    item_id: str
    name: str
    status: str
    actual: float | None
    expected: float | None
    target: float | None


def store_url(target: str | Path) -> str:
    """A SQLAlchemy URL for a path (SQLite) or a URL given as is."""
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


def _tables() -> tuple[Any, Any, Any]:
    from sqlalchemy import Column, Float, Integer, MetaData, String, Table

    md = MetaData()
    meta = Table(
        "backplan_meta",
        md,
        Column("key", String(64), primary_key=True),
        Column("value", String(200), nullable=False),
    )
    imports = Table(
        "backplan_imports",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("month", String(7), nullable=False, index=True),
        Column("plan_id", String(200), nullable=False),
        Column("plan_version", Integer, nullable=False),
        Column("imported_at", String(32), nullable=False),
        Column("files", Integer, nullable=False),
    )
    items = Table(
        "backplan_items",
        md,
        Column("month", String(7), primary_key=True),
        Column("plan_id", String(200), primary_key=True),
        Column("kind", String(16), primary_key=True),
        Column("item_id", String(64), primary_key=True),
        Column("plan_version", Integer, nullable=False),
        Column("name", String(500), nullable=False),
        Column("status", String(32), nullable=False),
        Column("actual", Float),
        Column("expected", Float),
        Column("target", Float),
    )
    return md, meta, (imports, items)


def _migrate_1(conn: Connection) -> None:
    md, _, _ = _tables()
    md.create_all(conn)


#: version → step that brings a store from version-1 to version.
MIGRATIONS = {1: _migrate_1}


class HistoryStore:
    """A connection to the history store, migrated to the current schema."""

    def __init__(self, target: str | Path) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.exc import SQLAlchemyError

        self.url = store_url(target)
        try:
            self.engine: Engine = create_engine(self.url, future=True)
            with self.engine.begin() as conn:
                self._migrate(conn)
        except SQLAlchemyError as exc:
            raise HistoryError(f"history store {self._shown()}: {_short(exc)}") from None
        except ModuleNotFoundError as exc:
            raise HistoryError(
                f"history store {self._shown()}: the database driver is missing ({exc.name}); "
                "install backplan-xlsx[postgres] for PostgreSQL"
            ) from None

    def _shown(self) -> str:
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", self.url)

    def _migrate(self, conn: Connection) -> None:
        from sqlalchemy import inspect, select

        md, meta, _ = _tables()
        if not inspect(conn).has_table("backplan_meta"):
            meta.create(conn)
        row = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).first()
        current = int(row[0]) if row else 0
        if current > SCHEMA_VERSION:
            raise HistoryError(
                f"history store {self._shown()} has schema {current}, newer than this "
                f"backplan's {SCHEMA_VERSION}; upgrade backplan-xlsx"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](conn)
        if current != SCHEMA_VERSION:
            if row:
                conn.execute(
                    meta.update()
                    .where(meta.c.key == "schema_version")
                    .values(value=str(SCHEMA_VERSION))
                )
            else:
                conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))

    def schema_version(self) -> int:
        """The store's schema version."""
        from sqlalchemy import select

        _, meta, _ = _tables()
        with self.engine.connect() as conn:
            value = conn.execute(
                select(meta.c.value).where(meta.c.key == "schema_version")
            ).scalar_one()
        return int(value)

    def record(self, month: str, reports: Sequence[StatusReport], files: int = 0) -> int:
        """Replace ``month``'s rows for these plans with these reports, in one transaction.

        Returns:
            The number of item rows written.
        """
        from sqlalchemy.exc import SQLAlchemyError

        if not _MONTH.match(month):
            raise HistoryError(f"{month!r} is not a month; write it as YYYY-MM")
        _, _, (imports, items) = _tables()
        rows = [r for report in reports for r in report_rows(month, report)]
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            with self.engine.begin() as conn:
                for report in reports:
                    conn.execute(
                        items.delete().where(
                            (items.c.month == month) & (items.c.plan_id == report.plan_id)
                        )
                    )
                    conn.execute(
                        imports.insert().values(
                            month=month,
                            plan_id=report.plan_id,
                            plan_version=report.version,
                            imported_at=stamp,
                            files=files,
                        )
                    )
                if rows:
                    conn.execute(items.insert(), [_as_dict(r) for r in rows])
        except SQLAlchemyError as exc:
            raise HistoryError(f"history store {self._shown()}: {_short(exc)}") from None
        return len(rows)

    def rows(
        self,
        *,
        plan: str | None = None,
        kind: str | None = None,
        item: str | None = None,
        since: str | None = None,
    ) -> list[HistoryRow]:
        """Stored rows, oldest month first, filtered."""
        from sqlalchemy import select

        _, _, (_, items) = _tables()
        query = select(items)
        if plan:
            query = query.where(items.c.plan_id == plan)
        if kind:
            query = query.where(items.c.kind == kind)
        if item:
            query = query.where(items.c.item_id == item)
        if since:
            query = query.where(items.c.month >= since)
        query = query.order_by(items.c.month, items.c.plan_id, items.c.kind, items.c.item_id)
        with self.engine.connect() as conn:
            return [
                HistoryRow(
                    r.month,
                    r.plan_id,
                    r.plan_version,
                    r.kind,
                    r.item_id,
                    r.name,
                    r.status,
                    r.actual,
                    r.expected,
                    r.target,
                )
                for r in conn.execute(query)
            ]

    def months(self) -> list[str]:
        """Months that hold data, oldest first."""
        from sqlalchemy import select

        _, _, (_, items) = _tables()
        with self.engine.connect() as conn:
            return [
                r[0] for r in conn.execute(select(items.c.month).distinct().order_by(items.c.month))
            ]

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _as_dict(r: HistoryRow) -> dict[str, Any]:
    return {
        "month": r.month,
        "plan_id": r.plan_id,
        "plan_version": r.plan_version,
        "kind": r.kind,
        "item_id": r.item_id,
        "name": r.name[:500],
        "status": r.status,
        "actual": r.actual,
        "expected": r.expected,
        "target": r.target,
    }


def report_rows(month: str, rep: StatusReport) -> Iterable[HistoryRow]:
    """The history rows of one plan's report: goals, milestones, owners, anti-goals, actions."""
    v, p = rep.version, rep.plan_id
    for g in rep.goals:
        yield HistoryRow(
            month, p, v, "goal", g.id, g.name, g.status, g.actual, g.expected, g.target
        )
    for m in rep.milestones:
        yield HistoryRow(
            month, p, v, "milestone", m.id, m.name, m.status, m.actual, m.expected, m.target
        )
    for o in rep.owners:
        # Parts are per goal: adding ARR to pipeline would mean nothing.
        yield HistoryRow(month, p, v, "owner", o.id, o.name, o.status, None, None, None)
        for part in o.parts:
            yield HistoryRow(
                month,
                p,
                v,
                "owner_part",
                f"{o.id}/{part.goal}",
                o.name,
                part.status,
                part.actual,
                part.expected,
                part.target,
            )
    for x in rep.anti_goals:
        yield HistoryRow(month, p, v, "anti_goal", x.id, x.avoid, x.status, x.latest, None, x.limit)
    for a in rep.actions:
        yield HistoryRow(month, p, v, "action", a.id, a.action, a.status, None, None, None)


def status_counts(rows: Iterable[HistoryRow]) -> dict[str, dict[str, int]]:
    """Month → status → how many items had it (for the trend chart)."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        bucket = out.setdefault(r.month, {})
        bucket[r.status] = bucket.get(r.status, 0) + 1
    return out
