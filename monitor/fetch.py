"""Fetch feeds and article pages over HTTP: the only module that uses aiohttp.

One `HttpClient` (one aiohttp session) serves a run::

    async with HttpClient(policy) as client:
        result = await client.fetch_feed(url, validators)   # Fetched | NotModified
        page = await client.fetch_page(link)                # Fetched

What it does for politeness and safety:

- conditional GET from `Validators`; a 304 becomes `NotModified`;
- a per-host and a total concurrency limit (the connector's `limit_per_host` and `limit`;
  a request waits for its host's slot *before* its deadline starts);
- one total deadline per request, redirects and body included, so a server trickling a
  byte a second fails on time;
- redirects followed by hand (at most `max_redirects`), every hop checked by the guard;
- bodies decompressed here, chunk by chunk, with the size cap counted on decompressed
  bytes: a gzip bomb stops at the cap and is never inflated whole;
- the address guard: a URL whose host is, or resolves to, a loopback, private,
  link-local, shared (CGNAT), multicast, reserved or unspecified address is refused
  (`AddressRefused`) unless the settings allow it. The check sits in the connector's
  resolver, so the address checked is the address connected to (no DNS rebinding).
  IP literals never reach the resolver and are checked before the request, including
  the old spellings `2130706433`, `0x7f000001` and `127.1`.

Every aiohttp, asyncio and OS error leaves this module as a `FetchError` whose reason
says what to do about it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import re
import socket
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from monitor.errors import AddressRefused, FetchError
from monitor.records import Fetched, NotModified, Validators

log = logging.getLogger(__name__)

ACCEPT_FEED = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, */*;q=0.5"
)
ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
ACCEPT_ENCODING = "gzip, deflate"  # what `_Inflater` reads; no brotli/zstd dependency
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})
CHUNK_BYTES = 64 * 1024
MAX_HEADER_LINE = 8190  # bytes per status line or header; aiohttp's default, stated here
MAX_HEADERS = 128  # real answers carry 10-40; together at most ~1 MB of headers
MAX_HINT_DIGITS = 9  # seconds in a Retry-After or max-age: 999,999,999 s (31 years) at most
SCHEMES = frozenset({"http", "https"})
NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")  # what inet_aton might read as an IPv4 address
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchPolicy:
    """Limits and permissions for every request of a run."""

    timeout_s: float = 20.0  # total deadline per request (connect+read+body, redirects included)
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 10.0  # longest silence while reading; the total deadline still rules
    max_feed_bytes: int = 10_000_000  # counted after decompression
    max_page_bytes: int = 5_000_000
    user_agent: str = "monitor/0.1"
    allow_private_networks: bool = False
    allow: tuple[str, ...] = ()  # hosts, IPs or CIDR networks let through the guard
    per_host: int = 2  # concurrent connections per host
    concurrency: int = 8  # total
    max_redirects: int = 5


# -- the address guard ---------------------------------------------------------------


class AddressGuard:
    """Decides whether a host or address may be connected to."""

    def __init__(self, *, allow_private_networks: bool, allow: tuple[str, ...]) -> None:
        self._open = allow_private_networks
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in allow:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                hosts.add(_normalise_host(entry))
        self._networks = tuple(networks)
        self._hosts = frozenset(hosts)

    def refuse_host(self, host: str) -> str | None:
        """Why a URL host that is an IP literal is refused; None when it may be used."""
        address = literal_address(host)
        if address is None or self._open or _normalise_host(host) in self._hosts:
            return None
        return self._refuse_address(host, address)

    def refuse_answers(self, host: str, addresses: list[str]) -> str | None:
        """Why the resolver's answers for `host` are refused (any bad one refuses all)."""
        if self._open or _normalise_host(host) in self._hosts:
            return None
        for text in addresses:
            reason = self._refuse_address(host, ipaddress.ip_address(text.split("%")[0]))
            if reason:
                return reason
        return None

    def _refuse_address(self, host: str, address: IPAddress) -> str | None:
        if any(_in_network(address, net) for net in self._networks):
            return None
        kind = non_public_kind(address)
        if kind is None:
            return None
        shown = host if host == str(address) else f"{host} resolves to {address}, which"
        return (
            f"{shown} is a {kind} address; add it to fetch.allow or set "
            "fetch.allow_private_networks to fetch it"
        )


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host spells out, old numeric IPv4 forms included; else None."""
    text = host.strip("[]").split("%")[0]
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(text)
    if NUMERIC_HOST.fullmatch(text.rstrip(".")):
        with contextlib.suppress(OSError):
            return ipaddress.IPv4Address(socket.inet_aton(text.rstrip(".")))
    return None


def non_public_kind(address: IPAddress) -> str | None:
    """The kind of non-public address this is ("loopback", "private", ...); None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return non_public_kind(embedded)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared (CGNAT)", isinstance(address, ipaddress.IPv4Address) and address in CGNAT),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-global", not address.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


