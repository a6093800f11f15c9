"""Several daemons on one database: feed leases, delivery claims and instance heartbeats.

Mixed into `Store`. Every running daemon is an *instance* with an id of its own
(`instance_id()`); the work is shared through rows, not messages:

    claim_feed(url, me, now, ttl)     lease the feed before polling it; False: another instance
                                      holds it. PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`
                                      on the lease row, so a busy row is skipped, never waited
                                      for; SQLite: the write lock (`BEGIN IMMEDIATE`) — one file
                                      is one machine. A lease is taken when it is free, expired
                                      or already ours; the caller then reads the feed's stored
                                      next check and polls only when it is due.
    release_feed(url, me)             after the poll stored the feed's next check
    beat(me, now, ttl)                the instance's heartbeat: `seen_at`, and every lease it
                                      holds extended to now + ttl. A killed instance stops
                                      beating, so its leases lapse within `ttl`.
    claim_delivery(d, me, now, ttl)   one UPDATE that takes a pending delivery only if nobody
                                      attempted it since it was read (same `attempts`) and no
                                      other live claim is on it; then send, mark, release.
    leave(me)                         a clean stop: free everything the instance holds.
    instances()                       the instances that have beaten, newest heartbeat first.

Leases are bookkeeping that lapses by itself: on SQLite their commits skip the fsync
(`durable=False`). Schema version 4 (`add_lease_tables`) adds the tables and the delivery's
claim columns.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, String, bindparam, delete, inspect, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select

from monitor.records import Delivery
from monitor.store.base import StoreBase
from monitor.store.tables import TABLES_V4, DeliveryRow, FeedLeaseRow, InstanceRow, table_of


def instance_id() -> str:
    """This process's instance id: host, pid and a random suffix (pids are reused)."""
    return _instance_of(os.getpid())  # a forked child is another instance


@functools.cache
def _instance_of(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}"


