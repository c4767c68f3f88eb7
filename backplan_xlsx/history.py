"""The history store: one row per plan item per month, for trends.

An embedded SQLite file by default; any SQLAlchemy URL (``postgresql://…``)
for a store an ops team shares. SQLAlchemy Core earns its import (~0.3 s,
paid only by ``collect`` and ``history``) by giving one dialect-neutral
schema, transactions and upserts-by-replace on both SQLite and PostgreSQL.

Importing a month again replaces that month's rows for the plans imported
and touches nothing else; every import is one transaction, so a kill midway
leaves the store as it was. The schema carries a version and is migrated in
code (:data:`MIGRATIONS`). Schema 3 adds ``backplan_inputs``: each plan's
merged inputs per month, the base the next month starts from
(:mod:`backplan_xlsx.carry`).

Any number of runs may write at once, to a new store or an old one: every
write transaction takes the store's write lock first (``BEGIN IMMEDIATE``
on SQLite, a transaction-scoped advisory lock on PostgreSQL), and the
schema is created or migrated under that lock after looking again, so two
first runs never both create a table. Nothing is left behind: the locks
live in the database and go with the transaction, also when a run is
killed. ``collect`` does its reads, its writes and its roll-up inside one
such transaction (:meth:`HistoryStore.locked`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine import StatusReport
from .errors import HistoryError as HistoryError  # re-exported: raised here
from .historyrows import HistoryRow as HistoryRow  # re-exported: the store's row
from .historyrows import attainment as attainment
from .historyrows import report_rows as report_rows
from .historyrows import return_row as return_row
from .historyrows import status_counts as status_counts

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from .returns import ReturnRow

SCHEMA_VERSION = 3
KINDS = ("goal", "milestone", "owner", "owner_part", "anti_goal", "action", "return")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: PostgreSQL advisory lock key of the store's write lock ("backplan" in ASCII).
PG_LOCK_KEY = 0x6261636B706C616E
#: How long a run waits for another's write to finish, in seconds (SQLite).
LOCK_WAIT = 300


def store_url(target: str | Path) -> str:
    """A SQLAlchemy URL for a path (SQLite) or a URL given as is."""
    text = str(target)
    if "://" in text:
        return text
    try:
        full = Path(text).resolve()
    except (OSError, RuntimeError):  # a symlink loop: SQLite will say so when it opens it
        full = Path(os.path.abspath(text))
    return f"sqlite:///{full}"


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
        *_V2_COLUMNS(),
    )
    return md, meta, (imports, items)


def _V2_COLUMNS() -> list[Any]:  # noqa: N802 (the columns schema 2 added, for create and migrate)
    from sqlalchemy import Column, Float, String

    return [Column("goal_id", String(64)), Column("baseline", Float), Column("attainment", Float)]


def _migrate_1(conn: Connection) -> None:
    md, _, _ = _tables()
    md.create_all(conn)


def _migrate_2(conn: Connection) -> None:
    """Schema 2: every row says which goal its figures are of, its baseline and attainment.

    Months filed before keep every row. What can be derived is filled in:
    a goal row's goal is itself, an owner's part (``O1/G1``) is of G1 with
    baseline 0 (an owner's figures count from nothing). Goals' baselines were
    not stored; :meth:`HistoryStore.record` fills them in (and their
    attainment) from the next import of the same plan version.
    """
    from sqlalchemy import inspect, text
    from sqlalchemy.schema import CreateColumn

    have = {c["name"] for c in inspect(conn).get_columns("backplan_items")}
    for column in _V2_COLUMNS():
        if column.name not in have:
            spec = CreateColumn(column).compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE backplan_items ADD COLUMN {spec}"))
    _, _, (_, items) = _tables()
    conn.execute(
        items.update()
        .where((items.c.kind == "goal") & items.c.goal_id.is_(None))
        .values(goal_id=items.c.item_id)
    )
    parts = items.select().where((items.c.kind == "owner_part") & items.c.goal_id.is_(None))
    for r in conn.execute(parts).all():
        conn.execute(
            items.update()
            .where(
                (items.c.month == r.month)
                & (items.c.plan_id == r.plan_id)
                & (items.c.kind == r.kind)
                & (items.c.item_id == r.item_id)
            )
            .values(
                goal_id=r.item_id.partition("/")[2],
                baseline=0.0,
                attainment=attainment(r.actual, r.expected, 0.0),
            )
        )


def _migrate_3(conn: Connection) -> None:
    """Schema 3: the merged inputs of each plan per month (months filed before have none)."""
    from .carry import inputs_table

    inputs_table().create(conn, checkfirst=True)


#: version → step that brings a store from version-1 to version.
MIGRATIONS = {1: _migrate_1, 2: _migrate_2, 3: _migrate_3}


class HistoryStore:
    """A connection to the history store, migrated to the current schema."""

    def __init__(self, target: str | Path) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        self.url = store_url(target)
        try:
            self.engine: Engine = _engine(self.url)
            with self.engine.connect() as conn:
                current = self._schema_in(conn)
            if current != SCHEMA_VERSION:
                with self._writing() as conn:  # look again under the lock
                    self._migrate(conn)
        except SQLAlchemyError as exc:
            raise HistoryError(f"history store {self._shown()}: {_short(exc)}") from None
        except ModuleNotFoundError as exc:
            raise HistoryError(
                f"history store {self._shown()}: the database driver is missing ({exc.name}); "
                "install backplan-xlsx[postgres] for PostgreSQL"
            ) from None

    def _shown(self) -> str:
        if self.url.startswith("sqlite:///"):
            return self.url.removeprefix("sqlite:///")
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", self.url)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction holding the store's write lock (see the module docstring)."""
        from sqlalchemy import text

        with self.engine.connect() as conn:
            conn.execution_options(backplan_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
                yield conn

    @contextlib.contextmanager
    def locked(self) -> Iterator[Connection]:
        """One write transaction holding the store's lock: commits when the block ends.

        Pass the connection to :meth:`record`, :meth:`rows` and :meth:`months`
        to read and write as one unit while other runs wait their turn.

        Raises:
            HistoryError: the store cannot be written (or committed to).
        """
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self._writing() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise HistoryError(f"history store {self._shown()}: {_short(exc)}") from None

    def _schema_in(self, conn: Connection) -> int:
        """The schema version seen by ``conn`` (0: a new store)."""
        from sqlalchemy import inspect, select

        _, meta, _ = _tables()
        if not inspect(conn).has_table("backplan_meta"):
            return 0
        row = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).first()
        return int(row[0]) if row else 0

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

    def record(
        self,
        month: str,
        reports: Sequence[StatusReport],
        files: int = 0,
        *,
        returns: Sequence[ReturnRow] = (),
        conn: Connection | None = None,
    ) -> int:
        """Replace ``month``'s rows for these plans with these reports, in one transaction.

        ``returns`` (who sent their part back) are filed as ``return`` rows,
        status Returned, Untouched or Missing, so next month knows who
        should answer. ``conn``: the transaction of :meth:`locked` to write
        in (default: one of its own).

        Returns:
            The number of item rows written.
        """
        from sqlalchemy.exc import SQLAlchemyError

        if not _MONTH.match(month):
            raise HistoryError(f"{month!r} is not a month; write it as YYYY-MM")
        _, _, (imports, items) = _tables()
        rows = [r for report in reports for r in report_rows(month, report)]
        rows += [return_row(month, r, reports) for r in returns]
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            with contextlib.nullcontext(conn) if conn is not None else self._writing() as conn:
                for pid in {r.plan_id for r in reports} | {r.plan for r in returns}:
                    conn.execute(
                        items.delete().where((items.c.month == month) & (items.c.plan_id == pid))
                    )
                for report in reports:
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
                for report in reports:
                    _fill_baselines(conn, items, report)
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
        month: str | None = None,
        conn: Connection | None = None,
    ) -> list[HistoryRow]:
        """Stored rows, oldest month first, filtered (as ``conn`` sees them, if given)."""
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
        if month:
            query = query.where(items.c.month == month)
        query = query.order_by(items.c.month, items.c.plan_id, items.c.kind, items.c.item_id)
        with contextlib.nullcontext(conn) if conn is not None else self.engine.connect() as conn:
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
                    r.goal_id or "",
                    r.baseline,
                    r.attainment,
                )
                for r in conn.execute(query)
            ]

    def months(self, conn: Connection | None = None) -> list[str]:
        """Months that hold data, oldest first."""
        from sqlalchemy import select

        _, _, (_, items) = _tables()
        with contextlib.nullcontext(conn) if conn is not None else self.engine.connect() as conn:
            return [
                r[0] for r in conn.execute(select(items.c.month).distinct().order_by(items.c.month))
            ]

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def _fill_baselines(conn: Connection, items: Any, report: StatusReport) -> None:
    """Give goal rows filed by schema 1 their baseline and attainment.

    A goal's baseline is part of its plan version, so the rows of the same
    plan version filed before schema 2 take it from this report.
    """
    for g in report.goals:
        b = g.baseline
        old = (
            (items.c.plan_id == report.plan_id)
            & (items.c.plan_version == report.version)
            & (items.c.goal_id == g.id)
            & items.c.kind.in_(("goal", "milestone"))
            & items.c.baseline.is_(None)
        )
        for r in conn.execute(items.select().where(old)).all():
            conn.execute(
                items.update()
                .where(
                    (items.c.month == r.month)
                    & (items.c.plan_id == r.plan_id)
                    & (items.c.kind == r.kind)
                    & (items.c.item_id == r.item_id)
                )
                .values(baseline=b, attainment=attainment(r.actual, r.expected, b))
            )


