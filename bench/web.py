"""A figure's page with 10,000 stored values renders in < 200 ms server time (a script).

    .venv/bin/python bench/web.py                                   # SQLite
    MONITOR_BENCH_POSTGRES_URL=postgresql+psycopg://monitor@127.0.0.1:54329/bench \\
        .venv/bin/python bench/web.py                               # SQLite and PostgreSQL

Stores 10,000 values of one figure (a value moving every few reports, some held, some past
"as of" values, several outlets), then times `Site.figure_page` — what the server does for
one request, from the store read to the finished HTML:

- first view: a server that has not shown the figure yet reads all 10,000 values;
- after a review: a rejected value changes how others count, so all are read again;
- after a new value: only the values stored since are read, and the chart drawn again
  (the cache is keyed on the figure's count, newest id and last review);
- page 50: another page of the table after a new value;
- cached: the same page again (one small query and a dictionary lookup).

Printed: the median and worst of several runs in ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import load_config  # noqa: E402
from monitor.records import Article, Observation  # noqa: E402
from monitor.store import Store, open_store  # noqa: E402
from monitor.web.site import Site  # noqa: E402

VALUES = 10_000
RUNS = 7
TOPIC = "Bench topic"
WATCHLIST = """\
name: Bench topic
feeds: [https://news.example/feed.xml]
match:
  any: [bench]
figures:
  containers:
    label: Containers shipped
    nouns: [container]
"""
START = datetime(2020, 1, 1, tzinfo=UTC)


def observation(index: int, now: datetime) -> Observation:
    value = Decimal(5000 + (index // 4) * 3 + (index % 7) * 40)
    return Observation(
        topic=TOPIC,
        figure="containers",
        value=value,
        approx=index % 3 == 0,
        bound="min" if index % 11 == 0 else None,
        time="past" if index % 50 == 0 else "current",
        article_url=f"https://outlet{index % 9}.example/story/{index}",
        article_title=f"Story {index}",
        outlet=f"Outlet {index % 9}",
        published=START + timedelta(hours=index),
        sentence=f"North Korea has shipped {value} containers to Russia, report {index} says.",
        observed_at=now,
        as_of=START + timedelta(hours=index - 24 * 30) if index % 50 == 0 else None,
        hold="min_sources" if index % 97 == 0 else None,
    )


def fill(store: Store) -> None:
    now = datetime.now(UTC)
    batch = 500
    for start in range(0, VALUES, batch):
        values = [observation(i, now) for i in range(start, start + batch)]
        record(store, f"{start}", values, now)


def add_one(store: Store, index: int) -> None:
    now = datetime.now(UTC)
    record(store, f"new-{index}", [observation(VALUES + index, now)], now)


def record(store: Store, key: str, observations: list[Observation], now: datetime) -> None:
    """One article of the benchmark with its observations, stored as the pipeline does."""
    article = Article(
        url=f"https://bench.example/{key}",
        title="bench",
        text="bench",
        published=START,
        language="en",
        outlet="Bench",
    )
    store.record_article(
        article,
        feed_url="https://news.example/feed.xml",
        entry_id=key,
        now=now,
        observations=observations,
        alerts=[],
    )


def timed(call) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def bench(name: str, url: str, directory: Path) -> None:
    config_dir = directory / name
    (config_dir / "watchlists").mkdir(parents=True)
    (config_dir / "settings.yaml").write_text(f"database: {url}\n")
    (config_dir / "watchlists" / "bench.yaml").write_text(WATCHLIST)
    config = load_config(config_dir)
    store = open_store(url)
    try:
        started = time.perf_counter()
        fill(store)
        filled = time.perf_counter() - started
        slug = "bench-topic"
        site = Site(store, lambda: config)
        site.figure_page(slug, "containers", None)  # warm the connection and templates
        cold, added, reviewed, cached, other = [], [], [], [], []
        for run in range(RUNS):
            fresh = Site(store, lambda: config)  # templates compile here, once per server
            cold.append(timed(partial(fresh.figure_page, slug, "containers", None)))
            add_one(store, run)
            added.append(timed(lambda: site.figure_page(slug, "containers", None)))
            cached.append(timed(lambda: site.figure_page(slug, "containers", None)))
            store.review_observation(1 + run, "rejected", datetime.now(UTC))
            reviewed.append(timed(lambda: site.figure_page(slug, "containers", None)))
            add_one(store, RUNS + run)
            other.append(timed(lambda: site.figure_page(slug, "containers", "50")))
        body = site.figure_page(slug, "containers", None).body
        marks = body.count(b'class="point ')
        print(
            f"{name:<10} {VALUES:,} values (stored in {filled:.1f} s), {marks} chart marks, "
            f"{len(body) // 1024} KB of HTML"
        )
        for label, samples in (
            ("first view (all values read)", cold),
            ("after a review (all read)", reviewed),
            ("after a new value (new read)", added),
            ("page 50, after a new value", other),
            ("cached", cached),
        ):
            print(
                f"    {label:<30} median {statistics.median(samples):7.1f} ms   "
                f"worst {max(samples):7.1f} ms"
            )
    finally:
        store.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        bench("sqlite", f"sqlite:///{directory}/bench.db", Path(directory))
        postgres = os.environ.get("MONITOR_BENCH_POSTGRES_URL")
        if postgres:
            import psycopg

            conninfo = postgres.replace("postgresql+psycopg://", "postgresql://", 1)
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute("DROP SCHEMA IF EXISTS bench_web CASCADE")
                connection.execute("CREATE SCHEMA bench_web")
            separator = "&" if "?" in postgres else "?"
            try:
                bench(
                    "postgresql",
                    f"{postgres}{separator}options=-csearch_path%3Dbench_web",
                    Path(directory),
                )
            finally:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute("DROP SCHEMA IF EXISTS bench_web CASCADE")
        else:
            print("postgresql: set MONITOR_BENCH_POSTGRES_URL to measure it too")


if __name__ == "__main__":
    main()