def holder_gone(holder: str) -> bool:
    """True when `holder` ran on this host and its process has exited (its claims are void).

    Another host's instance is judged by its lease expiry alone.
    """
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def add_lease_tables(connection: Connection) -> None:
    """Migration 4: the lease and instance tables, and the delivery's claim columns."""
    SQLModel.metadata.create_all(connection, tables=[table_of(row) for row in TABLES_V4])
    delivery = table_of(DeliveryRow)
    present = {column["name"] for column in inspect(connection).get_columns("delivery")}
    for name in ("claimed_by", "claimed_until"):
        if name in present:  # a database put back to an older version by hand keeps them
            continue
        kind = delivery.c[name].type.compile(dialect=connection.dialect)
        connection.exec_driver_sql(f"ALTER TABLE delivery ADD COLUMN {name} {kind}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Instance:
    """A daemon that shares the database, as its last heartbeat left it."""

    id: str
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class _LeaseWrites:
    """The statements of a lease: read the holder, create the row, lock it if free, take it,
    give it back."""

    read: Any
    create: Any
    lock: Any
    take: Any
    release: Any


class LeaseStore(StoreBase):
    """Repository methods for sharing work between instances (mixed into `Store`)."""

    def claim_feed(self, url: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Lease the feed to `holder` until now + ttl; False when a live lease is another's."""
        sql = self._lease_writes
        with self._connection("claim a feed", write=True, durable=False) as connection:
            found = connection.execute(sql.read, {"url": url}).first()
            if found is None:  # the first claim ever: only then may it wait on another's insert
                connection.execute(sql.create, {"url": url})
            current = found.holder if found is not None else None
            gone = current if current and holder_gone(current) else None
            row = connection.execute(
                sql.lock, {"url": url, "who": holder, "now": now, "gone": gone}
            ).first()
            if row is None:
                return False
            connection.execute(sql.take, {"url": url, "who": holder, "until": now + ttl})
            return True

    def release_feed(self, url: str, holder: str) -> None:
        """Give the feed's lease back (only if `holder` still has it)."""
        with self._connection("release a feed", write=True, durable=False) as connection:
            connection.execute(self._lease_writes.release, {"url": url, "who": holder})

    @cached_property
    def _lease_writes(self) -> _LeaseWrites:
        """claim_feed's and release_feed's statements, built once (then compiled once)."""
        lease = table_of(FeedLeaseRow)
        url, holder = bindparam("url", type_=String), bindparam("who", type_=String)
        free = or_(
            lease.c.holder.is_(None),
            lease.c.holder == holder,
            lease.c.claimed_until.is_(None),
            lease.c.claimed_until < bindparam("now", type_=lease.c.claimed_until.type),
            lease.c.holder == bindparam("gone", type_=String),  # its process is gone
        )
        return _LeaseWrites(
            read=sa_select(lease.c.holder).where(lease.c.feed_url == url),
            create=self._insert(lease)
            .values(feed_url=url, holder=None, claimed_until=None)
            .on_conflict_do_nothing(index_elements=["feed_url"]),
            lock=sa_select(lease.c.feed_url)
            .where(lease.c.feed_url == url, free)
            .with_for_update(skip_locked=True),  # SQLite renders nothing: it holds the file
            take=update(lease)
            .where(lease.c.feed_url == url)
            .values(
                holder=holder,
                claimed_until=bindparam("until", type_=lease.c.claimed_until.type),
            ),
            release=update(lease)
            .where(lease.c.feed_url == url, lease.c.holder == holder)
            .values(holder=None, claimed_until=None),
        )

    def beat(self, holder: str, now: datetime, ttl: timedelta) -> int:
        """Record the heartbeat and extend `holder`'s leases to now + ttl; return how many."""
        instance = table_of(InstanceRow)
        lease = table_of(FeedLeaseRow)
        with self._session("record a heartbeat", write=True, durable=False) as session:
            session.exec(
                self._insert(instance)
                .values(
                    id=holder,
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    started_at=now,
                    seen_at=now,
                )
                .on_conflict_do_update(index_elements=["id"], set_={"seen_at": now})
            )
            renewed = session.exec(
                update(lease).where(lease.c.holder == holder).values(claimed_until=now + ttl)
            )
            return int(renewed.rowcount or 0)

    def leave(self, holder: str) -> None:
        """A clean stop: free the instance's leases and delivery claims, forget the instance."""
        lease = table_of(FeedLeaseRow)
        delivery = table_of(DeliveryRow)
        with self._session("release an instance", write=True) as session:
            session.exec(
                update(lease)
                .where(lease.c.holder == holder)
                .values(holder=None, claimed_until=None)
            )
            session.exec(
                update(delivery)
                .where(delivery.c.claimed_by == holder)
                .values(claimed_by=None, claimed_until=None)
            )
            session.exec(delete(table_of(InstanceRow)).where(table_of(InstanceRow).c.id == holder))

    def instances(self) -> list[Instance]:
        """The instances that have beaten (a killed one stays until it is pruned), newest first."""
        with self._session("read instances") as session:
            rows = session.exec(select(InstanceRow).order_by(col(InstanceRow.seen_at).desc()))
            return [
                Instance(
                    id=row.id,
                    host=row.host,
                    pid=row.pid,
                    started_at=row.started_at,
                    seen_at=row.seen_at,
                )
                for row in rows
            ]

    def claim_delivery(
        self, delivery: Delivery, holder: str, now: datetime, ttl: timedelta
    ) -> bool:
        """Take a delivery for one attempt; False when another instance has it or attempted it.

        The delivery must still be pending with the attempts counted when it was read, and
        carry no live claim of another instance: then no two instances send it.
        """
        table = table_of(DeliveryRow)
        with self._session("claim a delivery", write=True) as session:
            current = session.exec(
                select(col(DeliveryRow.claimed_by)).where(
                    col(DeliveryRow.alert_id) == delivery.alert_id,
                    col(DeliveryRow.channel) == delivery.channel,
                )
            ).first()
            gone = [current] if current and holder_gone(current) else []
            statement = (
                update(table)
                .where(
                    table.c.alert_id == delivery.alert_id,
                    table.c.channel == delivery.channel,
                    table.c.state == "pending",
                    table.c.attempts == delivery.attempts,
                    or_(
                        table.c.claimed_by.is_(None),
                        table.c.claimed_by == holder,
                        table.c.claimed_until.is_(None),
                        table.c.claimed_until < now,
                        table.c.claimed_by.in_(gone),
                    ),
                )
                .values(claimed_by=holder, claimed_until=now + ttl)
            )
            return bool(session.exec(statement).rowcount)

    def release_delivery(self, delivery: Delivery, holder: str) -> None:
        """Drop `holder`'s claim on the delivery (after it was marked sent or failed)."""
        table = table_of(DeliveryRow)
        with self._session("release a delivery", write=True) as session:
            session.exec(
                update(table)
                .where(
                    table.c.alert_id == delivery.alert_id,
                    table.c.channel == delivery.channel,
                    table.c.claimed_by == holder,
                )
                .values(claimed_by=None, claimed_until=None)
            )
