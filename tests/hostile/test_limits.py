"""Servers and documents built to exhaust: every one costs at most its budget.

Fetch cases run the real `HttpClient` against misbehaving loopback servers and bound the
time and this process's Python allocations. Parse and extract cases run the real
feedparser and trafilatura inside the sandbox's worker processes and bound the time and
the worker's memory.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import zlib

import pytest

from monitor.errors import ExtractError, FetchError, ParseError
from monitor.extract import extract_article
from monitor.fetch import FetchPolicy, HttpClient
from monitor.parse import parse_feed
from monitor.records import Fetched, Validators
from monitor.sandbox import Sandbox, SandboxLimits
from tests.hostile import workloads
from tests.hostile.conftest import bounded

POLICY = FetchPolicy(allow=("127.0.0.1",), timeout_s=3.0, read_timeout_s=1.0)


def fetch(url: str, policy: FetchPolicy = POLICY) -> Fetched:
    async def run() -> Fetched:
        async with HttpClient(policy) as client:
            return await client.fetch_page(url)

    return asyncio.run(run())


def fetched(body: bytes, content_type: str = "application/rss+xml") -> Fetched:
    return Fetched(
        url="http://feeds.example.org/feed.xml",
        final_url="http://feeds.example.org/feed.xml",
        status=200,
        body=body,
        content_type=content_type,
        charset=None,
        validators=Validators(),
        permanent_redirect=False,
        retry_after_s=None,
    )


def in_sandbox(sandbox: Sandbox, error, function, *args, **kwargs):  # type: ignore[no-untyped-def]
    return asyncio.run(sandbox.run(error, "http://feeds.example.org/x", function, *args, **kwargs))


@pytest.fixture
def sandbox():  # type: ignore[no-untyped-def]
    box = Sandbox(SandboxLimits(time_s=3.0, memory_mb=256), workers=2)
    yield box
    box.close()


# -- the network ------------------------------------------------------------------------


def test_a_trickling_server_fails_on_the_total_deadline(http_server) -> None:
    # Two bytes a second: every read arrives well inside the 1 s read timeout, so only the
    # total deadline can stop it (a byte a second would race the read timeout on a busy box).
    http_server.add("/slow", b"x" * 100, trickle_bytes_per_s=2)
    with bounded(time_s=4.5, memory_mb=10), pytest.raises(FetchError, match="timeout after 3s"):
        fetch(http_server.url("/slow"))


def test_a_server_that_goes_silent_fails_on_the_read_timeout(raw_server) -> None:
    def silent_after_headers(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nsome")
        time.sleep(4)

    server = raw_server(silent_after_headers)
    with bounded(time_s=2.5, memory_mb=10), pytest.raises(FetchError, match="read timeout"):
        fetch(server.url())


def test_endless_headers_are_cut_off(raw_server) -> None:
    def endless_headers(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for i in range(1_000_000):
            conn.sendall(b"X-Filler-%d: %s\r\n" % (i, b"a" * 100))

    server = raw_server(endless_headers)
    with bounded(time_s=3.5, memory_mb=20), pytest.raises(FetchError, match=r"malformed|header"):
        fetch(server.url())


def test_one_huge_header_is_refused(raw_server) -> None:
    answer = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 5_000_000 + b"\r\n\r\n"

    def huge_header(conn: socket.socket) -> None:
        conn.sendall(answer)

    server = raw_server(huge_header)
    with bounded(time_s=3.5, memory_mb=20), pytest.raises(FetchError):
        fetch(server.url())


def test_a_status_line_that_never_ends_is_refused(raw_server) -> None:
    line = b"HTTP/1.1 200 " + b"O" * 10_000_000  # built here: the server runs in this process

    def endless_status(conn: socket.socket) -> None:
        conn.sendall(line)

    server = raw_server(endless_status)
    with bounded(time_s=3.5, memory_mb=20), pytest.raises(FetchError):
        fetch(server.url())


def test_an_endless_body_without_length_stops_at_the_cap(raw_server) -> None:
    def endless_body(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        chunk = b"<p>" + b"x" * 65536
        while True:
            conn.sendall(chunk)

    server = raw_server(endless_body)
    policy = FetchPolicy(allow=("127.0.0.1",), timeout_s=10, max_page_bytes=2_000_000)
    with bounded(time_s=5, memory_mb=12), pytest.raises(FetchError, match="size limit"):
        fetch(server.url(), policy)


def test_a_gzip_bomb_is_never_inflated_past_the_cap(http_server) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    bomb = b"".join(compressor.compress(block) for _ in range(1024)) + compressor.flush()
    assert len(bomb) < 1_100_000  # 1 GB of zeros in about 1 MB
    http_server.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    policy = FetchPolicy(allow=("127.0.0.1",), timeout_s=10, max_page_bytes=5_000_000)
    with bounded(time_s=3, memory_mb=25), pytest.raises(FetchError, match="size limit"):
        fetch(http_server.url("/bomb"), policy)


# -- parsing in the sandbox ---------------------------------------------------------------


def entity_bomb(size: int = 250_000) -> bytes:
    """One 10 KB entity referenced until the document is `size` bytes (the issue's case)."""
    head = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "]>"><!-- ]> -->'
        f'<!ENTITY e "{"A" * 10_000}">]><rss version="2.0"><channel><title>t</title>'
        "<item><title>bomb</title><description>"
    )
    tail = "</description></item></channel></rss>"
    references = "&e;" * ((size - len(head) - len(tail)) // 3)
    return (head + references + tail).encode()


def test_an_entity_bomb_is_parsed_without_expanding(sandbox: Sandbox) -> None:
    body = entity_bomb()
    assert len(body) >= 240_000
    with bounded(time_s=3, memory_mb=30):
        feed = in_sandbox(sandbox, ParseError, parse_feed, fetched(body))
    assert [entry.title for entry in feed.entries] == ["bomb"]
    assert len(feed.entries[0].summary) < 500_000  # not 800 MB of A's
    assert sandbox.peak_rss_mb < 300


def test_megabytes_of_nested_markup_are_stopped_at_the_time_limit(sandbox: Sandbox) -> None:
    # 5.4 MB of ordinary-looking paragraphs: trafilatura needs 17 s and 294 MB for it.
    page = (
        "<html><body><article>"
        + "".join(
            f"<div class='c{i % 50}'><p>Nordkorea hat {i} Container nach Russland geschickt, "
            f"sagte ein Sprecher.</p><a href='/x{i}'>Link {i}</a></div>"
            for i in range(40_000)
        )
        + "</article></body></html>"
    ).encode()
    assert len(page) > 5_000_000
    with bounded(time_s=6, memory_mb=60), pytest.raises(ExtractError, match="sandbox") as error:
        in_sandbox(sandbox, ExtractError, extract_article, page, url="http://x.example/a")
    print(error.value.reason)
    # The overrun cost one worker; the next document is served by a fresh one.
    small = b"<html><body><article><p>" + b"Ein ganz normaler Absatz. " * 40 + b"</p></article>"
    article = in_sandbox(sandbox, ExtractError, extract_article, small, url="http://x.example/b")
    assert "normaler Absatz" in article.text


def test_a_call_over_its_memory_budget_fails_and_the_pool_recovers(sandbox: Sandbox) -> None:
    with bounded(time_s=5, memory_mb=10), pytest.raises(ParseError, match="more than 256 MB"):
        in_sandbox(sandbox, ParseError, workloads.allocate, 1024)
    assert in_sandbox(sandbox, ParseError, workloads.allocate, 64) == 64 * 1024 * 1024


def test_a_stuck_parser_does_not_delay_the_others(sandbox: Sandbox) -> None:
    body = fetched(b"<rss version='2.0'><channel><title>ok</title></channel></rss>")

    async def both() -> tuple[BaseException | None, bool]:
        await sandbox.warm()  # both workers up: no start-up time inside the race below
        stuck = asyncio.create_task(sandbox.run(ParseError, "http://stuck/", workloads.spin, 60.0))
        await asyncio.sleep(0.2)  # let the stuck one take its worker first
        feed = await sandbox.run(ParseError, "http://fine/", parse_feed, body)
        assert feed.title == "ok"
        # Order, not a stopwatch: the fine call came back while the stuck one still ran
        # (it is stopped at its 3 s limit), however busy the machine.
        stuck_still_running = not stuck.done()
        try:
            await stuck
        except ParseError as error:
            return error, stuck_still_running
        return None, stuck_still_running

    error, fine_first = asyncio.run(both())
    assert fine_first
    assert isinstance(error, ParseError)
    assert "took longer than 3s" in error.reason


def test_a_bug_in_a_parser_becomes_the_stage_error(sandbox: Sandbox) -> None:
    with pytest.raises(ParseError, match="KeyError"):
        in_sandbox(sandbox, ParseError, workloads.fail, "boom")
    assert in_sandbox(sandbox, ParseError, workloads.echo, "still alive") == "still alive"


def test_an_answer_the_daemon_cannot_read_fails_that_call_only(sandbox: Sandbox) -> None:
    with pytest.raises(ParseError, match=r"could not be read.*restart it"):
        in_sandbox(sandbox, ParseError, workloads.answer_from_other_code)
    assert in_sandbox(sandbox, ParseError, workloads.echo, "still alive") == "still alive"


def test_a_worker_killed_from_outside_is_reported_and_replaced() -> None:
    sandbox = Sandbox(SandboxLimits(time_s=3.0, memory_mb=256), workers=1)

    async def kill_mid_call() -> BaseException | None:
        await sandbox.warm()  # started: on a busy machine a kill could land in its start-up
        task = asyncio.create_task(sandbox.run(ParseError, "http://k/", workloads.spin, 30.0))
        await asyncio.sleep(0.5)
        for pid in _children():
            os.kill(pid, signal.SIGKILL)
        try:
            await task
        except ParseError as error:
            return error
        return None

    error = asyncio.run(kill_mid_call())
    assert isinstance(error, ParseError)
    assert "SIGKILL" in error.reason
    try:
        assert in_sandbox(sandbox, ParseError, workloads.echo, 7) == 7
    finally:
        sandbox.close()


def test_workers_die_with_a_daemon_killed_by_sigkill(tmp_path) -> None:
    script = textwrap.dedent(
        """
        import asyncio, os, sys
        from monitor.errors import ParseError
        from monitor.sandbox import Sandbox
        from tests.hostile import workloads

        async def main():
            box = Sandbox(workers=1)
            task = asyncio.create_task(box.run(ParseError, "u", workloads.spin, 60.0))
            await asyncio.sleep(1.0)
            me = os.getpid()
            print(open(f"/proc/{me}/task/{me}/children").read(), flush=True)
            await task

        asyncio.run(main())
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    assert parent.stdout is not None
    with parent.stdout:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert workers, "the daemon stand-in started no worker"
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


def _children() -> list[int]:
    pid = os.getpid()
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_warm_starts_every_worker_and_calls_use_them(sandbox: Sandbox) -> None:
    before = set(_children())
    asyncio.run(sandbox.warm())
    warmed = set(_children()) - before
    assert len(warmed) == sandbox.size == 2
    pids = {in_sandbox(sandbox, ParseError, workloads.pid) for _ in range(4)}
    assert pids <= warmed
