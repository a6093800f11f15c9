"""A changed poll interval takes effect at the next reload, also under adaptive scheduling.

The real daemon (`monitor run` subprocess) polls a loopback feed whose entries are dated
(so the adaptive rule applies) and another without dates; the watchlist's `interval:` and
settings' `poll.interval` are edited while it runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

WATCHLIST = """\
name: Intervals
feeds:
  - url: {dated}
    interval: {interval}
  - {undated}
match:
  any: [Nordkorea]
"""


def rss(dated: bool) -> str:
    now = datetime.now(UTC)
    items = "".join(
        f"<item><title>Item {n}</title><guid>item-{n}</guid>"
        + (f"<pubDate>{format_datetime(now - timedelta(hours=n))}</pubDate>" if dated else "")
        + "</item>"
        for n in range(1, 4)
    )
    return f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>'


def polls(http_server, path: str) -> int:
    return len(http_server.requests_for(path))


def wait_until(condition, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s: {what}")
        time.sleep(0.1)


def test_interval_edits_apply_at_the_next_reload(http_server, tmp_path: Path) -> None:
    http_server.add("/dated.xml", rss(dated=True), content_type="application/rss+xml")
    http_server.add("/undated.xml", rss(dated=False), content_type="application/rss+xml")
    config = tmp_path / "config"
    (config / "watchlists").mkdir(parents=True)
    settings = config / "settings.yaml"
    base = (
        f"database: sqlite:///{tmp_path / 'monitor.db'}\nfetch:\n  allow: [127.0.0.1]\n"
        "poll:\n  jitter: 0s\n  backfill: 0\n  adaptive: true\n"
    )
    settings.write_text(base + "  interval: 1h\n")
    watchlist = config / "watchlists" / "intervals.yaml"
    urls = {"dated": http_server.url("/dated.xml"), "undated": http_server.url("/undated.xml")}
    watchlist.write_text(WATCHLIST.format(interval="1h", **urls))
    log_path = tmp_path / "daemon.log"
    env = {**os.environ}
    env.pop("NOTIFY_SOCKET", None)
    with log_path.open("w") as log_file:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(config)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: polls(http_server, "/dated.xml") >= 1, 60, "first poll of dated")
        wait_until(lambda: polls(http_server, "/undated.xml") >= 1, 60, "first poll of undated")
        time.sleep(3)
        # Entries an hour apart would give an adaptive interval of an hour: nothing more yet.
        assert polls(http_server, "/dated.xml") == 1
        assert polls(http_server, "/undated.xml") == 1

        # The watchlist's interval: 2s, below min_interval and the publishing rate, wins.
        watchlist.write_text(WATCHLIST.format(interval="2s", **urls))
        wait_until(lambda: polls(http_server, "/dated.xml") >= 3, 60, "dated polled every 2s")
        assert polls(http_server, "/undated.xml") == 1  # its interval is still settings' 1h

        # settings' poll.interval: 2s for the feed without dates (adaptive falls back to it).
        settings.write_text(base + "  interval: 2s\n")
        wait_until(lambda: polls(http_server, "/undated.xml") >= 3, 60, "undated every 2s")

        # Longer again: after the reload, no more polls of the dated feed.
        watchlist.write_text(WATCHLIST.format(interval="1h", **urls))
        wait_until(lambda: "interval_s=3600" in log_path.read_text(), 60, "dated feed rescheduled")
        time.sleep(1)
        after_reload = polls(http_server, "/dated.xml")
        time.sleep(5)
        assert polls(http_server, "/dated.xml") == after_reload
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    assert daemon.returncode == 0, log_path.read_text()
