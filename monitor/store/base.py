"""What the repository mixins (alerts, events, leases) use of `Store`, for the type checker."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table
from sqlmodel import Session


class StoreBase:
    """The transaction and statement helpers `Store` defines and its mixins call."""

    if TYPE_CHECKING:

        def _session(
            self, action: str, *, write: bool = False, durable: bool = True
        ) -> AbstractContextManager[Session]: ...

        def _connection(
            self, action: str, *, write: bool = False, durable: bool = True
        ) -> AbstractContextManager[Connection]: ...

        def _insert(self, table: Table) -> Any: ...

        def _upsert(self, table: Table, key: str) -> Any: ...