def _in_network(address: IPAddress, network: IPNetwork) -> bool:
    if address.version == network.version:
        return address in network
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped in network
    return False


def _normalise_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


class _RefusedAnswerError(OSError):
    """Raised inside the resolver; aiohttp wraps it, `_describe` unwraps it."""


class GuardedResolver(AbstractResolver):
    """The default resolver, with answers the guard refuses turned into an error."""

    def __init__(self, guard: AddressGuard, inner: AbstractResolver | None = None) -> None:
        self._guard = guard
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        reason = self._guard.refuse_answers(host, [answer["host"] for answer in answers])
        if reason:
            raise _RefusedAnswerError(reason)
        return answers

    async def close(self) -> None:
        await self._inner.close()


# -- the client ----------------------------------------------------------------------


class HttpClient:
    """One aiohttp session for a run; `async with HttpClient(policy) as client:`."""

    def __init__(
        self, policy: FetchPolicy | None = None, *, resolver: AbstractResolver | None = None
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._resolver = resolver  # the DNS lookup behind the guard; the system's by default
        self._guard = AddressGuard(
            allow_private_networks=self.policy.allow_private_networks, allow=self.policy.allow
        )
        self._session: aiohttp.ClientSession | None = None
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}
        self._total: asyncio.Semaphore | None = None

    async def __aenter__(self) -> Self:
        policy = self.policy
        connector = aiohttp.TCPConnector(
            limit=policy.concurrency,
            limit_per_host=policy.per_host,
            resolver=GuardedResolver(self._guard, self._resolver),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=policy.connect_timeout_s, sock_read=policy.read_timeout_s
            ),
            max_line_size=MAX_HEADER_LINE,
            max_field_size=MAX_HEADER_LINE,
            max_headers=MAX_HEADERS,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            auto_decompress=False,  # `_Inflater` enforces the cap on decompressed bytes
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )
        self._total = asyncio.Semaphore(policy.concurrency)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch_feed(
        self, url: str, validators: Validators | None = None
    ) -> Fetched | NotModified:
        """GET a feed, conditionally when validators are known."""
        return await self._fetch(
            url, accept=ACCEPT_FEED, limit=self.policy.max_feed_bytes, validators=validators
        )

    async def fetch_watched_page(
        self, url: str, validators: Validators | None = None
    ) -> Fetched | NotModified:
        """GET a page a watchlist watches (not an article link), conditionally."""
        return await self._fetch(
            url, accept=ACCEPT_PAGE, limit=self.policy.max_page_bytes, validators=validators
        )

    async def fetch_page(self, url: str) -> Fetched:
        """GET an article page."""
        result = await self._fetch(
            url, accept=ACCEPT_PAGE, limit=self.policy.max_page_bytes, validators=None
        )
        assert isinstance(result, Fetched)  # no validators sent, so no NotModified
        return result

    async def _fetch(
        self, url: str, *, accept: str, limit: int, validators: Validators | None
    ) -> Fetched | NotModified:
        target = _checked_url(url, url)
        policy = self.policy
        async with self._host_slot(target):
            try:
                async with asyncio.timeout(policy.timeout_s):
                    return await self._follow(
                        url, accept=accept, limit=limit, validators=validators
                    )
            except FetchError as e:
                log.debug("fetch_failed url=%s reason=%s", url, e.reason)
                raise
            except (aiohttp.ClientError, OSError) as e:
                error = _describe(url, e, policy)
                log.debug("fetch_failed url=%s reason=%s", url, error.reason)
                raise error from e

    async def _follow(
        self, url: str, *, accept: str, limit: int, validators: Validators | None
    ) -> Fetched | NotModified:
        session = self._session
        if session is None:
            raise RuntimeError("use HttpClient as `async with HttpClient(policy) as client`")
        headers = {"Accept": accept}
        if validators is not None and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators is not None and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        current = _checked_url(url, url)
        permanent = False
        for _hop in range(self.policy.max_redirects + 1):
            reason = self._guard.refuse_host(current.host or "")
            if reason:
                raise AddressRefused(url, reason if current == URL(url) else f"redirect: {reason}")
            started = time.monotonic()
            async with session.get(current, headers=headers, allow_redirects=False) as resp:
                status = resp.status
                if status in REDIRECTS:
                    _log_request(current, status, 0, started)
                    location = resp.headers.get("Location")
                    if not location:
                        raise FetchError(url, f"HTTP {status} without a Location", status=status)
                    permanent = permanent or status in PERMANENT_REDIRECTS
                    current = _checked_url(url, str(current.join(URL(location))))
                    continue
                if status == 304 and validators is not None:
                    _log_request(current, status, 0, started)
                    return NotModified(
                        url=url,
                        validators=_validators(resp, validators),
                        fresh_for_s=_fresh_for(resp),
                    )
                if not 200 <= status < 300:
                    _log_request(current, status, 0, started)
                    raise _status_error(url, resp)
                body = await _read_body(url, resp, limit)
                _log_request(current, status, len(body), started)
                final_url = str(current)
                return Fetched(
                    url=url,
                    final_url=final_url,
                    status=status,
                    body=body,
                    content_type=resp.content_type if "Content-Type" in resp.headers else None,
                    charset=resp.charset.lower() if resp.charset else None,
                    validators=_validators(resp, None),
                    permanent_redirect=permanent and final_url != url,
                    retry_after_s=_retry_after(resp.headers.get("Retry-After")),
                    fresh_for_s=_fresh_for(resp),
                )
        raise FetchError(
            url, f"more than {self.policy.max_redirects} redirects (last to {current})"
        )

    @contextlib.asynccontextmanager
    async def _host_slot(self, url: URL) -> AsyncIterator[None]:
        """Wait for a free slot (total and per host) before the deadline starts."""
        assert self._total is not None
        key = f"{url.scheme}://{url.host}:{url.port}"
        semaphore, users = self._slots.get(key, (asyncio.Semaphore(self.policy.per_host), 0))
        self._slots[key] = (semaphore, users + 1)
        try:
            async with self._total, semaphore:
                yield
        finally:
            semaphore, users = self._slots[key]
            if users == 1:
                del self._slots[key]
            else:
                self._slots[key] = (semaphore, users - 1)


