"""The suite's own guard: a connect off loopback fails, loopback goes through."""

from __future__ import annotations

import socket

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
