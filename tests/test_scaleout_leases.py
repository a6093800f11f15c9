"""Feed leases, delivery claims and heartbeats (`monitor/store/leases.py`) on real databases:
SQLite files in tmp_path and, with MONITOR_TEST_POSTGRES_URL, PostgreSQL (a schema per test)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.records import Alert, Delivery
from monitor.store import Store, open_store
from monitor.store.leases import holder_gone, instance_id

POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL")
NOW = datetime(2024, 10, 9, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=6)
FEED = "https://news.example/feed.xml"
A, B = "host-a:101:aaaa", "host-b:202:bbbb"  # instances on other machines


@pytest.fixture
def store(store_url) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


def pending_delivery(store: Store) -> Delivery:
    alert = Alert(
        key=f"k-{uuid.uuid4().hex}",
        topic="t",
        figure="containers",
        title="Containers shipped to Russia: 6,700 → 13,000",
        body="b",
        tags=(),
        created_at=NOW,
    )
    store.record_alert(alert, ["chat"])
    [(_, delivery)] = store.outbox(NOW, retries_due_only=True)
    return delivery


def test_a_leased_feed_is_refused_to_others_until_released(store: Store) -> None:
    assert store.claim_feed(FEED, A, NOW, TTL)
    assert store.claim_feed(FEED, A, NOW, TTL)  # its own lease: taken again
    assert not store.claim_feed(FEED, B, NOW + timedelta(seconds=5), TTL)
    store.release_feed(FEED, B)  # not B's: nothing happens
    assert not store.claim_feed(FEED, B, NOW + timedelta(seconds=5), TTL)
    store.release_feed(FEED, A)
    assert store.claim_feed(FEED, B, NOW + timedelta(seconds=5), TTL)


def test_a_lease_lapses_unless_the_heartbeat_renews_it(store: Store) -> None:
    assert store.claim_feed(FEED, A, NOW, TTL)
    assert store.beat(A, NOW + timedelta(seconds=5), TTL) == 1  # renewed to NOW + 11 s
    assert not store.claim_feed(FEED, B, NOW + timedelta(seconds=10), TTL)
    # A stops beating (killed): its lease is free TTL after the last beat.
    assert store.claim_feed(FEED, B, NOW + timedelta(seconds=12), TTL)
    assert [i.id for i in store.instances()] == [A]


def test_leave_frees_an_instances_leases_and_forgets_it(store: Store) -> None:
    delivery = pending_delivery(store)
    store.beat(A, NOW, TTL)
    assert store.claim_feed(FEED, A, NOW, TTL)
    assert store.claim_delivery(delivery, A, NOW, TTL)
    store.leave(A)
    assert store.instances() == []
    assert store.claim_feed(FEED, B, NOW, TTL)
    assert store.claim_delivery(delivery, B, NOW, TTL)


def test_a_delivery_is_claimed_by_one_instance_and_never_after_it_was_sent(store: Store) -> None:
    delivery = pending_delivery(store)
    assert store.claim_delivery(delivery, A, NOW, TTL)
    assert not store.claim_delivery(delivery, B, NOW, TTL)
    assert delivery.alert_id is not None
    store.mark_delivered(delivery.alert_id, delivery.channel, NOW)
    store.release_delivery(delivery, A)
    # B read the row as pending before A sent it: its claim must still fail.
    assert not store.claim_delivery(delivery, B, NOW + timedelta(minutes=5), TTL)


def test_a_delivery_attempted_since_it_was_read_is_not_claimed(store: Store) -> None:
    delivery = pending_delivery(store)
    assert store.claim_delivery(delivery, A, NOW, TTL)
    assert delivery.alert_id is not None
    store.mark_attempt_failed(delivery.alert_id, delivery.channel, "500", NOW, NOW)
    store.release_delivery(delivery, A)
    assert not store.claim_delivery(delivery, B, NOW, TTL)  # B's copy says attempts=0
    [(_, fresh)] = store.outbox(NOW, retries_due_only=True)
    assert store.claim_delivery(fresh, B, NOW, TTL)


def test_a_claim_of_an_expired_or_dead_instance_is_taken_over(store: Store) -> None:
    delivery = pending_delivery(store)
    assert store.claim_delivery(delivery, A, NOW, TTL)
    assert store.claim_delivery(delivery, B, NOW + TTL + timedelta(seconds=1), TTL)
    # A process of this host that has exited holds nothing, whatever its claim says.
    exited = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = f"{instance_id().split(':')[0]}:{exited.stdout.strip()}:dead"
    assert holder_gone(dead)
    assert not holder_gone(instance_id())
    assert not holder_gone(A)  # another host: judged by its lease expiry only
    assert store.claim_feed(FEED, dead, NOW, TTL)
    assert store.claim_feed(FEED, B, NOW, TTL)


def test_concurrent_claims_of_one_feed_grant_exactly_one(store_url: str) -> None:
    stores = [open_store(store_url) for _ in range(6)]
    start = threading.Barrier(len(stores))
    won: list[str] = []

    def claim(store: Store, holder: str) -> None:
        start.wait()
        if store.claim_feed(FEED, holder, NOW, TTL):
            won.append(holder)

    threads = [
        threading.Thread(target=claim, args=(s, f"host-{n}:{n}:x")) for n, s in enumerate(stores)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        for s in stores:
            s.close()
    assert len(won) == 1, won
