"""The tables (`…Row`) and the two column types that keep values exact on every engine.

Rows never leave the `monitor.store` package; `repository.py` converts them to records.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, String, Table, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out.

    PostgreSQL keeps the offset (timestamptz); SQLite stores text without one, so values
    are converted to UTC before they are written and UTC is re-attached when read.
    A naive datetime is refused: it would be silently read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal kept as its exact text, so 6.7E+6 and 0.1 come back digit for digit.

    SQLAlchemy's Numeric would round through float on SQLite (and warns about it).
    """

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"figure value {value!r} is {type(value).__name__}, not Decimal")
        if not value.is_finite():
            raise ValueError(f"figure value {value} is not a finite number")
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class SchemaVersionRow(SQLModel, table=True):
    __tablename__ = "schema_version"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    description: str
    applied_at: datetime = Field(sa_type=UTCDateTime)


class FeedRow(SQLModel, table=True):
    __tablename__ = "feed"

    url: str = Field(primary_key=True)
    etag: str | None = None
    last_modified: str | None = None
    first_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_check_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    error_count: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    retired: bool = False


class EntryRow(SQLModel, table=True):
    __tablename__ = "entry"
    __table_args__ = (UniqueConstraint("feed_url", "entry_id", name="uq_entry_feed_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_url: str
    entry_id: str
    link: str | None = None
    seen_at: datetime = Field(sa_type=UTCDateTime)
    # version 5: the entry as last read (FeedEntry.revision); a new one is read again
    revision: str | None = None


class ArticleRow(SQLModel, table=True):
    __tablename__ = "article"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True)
    title: str = Field(sa_type=Text)
    outlet: str
    published: datetime | None = Field(default=None, sa_type=UTCDateTime)
    language: str | None = None
    text: str = Field(sa_type=Text)
    source: str = "page"
    fetched_at: datetime = Field(sa_type=UTCDateTime, index=True)


class ObservationRow(SQLModel, table=True):
    __tablename__ = "observation"
    __table_args__ = (
        Index("ix_observation_topic_figure_time_published", "topic", "figure", "time", "published"),
    )

    id: int | None = Field(default=None, primary_key=True)
    topic: str
    figure: str
    value: Decimal = Field(sa_type=DecimalText)
    approx: bool = False
    bound: str | None = None
    time: str = "current"
    article_url: str = Field(index=True)
    article_title: str = Field(sa_type=Text)
    outlet: str
    published: datetime = Field(sa_type=UTCDateTime)
    sentence: str = Field(sa_type=Text)
    observed_at: datetime = Field(sa_type=UTCDateTime)
    # version 2: ranges, dates of past values, values held for confirmation
    low: Decimal | None = Field(default=None, sa_type=DecimalText)
    high: Decimal | None = Field(default=None, sa_type=DecimalText)
    as_of: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hold: str | None = None  # min_sources | implausible | cooldown; None: confirmed
    # version 7: a person's review (`monitor figures reject|accept ID`, the figure page)
    review: str | None = None  # accepted | rejected; None: not reviewed
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AlertRow(SQLModel, table=True):
    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    topic: str
    figure: str | None = None
    title: str = Field(sa_type=Text)
    body: str = Field(sa_type=Text)
    tags: str = "[]"  # JSON array of channel tags
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # version 2: HTML body, kind, the change's values, the alert a correction follows up
    html: str | None = Field(default=None, sa_type=Text)
    kind: str = "change"  # change | correction | match | notice
    old_value: Decimal | None = Field(default=None, sa_type=DecimalText)
    new_value: Decimal | None = Field(default=None, sa_type=DecimalText)
    reply_to: int | None = None
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryRow(SQLModel, table=True):
    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("alert_id", "channel", name="uq_delivery_alert_channel"),
        Index("ix_delivery_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", ondelete="CASCADE")
    channel: str
    state: str = "pending"  # pending | sent | failed
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # version 2: digests and failure streaks
    digest: bool = False  # waits for the channel's digest, due at next_attempt_at
    first_failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # version 4: the instance sending it now (several daemons on one database)
    claimed_by: str | None = None
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


TABLES_V1 = (FeedRow, EntryRow, ArticleRow, ObservationRow, AlertRow, DeliveryRow)


class EventRow(SQLModel, table=True):
    """The event stream: one row per thing the daemon did (`monitor events`)."""

    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    kind: str = Field(index=True)
    source: str | None = None
    topic: str | None = None
    data: str = Field(default="{}", sa_type=Text)  # JSON object


class FeedStatusRow(SQLModel, table=True):
    """Where a feed lives now (after 301/308) and its current outage, if any."""

    __tablename__ = "feed_status"

    url: str = Field(primary_key=True)  # the URL as the watchlist writes it
    location: str | None = None  # the URL it moved to for good
    moved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    down_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published: str = Field(default="[]", sa_type=Text)  # the last week's entry dates, JSON


class EventCursorRow(SQLModel, table=True):
    """How far a consumer of the event stream (the webhook sink) has read."""

    __tablename__ = "event_cursor"

    name: str = Field(primary_key=True)
    last_id: int = 0
    updated_at: datetime = Field(sa_type=UTCDateTime)


TABLES_V3 = (EventRow, FeedStatusRow, EventCursorRow)


class FeedLeaseRow(SQLModel, table=True):
    """Which instance is polling a feed now, until when (`leases.py`)."""

    __tablename__ = "feed_lease"

    feed_url: str = Field(primary_key=True)
    holder: str | None = None  # an instance id; None: free
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InstanceRow(SQLModel, table=True):
    """A running daemon and its last heartbeat (`leases.py`)."""

    __tablename__ = "instance"

    id: str = Field(primary_key=True)
    host: str
    pid: int
    started_at: datetime = Field(sa_type=UTCDateTime)
    seen_at: datetime = Field(sa_type=UTCDateTime)


TABLES_V4 = (FeedLeaseRow, InstanceRow)


class PoisonedEntryRow(SQLModel, table=True):
    """A feed entry that failed (`poison.py`): the error, how often, and whether it is skipped."""

    __tablename__ = "poisoned_entry"

    feed_url: str = Field(primary_key=True)
    entry_id: str = Field(primary_key=True)
    link: str | None = Field(default=None, sa_type=Text)
    stage: str
    error: str = Field(sa_type=Text)
    attempts: int = 1
    first_at: datetime = Field(sa_type=UTCDateTime)
    last_at: datetime = Field(sa_type=UTCDateTime, index=True)
    skipped: bool = False


TABLES_V5 = (PoisonedEntryRow,)


def table_of(row: type[SQLModel]) -> Table:
    """The Core table behind a row class (for statements the ORM does not express: upserts)."""
    return SQLModel.metadata.tables[str(row.__tablename__)]
