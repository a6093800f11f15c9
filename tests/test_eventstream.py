"""The event stream: stored with what it reports, read back as JSON lines, sent to a webhook."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.eventstream import EventSink, new_event, parse_since
from monitor.store import open_store
from tests.fixtures.story import Story, publish_february, publish_seed


def event_lines(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["events", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_the_story_leaves_a_readable_trail_of_events(story: Story, capsys, webhook_receiver):
    publish_february(story)
    assert story.once() == 0
    publish_seed(story)
    assert story.once() == 0

    events = event_lines(capsys, "--config", str(story.config))
    kinds = [e["kind"] for e in events]
    assert kinds.count("article_matched") == 2
    assert "figure_observed" in kinds
    changes = [e for e in events if e["kind"] == "change_detected"]
    assert {c["data"]["figure"] for c in changes} == {"containers", "shells"}
    assert all(c["topic"] == "North Korean arms deliveries to Russia" for c in changes)
    assert all(c["source"] == story.server.url("/feed.xml") for c in changes)
    sent = [e for e in events if e["kind"] == "alert_sent"]
    schemes = sorted(e["data"]["channel"].split(":")[0] for e in sent)
    assert schemes == ["json", "json", "mailto", "mailto"]
    # the order of the stream is the order things happened
    assert kinds.index("change_detected") < kinds.index("alert_sent")
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    containers = [
        e["data"]["value"]
        for e in events
        if e["kind"] == "figure_observed" and e["data"]["figure"] == "containers"
    ]
    assert 13000 in containers
    assert 6700 in containers

    only = event_lines(capsys, "--config", str(story.config), "--kind", "change_detected")
    assert [e["kind"] for e in only] == ["change_detected", "change_detected"]
    assert event_lines(capsys, "--config", str(story.config), "--since", "2999-01-01") == []
    assert len(event_lines(capsys, "--config", str(story.config), "--since", "1h")) == len(events)


def test_since_reads_durations_and_dates():
    now = datetime(2024, 10, 9, 12, 0, tzinfo=UTC)
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("2024-10-01", now) == datetime(2024, 10, 1, tzinfo=UTC)
    assert parse_since("2024-10-01T08:00:00+02:00", now) == datetime(2024, 10, 1, 6, tzinfo=UTC)
    with pytest.raises(ValueError, match="write a duration"):
        parse_since("yesterday", now)


def test_events_follow_prints_new_events_as_they_are_stored(story: Story):
    config = load_config(story.config)
    with open_store(config.database_url()) as store:
        store.record_events([new_event("feed_moved", at=datetime.now(UTC), source="http://a")])
        follower = subprocess.Popen(
            [sys.executable, "-m", "monitor", "events", "--follow", "--config", str(story.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert follower.stdout is not None
            history = json.loads(follower.stdout.readline())  # it runs and has read the past
            store.record_events(
                [new_event("source_down", at=datetime.now(UTC), source="http://x/feed")]
            )
            new = json.loads(follower.stdout.readline())
        finally:
            follower.terminate()
            follower.communicate(timeout=10)
    assert (history["kind"], history["source"]) == ("feed_moved", "http://a")
    assert (new["kind"], new["source"]) == ("source_down", "http://x/feed")
    assert new["id"] > history["id"]


def test_the_webhook_sink_posts_each_event_once_in_order_and_resumes(tmp_path, webhook_receiver):
    with open_store(f"sqlite:///{tmp_path / 'm.db'}") as store:
        now = datetime(2024, 10, 9, 12, 0, tzinfo=UTC)
        store.record_events([new_event("feed_moved", at=now, source="http://old", to="http://a")])
        url = webhook_receiver.apprise_url("events").replace("json://", "http://")
        sink = EventSink(url, store)
        assert asyncio.run(sink.flush(now)) == 0  # a new sink starts from now on
        store.record_events(
            [new_event("source_down", at=now, source=f"http://s{i}", since=now) for i in range(3)]
        )
        webhook_receiver.status = 500
        assert asyncio.run(sink.flush(now)) == 0
        webhook_receiver.status = 200
        assert asyncio.run(sink.flush(now)) == 3
        assert asyncio.run(sink.flush(now)) == 0
    bodies = [post.body for post in webhook_receiver.received]
    delivered = [b["source"] for b in bodies if b is not None]
    # the refused attempt was for s0; then all three in order, none twice after acceptance
    assert delivered == ["http://s0", "http://s0", "http://s1", "http://s2"]
    assert all(b["kind"] == "source_down" for b in bodies)
