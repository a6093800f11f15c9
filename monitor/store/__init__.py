"""Storage: the only module that speaks SQL (SQLModel over SQLite or PostgreSQL).

    tables.py      the `…Row` classes and the exact column types (UTC datetimes, Decimal text)
    migrate.py     `schema_version` and the ordered migration steps run at open
    convert.py     rows to records and back
    repository.py  `open_store()` and `Store`: every query, each a short transaction

Rows never leave this package; callers get the records of `monitor.records`.
"""

from monitor.store.repository import Store, open_store, safe_url

__all__ = ["Store", "open_store", "safe_url"]
