"""What the pages (`monitor.web`) read: lean queries that select only the columns they show.

figure_version(topic, figure)      (values, newest id, last review): a page cache key
figure_points(topic, figure)       every value of a figure, oldest first, as `PointRow`s
point_details(ids)                 the sentence, link and title of a few values
figure_alerts(topic, figure=None)  change alerts of a figure or topic, newest first
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, String, bindparam, func, select

from monitor.records import Alert, Observation
from monitor.store.base import StoreBase
from monitor.store.convert import alert_of, observation_of
from monitor.store.reviews import counts_as_current
from monitor.store.tables import AlertRow, ObservationRow, table_of

IN_CHUNK = 500


class PointRow(NamedTuple):
    """One stored value as a chart and its table need it (numbers as their exact text)."""

    id: int
    value: str
    low: str | None
    high: str | None
    approx: bool
    bound: str | None
    time: str
    published: datetime
    as_of: datetime | None
    hold: str | None
    review: str | None
    outlet: str


class PointDetail(NamedTuple):
    id: int
    sentence: str
    article_url: str
    article_title: str


class _Statements(NamedTuple):
    version: Any  # SELECT count, max(id), max(reviewed_at)
    points: Select[Any]
    details: Select[Any]


@cache
def _statements() -> _Statements:
    table = table_of(ObservationRow)
    topic, figure = bindparam("topic", type_=String), bindparam("figure", type_=String)
    mine = (table.c.topic == topic, table.c.figure == figure)
    return _Statements(
        version=select(func.count(), func.max(table.c.id), func.max(table.c.reviewed_at)).where(
            *mine
        ),
        points=select(
            table.c.id,
            table.c.value,
            table.c.low,
            table.c.high,
            table.c.approx,
            table.c.bound,
            table.c.time,
            table.c.published,
            table.c.as_of,
            table.c.hold,
            table.c.review,
            table.c.outlet,
        )
        .where(*mine)
        .order_by(table.c.published, table.c.id),
        details=select(
            table.c.id, table.c.sentence, table.c.article_url, table.c.article_title
        ).where(table.c.id.in_(bindparam("ids", expanding=True))),
    )


class PageStore(StoreBase):
    """Repository methods for the pages (mixed into `Store`)."""

    _dialect: str  # set by Store

    def figure_version(self, topic: str, figure: str) -> tuple[int, int, str]:
        """(values, newest id, last review) of a figure: changes whenever any of them does."""
        with self._connection("read a figure's version") as connection:
            count, newest, reviewed = connection.execute(
                _statements().version, {"topic": topic, "figure": figure}
            ).one()
        return int(count or 0), int(newest or 0), str(reviewed or "")

    def figure_points(self, topic: str, figure: str, *, after_id: int = 0) -> list[Any]:
        """Every stored value of a figure, oldest published first, as tuples in the order of
        `PointRow`'s fields (datetimes may be SQLite's text: read them with `as_utc`).

        The driver's own rows: at 10,000 values, SQLAlchemy's per-row type processing would
        cost more than the rest of the page. `after_id`: only values stored after that one.
        """
        mark = "?" if self._dialect == "sqlite" else "%s"
        sql = (
            "SELECT id, value, low, high, approx, bound, time, published, as_of, hold, review, "
            f"outlet FROM observation WHERE topic = {mark} AND figure = {mark} "
            f"AND id > {mark} ORDER BY published, id"
        )
        with self._connection("read a figure's values") as connection:
            cursor = connection.exec_driver_sql(sql, (topic, figure, after_id)).cursor
            assert cursor is not None
            return list(cursor.fetchall())

    def point_details(self, ids: Sequence[int]) -> dict[int, PointDetail]:
        """The quoted sentence, link and title of each value in `ids`."""
        found: dict[int, PointDetail] = {}
        with self._connection("read figure sources") as connection:
            for start in range(0, len(ids), IN_CHUNK):
                chunk = list(ids[start : start + IN_CHUNK])
                for row in connection.execute(_statements().details, {"ids": chunk}):
                    found[row.id] = PointDetail(*row)
        return found

    def value_copies(self, observation: Observation, *, within: timedelta) -> list[Observation]:
        """Other reports of the same value of the same figure published within `within` of
        it (syndicated copies, repeats), oldest first."""
        table = table_of(ObservationRow)
        statement = (
            select(table)
            .where(
                table.c.topic == observation.topic,
                table.c.figure == observation.figure,
                table.c.time == observation.time,
                table.c.value == observation.value,
                table.c.id != observation.id,
                table.c.published >= observation.published - within,
                table.c.published <= observation.published + within,
            )
            .order_by(table.c.published, table.c.id)
            .limit(100)
        )
        with self._connection("read copies of a value") as connection:
            return [observation_of(row) for row in connection.execute(statement)]

    def figure_trend(self, topic: str, figure: str, *, limit: int = 15) -> list[Decimal]:
        """The figure's latest current values (not held, not rejected), oldest first."""
        table = table_of(ObservationRow)
        statement = (
            select(table.c.value)
            .where(
                table.c.topic == topic,
                table.c.figure == figure,
                table.c.time == "current",
                counts_as_current(table),
            )
            .order_by(table.c.published.desc(), table.c.id.desc())
            .limit(limit)
        )
        with self._connection("read a figure's trend") as connection:
            values = [row[0] for row in connection.execute(statement)]
        return values[::-1]

    def figure_alerts(
        self, topic: str, figure: str | None = None, *, limit: int = 50
    ) -> list[Alert]:
        """Change and correction alerts of a topic (one figure, when given), newest first."""
        table = table_of(AlertRow)
        statement = select(table).where(
            table.c.topic == topic, table.c.kind.in_(["change", "correction"])
        )
        if figure is not None:
            statement = statement.where(table.c.figure == figure)
        statement = statement.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(limit)
        with self._connection("read a figure's alerts") as connection:
            return [alert_of(cast(AlertRow, row)) for row in connection.execute(statement)]


def as_utc(value: datetime | str) -> datetime:
    """A stored UTC datetime, aware; SQLite keeps it as text without an offset."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)
