"""Transient faults back off from seconds, not hours (issue 11, item 2).

A database that is full or locked, a DNS lookup that fails, a sandbox worker that does not
start: none is the source's fault, and each is usually gone in seconds. The feed is tried
again after 5 s, 10 s, 20 s …; only a feed that keeps failing reaches the ceiling
(`poll.max_interval`). After the disk has room again, the owed alert comes.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.cli import main
from tests.fixtures.story import Story, publish_february, publish_seed

pytestmark = pytest.mark.slow

FSIZE_CAP = 64 * 1024  # bytes a file may grow to: a disk that is full


def status_json(story: Story, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    main(["status", "--json", "--config", str(story.config)])  # exit 3: no daemon runs
    result = json.loads(capsys.readouterr().out)
    assert isinstance(result, dict)
    return result


def test_a_failed_dns_lookup_is_retried_in_seconds_not_after_the_interval(
    story: Story, capsys
) -> None:
    watchlist = story.config / "watchlists" / "north-korea.yaml"
    watchlist.write_text(
        watchlist.read_text().replace(story.server.url("/feed.xml"), "http://feed.invalid/x.xml")
    )
    assert story.once() == 1
    feed = status_json(story, capsys)["feeds"][0]
    assert "DNS lookup failed" in feed["last_error"]
    polled = datetime.fromisoformat(feed["last_polled_at"])
    retry = datetime.fromisoformat(feed["next_check_at"]) - polled
    assert timedelta(0) < retry <= timedelta(seconds=10)  # the interval is 10 minutes


def _log(lines: list[str]) -> str:
    """The daemon's log without its heartbeat failures (one every few seconds)."""
    return "".join(line for line in lines if "heartbeat_failed" not in line)[-6000:]


def _full_disk() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the cap fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE_CAP, resource.RLIM_INFINITY))


def test_the_daemon_retries_a_full_disk_in_seconds_and_the_owed_alert_comes(
    story: Story, webhook_receiver, smtp_receiver
) -> None:
    publish_february(story)
    assert story.once() == 0
    for index in range(30):  # enough that the write-ahead log outgrows the cap
        story.publish(
            f"/filler{index}.html",
            f"Bericht {index}",
            "<html lang='de'><body><article><p>"
            + f"Ein langer Bericht Nummer {index} über das Wetter in Hamburg. " * 60
            + "</p></article></body></html>",
            datetime(2024, 3, 1, tzinfo=UTC) + timedelta(hours=index),
        )
    publish_seed(story)
    with sqlite3.connect(story.config.parent / "monitor.db") as connection:
        connection.execute("UPDATE feed SET next_check_at = NULL")  # due at the daemon's start
    state = story.config.parent / "state"
    (story.config / "settings.yaml").write_text(
        (story.config / "settings.yaml").read_text() + f"state_directory: {state}\n"
    )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(story.config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_full_disk,  # noqa: PLW1509 (it only sets a limit and a signal)
        env={k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(daemon.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while not any("source_crashed" in line for line in lines):
            assert time.monotonic() < deadline, _log(lines)
            assert daemon.poll() is None, _log(lines)
            time.sleep(0.1)
        assert webhook_receiver.received == []
        assert any("transient=true" in line for line in lines if "source_crashed" in line)
        # Space is freed: the daemon's own limit is lifted while it runs.
        resource.prlimit(
            daemon.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
        )
        freed = time.monotonic()
        while len(webhook_receiver.received) < 2:
            assert time.monotonic() < freed + 90, _log(lines)
            time.sleep(0.1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        finally:
            if daemon.poll() is None:
                daemon.kill()
            reader.join(timeout=10)
            daemon.stdout.close()  # type: ignore[union-attr]
    assert sorted(
        post.body["title"].split(" — ")[1].split(":")[0] for post in webhook_receiver.received
    ) == [
        "152 mm artillery shells",
        "Containers shipped to Russia",
    ]
    assert any("poll_retry" in line for line in lines)
