"""Feeds: their state, status and seen entries; the repository methods mixed into `Store`.

feed_state / record_poll / feed_snapshots / feed_states   what a poll reads and writes
feed_status / feed_statuses / save_feed_status   where a feed moved to, its current outage
move_feed(old, new)                 carry state and seen entries after a 301/308
unseen_entry_ids / entry_revisions / save_revisions / mark_entries_seen   seen entries
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlmodel import col, select

from monitor.records import Event, FeedState, FeedStatus
from monitor.store.base import StoreBase
from monitor.store.convert import (
    feed_state_of,
)
from monitor.store.tables import (
    EntryRow,
    FeedRow,
    FeedStatusRow,
    table_of,
)

log = logging.getLogger(__name__)

IN_CHUNK = 500  # ids per IN (...) list: far below SQLite's bound-parameter limit
MAX_ERROR_CHARS = 2000  # a last_error is for people; a whole HTML error page is not


def feed_status_of(row: Any) -> FeedStatus:
    """A FeedStatus from a feed_status row (ORM object or Core row)."""
    return FeedStatus(
        url=row.url,
        location=row.location,
        moved_at=row.moved_at,
        failing_since=row.failing_since,
        down_notified_at=row.down_notified_at,
        published=tuple(datetime.fromisoformat(text) for text in json.loads(row.published or "[]")),
    )


class FeedStore(StoreBase):
    """Repository methods for feeds, their status and seen entries (mixed into `Store`)."""

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

    def feed_status(self, url: str) -> FeedStatus:
        """Where the feed of this watchlist URL lives now, and its current outage."""
        statuses = table_of(FeedStatusRow)
        with self._connection("read feed status") as connection:
            row = connection.execute(statuses.select().where(statuses.c.url == url)).first()
            return FeedStatus(url=url) if row is None else feed_status_of(row)

    def feed_statuses(self) -> Iterator[FeedStatus]:
        """Every stored feed status."""
        with self._connection("read feed statuses") as connection:
            rows = list(connection.execute(table_of(FeedStatusRow).select()))
        for row in rows:
            yield feed_status_of(row)

    def save_feed_status(self, status: FeedStatus, events: Sequence[Event] = ()) -> None:
        """Insert or replace a feed's status, with the events that report the change."""
        with self._connection("save feed status", write=True) as connection:
            connection.execute(*self._feed_status_upsert(status))
            self._insert_events(connection, events)

    def _feed_status_upsert(self, status: FeedStatus) -> tuple[Any, dict[str, Any]]:
        values = {
            "url": status.url,
            "location": status.location,
            "moved_at": status.moved_at,
            "failing_since": status.failing_since,
            "down_notified_at": status.down_notified_at,
            "published": json.dumps(
                [date.astimezone(UTC).isoformat() for date in status.published]
            ),
        }
        return self._upsert(table_of(FeedStatusRow), "url"), values


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_ERROR_CHARS:
        return text
    return text[: MAX_ERROR_CHARS - 1] + "…"
