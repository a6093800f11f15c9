"""Articles and their findings: the repository methods mixed into `Store`.

record_article(article, observations=, alerts=, events=)   one transaction: the outbox
has_article / articles(since=) / article_values(url)        what replays and revisions read
observations / latest_current / corroborations             stored figures, for people
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import Connection, func
from sqlmodel import col, select

from monitor.records import Alert, Article, Event, Observation
from monitor.store.alerts import alert_columns, delivery_rows
from monitor.store.base import StoreBase
from monitor.store.convert import (
    article_of,
    article_row,
    observation_of,
    observation_row,
)
from monitor.store.reviews import counts_as_current
from monitor.store.tables import (
    AlertRow,
    ArticleRow,
    DeliveryRow,
    ObservationRow,
    table_of,
)

log = logging.getLogger(__name__)


class ArticleStore(StoreBase):
    """Repository methods for articles, observations and the alerts they cause."""

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

    def article_values(self, url: str) -> set[Decimal]:
        """Every value observed so far in the article at `url` (what a revision repeats)."""
        table = table_of(ObservationRow)
        with self._connection("read an article's values") as connection:
            rows = connection.execute(select(table.c.value).where(table.c.article_url == url))
            return {Decimal(str(row[0])) for row in rows}

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


class _ArticleWrites(NamedTuple):
    article: Any  # INSERT … ON CONFLICT (url) DO NOTHING RETURNING id
    observation: Any
    alert: Any  # INSERT … ON CONFLICT (key) DO NOTHING RETURNING id
    delivery: Any
