"""A bad configuration file is a `file:line:column` message and an exit code, never a traceback.

`monitor check` exits 1 (README "Command line"), `monitor run` and `monitor once` exit 78
(EX_CONFIG). A running daemon refuses a bad reload, says so in READY=1's STATUS= and keeps
polling on its last good configuration.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.story import Story
from tests.test_daemon import NotifySocket, notify_socket, start_daemon

__all__ = ["notify_socket"]


def monitor(*args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def settings(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "settings.yaml").write_text(f"database: sqlite:///{tmp_path / 'm.db'}\n{text}")
    return config


def test_deep_nesting_is_refused_at_once_with_its_position(tmp_path: Path) -> None:
    # 20,000 nested brackets (40 KB) took minutes of CPU in the YAML composer.
    config = settings(tmp_path, "poll: " + "[" * 20_000 + "]" * 20_000 + "\n")
    result = monitor("check", "--config", str(config), timeout_s=120)
    assert result.returncode == 1, result.stderr
    assert re.search(r"settings\.yaml:2:\d+: nested more than 32 levels deep", result.stderr)
    assert "Traceback" not in result.stderr


BAD_DURATIONS = {
    "negative-interval": ("poll:\n  interval: -60\n", "2:13", "poll.interval: -60 is negative"),
    "overflowing-days": ("poll:\n  interval: 99999999999d\n", "2:13", "longest duration"),
    "infinite": ("poll:\n  backfill: .inf\n", "2:13", "longest duration"),
    "not-a-number": ("poll:\n  jitter: .nan\n", "2:11", "is not a duration"),
    "huge-integer": ("events:\n  keep: 99999999999999999999999\n", "2:9", "longest duration"),
    "zero-timeout": ("fetch:\n  timeout: 0s\n", "2:12", "from 0.1s to 1h"),
    "week-long-timeout": ("delivery:\n  timeout: 7d\n", "2:12", "from 0.1s to 1h"),
    "zero-retry": ("delivery:\n  retry_after: 0s\n", "2:16", "from 1s to 30d"),
    "zero-interval": ("poll:\n  interval: 0\n", "2:13", "from 1s to 30d"),
}


@pytest.mark.parametrize(
    ("text", "where", "problem"), BAD_DURATIONS.values(), ids=BAD_DURATIONS.keys()
)
def test_durations_out_of_bounds_are_refused_by_check(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    config = settings(tmp_path, text)
    result = monitor("check", "--config", str(config))
    assert result.returncode == 1, result.stdout + result.stderr
    line, column = where.split(":")
    assert f"settings.yaml:{int(line) + 1}:{column}: " in result.stderr  # line 1: database
    assert problem in result.stderr
    assert "Traceback" not in result.stderr


def test_a_feed_interval_that_would_poll_in_a_loop_is_refused(tmp_path: Path) -> None:
    config = settings(tmp_path, "")
    (config / "watchlists").mkdir()
    (config / "watchlists" / "w.yaml").write_text(
        "name: w\nfeeds:\n  - url: http://127.0.0.1:9/feed.xml\n    interval: 0.001s\n"
        "match:\n  any: [a]\n"
    )
    result = monitor("check", "--config", str(config))
    assert result.returncode == 1
    assert "w.yaml:4:15: feeds.0.interval: 0.001s is out of range" in result.stderr


@pytest.mark.parametrize("command", ["once", "run"])
def test_run_and_once_exit_78_on_an_overflowing_duration(tmp_path: Path, command: str) -> None:
    config = settings(tmp_path, "poll:\n  max_backoff: 99999999999d\n")
    result = monitor(command, "--config", str(config))
    assert result.returncode == 78, result.stderr
    assert "settings.yaml:3:16: poll.max_backoff:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_that_is_not_utf8_names_line_and_column(tmp_path: Path) -> None:
    config = settings(tmp_path, "")
    (config / "watchlists").mkdir()
    (config / "watchlists" / "w.yaml").write_bytes(b"name: w\nmatch:\n  any: [caf\xe9]\n")
    result = monitor("once", "--config", str(config))
    assert result.returncode == 78
    assert "w.yaml:3:12: not UTF-8: byte 0xe9" in result.stderr


# -- the daemon: a rejected reload ----------------------------------------------------------------


def settle(path: Path) -> None:
    """Age the file past the daemon's settle time, as an editor's finished save would be."""
    old = time.time() - 5
    os.utime(path, (old, old))


def ready_after(notify: NotifySocket, mark: int, timeout_s: float) -> str:
    """The first READY=1 message that arrived after message number `mark`."""
    deadline = time.monotonic() + timeout_s
    while True:
        for message in notify.messages[mark:]:
            if "READY=1" in message.splitlines():
                return message
        if time.monotonic() > deadline:
            raise AssertionError(f"no READY=1 within {timeout_s}s: {notify.messages[mark:]!r}")
        _receive(notify, 0.2)


def _receive(notify: NotifySocket, timeout_s: float) -> None:
    notify.sock.settimeout(timeout_s)
    with contextlib.suppress(TimeoutError):
        notify.messages.append(notify.sock.recv(4096).decode())


@pytest.mark.slow
def test_a_rejected_reload_says_why_in_ready_status_and_keeps_the_last_good_config(
    story: Story, notify_socket: NotifySocket
) -> None:
    watchlist = story.config / "watchlists" / "north-korea.yaml"
    good = watchlist.read_text()
    daemon = start_daemon(story.config, notify_socket)
    try:
        notify_socket.wait_for("READY=1", timeout_s=60)
        other = story.server.url("/other.xml")
        for bad in ("99999999999d", "-60"):  # overflowed into a traceback; polled in a loop
            # Applied, this edit would make two feeds; rejected, the daemon keeps one.
            watchlist.write_text(good.replace("interval: 10m\n", f"interval: {bad}\n  - {other}\n"))
            settle(watchlist)
            mark = len(notify_socket.messages)
            daemon.send_signal(signal.SIGHUP)
            ready = ready_after(notify_socket, mark, timeout_s=30)
            status = next(line for line in ready.splitlines() if line.startswith("STATUS="))
            assert "reload rejected, running on the last good configuration" in status
            assert "north-korea.yaml:4:15: feeds.0.interval" in status
            assert "; 1 feeds" in status
            assert daemon.poll() is None

        watchlist.write_text(good)
        settle(watchlist)
        mark = len(notify_socket.messages)
        daemon.send_signal(signal.SIGHUP)
        ready = ready_after(notify_socket, mark, timeout_s=30)
        assert "reload rejected" not in ready
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    assert daemon.returncode == 0, output
    assert output.count("event=config_invalid reason=SIGHUP kept=last_good") >= 2
    assert "Traceback" not in output
    assert "event=config_reloaded reason=SIGHUP" in output
