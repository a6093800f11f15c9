"""The suite's own guard: a connect off loopback fails, loopback goes through."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest


def test_a_connect_off_loopback_fails_before_any_packet_leaves() -> None:
    with socket.socket() as sock, pytest.raises(AssertionError, match="loopback only"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed


def test_a_connect_to_loopback_goes_through() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())


def test_a_name_off_this_machine_is_not_looked_up() -> None:
    with pytest.raises(socket.gaierror, match="loopback names only"):
        socket.getaddrinfo("en.wire.example", 443)
    assert socket.getaddrinfo("localhost", 80)  # loopback names resolve as usual


def test_a_process_a_test_starts_is_held_to_loopback_too(child_connect_log: Path) -> None:
    before = child_connect_log.stat().st_size
    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.stdout.split() == ["refused", "unknown-name", "loopback-ok"], child.stderr
    with child_connect_log.open("r+", encoding="utf-8") as log:
        log.seek(before)
        assert "connect to 192.0.2.1" in log.read()
        log.truncate(before)  # recorded as it should be: this test's own offence, not a failure


CHILD = """
import socket
try:
    socket.create_connection(("192.0.2.1", 80), timeout=5)
except OSError as error:
    print("refused" if "loopback only" in str(error) else f"other:{error}")
try:
    socket.getaddrinfo("en.wire.example", 443)
except socket.gaierror:
    print("unknown-name")
with socket.socket() as server:
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=5):
        print("loopback-ok")
"""
