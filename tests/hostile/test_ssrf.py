"""Server-side request forgery: nothing reaches the canary on 127.0.0.2 while the guard is on.

The feed server (127.0.0.1) is let through by `fetch.allow: [127.0.0.1]`, exactly as an
intranet feed would be; every other non-public destination must stay refused, in every
spelling, on every redirect hop and for every article link.
"""

from __future__ import annotations

import asyncio
import socket
from html import escape

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from monitor.errors import AddressRefused, FetchError
from monitor.fetch import FetchPolicy, HttpClient
from tests.hostile.conftest import Canary, bounded

ALLOW_FEED_SERVER = FetchPolicy(allow=("127.0.0.1",), timeout_s=5.0)


def fetch(url: str, policy: FetchPolicy = ALLOW_FEED_SERVER, resolver=None) -> object:
    async def run() -> object:
        async with HttpClient(policy, resolver=resolver) as client:
            return await client.fetch_page(url)

    return asyncio.run(run())


def spellings(canary: Canary) -> dict[str, str]:
    """The canary's address (127.0.0.2) as attackers write it."""
    port = canary.port
    return {
        "dotted": f"http://127.0.0.2:{port}/",
        "decimal": f"http://2130706434:{port}/",
        "hex": f"http://0x7f000002:{port}/",
        "octal": f"http://0177.0.0.2:{port}/",
        "short": f"http://127.2:{port}/",
        "trailing-dot": f"http://127.0.0.2.:{port}/",
        "ipv4-mapped": f"http://[::ffff:127.0.0.2]:{port}/",
        "ipv4-mapped-hex": f"http://[::ffff:7f00:2]:{port}/",
        "ipv4-compatible": f"http://[::127.0.0.2]:{port}/",
        "nat64": f"http://[64:ff9b::7f00:2]:{port}/",
        "6to4": f"http://[2002:7f00:2::1]:{port}/",
        "userinfo-trick": f"http://example.org@127.0.0.2:{port}/",
    }


OTHER_NON_PUBLIC = {
    "unspecified": "http://0.0.0.0/",
    "zero-short": "http://0/",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "metadata-decimal": "http://2852039166/",
    "private-10": "http://10.0.0.1/",
    "private-172": "http://172.16.0.1/",
    "private-192": "http://192.168.1.1/",
    "cgnat": "http://100.64.0.1/",
    "multicast": "http://224.0.0.1/",
    "reserved": "http://240.0.0.1/",
    "broadcast": "http://255.255.255.255/",
    "ipv6-loopback": "http://[::1]/",
    "ipv6-unique-local": "http://[fd00::1]/",
    "ipv6-link-local": "http://[fe80::1]/",
    "ipv6-mapped-metadata": "http://[::ffff:169.254.169.254]/",
}


def test_every_spelling_of_a_loopback_address_is_refused(canary: Canary) -> None:
    for name, url in spellings(canary).items():
        with bounded(time_s=2, memory_mb=20), pytest.raises(AddressRefused) as refused:
            fetch(url)
        assert "fetch.allow" in refused.value.reason, name
    assert canary.hits == 0


@pytest.mark.parametrize("url", OTHER_NON_PUBLIC.values(), ids=OTHER_NON_PUBLIC.keys())
def test_non_public_destinations_are_refused_before_connecting(url: str) -> None:
    # Unroutable addresses: a connect attempt would hang until the deadline, so finishing
    # at once proves no connection was tried.
    with bounded(time_s=1, memory_mb=20), pytest.raises(AddressRefused, match="address"):
        fetch(url)


@pytest.mark.parametrize("scheme", ["file", "ftp", "gopher", "dict", "ldap", "jar"])
def test_only_http_and_https_are_fetched(scheme: str) -> None:
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        fetch(f"{scheme}://127.0.0.1/etc/passwd")


def test_every_redirect_hop_is_checked(http_server, canary: Canary) -> None:
    for index, target in enumerate(spellings(canary).values()):
        http_server.redirect(f"/r{index}", target, status=302)
        http_server.redirect(f"/hop{index}", http_server.url(f"/r{index}"), status=301)
        with pytest.raises(AddressRefused, match="redirect"):
            fetch(http_server.url(f"/hop{index}"))
    assert canary.hits == 0


def test_the_canary_is_reached_when_the_guard_is_lifted(canary: Canary) -> None:
    # The other tests' `hits == 0` means something only if the canary can be hit at all.
    page = fetch(canary.url(), FetchPolicy(allow_private_networks=True, timeout_s=5))
    assert canary.hits == 1
    assert page.body == b"SECRET"  # type: ignore[attr-defined]


def test_allowing_one_address_does_not_open_its_neighbours(canary: Canary) -> None:
    policy = FetchPolicy(allow=("127.0.0.1/32", "intranet.example.org"), timeout_s=5)
    with pytest.raises(AddressRefused):
        fetch(canary.url(), policy)
    assert canary.hits == 0


class ScriptedResolver(AbstractResolver):
    """DNS answers chosen by the test, one list per lookup, last one repeated."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        addresses = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return [
            ResolveResult(
                hostname=host, host=address, port=port, family=socket.AF_INET, proto=0, flags=0
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass


def test_a_host_name_is_refused_when_any_answer_is_not_allowed(http_server, canary) -> None:
    http_server.add("/feed.xml", "ok")
    resolver = ScriptedResolver(["127.0.0.1", "127.0.0.2"])
    url = f"http://news.example.org:{http_server.port}/feed.xml"
    with pytest.raises(AddressRefused, match=r"news\.example\.org resolves to 127\.0\.0\.2"):
        fetch(url, resolver=resolver)
    assert http_server.requests == []
    assert canary.hits == 0


def test_dns_rebinding_cannot_move_an_allowed_name_to_the_canary(http_server, canary) -> None:
    # First lookup: the allowed feed server; second lookup of the same name: the canary.
    # Each lookup is checked where the connection is made, so the second is refused.
    http_server.add("/feed.xml", "feed")
    resolver = ScriptedResolver(["127.0.0.1"], ["127.0.0.2"])

    async def run() -> tuple[object, BaseException | None]:
        async with HttpClient(ALLOW_FEED_SERVER, resolver=resolver) as client:
            first = await client.fetch_page(
                f"http://rebind.example.org:{http_server.port}/feed.xml"
            )
            try:
                await client.fetch_page(f"http://rebind.example.org:{canary.port}/")
            except AddressRefused as error:
                return first, error
            return first, None

    first, second = asyncio.run(run())
    assert first.body == b"feed"  # type: ignore[attr-defined]
    assert isinstance(second, AddressRefused)
    assert resolver.lookups == ["rebind.example.org", "rebind.example.org"]
    assert canary.hits == 0


def test_an_allowed_intranet_host_does_not_open_its_article_links(story, canary) -> None:
    """End to end: the allowed feed links to internal addresses; none is fetched."""
    links = [*spellings(canary).values(), "http://169.254.169.254/latest/meta-data/"]
    items = "".join(
        f"<item><title>Item {i}</title><link>{escape(link)}</link><guid>g{i}</guid>"
        f"<description>Nordkorea und Russland: Text {i}</description></item>"
        for i, link in enumerate(links)
    )
    story.server.add(
        "/feed.xml",
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>Intranet</title>{items}"
        "</channel></rss>",
        content_type="application/rss+xml",
    )
    with bounded(time_s=20, memory_mb=80):
        assert story.once() == 0
    assert canary.hits == 0
    assert [r.path for r in story.server.requests] == ["/feed.xml"]
