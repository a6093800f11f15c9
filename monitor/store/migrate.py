"""Schema migrations: a `schema_version` table and an ordered list of steps.

Opening a store calls `migrate_schema`, which in one transaction (holding the database's
write lock, so two daemons starting together do not both migrate):

- on an empty database creates every table as `tables.py` defines it now and records
  every known version as applied (the current models already contain every step);
- on an older database applies each step after its recorded version, in order;
- on a database newer than this code refuses to run rather than guess.

To change the schema: edit the `…Row` class, then append a `Migration` whose `apply`
brings an existing database to the same shape (`ALTER TABLE …` through `connection`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, inspect, select, text
from sqlmodel import SQLModel

from monitor.errors import StoreError
from monitor.store.alerts import add_alert_columns
from monitor.store.leases import add_lease_tables
from monitor.store.tables import (
    TABLES_V1,
    TABLES_V3,
    TABLES_V4,
    TABLES_V5,
    EntryRow,
    ObservationRow,
    SchemaVersionRow,
    table_of,
)

log = logging.getLogger(__name__)

MIGRATION_LOCK_ID = 7_365_012  # any constant; PostgreSQL advisory lock shared by every monitor


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _create_tables(connection: Connection) -> None:
    tables = [table_of(row) for row in (*TABLES_V1, *TABLES_V3, *TABLES_V4, *TABLES_V5)]
    SQLModel.metadata.create_all(connection, tables=tables)


def _create_event_tables(connection: Connection) -> None:
    tables = [table_of(row) for row in TABLES_V3]
    SQLModel.metadata.create_all(connection, tables=tables)


def _create_poison_table(connection: Connection) -> None:
    SQLModel.metadata.create_all(connection, tables=[table_of(row) for row in TABLES_V5])


def _add_entry_revision(connection: Connection) -> None:
    if "revision" in {c["name"] for c in inspect(connection).get_columns("entry")}:
        return  # created by a version that already had it
    column = table_of(EntryRow).c.revision
    kind = column.type.compile(dialect=connection.dialect)
    connection.exec_driver_sql(f"ALTER TABLE entry ADD COLUMN revision {kind}")


def _add_review_columns(connection: Connection) -> None:
    present = {c["name"] for c in inspect(connection).get_columns("observation")}
    table = table_of(ObservationRow)
    for name in ("review", "reviewed_at"):
        if name not in present:
            kind = table.c[name].type.compile(dialect=connection.dialect)
            connection.exec_driver_sql(f"ALTER TABLE observation ADD COLUMN {name} {kind}")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(version=1, description="initial tables", apply=_create_tables),
    Migration(version=2, description="alert rules and delivery", apply=add_alert_columns),
    Migration(version=3, description="events and feed status", apply=_create_event_tables),
    Migration(version=4, description="feed leases and delivery claims", apply=add_lease_tables),
    Migration(version=5, description="poisoned entries", apply=_create_poison_table),
    Migration(version=6, description="entry revisions", apply=_add_entry_revision),
    Migration(version=7, description="reviews of figure values", apply=_add_review_columns),
)
LATEST_VERSION = max(m.version for m in MIGRATIONS)


def migrate_schema(connection: Connection, *, now: datetime | None = None) -> int:
    """Bring the schema to LATEST_VERSION inside the caller's transaction; return that version."""
    now = now or datetime.now(UTC)
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
    version_table = table_of(SchemaVersionRow)
    version_table.create(connection, checkfirst=True)
    current = connection.execute(select(func.max(version_table.c.version))).scalar() or 0
    if current > LATEST_VERSION:
        raise StoreError(
            f"database schema is at version {current}, newer than this monitor knows "
            f"({LATEST_VERSION}); upgrade monitor or point it at another database"
        )
    if current == LATEST_VERSION:
        return current
    if current == 0:
        _create_tables(connection)
        pending = MIGRATIONS
        log.info("schema_created version=%d", LATEST_VERSION)
    else:
        pending = tuple(m for m in MIGRATIONS if m.version > current)
        for migration in pending:
            migration.apply(connection)
            log.info(
                "schema_migrated version=%d description=%s",
                migration.version,
                migration.description.replace(" ", "_"),
            )
    connection.execute(
        insert(version_table),
        [{"version": m.version, "description": m.description, "applied_at": now} for m in pending],
    )
    return LATEST_VERSION


def schema_version(connection: Connection) -> int:
    """The version recorded in the database (0 when it has no schema_version table)."""
    exists = connection.dialect.has_table(connection, SchemaVersionRow.__tablename__)
    if not exists:
        return 0
    return int(connection.execute(text("SELECT max(version) FROM schema_version")).scalar() or 0)
