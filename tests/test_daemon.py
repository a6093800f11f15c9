"""`monitor run` as a real subprocess: systemd readiness, a poll, an alert, a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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
