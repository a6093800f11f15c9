"""The event stream: the repository methods behind it, mixed into `Store`.

record_events(events)           append events (also inside `record_article`'s transaction)
events(since=, after_id=)       read them back in order, for `monitor events` and the sink
event_cursor / save_event_cursor  how far a consumer (the webhook sink) has read
prune_events(before)            drop events older than the retention
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func
from sqlmodel import col, select

from monitor.records import Event, clean_text
from monitor.store.base import StoreBase
from monitor.store.tables import EventCursorRow, EventRow, table_of

DataValue = str | int | float | bool | None


def event_row(event: Event) -> dict[str, Any]:
    return {
        "at": event.at,
        "kind": event.kind,
        "source": event.source,
        "topic": event.topic,
        "data": clean_text(json.dumps(dict(event.data), ensure_ascii=False, default=str)),
    }


def event_of(row: EventRow) -> Event:
    data = json.loads(row.data or "{}")
    return Event(
        id=row.id,
        at=row.at,
        kind=row.kind,
        source=row.source,
        topic=row.topic,
        data=tuple(data.items()) if isinstance(data, dict) else (),
    )


class EventStore(StoreBase):
    """Repository methods for the event stream (mixed into `Store`)."""

    def record_events(self, events: Sequence[Event]) -> None:
        """Append events in their own transaction."""
        if not events:
            return
        with self._connection("record events", write=True) as connection:
            self._insert_events(connection, events)

    def _insert_events(self, connection: Connection, events: Sequence[Event]) -> None:
        if events:
            connection.execute(table_of(EventRow).insert(), [event_row(e) for e in events])

    def events(
        self,
        *,
        since: datetime | None = None,
        after_id: int | None = None,
        kinds: Sequence[str] = (),
        limit: int | None = None,
    ) -> list[Event]:
        """Stored events in the order they happened (by id)."""
        statement = select(EventRow).order_by(col(EventRow.id))
        if since is not None:
            statement = statement.where(col(EventRow.at) >= since)
        if after_id is not None:
            statement = statement.where(col(EventRow.id) > after_id)
        if kinds:
            statement = statement.where(col(EventRow.kind).in_(list(kinds)))
        with self._session("read events") as session:
            return [event_of(row) for row in session.exec(statement.limit(limit))]

    def last_event_id(self) -> int:
        """The id of the newest event (0 when there is none)."""
        with self._session("read the last event id") as session:
            return int(session.exec(select(func.max(col(EventRow.id)))).one() or 0)

    def prune_events(self, before: datetime) -> int:
        """Delete events older than `before`; return how many."""
        with self._session("prune events", write=True) as session:
            result = session.exec(delete(EventRow).where(col(EventRow.at) < before))
            return int(result.rowcount or 0)

    def event_cursor(self, name: str) -> int | None:
        """The last event id consumer `name` has handled; None when it never ran."""
        with self._session("read an event cursor") as session:
            row = session.get(EventCursorRow, name)
            return row.last_id if row else None

    def save_event_cursor(self, name: str, last_id: int, now: datetime) -> None:
        """Remember that consumer `name` has handled every event up to `last_id`."""
        values = {"last_id": last_id, "updated_at": now}
        statement = (
            self._insert(table_of(EventCursorRow))
            .values(name=name, **values)
            .on_conflict_do_update(index_elements=["name"], set_=values)
        )
        with self._session("save an event cursor", write=True) as session:
            session.exec(statement)
