"""Alert rules and the outbox: the repository methods behind them, mixed into `Store`.

    figure_history(topic, figure, keep=)  what compare needs: latest confirmed value, last
                                       alert, the reports since then (those `keep` keeps) with
                                       their article texts
    held_observations()                values waiting for confirmation (`alerts --unconfirmed`)
    record_alert(alert, channels)      one alert in the outbox on its own (a channel notice)
    outbox(now, retries_due_only=)     pending deliveries to attempt now (digests wait their turn)
    mark_delivered / mark_attempt_failed   the channel accepted it; a failed attempt counted,
                                       with when the streak began
    channel_failing_since(channel)     the start of a channel's current run of failures
    alert_list(pending=) / alert_with_deliveries(id) / resend_alert(id)   for `monitor alerts`

Schema version 2 (`add_alert_columns`) adds the columns these need to existing databases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Connection,
    Select,
    String,
    Table,
    and_,
    bindparam,
    false,
    func,
    or_,
    true,
    type_coerce,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select

from monitor.errors import StoreError
from monitor.records import (
    Alert,
    AlertMark,
    Delivery,
    FigureHistory,
    Observation,
    SourceText,
    Valued,
)
from monitor.store.base import StoreBase
from monitor.store.convert import alert_of, delivery_of, observation_of
from monitor.store.reviews import counts_as_current, not_rejected
from monitor.store.tables import AlertRow, ArticleRow, DeliveryRow, ObservationRow, table_of

log = logging.getLogger(__name__)

MAX_REPORTS = 500  # reports of one value counted for corroboration; older ones add nothing new
MAX_ERROR_CHARS = 2000
IN_CHUNK = 500  # ids per IN (...) list: far below SQLite's bound-parameter limit
VALUE_COLUMNS = ("value", "low", "high")  # what same_value reads

# version 2: (table, column, server default for the rows that exist already)
V2_COLUMNS = (
    ("observation", "low", None),
    ("observation", "high", None),
    ("observation", "as_of", None),
    ("observation", "hold", None),
    ("alert", "html", None),
    ("alert", "kind", "'change'"),
    ("alert", "old_value", None),
    ("alert", "new_value", None),
    ("alert", "reply_to", None),
    ("alert", "changed_at", None),
    ("delivery", "digest", False),
    ("delivery", "first_failed_at", None),
)


def add_alert_columns(connection: Connection) -> None:
    """Migration 2: add the alert-rule and outbox columns to a version-1 database."""
    dialect = connection.dialect
    for table_name, name, default in V2_COLUMNS:
        column: Column[Any] = table_of_name(table_name).c[name]
        ddl = f"ALTER TABLE {table_name} ADD COLUMN {name} {column.type.compile(dialect=dialect)}"
        if default is False:
            literal = "false" if dialect.name == "postgresql" else "0"
            ddl += f" NOT NULL DEFAULT {literal}"
        elif default is not None:
            ddl += f" NOT NULL DEFAULT {default}"
        connection.exec_driver_sql(ddl)


def table_of_name(name: str) -> Table:
    rows: dict[str, type[SQLModel]] = {
        "observation": ObservationRow,
        "alert": AlertRow,
        "delivery": DeliveryRow,
    }
    return table_of(rows[name])


def alert_columns(alert: Alert) -> dict[str, Any]:
    """The version-2 columns of an alert row."""
    return {
        "html": alert.html,
        "kind": alert.kind,
        "old_value": alert.old_value,
        "new_value": alert.new_value,
        "reply_to": alert.reply_to,
        "changed_at": alert.changed_at,
    }


def delivery_rows(alert_id: int, alert: Alert, channels: Sequence[str]) -> list[dict[str, Any]]:
    """One pending delivery per channel; a digested channel waits until its digest is due."""
    digests = dict(alert.digest)
    return [
        {
            "alert_id": alert_id,
            "channel": channel,
            "digest": channel in digests,
            "next_attempt_at": digests.get(channel),
        }
        for channel in dict.fromkeys(channels)
    ]


class AlertStore(StoreBase):
    """Repository methods for alert rules and the outbox (mixed into `Store`)."""

    def figure_history(
        self, topic: str, figure: str, *, keep: Callable[[Valued], bool] | None = None
    ) -> FigureHistory:
        """The newest confirmed current value, the last alert and the reports since that value.

        `keep` narrows the reports (to those of one value, say) before they are loaded whole
        with their article texts: the caller would only throw the others away.
        """
        key = {"topic": topic, "figure": figure}
        # Core statements built once (see _history_statements): this runs for every tracked
        # figure of every matching article, and ORM loading tripled its cost.
        statements = _history_statements()
        with self._connection("read a figure's history") as connection:
            latest = connection.execute(statements.latest, key).first()
            alert = connection.execute(statements.last_alert, key).first()
            if latest is None:
                values = connection.execute(statements.all_values, key).all()
            else:
                since = {**key, "since": latest.published}
                values = connection.execute(statements.values_since, since).all()
            ids = [row.id for row in values] if keep is None else _kept(values, keep)
            loaded = {
                row.id: row
                for start in range(0, len(ids), IN_CHUNK)
                for row in connection.execute(
                    statements.reports, {"ids": ids[start : start + IN_CHUNK]}
                )
            }
        return FigureHistory(
            latest=observation_of(latest) if latest else None,
            last_alert=(AlertMark.of(alert) if alert else None),
            reports=tuple(
                SourceText(observation=observation_of(row), text=row.article_text or "")
                for row in (loaded[i] for i in reversed(ids) if i in loaded)
            ),
        )

    def held_observations(
        self, *, limit: int = 100
    ) -> list[tuple[Observation, Observation | None]]:
        """Held values, newest first, each with its figure's latest confirmed current value."""
        with self._session("read held values") as session:
            held = [
                observation_of(row)
                for row in session.exec(
                    select(ObservationRow)
                    .where(
                        col(ObservationRow.hold).is_not(None),
                        col(ObservationRow.review).is_(None),  # a person decided already
                    )
                    .order_by(col(ObservationRow.published).desc(), col(ObservationRow.id).desc())
                    .limit(limit)
                )
            ]
            latest: dict[tuple[str, str], Observation | None] = {}
            for observation in held:
                key = (observation.topic, observation.figure)
                if key not in latest:
                    row = session.exec(
                        select(ObservationRow)
                        .where(
                            col(ObservationRow.topic) == key[0],
                            col(ObservationRow.figure) == key[1],
                            col(ObservationRow.time) == "current",
                            counts_as_current(table_of(ObservationRow)),
                        )
                        .order_by(
                            col(ObservationRow.published).desc(), col(ObservationRow.id).desc()
                        )
                        .limit(1)
                    ).first()
                    latest[key] = observation_of(row) if row else None
        return [(o, latest[(o.topic, o.figure)]) for o in held]

    def record_alert(self, alert: Alert, channels: Sequence[str]) -> int | None:
        """Put one alert in the outbox on its own; None when its key already exists."""
        with self._connection("record an alert", write=True) as connection:
            return self._insert_alert(connection, alert, channels)

    def outbox(self, now: datetime, *, retries_due_only: bool) -> list[tuple[Alert, Delivery]]:
        """Pending deliveries to attempt at `now`, oldest alert first.

        A digested delivery waits for its digest time whatever `retries_due_only` says; a
        retry waits for its next attempt only when `retries_due_only`.
        """
        due = or_(
            col(DeliveryRow.next_attempt_at).is_(None), col(DeliveryRow.next_attempt_at) <= now
        )
        wanted = or_(
            and_(col(DeliveryRow.digest), col(DeliveryRow.next_attempt_at) <= now),
            and_(col(DeliveryRow.digest) == false(), due if retries_due_only else true()),
        )
        statement = (
            select(AlertRow, DeliveryRow)
            .join(DeliveryRow, col(DeliveryRow.alert_id) == col(AlertRow.id))
            .where(col(DeliveryRow.state) == "pending", wanted)
            .order_by(col(AlertRow.created_at), col(AlertRow.id), col(DeliveryRow.channel))
        )
        with self._session("read the outbox") as session:
            return [(alert_of(a), delivery_of(d)) for a, d in session.exec(statement).all()]

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

    def mark_attempt_failed(
        self,
        alert_id: int,
        channel: str,
        error: str,
        now: datetime,
        next_attempt_at: datetime | None,
    ) -> None:
        """Count a failed attempt; retry at `next_attempt_at`, or give up (failed) when None."""
        delivery = table_of(DeliveryRow)
        if next_attempt_at is not None and next_attempt_at < now:
            next_attempt_at = now
        clipped = error if len(error) <= MAX_ERROR_CHARS else error[: MAX_ERROR_CHARS - 1] + "…"
        statement = (
            update(delivery)
            .where(delivery.c.alert_id == alert_id, delivery.c.channel == channel)
            .values(
                state="pending" if next_attempt_at is not None else "failed",
                attempts=delivery.c.attempts + 1,
                last_error=clipped,
                next_attempt_at=next_attempt_at,
            )
        )
        with self._session("mark a delivery failed", write=True) as session:
            session.exec(statement)
            session.exec(
                update(delivery)
                .where(
                    delivery.c.alert_id == alert_id,
                    delivery.c.channel == channel,
                    delivery.c.first_failed_at.is_(None),
                )
                .values(first_failed_at=now)
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

    def channel_failing_since(self, channel: str) -> datetime | None:
        """The first failed attempt on `channel` since it last accepted an alert (None: none)."""
        with self._session("read a channel's failures") as session:
            last_sent = session.exec(
                select(func.max(col(DeliveryRow.sent_at))).where(
                    col(DeliveryRow.channel) == channel, col(DeliveryRow.state) == "sent"
                )
            ).one()
            failures = select(func.min(col(DeliveryRow.first_failed_at))).where(
                col(DeliveryRow.channel) == channel, col(DeliveryRow.first_failed_at).is_not(None)
            )
            if last_sent is not None:
                failures = failures.where(col(DeliveryRow.first_failed_at) > last_sent)
            since = session.exec(failures).one()
        # SQLite hands aggregates back as naive text-parsed datetimes: they are UTC.
        return since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since

    def alert_list(
        self, *, pending: bool = False, limit: int = 50
    ) -> list[tuple[Alert, list[Delivery]]]:
        """The latest alerts (only those with a pending delivery, when asked), newest first."""
        statement = select(AlertRow)
        if pending:
            waiting = select(DeliveryRow.alert_id).where(col(DeliveryRow.state) == "pending")
            statement = statement.where(col(AlertRow.id).in_(waiting))
        statement = statement.order_by(col(AlertRow.created_at).desc(), col(AlertRow.id).desc())
        with self._session("read alerts") as session:
            alerts = [alert_of(row) for row in session.exec(statement.limit(limit))]
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

    def alert_with_deliveries(self, alert_id: int) -> tuple[Alert, list[Delivery]] | None:
        """One alert and its deliveries; None when there is no such alert."""
        with self._session("read an alert") as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                return None
            deliveries = session.exec(
                select(DeliveryRow)
                .where(col(DeliveryRow.alert_id) == alert_id)
                .order_by(col(DeliveryRow.channel))
            )
            return alert_of(row), [delivery_of(d) for d in deliveries]

    def resend_alert(self, alert_id: int, now: datetime) -> int:
        """Queue the alert again, at once: its failed deliveries, else all; return how many."""
        delivery = table_of(DeliveryRow)
        again = update(delivery).values(
            state="pending",
            attempts=0,
            next_attempt_at=now,
            digest=False,
            first_failed_at=None,
            last_error=None,
        )
        with self._session("queue an alert again", write=True) as session:
            failed = session.exec(
                again.where(delivery.c.alert_id == alert_id, delivery.c.state == "failed")
            )
            if failed.rowcount:
                return int(failed.rowcount)
            result = session.exec(again.where(delivery.c.alert_id == alert_id))
            return int(result.rowcount or 0)


class _Value(NamedTuple):
    value: Decimal
    low: Decimal | None
    high: Decimal | None


def _kept(values: Sequence[Any], keep: Callable[[Valued], bool]) -> list[int]:
    """The ids of the (id, value, low, high) rows `keep` keeps; asked once per distinct value.

    The values come as their stored text: most reports of a figure repeat a few values.
    """
    verdicts: dict[tuple[str, str | None, str | None], bool] = {}
    ids = []
    for observation_id, value, low, high in values:
        verdict = verdicts.get((value, low, high))
        if verdict is None:
            verdict = verdicts[value, low, high] = keep(
                _Value(
                    Decimal(value),
                    None if low is None else Decimal(low),
                    None if high is None else Decimal(high),
                )
            )
        if verdict:
            ids.append(observation_id)
    return ids


class _HistoryStatements(NamedTuple):
    latest: Select[Any]  # the newest confirmed current value
    last_alert: Select[Any]  # the last change or correction alert
    values_since: Select[Any]  # (id, value, low, high) of current values since a date, as text
    all_values: Select[Any]  # the same, of every current value
    reports: Select[Any]  # whole observations by id, with their article's text


@cache
def _history_statements() -> _HistoryStatements:
    """figure_history's queries, built once so SQLAlchemy's compiled cache serves them."""
    observation, alert, article = table_of(ObservationRow), table_of(AlertRow), table_of(ArticleRow)
    topic, figure = bindparam("topic", type_=String), bindparam("figure", type_=String)
    current = (
        observation.c.topic == topic,
        observation.c.figure == figure,
        observation.c.time == "current",
    )
    latest = (
        sa_select(observation)
        .where(*current, counts_as_current(observation))
        .order_by(observation.c.published.desc(), observation.c.id.desc())
        .limit(1)
    )
    rejected = (
        sa_select(observation.c.id)
        .where(
            observation.c.topic == alert.c.topic,
            observation.c.figure == alert.c.figure,
            observation.c.review == "rejected",
            observation.c.value == alert.c.new_value,
            observation.c.published == alert.c.changed_at,
        )
        .exists()
    )
    last_alert = (
        sa_select(alert)
        .where(
            alert.c.topic == topic,
            alert.c.figure == figure,
            alert.c.kind.in_(["change", "correction"]),
            ~rejected,  # an alert on a value a person rejected neither cools down nor follows up
        )
        .order_by(alert.c.created_at.desc(), alert.c.id.desc())
        .limit(1)
    )
    values = sa_select(
        observation.c.id,
        *(type_coerce(observation.c[name], String).label(name) for name in VALUE_COLUMNS),
    ).where(*current, not_rejected(observation))
    newest_first = observation.c.published.desc()
    since = values.where(observation.c.published >= bindparam("since"))
    reports = (
        sa_select(observation, article.c.text.label("article_text"))
        .select_from(observation.outerjoin(article, article.c.url == observation.c.article_url))
        .where(observation.c.id.in_(bindparam("ids", expanding=True)))
    )
    return _HistoryStatements(
        latest=latest,
        last_alert=last_alert,
        values_since=since.order_by(newest_first).limit(MAX_REPORTS),
        all_values=values.order_by(newest_first).limit(MAX_REPORTS),
        reports=reports,
    )
