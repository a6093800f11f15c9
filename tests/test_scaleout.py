"""Several `monitor run` daemons on one PostgreSQL share a loopback feed farm.

Each test starts real daemon processes on a schema of its own (skipped without
MONITOR_TEST_POSTGRES_URL) and checks what users care about: every feed is polled, none
twice within its interval (requests counted at the feed server), every alert reaches the
webhook exactly once, and the feeds of a daemon killed with SIGKILL are polled by the others
within one interval.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path

import pytest

from tests.fixtures.http_server import HttpServer

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL")
FEEDS = 12
INTERVAL_S = 4.0
# A feed's next check counts from the start of its poll, and a fresh daemon may take a second
# or more (imports, a busy machine) from that start to the request; two instances polling one
# feed would send their requests well under this apart.
TOO_CLOSE_S = INTERVAL_S / 2
# Scheduling delay allowed on top of one interval before a killed daemon's feeds count as lost.
PICKUP_SLACK_S = 1.5
START_TIMEOUT_S = 60.0
SAMPLE_S = 0.005  # how often the request log is read to stamp arrivals


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


class Farm:
    """FEEDS loopback feeds with ETags; `publish(i)` adds an article to feed i."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.items: dict[int, list[str]] = {i: [] for i in range(FEEDS)}
        self.clock = RequestClock(server)
        for i in range(FEEDS):
            self._serve(i)

    def path(self, i: int) -> str:
        return f"/feeds/{i}.xml"

    def publish(self, i: int) -> str:
        n = len(self.items[i])
        title = f"Pyongyang report {i}-{n}"
        page = f"/articles/{i}-{n}.html"
        text = " ".join(
            f"Pyongyang announced shipment {i}-{n} number {k} to its partners on Tuesday."
            for k in range(12)
        )
        self.server.add(
            page,
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title></head><body><article><h1>{escape(title)}</h1>"
            f"<p>{escape(text)}</p><p>{escape(text)}</p></article></body></html>",
        )
        self.items[i].append(page)
        self._serve(i)
        return title

    def _serve(self, i: int) -> None:
        items = "".join(
            f"<item><title>Pyongyang report {page}</title><link>{self.server.url(page)}</link>"
            f"<guid>{self.server.url(page)}</guid>"
            "<pubDate>Wed, 09 Oct 2024 12:00:00 +0000</pubDate></item>"
            for page in self.items[i]
        )
        self.server.add(
            self.path(i),
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Feed {i}</title><link>{self.server.url('/')}</link>{items}</channel></rss>",
            content_type="application/rss+xml",
            etag=f'"{i}-{len(self.items[i])}"',
        )

    def request_times(self, i: int) -> list[float]:
        """When each request for feed i arrived (wall clock, to within SAMPLE_S)."""
        return self.clock.times(self.server.url(self.path(i))[len(self.server.url("")) :])


class RequestClock:
    """Stamps the server's requests with their arrival time by watching its request log."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.stamped: list[tuple[str, float]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopping.wait(SAMPLE_S):
            requests = self.server.requests
            now = time.time()
            with self.lock:
                self.stamped.extend((r.path, now) for r in requests[len(self.stamped) :])

    def times(self, path: str) -> list[float]:
        with self.lock:
            return [at for seen, at in self.stamped if seen == path]

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


@pytest.fixture
def farm(http_server: HttpServer) -> Iterator[Farm]:
    farm = Farm(http_server)
    yield farm
    farm.clock.stop()


def write_config(directory: Path, database: str, farm: Farm, webhook: str) -> Path:
    (directory / "watchlists").mkdir(parents=True)
    (directory / "settings.yaml").write_text(
        f"""\
database: "{database}"
channels:
  - url: "{webhook}"
    tags: [chat]
fetch:
  allow: [127.0.0.1]
poll:
  backfill: 36500d
  adaptive: false
  jitter: 0s
  per_host: 16
  concurrency: 32
