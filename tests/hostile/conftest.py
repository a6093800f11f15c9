"""Fixtures for the attack and fault suite.

- `canary` listens on 127.0.0.2 (another loopback address, never in any allowlist here)
  and counts every connection and request it receives: a request that reaches it got past
  the address guard. Tests end with `canary.hits == 0`.
- `raw_server(handler)` runs a TCP server on 127.0.0.1:0 whose connections go to
  `handler(sock)`, for answers no HTTP server library would send (endless headers, a
  status line that never ends, a byte a second).
- `bounded(time_s=, memory_mb=)` is a context manager asserting that its block finished
  within `time_s` seconds and that Python allocations in this process peaked below
  `memory_mb` (tracemalloc); it yields a `Cost` the test may print or check further.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

CANARY_HOST = "127.0.0.2"


class Canary:
    """A server that must never be reached; counts what reaches it anyway."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((CANARY_HOST, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.hits = 0
        self.first_bytes: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.hits += 1
            with conn:
                conn.settimeout(0.5)
                with contextlib.suppress(OSError):
                    self.first_bytes.append(conn.recv(200))
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nSECRET")

    def url(self, path: str = "/latest/meta-data/", host: str = CANARY_HOST) -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.close()


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handed to `handler`."""

    def __init__(self, handler: Callable[[socket.socket], None]) -> None:
        self.handler = handler
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def url(self, path: str = "/feed.xml") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _handle(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            conn.recv(65536)  # the request; its content does not matter here
            self.handler(conn)

    def close(self) -> None:
        self.stopping.set()
        self._accept.join()
        for thread in self._threads:
            thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Callable[[socket.socket], None]) -> RawServer:
        server = RawServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@dataclass(slots=True)
class Cost:
    seconds: float = 0.0
    peak_mb: float = 0.0


@contextlib.contextmanager
def bounded(*, time_s: float, memory_mb: float) -> Iterator[Cost]:
    """Assert the block takes under `time_s` and allocates under `memory_mb` at its peak."""
    cost = Cost()
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - started
        cost.peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    print(f"cost: {cost.seconds:.2f}s, peak {cost.peak_mb:.1f} MB")
    assert cost.seconds < time_s, f"took {cost.seconds:.1f}s, budget {time_s}s"
    assert cost.peak_mb < memory_mb, f"peaked at {cost.peak_mb:.0f} MB, budget {memory_mb} MB"
