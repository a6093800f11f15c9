"""`open_store()` and `Store`: the engine, its transactions, and the domain mixins combined.

Each domain's reads and writes live in its own file (feeds, articles, alerts, events,
leases, poison), each one short transaction.

SQLite (default) runs in WAL mode with a 5 s busy timeout and foreign keys on; writing
transactions start with `BEGIN IMMEDIATE` so two writers queue on the lock instead of
failing half-way. PostgreSQL is used as it comes. Upserts use `INSERT … ON CONFLICT`,
which both engines share, so concurrent daemons cannot create an alert twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DisconnectionError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from monitor.errors import StoreError
from monitor.store.alerts import AlertStore
from monitor.store.articles import ArticleStore
from monitor.store.events import EventStore
from monitor.store.feeds import FeedStore
from monitor.store.leases import LeaseStore
from monitor.store.migrate import migrate_schema, schema_version
from monitor.store.pages import PageStore
from monitor.store.poison import PoisonStore
from monitor.store.reviews import ReviewStore

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000  # a second daemon or `monitor alerts` may hold the lock briefly


def safe_url(url: str) -> str:
    """The database URL with any password masked, for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def open_store(url: str) -> Store:
    """Open (creating if needed) the database at `url` and run pending migrations."""
    masked = safe_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreError(
            f"cannot open database {masked}: not a database URL; write e.g. "
            "sqlite:///var/lib/monitor/monitor.db or postgresql+psycopg://user@host/db"
        ) from error
    try:
        engine = _create_engine(parsed, masked)
    except (NoSuchModuleError, ArgumentError) as error:
        raise StoreError(f"cannot open database {masked}: {error}") from error
    try:
        with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as connection:
            version = migrate_schema(connection)
    except SQLAlchemyError as error:
        engine.dispose()
        raise StoreError(f"cannot open database {masked}: {_reason(error)}") from error
    except StoreError:
        engine.dispose()
        raise
    log.info("store_opened url=%s schema_version=%d", masked, version)
    return Store(url, engine)


def _create_engine(parsed: URL, masked: str) -> Engine:
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(parsed.query)
    if not in_memory and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot open database {masked}: cannot create directory "
                f"{Path(database).parent}: {error.strerror}"
            ) from error
    engine = create_engine(
        parsed,
        connect_args={"check_same_thread": False},  # the pool hands connections across threads
        poolclass=StaticPool if in_memory else None,
    )
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 module so _begin_sqlite can choose IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _begin_sqlite(connection: Any) -> None:
    options = connection.get_execution_options()
    mode = options.get("sqlite_begin", "DEFERRED")
    if mode == "IMMEDIATE":
        # WAL: FULL syncs this commit and every one before it; NORMAL leaves the sync to the
        # next FULL commit or checkpoint (a crash of the process loses nothing either way).
        connection.exec_driver_sql(f"PRAGMA synchronous = {options.get('sqlite_sync', 'FULL')}")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _reason(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return text[0] if text else type(cause).__name__


def _store_error(action: str, error: SQLAlchemyError) -> StoreError:
    """Our error for a failed statement; transient when the database, not the data, failed."""
    transient = isinstance(error, OperationalError | InterfaceError | DisconnectionError)
    return StoreError(f"{action}: {_reason(error)}", transient=transient)


class Store(
    FeedStore, ArticleStore, AlertStore, EventStore, LeaseStore, PoisonStore, ReviewStore, PageStore
):
    """The database: one mixin per domain (feeds, articles, alerts, events, leases, poisoned
    entries); this class holds the engine and the transaction helpers they share."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.safe_url = safe_url(url)
        self._engine = engine
        self._writer = engine.execution_options(sqlite_begin="IMMEDIATE")
        # Bookkeeping a re-poll rebuilds (feed state, seen entries) skips the fsync that
        # costs ~5 ms a commit; writes that hold alerts or deliveries keep it.
        self._bookkeeper = engine.execution_options(sqlite_begin="IMMEDIATE", sqlite_sync="NORMAL")
        self._dialect = engine.dialect.name
        self._upserts: dict[str, Any] = {}
        self._mark = mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._entry_insert_sql = (
            f"INSERT INTO entry (feed_url, entry_id, link, seen_at) VALUES ({mark}, {mark}, "
            f"{mark}, {mark}) ON CONFLICT (feed_url, entry_id) DO NOTHING"
        )

    def close(self) -> None:
        """Release every connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _session(
        self, action: str, *, write: bool = False, durable: bool = True
    ) -> Iterator[Session]:
        bind = (self._writer if durable else self._bookkeeper) if write else self._engine
        try:
            with (
                Session(bind, expire_on_commit=False) as session,
                session.begin(),
            ):
                yield session
        except SQLAlchemyError as error:
            raise _store_error(f"cannot {action} in {self.safe_url}", error) from error

    @contextmanager
    def _connection(
        self, action: str, *, write: bool = False, durable: bool = True
    ) -> Iterator[Connection]:
        """A Core connection in a transaction: the hot paths skip the ORM's unit of work."""
        bind = (self._writer if durable else self._bookkeeper) if write else self._engine
        try:
            with bind.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise _store_error(f"cannot {action} in {self.safe_url}", error) from error

    def _insert(self, table: Table) -> Any:
        # Both dialects spell ON CONFLICT the same way in SQLAlchemy.
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _upsert(self, table: Table, key: str) -> Any:
        """INSERT … ON CONFLICT (key) DO UPDATE every other column: one statement per table,
        compiled once and reused (values go in as parameters)."""
        statement = self._upserts.get(table.name)
        if statement is None:
            insert = self._insert(table)
            statement = insert.on_conflict_do_update(
                index_elements=[key],
                set_={c.name: insert.excluded[c.name] for c in table.columns if c.name != key},
            )
            self._upserts[table.name] = statement
        return statement

    def schema_version(self) -> int:
        """The schema version recorded in the database."""
        with self._session("read the schema version") as session:
            return schema_version(session.connection())