"""
    )
    feeds = "".join(
        f"  - url: {farm.server.url(farm.path(i))}\n    interval: {INTERVAL_S:g}s\n"
        for i in range(FEEDS)
    )
    (directory / "watchlists" / "pyongyang.yaml").write_text(
        f"name: Pyongyang shipments\nfeeds:\n{feeds}match:\n  any: [Pyongyang]\n"
        "notify: [chat]\nnotify_on: [match]\n"
    )
    return directory


class Daemon:
    """One `monitor run` process writing its log to a file."""

    def __init__(self, config: Path, log: Path) -> None:
        self.log = log
        self.output = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(config)],
            stdout=self.output,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "WATCHDOG_"))},
        )

    def text(self) -> str:
        return self.log.read_text()

    def polled(self) -> list[str]:
        return re.findall(r"event=feed_polled source=(\S+)", self.text())

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.output.close()


@pytest.fixture
def start_daemons(tmp_path: Path) -> Iterator[Callable[[Path, int], list[Daemon]]]:
    started: list[Daemon] = []

    def start(config: Path, count: int) -> list[Daemon]:
        daemons = [Daemon(config, tmp_path / f"daemon-{i}.log") for i in range(count)]
        started.extend(daemons)
        wait_until(
            lambda: all("event=daemon_ready" in d.text() for d in daemons),
            START_TIMEOUT_S,
            lambda: "\n".join(d.text()[-2000:] for d in daemons),
        )
        return daemons

    yield start
    for daemon in started:
        daemon.stop()


def wait_until(condition: Callable[[], bool], timeout_s: float, why: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout_s}s:\n{why()}")
        time.sleep(0.05)


def another_round(farm: Farm) -> None:
    """Wait until every feed has been polled once more."""
    counts = [len(farm.request_times(i)) for i in range(FEEDS)]
    wait_until(
        lambda: all(len(farm.request_times(i)) > counts[i] for i in range(FEEDS)),
        INTERVAL_S * 3,
        lambda: repr({i: len(farm.request_times(i)) for i in range(FEEDS)}),
    )


def closest_polls(farm: Farm) -> dict[int, float]:
    """Per feed, the shortest time between two of its requests."""
    closest = {}
    for i in range(FEEDS):
        times = farm.request_times(i)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        closest[i] = min(gaps, default=float("inf"))
    return closest


def titles_received(webhook_receiver) -> Counter[str]:
    """The article titles of the match alerts received, with how often each came."""
    return Counter(
        post.body["title"].split("new article: ", 1)[-1] for post in webhook_receiver.received
    )


def test_two_daemons_share_the_feeds_without_polling_or_alerting_twice(
    tmp_path: Path, database_url: str, farm: Farm, webhook_receiver, start_daemons
) -> None:
    config = write_config(tmp_path / "config", database_url, farm, webhook_receiver.apprise_url())
    daemons = start_daemons(config, 2)
    wait_until(
        lambda: all(len(farm.request_times(i)) >= 1 for i in range(FEEDS)),
        15,
        lambda: repr({i: len(farm.request_times(i)) for i in range(FEEDS)}),
    )
    titles = [farm.publish(i) for i in range(0, FEEDS, 2)]  # a few at a time: see TOO_CLOSE_S
    wait_until(
        lambda: set(titles) <= set(titles_received(webhook_receiver)),
        20,
        lambda: repr(titles_received(webhook_receiver)),
    )
    another_round(farm)  # a second copy of an alert would arrive by now
    for daemon in daemons:
        assert daemon.stop() == 0, daemon.text()[-3000:]

    assert titles_received(webhook_receiver) == Counter(titles)  # each alert exactly once
    too_close = {i: gap for i, gap in closest_polls(farm).items() if gap < TOO_CLOSE_S}
    assert too_close == {}
    # Both did part of the work: the database shared it, it did not hand it all to one.
    assert all(daemon.polled() for daemon in daemons), [len(d.polled()) for d in daemons]


def test_the_feeds_of_a_killed_daemon_are_picked_up_within_one_interval(
    tmp_path: Path, database_url: str, farm: Farm, webhook_receiver, start_daemons
) -> None:
    config = write_config(tmp_path / "config", database_url, farm, webhook_receiver.apprise_url())
    daemons = start_daemons(config, 3)
    wait_until(
        lambda: all(len(farm.request_times(i)) >= 2 for i in range(FEEDS)),
        20,
        lambda: repr({i: len(farm.request_times(i)) for i in range(FEEDS)}),
    )
    # Kill the one that has polled most: the others must take over its share.
    victim = max(daemons, key=lambda daemon: len(daemon.polled()))
    survivors = [daemon for daemon in daemons if daemon is not victim]
    killed_at = time.time()
    victim.process.send_signal(signal.SIGKILL)
    assert victim.process.wait(timeout=10) == -signal.SIGKILL
    killed_polled = set(victim.polled())
    assert killed_polled, "the killed daemon had polled nothing: nothing to pick up"

    titles = [farm.publish(i) for i in range(0, FEEDS, 2)]  # a few at a time: see TOO_CLOSE_S
    wait_until(
        lambda: set(titles) <= set(titles_received(webhook_receiver)),
        20,
        lambda: repr(titles_received(webhook_receiver)),
    )
    another_round(farm)
    for daemon in survivors:
        assert daemon.stop() == 0, daemon.text()[-3000:]

    pickup = {}
    for i in range(FEEDS):
        times = farm.request_times(i)
        before = max(t for t in times if t <= killed_at)
        after = min(t for t in times if t > killed_at)
        pickup[i] = after - before
    slow = {i: gap for i, gap in pickup.items() if gap > INTERVAL_S + PICKUP_SLACK_S}
    assert slow == {}, pickup
    too_close = {i: gap for i, gap in closest_polls(farm).items() if gap < TOO_CLOSE_S}
    assert too_close == {}
    assert titles_received(webhook_receiver) == Counter(titles)
    print(
        f"\npickup after SIGKILL: max {max(pickup.values()):.2f}s "
        f"(interval {INTERVAL_S:g}s; feeds the killed daemon polled: {len(killed_polled)})"
    )
