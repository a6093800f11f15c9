"""Storage: the only module that speaks SQL (SQLModel over SQLite or PostgreSQL).

    tables.py      the `…Row` classes and the exact column types (UTC datetimes, Decimal text)
    migrate.py     `schema_version` and the ordered migration steps run at open
    convert.py     rows to records and back
    repository.py  `open_store()` and `Store`: the engine and transactions, the mixins below
    feeds.py       feed state and status, seen entries and their revisions
    articles.py    articles and their observations; `record_article` (the outbox transaction)
    alerts.py      figure history for compare, the outbox, alert listings
    events.py      the event stream and its consumers' cursors
    leases.py      several daemons on one database: feed leases, delivery claims, heartbeats
    poison.py      entries that keep failing

Rows never leave this package; callers get the records of `monitor.records`.
"""

from monitor.store.repository import Store, open_store, safe_url

__all__ = ["Store", "open_store", "safe_url"]