def _engine(url: str) -> Engine:
    """An engine whose SQLite write transactions take the write lock when they begin.

    pysqlite's own transaction handling begins late and deferred, so two
    runs could both read "no table yet" and both create it; here a write
    transaction starts with ``BEGIN IMMEDIATE`` and waits its turn.
    """
    from sqlalchemy import create_engine, event

    if not url.startswith("sqlite"):
        return create_engine(url)
    path = url.removeprefix("sqlite:///")
    if path != url and path and ":memory:" not in path and "?" not in path:
        _create_with_umask(path)
    engine = create_engine(url, connect_args={"timeout": LOCK_WAIT})

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("backplan_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _create_with_umask(path: str) -> None:
    """Create a new store file with the umask's mode (SQLite alone makes it 0644).

    An empty file is an empty SQLite database; a run that loses the race to
    create it just opens the other's. Faults are left to SQLite to report.
    """
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))


#: SQLite's words for machine faults → what to do about them.
_ADVICE = {
    "disk is full": "the disk is full; free some space and run again (nothing was filed)",
    "unable to open database file": (
        "cannot open or create it; check that its folder exists and that you may write there"
    ),
    "readonly database": "it is read-only here; use a store you may write to (--history)",
    "disk I/O error": "the disk reported an error; check it and run again (nothing was filed)",
}


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    for words, advice in _ADVICE.items():
        if words in first:
            return advice
    return first


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
        "goal_id": r.goal_id or None,
        "baseline": r.baseline,
        "attainment": r.attainment,
    }
