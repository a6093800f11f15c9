"""Polite scheduling of real feeds on loopback, with the clock in the test's hands.

Each test polls a feed served by `http_server` through `run_source(now=...)` and checks
what an operator would: when the next check is, how errors back off, which notices reach
the outbox (once per outage), where a moved feed is fetched from, that 410 retires it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from monitor.config import Config, FeedPlan, load_config
from monitor.pipeline import SourceReport, http_client, run_source
from monitor.store import Store, open_store

NOW = datetime(2024, 10, 9, 12, 0, tzinfo=UTC)


def rss(*, count: int, step: timedelta, ttl_min: int | None = None, newest: datetime = NOW) -> str:
    items = "".join(
        f"<item><title>Item {i}</title><guid>item-{i}</guid>"
        f"<pubDate>{format_datetime(newest - step * i)}</pubDate>"
        f"<description>Nothing about the watched topic.</description></item>"
        for i in range(count)
    )
    ttl = f"<ttl>{ttl_min}</ttl>" if ttl_min else ""
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
        f"<link>http://example.org/</link>{ttl}{items}</channel></rss>"
    )


@pytest.fixture
def setup(tmp_path: Path, http_server):
    def make(settings: str = "") -> tuple[Config, Store, FeedPlan]:
        config_dir = tmp_path / "config"
        (config_dir / "watchlists").mkdir(parents=True, exist_ok=True)
        (config_dir / "settings.yaml").write_text(
            f"database: sqlite:///{tmp_path / 'monitor.db'}\n"
            "channels:\n  - url: log://\n    tags: [log]\n  - url: json://127.0.0.1:9/x\n"
            "    name: ops\n"
            "fetch:\n  allow: [127.0.0.1]\n" + settings
        )
        (config_dir / "watchlists" / "topic.yaml").write_text(
            f"name: Topic\nfeeds:\n  - {http_server.url('/feed.xml')}\nmatch:\n  any: [Nordkorea]\n"
        )
        config = load_config(config_dir)
        store = open_store(config.database_url())
        stores.append(store)
        return config, store, config.feeds()[0]

    stores: list[Store] = []
    yield make
    for store in stores:
        store.close()


def poll(config: Config, store: Store, plan: FeedPlan, now: datetime) -> SourceReport:
    async def go() -> SourceReport:
        async with http_client(config) as client:
            return await run_source(plan, config=config, store=store, client=client, now=now)

    return asyncio.run(go())


def notices(store: Store) -> list[str]:
    return [
        alert.title for alert, _ in reversed(store.alert_list(limit=100)) if alert.kind == "notice"
    ]


def test_a_busy_feed_is_polled_at_its_publishing_rate_and_a_quiet_one_rarely(setup, http_server):
    config, store, plan = setup()
    http_server.add("/feed.xml", rss(count=12, step=timedelta(minutes=20)))
    assert poll(config, store, plan, NOW).status == "ok"
    delay = store.feed_state(plan.url).next_check_at - NOW
    assert timedelta(minutes=18) <= delay <= timedelta(minutes=20, seconds=30)

    http_server.add(
        "/feed.xml", rss(count=3, step=timedelta(days=1), newest=NOW - timedelta(days=20))
    )
    later = NOW + timedelta(hours=1)
    assert poll(config, store, plan, later).status == "ok"
    delay = store.feed_state(plan.url).next_check_at - later
    assert timedelta(hours=6) <= delay <= timedelta(hours=6, seconds=30)


def test_rss_ttl_and_cache_headers_lengthen_the_interval(setup, http_server):
    config, store, plan = setup()
    http_server.add("/feed.xml", rss(count=20, step=timedelta(minutes=5), ttl_min=60))
    poll(config, store, plan, NOW)
    delay = store.feed_state(plan.url).next_check_at - NOW
    assert timedelta(minutes=60) <= delay <= timedelta(minutes=60, seconds=30)

    http_server.add(
        "/feed.xml",
        rss(count=20, step=timedelta(minutes=5)),
        headers={"Cache-Control": "public, max-age=7200"},
    )
    poll(config, store, plan, NOW)
    delay = store.feed_state(plan.url).next_check_at - NOW
    assert timedelta(hours=2) <= delay <= timedelta(hours=2, seconds=30)


def test_a_304_keeps_the_rate_learned_from_the_last_full_answer(setup, http_server):
    config, store, plan = setup()
    http_server.add("/feed.xml", rss(count=12, step=timedelta(minutes=20)), etag='"v1"')
    poll(config, store, plan, NOW)
    later = NOW + timedelta(minutes=20)
    assert poll(config, store, plan, later).status == "not_modified"
    assert http_server.requests_for("/feed.xml")[-1].headers.get("If-None-Match") == '"v1"'
    delay = store.feed_state(plan.url).next_check_at - later
    assert timedelta(minutes=18) <= delay <= timedelta(minutes=22)


def test_retry_after_on_503_is_honoured(setup, http_server):
    config, store, plan = setup()
    http_server.add("/feed.xml", "busy", status=503, headers={"Retry-After": "7200"})
    report = poll(config, store, plan, NOW)
    state = store.feed_state(plan.url)
    assert report.status == "failed"
    assert state.error_count == 1
    assert state.next_check_at - NOW == timedelta(hours=2)


def test_errors_back_off_and_one_down_and_one_recovered_notice_per_outage(setup, http_server):
    config, store, plan = setup("notices:\n  source_down_after: 1h\n")
    http_server.add("/feed.xml", "oops", status=500)
    now, delays = NOW, []
    for _ in range(7):
        report = poll(config, store, plan, now)
        assert report.status == "failed"
        state = store.feed_state(plan.url)
        delays.append(state.next_check_at - now)
        now = state.next_check_at
    assert state.error_count == 7
    assert not state.retired
    full = [min(timedelta(minutes=15) * 2**i, timedelta(hours=6)) for i in range(7)]
    assert all(f / 2 <= d <= f for d, f in zip(delays, full, strict=True)), delays
    down = [title for title in notices(store) if title.startswith("Source down since")]
    assert down == [f"Source down since 2024-10-09 12:00 UTC: {plan.url}"]
    _alert, deliveries = store.alert_list(limit=1)[0]
    assert sorted(d.channel for d in deliveries) == ["log", "ops"]  # every channel

    http_server.add("/feed.xml", rss(count=3, step=timedelta(hours=1), newest=now))
    assert poll(config, store, plan, now).status == "ok"
    assert poll(config, store, plan, now + timedelta(hours=7)).status == "ok"
    assert [t.split(":")[0] for t in notices(store)] == [
        "Source down since 2024-10-09 12",
        "Source recovered",
    ]
    assert store.feed_state(plan.url).error_count == 0
    kinds = [e.kind for e in store.events(kinds=("source_down", "source_recovered"))]
    assert kinds == ["source_down", "source_recovered"]


def test_a_short_outage_sends_no_notice(setup, http_server):
    config, store, plan = setup("notices:\n  source_down_after: 2h\n")
    http_server.add("/feed.xml", "oops", status=500)
    poll(config, store, plan, NOW)
    http_server.add("/feed.xml", rss(count=2, step=timedelta(hours=1)))
    poll(config, store, plan, NOW + timedelta(minutes=30))
    assert notices(store) == []
    assert store.feed_status(plan.url).failing_since is None


def test_410_retires_the_feed_with_one_notice(setup, http_server):
    config, store, plan = setup()
    http_server.add("/feed.xml", "gone", status=410)
    assert poll(config, store, plan, NOW).status == "retired"
    assert poll(config, store, plan, NOW + timedelta(days=1)).status == "retired"
    assert len(http_server.requests_for("/feed.xml")) == 1
    assert notices(store) == [f"Feed retired: {plan.url}"]
    assert [e.kind for e in store.events(kinds=("feed_retired",))] == ["feed_retired"]


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_moves_the_stored_feed_url(setup, http_server, status):
    config, store, plan = setup()
    http_server.redirect("/feed.xml", "/new-feed.xml", status=status)
    http_server.add("/new-feed.xml", rss(count=2, step=timedelta(hours=1)))
    assert poll(config, store, plan, NOW).status == "ok"
    assert store.feed_status(plan.url).location == http_server.url("/new-feed.xml")
    assert poll(config, store, plan, NOW + timedelta(hours=7)).status == "ok"
    assert len(http_server.requests_for("/feed.xml")) == 1  # the second poll went straight there
    assert len(http_server.requests_for("/new-feed.xml")) == 2
    assert store.unseen_entry_ids(plan.url, ["item-0", "item-1"]) == set()
    moved = store.events(kinds=("feed_moved",))
    assert [dict(e.data)["to"] for e in moved] == [http_server.url("/new-feed.xml")]
