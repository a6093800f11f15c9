"""The daemon's feed queue: each feed once, earliest first, moved and removed in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.daemon import FeedQueue

NOW = datetime(2024, 10, 9, 12, 0, tzinfo=UTC)


def due(queue: FeedQueue, at: datetime) -> list[str]:
    urls = []
    while (popped := queue.pop_due(at.timestamp())) is not None:
        urls.append(popped[1])
    return urls


def test_feeds_come_due_earliest_first_and_only_once() -> None:
    queue = FeedQueue()
    for i, minutes in enumerate([30, 10, 20]):
        queue.put(f"feed-{i}", NOW + timedelta(minutes=minutes))
    assert queue.next_at() == (NOW + timedelta(minutes=10)).timestamp()
    assert due(queue, NOW) == []
    assert due(queue, NOW + timedelta(minutes=25)) == ["feed-1", "feed-2"]
    assert len(queue) == 1
    assert "feed-0" in queue
    assert "feed-1" not in queue
    assert due(queue, NOW + timedelta(hours=1)) == ["feed-0"]
    assert queue.next_at() is None


def test_a_moved_feed_is_due_at_its_new_time_only() -> None:
    queue = FeedQueue()
    queue.put("a", NOW + timedelta(minutes=5))
    queue.put("b", NOW + timedelta(minutes=10))
    queue.put("a", NOW + timedelta(minutes=15))  # later: the old entry is stale
    queue.put("b", NOW + timedelta(minutes=1))  # sooner
    assert queue.due_at("a") == NOW + timedelta(minutes=15)
    assert due(queue, NOW + timedelta(minutes=10)) == ["b"]
    assert due(queue, NOW + timedelta(minutes=20)) == ["a"]


def test_a_removed_feed_never_comes_due() -> None:
    queue = FeedQueue()
    queue.put("a", NOW)
    queue.put("b", NOW + timedelta(minutes=1))
    assert queue.remove("a")
    assert not queue.remove("a")
    assert queue.urls() == ["b"]
    assert due(queue, NOW + timedelta(hours=1)) == ["b"]


def test_stale_entries_do_not_pile_up_when_feeds_move_often() -> None:
    queue = FeedQueue()
    for round_ in range(100):
        for i in range(100):
            queue.put(f"feed-{i}", NOW + timedelta(seconds=round_ * 100 + i))
    assert len(queue) == 100
    assert len(queue._heap) <= 2 * len(queue) + 64
    assert due(queue, NOW + timedelta(days=1)) == [f"feed-{i}" for i in range(100)]


def test_a_feed_put_back_keeps_its_place() -> None:
    queue = FeedQueue()
    queue.put("a", NOW)
    queue.put("b", NOW + timedelta(seconds=1))
    popped = queue.pop_due(NOW.timestamp())
    assert popped == (NOW.timestamp(), "a")
    queue.put_back("a", popped[0])
    assert due(queue, NOW + timedelta(minutes=1)) == ["a", "b"]
