"""`Store`: every read and write the daemon makes, each one short transaction.

SQLite (default) runs in WAL mode with a 5 s busy timeout and foreign keys on; writing
transactions start with `BEGIN IMMEDIATE` so two writers queue on the lock instead of
failing half-way. PostgreSQL is used as it comes. Upserts use `INSERT … ON CONFLICT`,
which both engines share, so concurrent daemons cannot create an alert twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, Table, create_engine, event, func, or_, update
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
from sqlmodel import Session, col, select

from monitor.errors import StoreError
from monitor.records import Alert, Article, Delivery, Event, FeedState, Observation
from monitor.store.alerts import AlertStore, alert_columns, delivery_rows
from monitor.store.convert import (
    alert_of,
    article_of,
    article_row,
    delivery_of,
    feed_state_of,
    observation_of,
    observation_row,
)
from monitor.store.events import EventStore, FeedStatus, feed_status_of
from monitor.store.leases import LeaseStore
from monitor.store.migrate import migrate_schema, schema_version
from monitor.store.pages import PageStore
from monitor.store.poison import PoisonStore
from monitor.store.reviews import ReviewStore, counts_as_current
from monitor.store.tables import (
    AlertRow,
    ArticleRow,
    DeliveryRow,
    EntryRow,
    FeedRow,
    FeedStatusRow,
    ObservationRow,
    table_of,
)

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000  # a second daemon or `monitor alerts` may hold the lock briefly
IN_CHUNK = 500  # ids per IN (...) list: far below SQLite's bound-parameter limit
MAX_ERROR_CHARS = 2000  # a last_error is for people; a whole HTML error page is not


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


class Store(EventStore, AlertStore, LeaseStore, PoisonStore, ReviewStore, PageStore):
    """The database: feeds, seen entries, articles, observations, alerts and their deliveries."""

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

    def schema_version(self) -> int:
        """The schema version recorded in the database."""
        with self._session("read the schema version") as session:
            return schema_version(session.connection())

    # feeds

    def feed_state(self, url: str) -> FeedState:
        """What is remembered about a feed; a fresh FeedState when it was never polled."""
        feeds = table_of(FeedRow)
        with self._connection("read feed state") as connection:
            row = connection.execute(feeds.select().where(feeds.c.url == url)).first()
            return feed_state_of(row) if row else FeedState(url=url)

    def save_feed_state(self, state: FeedState) -> None:
        """Insert or replace the feed's state."""
        self.record_poll(state)

    def record_poll(
        self,
        state: FeedState,
        *,
        status: FeedStatus | None = None,
        seen: Iterable[tuple[str, str | None]] = (),
        events: Sequence[Event] = (),
    ) -> None:
        """What one poll changed, in one transaction: the feed's state, and (when given) its
        status, entries to remember as seen (entry_id, link) and events."""
        now = state.last_polled_at or state.first_polled_at
        with self._connection("save feed state", write=True, durable=bool(events)) as connection:
            connection.execute(*self._feed_state_upsert(state))
            if status is not None:
                connection.execute(*self._feed_status_upsert(status))
            seen = list(seen)
            if seen and now is not None:
                self._mark_seen(connection, state.url, seen, now)
            self._insert_events(connection, events)

    def _feed_state_upsert(self, state: FeedState) -> tuple[Any, dict[str, Any]]:
        values = {
            "url": state.url,
            "etag": state.validators.etag,
            "last_modified": state.validators.last_modified,
            "first_polled_at": state.first_polled_at,
            "last_polled_at": state.last_polled_at,
            "next_check_at": state.next_check_at,
            "error_count": state.error_count,
            "last_error": _clip(state.last_error),
            "retired": state.retired,
        }
        return self._upsert(table_of(FeedRow), "url"), values

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

    def feed_snapshots(self) -> dict[str, tuple[FeedState, FeedStatus]]:
        """Every stored feed's state and status, by URL, in one read (for a whole cycle)."""
        feeds, statuses = table_of(FeedRow), table_of(FeedStatusRow)
        with self._connection("read feed states") as connection:
            states = {row.url: feed_state_of(row) for row in connection.execute(feeds.select())}
            found = {row.url: feed_status_of(row) for row in connection.execute(statuses.select())}
        return {
            url: (states.get(url) or FeedState(url=url), found.get(url) or FeedStatus(url=url))
            for url in states.keys() | found.keys()
        }

    def feed_states(self) -> list[FeedState]:
        """Every feed the store knows, by URL."""
        with self._session("read feed states") as session:
            rows = session.exec(select(FeedRow).order_by(col(FeedRow.url)))
            return [feed_state_of(row) for row in rows]

    def move_feed(self, old_url: str, new_url: str) -> None:
        """A feed moved for good (301/308): carry its state and seen entries to `new_url`."""
        with self._session("move feed", write=True) as session:
            old = session.get(FeedRow, old_url)
            if old is None or session.get(FeedRow, new_url) is not None:
                return
            seen = set(
                session.exec(select(EntryRow.entry_id).where(col(EntryRow.feed_url) == new_url))
            )
            for entry in session.exec(select(EntryRow).where(col(EntryRow.feed_url) == old_url)):
                if entry.entry_id in seen:
                    session.delete(entry)
                else:
                    entry.feed_url = new_url
            session.add(FeedRow(**{**old.model_dump(), "url": new_url}))
            session.delete(old)
        log.info("feed_moved old=%s new=%s", old_url, new_url)

    def unseen_entry_ids(self, feed_url: str, entry_ids: Iterable[str]) -> set[str]:
        """The ids among `entry_ids` not yet marked seen for this feed."""
        wanted = list(dict.fromkeys(entry_ids))
        return set(wanted) - set(self.entry_revisions(feed_url, wanted))

    def entry_revisions(self, feed_url: str, entry_ids: Iterable[str]) -> dict[str, str | None]:
        """The revision stored for each of `entry_ids` seen on this feed (None: not recorded)."""
        wanted = list(dict.fromkeys(entry_ids))
        found: dict[str, str | None] = {}
        with self._connection("read entry revisions") as connection:
            for start in range(0, len(wanted), IN_CHUNK):
                chunk = wanted[start : start + IN_CHUNK]
                # Every full poll asks this: the driver's query costs a third of a Core
                # select with an expanding IN list.
                marks = ", ".join([self._mark] * len(chunk))
                rows = connection.exec_driver_sql(
                    "SELECT entry_id, revision FROM entry WHERE feed_url = "
                    f"{self._mark} AND entry_id IN ({marks})",
                    (feed_url, *chunk),
                )
                found.update((row[0], row[1]) for row in rows)
        return found

    def save_revisions(self, feed_url: str, revisions: dict[str, str]) -> None:
        """Remember each seen entry's revision as read (`FeedEntry.revision`)."""
        if not revisions:
            return
        mark = self._mark
        with self._connection("save entry revisions", write=True, durable=False) as connection:
            connection.exec_driver_sql(
                f"UPDATE entry SET revision = {mark} WHERE feed_url = {mark} AND entry_id = {mark}",
                [(revision, feed_url, entry_id) for entry_id, revision in revisions.items()],
            )

    def article_values(self, url: str) -> set[Decimal]:
        """Every value observed so far in the article at `url` (what a revision repeats)."""
        table = table_of(ObservationRow)
        with self._connection("read an article's values") as connection:
            rows = connection.execute(select(table.c.value).where(table.c.article_url == url))
            return {Decimal(str(row[0])) for row in rows}

    def mark_entries_seen(
        self, feed_url: str, entries: Iterable[tuple[str, str | None]], now: datetime
    ) -> None:
        """Remember entries (entry_id, link) so the next poll skips them."""
        with self._connection("mark entries seen", write=True, durable=False) as connection:
            self._mark_seen(connection, feed_url, entries, now)

    def _mark_seen(
        self,
        connection: Connection,
        feed_url: str,
        entries: Iterable[tuple[str, str | None]],
        now: datetime,
    ) -> None:
        rows = dict(entries)
        if not rows:
            return
        # A feed's first poll remembers its whole backlog: the driver's executemany with
        # one bound timestamp costs half of SQLAlchemy's per-row parameter processing.
        dialect = connection.dialect
        seen_at = table_of(EntryRow).c.seen_at.type.dialect_impl(dialect).bind_processor(dialect)
        at = seen_at(now) if seen_at else now
        connection.exec_driver_sql(
            self._entry_insert_sql,
            [(feed_url, entry_id, link, at) for entry_id, link in rows.items()],
        )

    # articles and findings

    def has_article(self, url: str) -> bool:
        """True when an article with this URL is recorded."""
        with self._session("look up an article") as session:
            found = session.exec(
                select(ArticleRow.id).where(col(ArticleRow.url) == url).limit(1)
            ).first()
            return found is not None

    def record_article(
        self,
        article: Article,
        *,
        feed_url: str,
        entry_id: str,
        now: datetime,
        observations: Sequence[Observation],
        alerts: Sequence[tuple[Alert, Sequence[str]]],
        events: Sequence[Event] = (),
        revised: bool = False,
    ) -> tuple[int, ...]:
        """Record an article with its findings in one transaction; return the new alert ids.

        `revised`: the article is known and was read again; its row takes the new text.

        The entry is marked seen, the observations stored, and each alert written with one
        pending delivery per channel name: the outbox, delivered only after this commits.
        An alert whose key exists is skipped. An article already recorded (another feed
        carried it) only marks the entry seen.
        """
        created: list[int] = []
        writes = self._article_writes
        # What others may have seen (alerts, events) must survive a power cut. An article
        # that matched nothing has neither: a lost commit loses its seen mark with it, and
        # the next poll reads it again, so it skips the fsync as bookkeeping does.
        durable = bool(alerts or events)
        with self._connection("record an article", write=True, durable=durable) as connection:
            self._mark_seen(connection, feed_url, [(entry_id, article.url)], now)
            if revised:
                table = table_of(ArticleRow)
                row = article_row(article, now)
                connection.execute(
                    table.update().where(table.c.url == article.url),
                    {k: v for k, v in row.items() if k not in ("url", "outlet")},
                )
            # ON CONFLICT DO NOTHING: no id back means another feed carried it first.
            elif connection.execute(writes.article, article_row(article, now)).first() is None:
                log.info("article_known url=%s feed=%s", article.url, feed_url)
                return ()
            if observations:
                connection.execute(
                    writes.observation, [observation_row(item) for item in observations]
                )
            for alert, channels in alerts:
                alert_id = self._insert_alert(connection, alert, channels)
                if alert_id is not None:
                    created.append(alert_id)
            self._insert_events(connection, events)
        return tuple(created)

    def record_alert(self, alert: Alert, channels: Sequence[str]) -> int | None:
        """Put one alert in the outbox on its own; None when its key already exists."""
        with self._connection("record an alert", write=True) as connection:
            return self._insert_alert(connection, alert, channels)

    @cached_property
    def _article_writes(self) -> _ArticleWrites:
        """The outbox's Core statements, built once: the compiled cache then serves them."""
        alert = table_of(AlertRow)
        return _ArticleWrites(
            article=self._insert(table_of(ArticleRow))
            .on_conflict_do_nothing(index_elements=["url"])
            .returning(table_of(ArticleRow).c.id),
            observation=table_of(ObservationRow).insert(),
            alert=self._insert(alert)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(alert.c.id),
            delivery=table_of(DeliveryRow).insert(),
        )

    def _insert_alert(
        self, connection: Connection, alert: Alert, channels: Sequence[str]
    ) -> int | None:
        values = {
            "key": alert.key,
            "topic": alert.topic,
            "figure": alert.figure,
            "title": alert.title,
            "body": alert.body,
            "tags": json.dumps(list(alert.tags), ensure_ascii=False),
            "created_at": alert.created_at,
            **alert_columns(alert),
        }
        alert_id = connection.execute(self._article_writes.alert, values).scalar()
        if alert_id is None:
            log.info("alert_exists key=%s", alert.key)
            return None
        rows = delivery_rows(int(alert_id), alert, channels)
        if rows:
            connection.execute(self._article_writes.delivery, rows)
        return int(alert_id)

    def observations(
        self, topic: str | None = None, figure: str | None = None, *, limit: int | None = None
    ) -> list[Observation]:
        """Stored observations, newest published first."""
        statement = select(ObservationRow)
        if topic is not None:
            statement = statement.where(col(ObservationRow.topic) == topic)
        if figure is not None:
            statement = statement.where(col(ObservationRow.figure) == figure)
        statement = statement.order_by(
            col(ObservationRow.published).desc(), col(ObservationRow.id).desc()
        ).limit(limit)
        with self._session("read observations") as session:
            return [observation_of(row) for row in session.exec(statement)]

    def latest_current(
        self, topic: str, figure: str, *, before: datetime | None = None
    ) -> Observation | None:
        """The current value published last (at or before `before`, if given).

        Held values that no one accepted, and rejected ones, are not current.
        """
        statement = select(ObservationRow).where(
            col(ObservationRow.topic) == topic,
            col(ObservationRow.figure) == figure,
            col(ObservationRow.time) == "current",
            counts_as_current(table_of(ObservationRow)),
        )
        if before is not None:
            statement = statement.where(col(ObservationRow.published) <= before)
        statement = statement.order_by(
            col(ObservationRow.published).desc(), col(ObservationRow.id).desc()
        ).limit(1)
        with self._session("read the latest observation") as session:
            row = session.exec(statement).first()
            return observation_of(row) if row else None

    def corroborations(self, topic: str, figure: str, value: Decimal, *, since: datetime) -> int:
        """How many distinct outlets reported `value` as current since `since`."""
        statement = select(col(ObservationRow.outlet), col(ObservationRow.value)).where(
            col(ObservationRow.topic) == topic,
            col(ObservationRow.figure) == figure,
            col(ObservationRow.time) == "current",
            col(ObservationRow.published) >= since,
        )
        with self._session("count corroborations") as session:
            rows = session.exec(statement).all()
        # Compared as numbers: "13000" and "1.3E+4" are the same value in different text.
        return len({outlet for outlet, stored in rows if stored == value})

    def articles(self, *, since: datetime | None = None) -> list[Article]:
        """Recorded articles, oldest first (by publication, else first fetch), for replays."""
        when = func.coalesce(col(ArticleRow.published), col(ArticleRow.fetched_at))
        statement = select(ArticleRow).order_by(when, col(ArticleRow.id))
        if since is not None:
            statement = statement.where(when >= since)
        with self._session("read articles") as session:
            return [article_of(row) for row in session.exec(statement)]

    # alerts and the outbox

    def alerts(self, *, limit: int = 50) -> list[tuple[Alert, list[Delivery]]]:
        """The latest alerts, newest first, each with its deliveries by channel."""
        with self._session("read alerts") as session:
            rows = session.exec(
                select(AlertRow)
                .order_by(col(AlertRow.created_at).desc(), col(AlertRow.id).desc())
                .limit(limit)
            )
            alerts = [alert_of(row) for row in rows]
            ids = [alert.id for alert in alerts if alert.id is not None]
            deliveries: dict[int, list[Delivery]] = {alert_id: [] for alert_id in ids}
            for start in range(0, len(ids), IN_CHUNK):
                for row in session.exec(
                    select(DeliveryRow)
                    .where(col(DeliveryRow.alert_id).in_(ids[start : start + IN_CHUNK]))
                    .order_by(col(DeliveryRow.channel))
                ):
                    deliveries[row.alert_id].append(delivery_of(row))
        return [(alert, deliveries[alert.id or 0]) for alert in alerts]

    def due_deliveries(self, now: datetime) -> list[tuple[Alert, Delivery]]:
        """Pending deliveries whose next attempt is due, oldest alert first."""
        statement = (
            select(AlertRow, DeliveryRow)
            .join(DeliveryRow, col(DeliveryRow.alert_id) == col(AlertRow.id))
            .where(
                col(DeliveryRow.state) == "pending",
                or_(
                    col(DeliveryRow.next_attempt_at).is_(None),
                    col(DeliveryRow.next_attempt_at) <= now,
                ),
            )
            .order_by(col(AlertRow.created_at), col(AlertRow.id), col(DeliveryRow.channel))
        )
        with self._session("read due deliveries") as session:
            rows = session.exec(statement).all()
            return [(alert_of(alert), delivery_of(delivery)) for alert, delivery in rows]

    def mark_delivered(self, alert_id: int, channel: str, now: datetime) -> None:
        """The channel accepted the alert."""
        self._update_delivery(
            alert_id,
            channel,
            "mark a delivery sent",
            state="sent",
            attempts=col(DeliveryRow.attempts) + 1,
            sent_at=now,
            next_attempt_at=None,
        )

    def mark_delivery_failed(
        self,
        alert_id: int,
        channel: str,
        error: str,
        now: datetime,
        next_attempt_at: datetime | None,
    ) -> None:
        """Count a failed attempt; retry at `next_attempt_at`, or give up (failed) when None."""
        if next_attempt_at is not None and next_attempt_at < now:
            next_attempt_at = now
        self._update_delivery(
            alert_id,
            channel,
            "mark a delivery failed",
            state="pending" if next_attempt_at is not None else "failed",
            attempts=col(DeliveryRow.attempts) + 1,
            last_error=_clip(error),
            next_attempt_at=next_attempt_at,
        )

    def _update_delivery(self, alert_id: int, channel: str, action: str, **values: Any) -> None:
        delivery = table_of(DeliveryRow)
        statement = (
            update(delivery)
            .where(delivery.c.alert_id == alert_id, delivery.c.channel == channel)
            .values(**values)
        )
        with self._session(action, write=True) as session:
            result = session.exec(statement)
            if result.rowcount == 0:
                raise StoreError(
                    f"cannot {action}: no delivery of alert {alert_id} to channel {channel!r}"
                )


class _ArticleWrites(NamedTuple):
    article: Any  # INSERT … ON CONFLICT (url) DO NOTHING RETURNING id
    observation: Any
    alert: Any  # INSERT … ON CONFLICT (key) DO NOTHING RETURNING id
    delivery: Any


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_ERROR_CHARS:
        return text
    return text[: MAX_ERROR_CHARS - 1] + "…"
