"""Poisoned entries: the per-entry failure mark, its repository methods mixed into `Store`.

poison_entry(...)        record one failure of an entry (and its event); at the bound, skip it
poisoned_ids(feed_url)   the entries of a feed still being retried
clear_poison(...)        an entry that went through on a later try loses its mark
poisoned_entries()       the marks, latest first, for `monitor status`

An entry is its own unit of failure: the pipeline catches whatever reading, analysing or
storing it raised, records it here and goes on with the rest of the feed. The entry stays
unseen, so the next polls try it again, until `max_attempts`; then it is marked seen
(skipped) and the mark stays as the record of what was lost and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from monitor.records import Event, PoisonedEntry, clean_text
from monitor.store.base import StoreBase
from monitor.store.events import event_row
from monitor.store.tables import EntryRow, EventRow, PoisonedEntryRow, table_of

MAX_POISON_ERROR_CHARS = 1000  # the first line of a traceback's message, not a page of it


def _poisoned_of(row: Any) -> PoisonedEntry:
    return PoisonedEntry(
        feed_url=row.feed_url,
        entry_id=row.entry_id,
        link=row.link,
        stage=row.stage,
        error=row.error,
        attempts=row.attempts,
        first_at=row.first_at,
        last_at=row.last_at,
        skipped=row.skipped,
    )


class PoisonStore(StoreBase):
    """Repository methods for poisoned entries (mixed into `Store`)."""

    def poison_entry(
        self,
        *,
        feed_url: str,
        entry_id: str,
        link: str | None,
        stage: str,
        error: str,
        now: datetime,
        max_attempts: int,
        events: Sequence[Event] = (),
    ) -> PoisonedEntry:
        """Record one failure of an entry; skip it (mark it seen) at `max_attempts`."""
        table = table_of(PoisonedEntryRow)
        entry_id, error = clean_text(entry_id), clean_text(error)[:MAX_POISON_ERROR_CHARS]
        link = clean_text(link) if link else None
        key = (table.c.feed_url == feed_url) & (table.c.entry_id == entry_id)
        with self._connection("mark an entry poisoned", write=True) as connection:
            before = connection.execute(select(table.c.attempts, table.c.first_at).where(key))
            found = before.first()
            attempts = (found.attempts if found else 0) + 1
            mark = PoisonedEntry(
                feed_url=feed_url,
                entry_id=entry_id,
                link=link,
                stage=stage,
                error=error,
                attempts=attempts,
                first_at=found.first_at if found else now,
                last_at=now,
                skipped=attempts >= max_attempts,
            )
            values = {name: getattr(mark, name) for name in table.c.keys()}  # noqa: SIM118
            insert = self._insert(table)
            keys = ("feed_url", "entry_id")
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=list(keys),
                    set_={name: insert.excluded[name] for name in values if name not in keys},
                ),
                values,
            )
            if mark.skipped:
                connection.execute(
                    self._insert(table_of(EntryRow)).on_conflict_do_nothing(),
                    {"feed_url": feed_url, "entry_id": entry_id, "link": link, "seen_at": now},
                )
            if events:
                connection.execute(table_of(EventRow).insert(), [event_row(e) for e in events])
        return mark

    def poisoned_ids(self, feed_url: str) -> set[str]:
        """The ids of this feed's poisoned entries that are still being retried."""
        table = table_of(PoisonedEntryRow)
        with self._connection("read poisoned entries") as connection:
            rows = connection.execute(
                select(table.c.entry_id).where(
                    (table.c.feed_url == feed_url) & table.c.skipped.is_(False)
                )
            )
            return {row[0] for row in rows}

    def clear_poison(self, feed_url: str, entry_id: str) -> None:
        """Drop the mark of an entry that went through on a later try."""
        table = table_of(PoisonedEntryRow)
        key = (table.c.feed_url == feed_url) & (table.c.entry_id == entry_id)
        with self._connection("clear a poisoned entry", write=True, durable=False) as connection:
            connection.execute(delete(table).where(key))

    def poisoned_entries(self, *, limit: int = 50) -> list[PoisonedEntry]:
        """The poisoned entries, latest failure first."""
        table = table_of(PoisonedEntryRow)
        with self._connection("read poisoned entries") as connection:
            rows = connection.execute(select(table).order_by(table.c.last_at.desc()).limit(limit))
            return [_poisoned_of(row) for row in rows]
