"""`monitor run` as a real subprocess: systemd readiness, a poll, an alert, a clean stop."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.cli import main
from tests.fixtures.story import Story, publish_february, publish_seed

pytestmark = pytest.mark.slow


class NotifySocket:
    """An AF_UNIX datagram socket standing in for systemd's `$NOTIFY_SOCKET`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.messages: list[str] = []

    def wait_for(self, line: str, timeout_s: float) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while not any(line in m.splitlines() for m in self.messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {line!r} within {timeout_s}s; got {self.messages!r}")
            self.sock.settimeout(remaining)
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue
        return self.messages


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    listener = NotifySocket(tmp_path / "notify.sock")
    yield listener
    listener.sock.close()


def start_daemon(config: Path, notify: NotifySocket) -> subprocess.Popen[str]:
    env = {**os.environ, "NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "2000000"}
    env.pop("WATCHDOG_PID", None)
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_daemon_polls_alerts_and_stops_cleanly(
    story: Story, webhook_receiver, smtp_receiver, notify_socket: NotifySocket
) -> None:
    publish_february(story)
    assert story.once() == 0
    publish_seed(story)
    daemon = start_daemon(story.config, notify_socket)
    try:
        messages = notify_socket.wait_for("READY=1", timeout_s=60)
        assert any(m.startswith("STATUS=") or "\nSTATUS=" in m for m in messages)
        notify_socket.wait_for("WATCHDOG=1", timeout_s=10)
        daemon.send_signal(signal.SIGHUP)
        notify_socket.wait_for("RELOADING=1", timeout_s=10)
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    assert daemon.returncode == 0, output
    assert "STOPPING=1" in notify_socket.wait_for("STOPPING=1", timeout_s=5)[-1]
    assert "event=daemon_ready" in output
    assert "event=feed_scheduled" in output
    assert "event=daemon_stopped" in output
    # `once` polled the feed a moment ago: a restarted daemon waits for its interval.
    assert webhook_receiver.received == []


def test_daemon_polls_a_due_feed_and_delivers(
    story: Story, webhook_receiver, smtp_receiver, notify_socket: NotifySocket
) -> None:
    publish_february(story)
    publish_seed(story)
    daemon = start_daemon(story.config, notify_socket)
    try:
        notify_socket.wait_for("READY=1", timeout_s=60)
        deadline = time.monotonic() + 60
        while len(webhook_receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    assert daemon.returncode == 0, output
    assert sorted(
        post.body["title"].split(" — ")[1].split(":")[0] for post in webhook_receiver.received
    ) == [
        "152 mm artillery shells",
        "Containers shipped to Russia",
    ]
    assert len(smtp_receiver.messages) == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_status(notify: NotifySocket, text: str, timeout_s: float, *, after: int) -> str:
    """The first STATUS= line in the messages from index `after` on that contains `text`."""
    deadline = time.monotonic() + timeout_s
    seen = after
    while True:
        for message in notify.messages[seen:]:
            for line in message.splitlines():
                if line.startswith("STATUS=") and text in line:
                    return line
        seen = len(notify.messages)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no STATUS with {text!r} within {timeout_s}s: {notify.messages}")
        notify.sock.settimeout(remaining)
        with contextlib.suppress(TimeoutError):
            notify.messages.append(notify.sock.recv(4096).decode())


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def healthz(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def test_daemon_follows_config_edits_serves_metrics_and_stops_cleanly(
    story: Story, webhook_receiver, notify_socket: NotifySocket, capsys
) -> None:
    port = free_port()
    settings = story.config / "settings.yaml"
    settings.write_text(
        settings.read_text().replace("  backfill: 36500d\n", "  backfill: 36500d\n  jitter: 0s\n")
        + f"http:\n  listen: 127.0.0.1:{port}\n"
    )
    watchlist = story.config / "watchlists" / "north-korea.yaml"
    original = watchlist.read_text()
    publish_february(story)
    publish_seed(story)
    log_path = story.config.parent / "daemon.log"
    env = {**os.environ, "NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": "2000000"}
    env.pop("WATCHDOG_PID", None)
    with log_path.open("w") as log_file:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(story.config)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        notify_socket.wait_for("READY=1", timeout_s=60)
        notify_socket.wait_for("WATCHDOG=1", timeout_s=10)
        deadline = time.monotonic() + 60
        while len(webhook_receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(webhook_receiver.received) == 2

        metrics = scrape(f"{base}/metrics")
        containers = [
            value
            for (name, labels), value in metrics.items()
            if name == "monitor_tracked_figure_value" and ("figure", "containers") in labels
        ]
        assert containers == [13000]
        assert metrics[("monitor_feeds_polled_total", (("status", "ok"),))] >= 1
        assert metrics[("monitor_fetch_results_total", (("status", "200"),))] >= 1
        assert metrics[("monitor_articles_processed_total", ())] == 2
        assert metrics[("monitor_config_ok", ())] == 1
        assert healthz(f"{base}/healthz")["status"] == "ok"

        capsys.readouterr()
        assert main(["status", "--json", "--config", str(story.config)]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["running"] is True
        assert status["daemon"]["pid"] == daemon.pid
        assert [f["url"] for f in status["feeds"]] == [story.server.url("/feed.xml")]

        # A good edit: a second feed, picked up without a restart.
        mark = len(notify_socket.messages)
        story.server.add(
            "/other.xml", '<rss version="2.0"><channel><title>O</title></channel></rss>'
        )
        watchlist.write_text(
            original.replace(
                "    interval: 10m\n", f"    interval: 10m\n  - {story.server.url('/other.xml')}\n"
            )
        )
        wait_for_status(notify_socket, "2 feeds", timeout_s=30, after=mark)

        # A broken edit: reported with file:line:column, the last good configuration kept.
        mark = len(notify_socket.messages)
        watchlist.write_text(original.replace("match:", "mtach:"))
        broken = wait_for_status(notify_socket, "CONFIG ERROR", timeout_s=30, after=mark)
        assert re.search(r"north-korea\.yaml:\d+:\d+: unknown key 'mtach'", broken), broken
        assert "2 feeds" in broken
        health = healthz(f"{base}/healthz")
        assert health["status"] == "degraded"
        assert "unknown key 'mtach'" in health["config"]["error"]
        assert scrape(f"{base}/metrics")[("monitor_config_ok", ())] == 0

        # The fix is picked up too.
        mark = len(notify_socket.messages)
        watchlist.write_text(original)
        wait_for_status(notify_socket, "1 feeds", timeout_s=30, after=mark)
        assert healthz(f"{base}/healthz")["status"] == "ok"

        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
        stop_s = time.monotonic() - started
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    output = log_path.read_text()
    assert daemon.returncode == 0, output
    assert stop_s < 25
    notify_socket.wait_for("STOPPING=1", timeout_s=5)
    assert "event=config_changed" in output
    assert output.count("event=config_reloaded reason=file_changed") == 2
    assert re.search(r"event=config_invalid reason=file_changed kept=last_good", output)
    assert "event=feed_unscheduled" in output  # the second feed went away with the fix
    assert "event=daemon_stopped" in output
    assert len(webhook_receiver.received) == 2  # no alert twice across reloads
