"""Corrections: a person accepts or rejects a stored figure value (schema version 7).

    review_observation(id, verdict, now)   set `review` to accepted | rejected
    counts_as_current(table)               the SQL condition of a value that compare and
                                           status may take as the figure's current value

A rejected value is never the comparison point, nor a source that corroborates another
report; an accepted one counts even when it was held (unconfirmed). A held value that no
one accepted never counts as current: not in `monitor status`, not in the metrics.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_, select, update

from monitor.errors import StoreError
from monitor.records import Observation
from monitor.store.base import StoreBase
from monitor.store.convert import observation_of
from monitor.store.tables import ObservationRow, table_of

log = logging.getLogger(__name__)

VERDICTS = ("accepted", "rejected")


def counts_as_current(table: Table) -> ColumnElement[bool]:
    """Accepted, or confirmed (not held) and not rejected."""
    review = table.c.review
    return or_(
        review == "accepted",
        and_(table.c.hold.is_(None), or_(review.is_(None), review != "rejected")),
    )


def not_rejected(table: Table) -> ColumnElement[bool]:
    """Every value but the rejected ones (reports that may corroborate a new value)."""
    return or_(table.c.review.is_(None), table.c.review != "rejected")


class ReviewStore(StoreBase):
    """Repository methods for reviews (mixed into `Store`)."""

    def observation(self, observation_id: int) -> Observation | None:
        """One stored value by id; None when there is none."""
        table = table_of(ObservationRow)
        with self._connection("read a figure value") as connection:
            row = connection.execute(select(table).where(table.c.id == observation_id)).first()
        return observation_of(row) if row else None

    def review_observation(self, observation_id: int, verdict: str, now: datetime) -> Observation:
        """Mark a stored value accepted or rejected; the value as it is now stored."""
        if verdict not in VERDICTS:
            raise StoreError(f"a review is 'accepted' or 'rejected', not {verdict!r}")
        table = table_of(ObservationRow)
        values: dict[str, Any] = {"review": verdict, "reviewed_at": now}
        with self._connection("review a figure value", write=True) as connection:
            result = connection.execute(
                update(table).where(table.c.id == observation_id).values(**values)
            )
            if not result.rowcount:
                raise StoreError(
                    f"no figure value #{observation_id}; `monitor figures` lists them with ids"
                )
            row = connection.execute(select(table).where(table.c.id == observation_id)).one()
        log.info(
            "figure_reviewed id=%d topic=%r figure=%s value=%s review=%s",
            observation_id,
            row.topic,
            row.figure,
            row.value,
            verdict,
        )
        return observation_of(row)