def _checked_url(url: str, target: str) -> URL:
    try:
        parsed = URL(target)
    except (ValueError, TypeError) as e:
        raise FetchError(url, f"invalid URL {target!r}") from e
    if parsed.scheme not in SCHEMES:
        raise FetchError(url, f"unsupported URL scheme {parsed.scheme!r} in {target}: use http(s)")
    if not parsed.host:
        raise FetchError(url, f"no host in URL {target}")
    return parsed


def _validators(resp: aiohttp.ClientResponse, previous: Validators | None) -> Validators:
    old = previous or Validators()
    return Validators(
        etag=resp.headers.get("ETag") or old.etag,
        last_modified=resp.headers.get("Last-Modified") or old.last_modified,
    )


def _status_error(url: str, resp: aiohttp.ClientResponse) -> FetchError:
    status = resp.status
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "unknown status"
    reason = f"HTTP {status} {phrase}"
    retry_after = None
    if status in RETRY_AFTER_STATUSES:
        retry_after = _retry_after(resp.headers.get("Retry-After"))
        if retry_after is not None:
            reason += f", retry after {retry_after:.0f}s"
    if status == 410:
        reason += ": the server says this URL is gone for good"
    return FetchError(url, reason, status=status, retry_after_s=retry_after)


def _retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():  # "¹" and "٣" are digits too: only ASCII ones count
        return _seconds(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _seconds(digits: str) -> float | None:
    """A header's delta-seconds, capped at MAX_HINT_DIGITS digits (`cadence` clamps it)."""
    if not (digits.isascii() and digits.isdigit()):
        return None
    digits = digits.lstrip("0") or "0"
    return float(digits) if len(digits) <= MAX_HINT_DIGITS else float(10**MAX_HINT_DIGITS)


def _fresh_for(resp: aiohttp.ClientResponse) -> float | None:
    """How long the server says the answer stays fresh: Cache-Control max-age, else Expires."""
    cache_control = resp.headers.get("Cache-Control", "")
    match = re.search(r"(?:^|[,\s])max-age\s*=\s*\"?([0-9]+)", cache_control, re.IGNORECASE)
    if match:
        return _seconds(match.group(1))
    expires = resp.headers.get("Expires")
    if not expires:
        return None
    try:
        date = parsedate_to_datetime(resp.headers.get("Date", "")).astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        date = None
    seconds = _retry_after(expires, date)  # an HTTP date, counted from the server's clock
    return seconds if seconds is not None and not expires.strip().isdigit() else None


def _log_request(url: URL, status: int, size: int, started: float) -> None:
    elapsed_ms = (time.monotonic() - started) * 1000
    log.debug("fetch url=%s status=%d bytes=%d ms=%.0f", url, status, size, elapsed_ms)


# -- bodies --------------------------------------------------------------------------


class _Inflater:
    """Decompresses a gzip or deflate stream, never producing more than asked for."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._raw_deflate = False
        self._started = False
        self._decoder = self._new_decoder()

    def _new_decoder(self) -> zlib._Decompress:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes, max_length: int) -> bytes:
        """Up to `max_length` bytes of output; more input left over means the cap is hit."""
        try:
            out = self._decoder.decompress(data, max_length)
        except zlib.error:
            if self._gzip or self._started or self._raw_deflate:
                raise
            self._raw_deflate = True  # "deflate" sent without its zlib header, as IIS does
            self._decoder = self._new_decoder()
            out = self._decoder.decompress(data, max_length)
        self._started = True
        # A gzip body may hold several members: go on with the next one.
        while self._decoder.eof and self._decoder.unused_data and len(out) < max_length:
            rest = self._decoder.unused_data
            self._decoder = self._new_decoder()
            out += self._decoder.decompress(rest, max_length - len(out))
        return out


async def _read_body(url: str, resp: aiohttp.ClientResponse, limit: int) -> bytes:
    encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        inflater = None
        if resp.content_length is not None and resp.content_length > limit:
            raise FetchError(url, f"response larger than {limit} bytes (fetch size limit)")
    elif encoding in ("gzip", "x-gzip", "deflate"):
        inflater = _Inflater(encoding)
    else:
        raise FetchError(url, f"unsupported Content-Encoding {encoding!r}")
    body = bytearray()
    async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
        room = limit - len(body)
        if inflater is None:
            data = chunk
        else:
            try:
                data = inflater.feed(chunk, room + 1)
            except zlib.error as e:
                raise FetchError(url, f"corrupt {encoding} body: {e}") from e
        if len(data) > room:
            raise FetchError(url, f"response larger than {limit} bytes (fetch size limit)")
        body += data
    return bytes(body)


# -- errors --------------------------------------------------------------------------


def _describe(url: str, error: BaseException, policy: FetchPolicy) -> FetchError:
    """The FetchError a user can act on for an aiohttp, asyncio or OS error."""
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        if isinstance(error.os_error, _RefusedAnswerError):
            return AddressRefused(url, str(error.os_error))
        return FetchError(
            url, f"DNS lookup failed for {error.host}: check the host name", transient=True
        )
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return FetchError(
            url, f"TLS certificate verify failed for {error.host}: {error.certificate_error}"
        )
    if isinstance(error, aiohttp.ClientSSLError):
        return FetchError(url, f"TLS handshake failed with {error.host}: {error.os_error}")
    if isinstance(error, aiohttp.SocketTimeoutError):
        return FetchError(url, f"read timeout: no data for {policy.read_timeout_s:g}s")
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return FetchError(
            url, f"connect timeout after {policy.connect_timeout_s:g}s", transient=True
        )
    if isinstance(error, TimeoutError):
        return FetchError(url, f"timeout after {policy.timeout_s:g}s")
    if isinstance(error, aiohttp.ClientConnectorError):
        if isinstance(error.os_error, ConnectionRefusedError):
            return FetchError(url, f"connection refused by {error.host}:{error.port}")
        return FetchError(
            url,
            f"cannot connect to {error.host}:{error.port}: {error.os_error.strerror}",
            transient=True,
        )
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return FetchError(url, "the server closed the connection without a full answer")
    if isinstance(error, aiohttp.ClientPayloadError):
        return FetchError(url, "the response body was cut off or malformed")
    if isinstance(error, aiohttp.InvalidURL):
        return FetchError(url, f"invalid URL {error.url}")
    if isinstance(error, aiohttp.ClientResponseError):
        return FetchError(url, f"malformed HTTP response: {error.message}")
    if isinstance(error, OSError) and error.strerror:
        return FetchError(url, f"network error: {error.strerror}", transient=True)
    return FetchError(url, f"request failed: {error or type(error).__name__}")
