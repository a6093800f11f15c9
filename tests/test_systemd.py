"""The sd_notify protocol over a real AF_UNIX datagram socket, and the hardened unit."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from monitor.systemd import notify, watchdog_interval_s

UNIT = Path(__file__).parent.parent / "deploy" / "monitor.service"
MAX_EXPOSURE = 2.0


def test_notify_sends_one_datagram_of_lines_to_the_socket(tmp_path, monkeypatch):
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert notify("READY=1", "STATUS=watching 3 feeds") is True
        assert listener.recv(4096).decode() == "READY=1\nSTATUS=watching 3 feeds"


def test_notify_reaches_an_abstract_namespace_socket(monkeypatch):
    name = f"monitor-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify("WATCHDOG=1") is True
        assert listener.recv(4096) == b"WATCHDOG=1"


def test_notify_outside_systemd_does_nothing_and_a_dead_socket_is_not_fatal(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "nobody-listens.sock"))
    assert notify("READY=1") is False


def test_watchdog_interval_is_half_the_timeout_and_only_for_this_process(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "60000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert watchdog_interval_s() == 30.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog_interval_s() == 30.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert watchdog_interval_s() is None
    monkeypatch.delenv("WATCHDOG_USEC")
    assert watchdog_interval_s() is None


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_unit_is_notify_with_watchdog_and_hardened():
    settings = unit_settings()
    assert settings["Type"] == ["notify"]
    assert settings["WatchdogSec"]
    assert settings["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "NoNewPrivileges": "yes",
        "StateDirectory": "monitor",
        "ConfigurationDirectory": "monitor",
    }.items():
        assert settings[key] == [value], key
    assert settings["CapabilityBoundingSet"] == [""]
    assert "@system-service" in settings["SystemCallFilter"]
    assert settings["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]
    assert settings["User"] == ["monitor"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_the_unit_exposure_is_ok_or_better():
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(UNIT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= MAX_EXPOSURE, result.stdout


def test_notify_never_blocks_on_a_reader_that_stopped_reading(tmp_path, monkeypatch):
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        results = [notify("WATCHDOG=1") for _ in range(2000)]  # far past the queue length
        assert results[0] is True
        assert results[-1] is False  # dropped with a warning, not a frozen daemon
