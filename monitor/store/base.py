"""What the repository mixins (feeds, articles, alerts, events, leases, poison) use of `Store`
and of each other, for the type checker."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table
from sqlmodel import Session

from monitor.records import Alert, Event


class StoreBase:
    """The transaction and statement helpers `Store` defines and its mixins call."""

    if TYPE_CHECKING:
        _mark: str  # the driver's parameter mark
        _entry_insert_sql: str

        def _session(
            self, action: str, *, write: bool = False, durable: bool = True
        ) -> AbstractContextManager[Session]: ...

        def _connection(
            self, action: str, *, write: bool = False, durable: bool = True
        ) -> AbstractContextManager[Connection]: ...

        def _insert(self, table: Table) -> Any: ...

        def _upsert(self, table: Table, key: str) -> Any: ...

        # defined by one mixin, called by another
        def _insert_events(self, connection: Connection, events: Sequence[Event]) -> None: ...

        def _mark_seen(
            self,
            connection: Connection,
            feed_url: str,
            entries: Iterable[tuple[str, str | None]],
            now: datetime,
        ) -> None: ...

        def _insert_alert(
            self, connection: Connection, alert: Alert, channels: Sequence[str]
        ) -> int | None: ...
