"""Faults of the store and of alert channels, and `kill -9` of the real daemon.

Nothing the daemon accepted is lost, nothing is half-written, and an alert is sent twice at
most when the daemon died between sending it and marking it sent.
"""

from __future__ import annotations

import itertools
import os
import random
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures.story import Story, publish_february, publish_seed
from tests.hostile.conftest import bounded

pytestmark = pytest.mark.slow

SEED_TITLES = {"Containers shipped to Russia", "152 mm artillery shells"}


def database(story: Story) -> Path:
    return story.config.parent / "monitor.db"


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def figure_of(post) -> str:  # type: ignore[no-untyped-def]
    return str(post.body["title"]).split(" — ")[1].split(":")[0]


def test_a_locked_database_fails_the_cycle_and_the_next_one_catches_up(
    story: Story, webhook_receiver, smtp_receiver
) -> None:
    publish_february(story)
    assert story.once() == 0
    publish_seed(story)
    blocker = sqlite3.connect(database(story), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with bounded(time_s=30, memory_mb=100):
            assert story.once() == 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert webhook_receiver.received == []
    assert integrity(database(story)) == "ok"
    assert story.once() == 0
    assert {figure_of(post) for post in webhook_receiver.received} == SEED_TITLES
    assert len(webhook_receiver.received) == 2


def _limit_file_size() -> None:
    # Writes past 64 KB fail with EFBIG (SIGXFSZ ignored): a disk that fills up mid-cycle.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))


def test_a_full_disk_fails_the_cycle_cleanly(story: Story, webhook_receiver, smtp_receiver) -> None:
    publish_february(story)
    assert story.once() == 0
    for index in range(30):  # enough new articles that the write-ahead log outgrows 64 KB
        story.publish(
            f"/filler{index}.html",
            f"Bericht {index}",
            "<html lang='de'><body><article><p>"
            + f"Ein langer Bericht Nummer {index} über das Wetter in Hamburg. " * 60
            + "</p></article></body></html>",
            datetime(2024, 3, 1, tzinfo=UTC) + timedelta(hours=index),
        )
    publish_seed(story)
    full = subprocess.run(
        [sys.executable, "-m", "monitor", "once", "--all", "--config", str(story.config)],
        preexec_fn=_limit_file_size,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert full.returncode != 0, full.stdout + full.stderr
    assert "disk" in (full.stdout + full.stderr).lower() or "I/O" in full.stdout + full.stderr
    assert integrity(database(story)) == "ok"
    assert story.once() == 0
    assert {figure_of(post) for post in webhook_receiver.received} == SEED_TITLES
    assert len(webhook_receiver.received) == 2


def test_a_hanging_channel_times_out_and_never_blocks_the_others(
    story: Story, webhook_receiver, smtp_receiver, silent_server
) -> None:
    settings = story.config / "settings.yaml"
    settings.write_text(
        settings.read_text().replace(
            "channels:\n",
            f'channels:\n  - url: "{silent_server.apprise_url("hang")}"\n    tags: [chat]\n',
        )
        + "delivery:\n  timeout: 2s\n"
    )
    publish_february(story)
    publish_seed(story)
    with bounded(time_s=30, memory_mb=100):
        assert story.once() == 1  # the silent channel failed
    assert {figure_of(post) for post in webhook_receiver.received} == SEED_TITLES
    assert len(smtp_receiver.messages) == 2


class NotifySocket:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.messages: list[tuple[float, str]] = []

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.messages.append((time.monotonic(), self.sock.recv(4096).decode()))
            except TimeoutError:
                continue

    def has(self, line: str) -> bool:
        return any(line in message.splitlines() for _, message in self.messages)


def start_daemon(config: Path, log_path: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log_path.open("a") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(config)],
            env={**os.environ, **env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def test_the_watchdog_keeps_pinging_while_a_channel_hangs(
    story: Story, webhook_receiver, smtp_receiver, silent_server, tmp_path: Path
) -> None:
    settings = story.config / "settings.yaml"
    settings.write_text(
        settings.read_text()
        .replace(
            "channels:\n",
            f'channels:\n  - url: "{silent_server.apprise_url("hang")}"\n    tags: [chat]\n',
        )
        .replace("poll:\n", "poll:\n  jitter: 0s\n")
        + "delivery:\n  timeout: 6s\n"
    )
    publish_february(story)
    publish_seed(story)
    notify = NotifySocket(tmp_path / "notify.sock")
    daemon = start_daemon(
        story.config,
        tmp_path / "daemon.log",
        {"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "2000000"},
    )
    try:
        deadline = time.monotonic() + 60
        while not notify.has("READY=1") and time.monotonic() < deadline:
            notify.drain(0.2)
        # The daemon's first poll finds the seed story and delivers into the silent channel.
        started = time.monotonic()
        notify.drain(8)
        pings = [t for t, message in notify.messages if t >= started and "WATCHDOG=1" in message]
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=40) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        notify.sock.close()
    gaps = [b - a for a, b in itertools.pairwise(pings)]
    assert len(pings) >= 4, (pings, (tmp_path / "daemon.log").read_text())
    assert max(gaps) < 2.0  # systemd's WatchdogSec here: never missed
    assert {figure_of(post) for post in webhook_receiver.received} == SEED_TITLES
    failed = [line for line in (tmp_path / "daemon.log").read_text().splitlines()
              if "event=alert_failed" in line and "/hang" in line]  # fmt: skip
    assert failed, "the silent channel never failed"


# -- kill -9 -----------------------------------------------------------------------------------

KILLS = 10


def article(value: int) -> str:
    shown = f"{value:,}".replace(",", ".")
    return (
        "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>"
        "<meta property='og:site_name' content='Korea-Kurier'></head><body><article>"
        f"<h1>Nordkorea liefert Russland {shown} Container</h1>"
        f"<p>Nordkorea hat nach Angaben aus Seoul inzwischen etwa {shown} Container nach "
        "Russland geschickt. Das sagte der südkoreanische Verteidigungsminister am Dienstag.</p>"
        "<p>Russland setzt die Munition im Krieg gegen die Ukraine ein. Moskau und Pjöngjang "
        "bestreiten die Lieferungen.</p></article></body></html>"
    )


def test_kill_9_at_random_points_loses_no_alert(
    story: Story, webhook_receiver, smtp_receiver, tmp_path: Path
) -> None:
    watchlist = story.config / "watchlists" / "north-korea.yaml"
    watchlist.write_text(watchlist.read_text().replace("interval: 10m", "interval: 1s"))
    settings = story.config / "settings.yaml"
    settings.write_text(
        settings.read_text().replace("poll:\n", "poll:\n  jitter: 0s\n  adaptive: false\n")
    )
    rng = random.Random(20241009)
    values = [1000 * (index + 1) for index in range(KILLS + 2)]
    start = datetime(2024, 3, 1, tzinfo=UTC)
    log_path = tmp_path / "daemon.log"
    published = 0
    for kill in range(KILLS):
        story.publish(f"/a{published}.html", f"Bericht {published}", article(values[published]),
                      start + timedelta(days=published))  # fmt: skip
        published += 1
        daemon = start_daemon(story.config, log_path, {})
        time.sleep(rng.uniform(0.5, 3.0))
        daemon.kill()
        daemon.wait()
        assert integrity(database(story)) == "ok", f"after kill {kill + 1}"
    story.publish(f"/a{published}.html", f"Bericht {published}", article(values[published]),
                  start + timedelta(days=published))  # fmt: skip
    published += 1
    expected = {f"{old:,} → {new:,}" for old, new in itertools.pairwise(values[:published])}
    daemon = start_daemon(story.config, log_path, {})
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(_changes(webhook_receiver)) < len(expected):
            time.sleep(0.2)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=40) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    assert integrity(database(story)) == "ok"
    sent = Counter(_changes(webhook_receiver))
    assert set(sent) == expected, log_path.read_text()[-3000:]
    duplicates = sum(count - 1 for count in sent.values())
    print(f"alerts: {len(expected)}, duplicates after {KILLS} kills: {duplicates}")
    assert duplicates <= KILLS


def _changes(receiver) -> list[str]:  # type: ignore[no-untyped-def]
    changes = []
    for post in receiver.received:
        title = str(post.body["title"])
        if "Containers shipped to Russia" in title:
            changes.append(title.split(": ", 1)[1].split(" (", maxsplit=1)[0])
    return changes
