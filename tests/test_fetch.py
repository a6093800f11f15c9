"""fetch.py against a real HTTP server on 127.0.0.1 (tests/fixtures/http_server.py)."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import socket
import ssl
import subprocess
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.errors import AddressRefused, FetchError
from monitor.fetch import (
    FetchPolicy,
    HttpClient,
    literal_address,
    non_public_kind,
)
from monitor.records import Fetched, NotModified, Validators

LOOPBACK = FetchPolicy(allow=("127.0.0.1",), timeout_s=5.0)
RSS = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


def fetch_feed(
    url: str, policy: FetchPolicy = LOOPBACK, validators: Validators | None = None
) -> Fetched | NotModified:
    async def run() -> Fetched | NotModified:
        async with HttpClient(policy) as client:
            return await client.fetch_feed(url, validators)

    return asyncio.run(run())


def fetch_page(url: str, policy: FetchPolicy = LOOPBACK) -> Fetched:
    async def run() -> Fetched:
        async with HttpClient(policy) as client:
            return await client.fetch_page(url)

    return asyncio.run(run())


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A small gzip stream that inflates to `inflated_bytes` zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(inflated_bytes // len(block))]
    return b"".join(parts) + compressor.flush()


# -- successful answers --------------------------------------------------------------


def test_200_returns_body_type_charset_and_validators(http_server):
    http_server.add(
        "/feed.xml",
        RSS,
        content_type="application/rss+xml; charset=ISO-8859-1",
        etag='"v1"',
        last_modified="Wed, 09 Oct 2024 10:00:00 GMT",
    )
    result = fetch_feed(http_server.url("/feed.xml"))
    assert isinstance(result, Fetched)
    assert result.status == 200
    assert result.body == RSS
    assert result.content_type == "application/rss+xml"
    assert result.charset == "iso-8859-1"
    assert result.validators == Validators(
        etag='"v1"', last_modified="Wed, 09 Oct 2024 10:00:00 GMT"
    )
    assert result.final_url == result.url == http_server.url("/feed.xml")
    assert not result.permanent_redirect


def test_feed_and_page_requests_say_who_and_what_they_accept(http_server):
    http_server.add("/feed.xml", RSS, content_type="application/rss+xml")
    http_server.add("/article.html", "<html><p>text</p></html>")
    fetch_feed(http_server.url("/feed.xml"))
    fetch_page(http_server.url("/article.html"))
    feed_request, page_request = http_server.requests
    assert "application/rss+xml" in feed_request.headers["Accept"]
    assert "application/atom+xml" in feed_request.headers["Accept"]
    assert page_request.headers["Accept"].startswith("text/html")
    assert feed_request.headers["User-Agent"] == "monitor/0.1"
    assert "gzip" in feed_request.headers["Accept-Encoding"]
    assert feed_request.headers.get("If-None-Match") is None


def test_validators_make_a_conditional_get_answered_by_304(http_server):
    http_server.add("/feed.xml", RSS, etag='"v1"', last_modified="Wed, 09 Oct 2024 10:00:00 GMT")
    first = fetch_feed(http_server.url("/feed.xml"))
    assert isinstance(first, Fetched)
    second = fetch_feed(http_server.url("/feed.xml"), validators=first.validators)
    assert isinstance(second, NotModified)
    assert second.validators == first.validators
    request = http_server.requests[-1]
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == "Wed, 09 Oct 2024 10:00:00 GMT"


def test_changed_feed_is_fetched_again_despite_old_validators(http_server):
    http_server.add("/feed.xml", RSS, etag='"v2"')
    result = fetch_feed(http_server.url("/feed.xml"), validators=Validators(etag='"v1"'))
    assert isinstance(result, Fetched)
    assert result.validators.etag == '"v2"'


def test_last_modified_alone_gives_304(http_server):
    http_server.add("/feed.xml", RSS, last_modified="Wed, 09 Oct 2024 10:00:00 GMT")
    validators = Validators(last_modified="Wed, 09 Oct 2024 10:00:00 GMT")
    assert isinstance(fetch_feed(http_server.url("/feed.xml"), validators=validators), NotModified)


def test_gzip_body_is_decompressed(http_server):
    body = RSS * 200
    http_server.add("/feed.xml", body, content_type="application/rss+xml", gzip=True)
    result = fetch_feed(http_server.url("/feed.xml"))
    assert isinstance(result, Fetched)
    assert result.body == body


@pytest.mark.parametrize(
    "compress",
    [zlib.compress, lambda data: zlib.compress(data)[2:-4]],
    ids=["zlib-deflate", "raw-deflate"],
)
def test_deflate_body_is_decompressed(http_server, compress):
    http_server.add("/feed.xml", compress(RSS), headers={"Content-Encoding": "deflate"})
    assert fetch_feed(http_server.url("/feed.xml")).body == RSS  # type: ignore[union-attr]


def test_concatenated_gzip_members_are_all_read(http_server):
    body = gzip.compress(b"first ") + gzip.compress(b"second")
    http_server.add("/feed.xml", body, headers={"Content-Encoding": "gzip"})
    assert fetch_feed(http_server.url("/feed.xml")).body == b"first second"  # type: ignore[union-attr]


def test_corrupt_gzip_is_a_fetch_error(http_server):
    http_server.add(
        "/feed.xml", b"\x1f\x8b\x08\x00garbage" * 10, headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError, match="corrupt gzip body"):
        fetch_feed(http_server.url("/feed.xml"))


# -- limits --------------------------------------------------------------------------


def test_oversize_body_is_refused(http_server):
    http_server.add("/big.xml", b"x" * 2_000)
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch_feed(
            http_server.url("/big.xml"), FetchPolicy(allow=("127.0.0.1",), max_feed_bytes=1000)
        )


def test_page_cap_is_separate_from_feed_cap(http_server):
    http_server.add("/page.html", b"x" * 2_000)
    policy = FetchPolicy(allow=("127.0.0.1",), max_feed_bytes=10_000, max_page_bytes=1000)
    assert len(fetch_feed(http_server.url("/page.html"), policy).body) == 2000  # type: ignore[union-attr]
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch_page(http_server.url("/page.html"), policy)


def test_body_exactly_at_the_cap_is_accepted(http_server):
    http_server.add("/page.html", b"x" * 1000, gzip=True)
    policy = FetchPolicy(allow=("127.0.0.1",), max_page_bytes=1000)
    assert len(fetch_page(http_server.url("/page.html"), policy).body) == 1000


def test_gzip_bomb_stops_at_the_cap_without_inflating_it_all(http_server):
    bomb = gzip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 100_000
    http_server.add("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})
    policy = FetchPolicy(allow=("127.0.0.1",), max_feed_bytes=1_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than 1000000 bytes"):
            fetch_feed(http_server.url("/bomb.xml"), policy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # inflating the whole bomb would need 64 MiB


def test_trickling_server_fails_on_the_total_deadline(http_server):
    # 50 bytes at 4 bytes/s would take 12 s; each byte arrives well within any read timeout.
    http_server.add("/slow.xml", b"x" * 50, trickle_bytes_per_s=4)
    policy = FetchPolicy(allow=("127.0.0.1",), timeout_s=0.5)
    with pytest.raises(FetchError, match=r"timeout after 0\.5s") as caught:
        fetch_feed(http_server.url("/slow.xml"), policy)
    assert caught.value.status is None


def test_server_that_never_answers_fails_on_the_deadline(http_server):
    http_server.add("/stuck.xml", RSS, delay_s=30)
    with pytest.raises(FetchError, match=r"timeout after 0\.3s"):
        fetch_feed(http_server.url("/stuck.xml"), FetchPolicy(allow=("127.0.0.1",), timeout_s=0.3))


# -- status codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [("120", 120, 120), ("in-an-hour", 3500, 3600), ("soon", None, None)],
    ids=["seconds", "http-date", "unreadable"],
)
def test_429_carries_retry_after(http_server, retry_after, low, high):
    if retry_after == "in-an-hour":
        retry_after = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    http_server.add("/feed.xml", "slow down", status=429, headers={"Retry-After": retry_after})
    with pytest.raises(FetchError, match="HTTP 429 Too Many Requests") as caught:
        fetch_feed(http_server.url("/feed.xml"))
    assert caught.value.status == 429
    if low is None:
        assert caught.value.retry_after_s is None
    else:
        assert low <= caught.value.retry_after_s <= high


def test_503_carries_retry_after(http_server):
    http_server.add("/feed.xml", "maintenance", status=503, headers={"Retry-After": "30"})
    with pytest.raises(FetchError, match="retry after 30s") as caught:
        fetch_feed(http_server.url("/feed.xml"))
    assert caught.value.retry_after_s == 30


def test_500_is_a_fetch_error_with_status(http_server):
    http_server.add("/feed.xml", "oops", status=500)
    with pytest.raises(FetchError, match="HTTP 500 Internal Server Error") as caught:
        fetch_feed(http_server.url("/feed.xml"))
    assert caught.value.status == 500
    assert not caught.value.gone


def test_404_for_unknown_path(http_server):
    with pytest.raises(FetchError, match="HTTP 404 Not Found") as caught:
        fetch_page(http_server.url("/nowhere"))
    assert not caught.value.gone


def test_410_means_gone(http_server):
    http_server.add("/feed.xml", "gone", status=410)
    with pytest.raises(FetchError, match="gone for good") as caught:
        fetch_feed(http_server.url("/feed.xml"))
    assert caught.value.gone
    assert caught.value.url == http_server.url("/feed.xml")


# -- redirects -----------------------------------------------------------------------


def test_permanent_redirect_chain_reports_final_url(http_server):
    http_server.redirect("/old.xml", "/older.xml", status=301)
    http_server.redirect("/older.xml", http_server.url("/new.xml"), status=302)
    http_server.add("/new.xml", RSS)
    result = fetch_feed(http_server.url("/old.xml"))
    assert isinstance(result, Fetched)
    assert result.url == http_server.url("/old.xml")
    assert result.final_url == http_server.url("/new.xml")
    assert result.permanent_redirect
    assert result.body == RSS
    assert [r.path for r in http_server.requests] == ["/old.xml", "/older.xml", "/new.xml"]


@pytest.mark.parametrize(("status", "permanent"), [(302, False), (307, False), (308, True)])
def test_only_301_and_308_are_permanent(http_server, status, permanent):
    http_server.redirect("/a", "/b", status=status)
    http_server.add("/b", RSS)
    result = fetch_feed(http_server.url("/a"))
    assert isinstance(result, Fetched)
    assert result.final_url == http_server.url("/b")
    assert result.permanent_redirect is permanent


def test_five_redirects_are_followed_and_the_sixth_is_an_error(http_server):
    for i in range(6):
        http_server.redirect(f"/r{i}", f"/r{i + 1}")
    http_server.add("/r6", RSS)
    assert fetch_feed(http_server.url("/r1")).body == RSS  # type: ignore[union-attr]
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch_feed(http_server.url("/r0"))


def test_redirect_loop_is_an_error(http_server):
    http_server.redirect("/a", "/b")
    http_server.redirect("/b", "/a")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch_feed(http_server.url("/a"))
    assert len(http_server.requests) == 6


def test_redirect_to_another_scheme_is_refused(http_server):
    http_server.redirect("/a", "file:///etc/passwd")
    with pytest.raises(FetchError, match="unsupported URL scheme 'file'"):
        fetch_feed(http_server.url("/a"))


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "file:///etc/passwd", "feed.xml"])
def test_only_http_and_https_urls(url):
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        fetch_feed(url)


# -- the address guard ---------------------------------------------------------------


def test_loopback_is_refused_by_default_and_nothing_is_sent(http_server):
    http_server.add("/feed.xml", RSS)
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1 is a loopback address"):
        fetch_feed(http_server.url("/feed.xml"), FetchPolicy())
    assert http_server.requests == []


def test_host_name_resolving_to_loopback_is_refused(http_server):
    http_server.add("/feed.xml", RSS)
    url = f"http://localhost:{http_server.port}/feed.xml"
    with pytest.raises(AddressRefused, match=r"localhost resolves to .*loopback"):
        fetch_feed(url, FetchPolicy())
    assert http_server.requests == []


@pytest.mark.parametrize(
    "allow", [("127.0.0.1",), ("127.0.0.0/8",), ("localhost",)], ids=["ip", "cidr", "host"]
)
def test_allow_lets_an_address_through(http_server, allow):
    http_server.add("/feed.xml", RSS)
    host = "localhost" if allow == ("localhost",) else "127.0.0.1"
    result = fetch_feed(f"http://{host}:{http_server.port}/feed.xml", FetchPolicy(allow=allow))
    assert result.body == RSS  # type: ignore[union-attr]


def test_allow_private_networks_lets_everything_through(http_server):
    http_server.add("/feed.xml", RSS)
    result = fetch_feed(http_server.url("/feed.xml"), FetchPolicy(allow_private_networks=True))
    assert result.body == RSS  # type: ignore[union-attr]


def test_redirect_from_allowed_host_to_refused_address_is_refused(http_server):
    http_server.add("/secret", "internal")
    http_server.redirect("/feed.xml", http_server.url("/secret"))
    url = f"http://localhost:{http_server.port}/feed.xml"
    with pytest.raises(AddressRefused, match=r"redirect: 127\.0\.0\.1 is a loopback"):
        fetch_feed(url, FetchPolicy(allow=("localhost",)))
    assert [r.path for r in http_server.requests] == ["/feed.xml"]


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.1/", "http://[::1]/", "http://169.254.169.254/latest/meta-data/"],
    ids=["private", "ipv6-loopback", "cloud-metadata"],
)
def test_redirect_to_private_targets_is_refused(http_server, target):
    http_server.redirect("/feed.xml", target)
    with pytest.raises(AddressRefused, match="redirect: "):
        fetch_feed(http_server.url("/feed.xml"))


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "127.1", "0177.0.0.1", "127.0.0.1.", "[::ffff:127.0.0.1]"],
    ids=["decimal", "hex", "short", "octal", "trailing-dot", "ipv4-mapped"],
)
def test_numeric_spellings_of_loopback_are_refused(http_server, host):
    http_server.add("/feed.xml", RSS)
    with pytest.raises(AddressRefused, match="loopback"):
        fetch_feed(f"http://{host}:{http_server.port}/feed.xml", FetchPolicy())
    assert http_server.requests == []


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:7f00:1::", "loopback"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("64:ff9b::808:808", None),
    ],
    ids=str,
)
def test_non_public_kinds(address, kind):
    assert non_public_kind(literal_address(address)) == kind  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("example.com", None),
        ("cafe.be", None),
    ],
    ids=str,
)
def test_literal_address_reads_old_numeric_forms(host, address):
    result = literal_address(host)
    assert (str(result) if result else None) == address


# -- network errors ------------------------------------------------------------------


def test_connection_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=r"connection refused by 127\.0\.0\.1"):
        fetch_feed(f"http://127.0.0.1:{port}/feed.xml")


def test_dns_failure():
    with pytest.raises(FetchError, match=r"DNS lookup failed for no-such-host\.invalid"):
        fetch_feed("http://no-such-host.invalid/feed.xml", FetchPolicy(timeout_s=10))


def test_tls_to_a_plain_http_server_fails(http_server):
    http_server.add("/feed.xml", RSS)
    url = http_server.url("/feed.xml").replace("http://", "https://")
    with pytest.raises(FetchError, match=r"TLS handshake failed|closed the connection"):
        fetch_feed(url)


@pytest.fixture
def self_signed_https(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_untrusted_certificate_fails_and_is_not_retried_insecurely(self_signed_https):
    with pytest.raises(FetchError, match="TLS certificate verify failed"):
        fetch_feed(self_signed_https)


# -- policy --------------------------------------------------------------------------


def test_per_host_limit_queues_requests_without_eating_their_deadline(http_server):
    # Four answers of 0.2 s each through one connection at a time take 0.8 s in all,
    # longer than the 0.5 s deadline: the wait for the host's slot must not count.
    for i in range(4):
        http_server.add(f"/p{i}", "ok", delay_s=0.2)
    policy = FetchPolicy(allow=("127.0.0.1",), per_host=1, timeout_s=0.5)

    async def run() -> list[Fetched]:
        async with HttpClient(policy) as client:
            return await asyncio.gather(
                *(client.fetch_page(http_server.url(f"/p{i}")) for i in range(4))
            )

    assert [page.body for page in asyncio.run(run())] == [b"ok"] * 4
