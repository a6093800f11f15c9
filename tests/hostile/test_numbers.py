"""Every number the outside world controls is parsed defensively (issue 11, item 4).

Header values (Retry-After, max-age, Expires, Date), a feed's <ttl>, dates in year 9999 on
a feed or a page, figures with more digits than a column holds, and text with NUL bytes or
lone surrogates: each is clamped, dropped or cleaned, and the cycle goes on to deliver.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from typing import Any

import pytest

from monitor.cli import main
from tests.fixtures.story import Story, publish_february, publish_seed, seed_page
from tests.hostile.conftest import RawServer
from tests.hostile.test_poison import korean_page

pytestmark = pytest.mark.slow

WEEK = timedelta(days=7)
CEILING = timedelta(hours=6, minutes=1)  # poll.max_interval plus the jitter


def status_feed(story: Story, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    main(["status", "--json", "--config", str(story.config)])  # exit 3: no daemon runs
    feeds = json.loads(capsys.readouterr().out)["feeds"]
    assert len(feeds) == 1
    return dict(feeds[0])


def next_check_in(feed: dict[str, Any]) -> timedelta:
    polled = datetime.fromisoformat(feed["last_polled_at"])
    return datetime.fromisoformat(feed["next_check_at"]) - polled


def point_feed_at(story: Story, url: str) -> None:
    watchlist = story.config / "watchlists" / "north-korea.yaml"
    watchlist.write_text(watchlist.read_text().replace(story.server.url("/feed.xml"), url))


def figure_of(post: Any) -> str:
    return str(post.body["title"]).split(" — ")[1].split(":")[0]


SEED_TITLES = {"Containers shipped to Russia", "152 mm artillery shells"}


def rss(story: Story, channel_extra: str = "", pub_date: str | None = None) -> str:
    """The story's published items as an RSS document."""
    items = "".join(
        f"<item><title>{escape(title)}</title><link>{story.server.url(path)}</link>"
        f"<guid>{story.server.url(path)}</guid>"
        f"<pubDate>{pub_date or format_datetime(date)}</pubDate></item>"
        for path, title, date in story.items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>'
        f"{channel_extra}{items}</channel></rss>"
    )


# -- headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "retry_after",
    ["99999999999999999999", "¹", "Fri, 31 Dec 9999 23:59:59 GMT", "9" * 5000, "-5"],
    ids=["20-digits", "superscript-one", "year-9999", "5000-digits", "negative"],
)
def test_a_hostile_retry_after_fails_the_feed_not_the_cycle(
    story: Story, raw_server: Callable[..., RawServer], capsys, retry_after: str
) -> None:
    answer = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        f"Retry-After: {retry_after}\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy"
    ).encode()  # UTF-8 on the wire: "¹" arrives as "¹", as a hostile server would send it

    def busy(conn: socket.socket) -> None:
        conn.sendall(answer)

    point_feed_at(story, raw_server(busy).url("/busy.xml"))
    assert story.once() == 1  # the feed failed; the cycle ran to its end
    feed = status_feed(story, capsys)
    assert "HTTP 503" in feed["last_error"]
    assert timedelta(0) < next_check_in(feed) <= WEEK  # a server's wish is capped at a week


@pytest.mark.parametrize(
    ("headers", "ttl"),
    [
        ({"Cache-Control": "max-age=99999999999999999999"}, ""),
        ({"Cache-Control": "max-age=" + "9" * 5000}, ""),
        ({}, "<ttl>99999999999999999999</ttl>"),
        ({}, "<ttl>" + "9" * 5000 + "</ttl>"),
        ({}, "<ttl>¹</ttl>"),
        ({"Expires": "Fri, 31 Dec 9999 23:59:59 GMT"}, ""),
    ],
    ids=["max-age-20", "max-age-5000", "ttl-20", "ttl-5000", "ttl-superscript", "expires-9999"],
)
def test_huge_freshness_hints_are_clamped_to_the_ceiling(
    story: Story, http_server, webhook_receiver, smtp_receiver, capsys, *, headers, ttl
) -> None:
    publish_february(story)
    publish_seed(story)
    http_server.add(
        "/hinted.xml", rss(story, ttl), content_type="application/rss+xml", headers=headers
    )
    point_feed_at(story, http_server.url("/hinted.xml"))
    assert story.once() == 0
    assert {figure_of(post) for post in webhook_receiver.received} == SEED_TITLES
    assert next_check_in(status_feed(story, capsys)) <= CEILING


# -- dates in year 9999 ----------------------------------------------------------------

YEAR_9999 = "Fri, 31 Dec 9999 23:59:59 GMT"
YEAR_9999_WEST = "Fri, 31 Dec 9999 23:59:59 -1200"  # in UTC: year 10000, past datetime.max


def far_future_page(offset: str) -> str:
    """The seed page claiming to be published on the last day of year 9999 at `offset`."""
    return seed_page().replace("2024-10-09T12:00:00+00:00", f"9999-12-31T23:59:59{offset}")


def test_dates_in_year_9999_on_the_feed_and_the_pages_never_crash_the_cycle(
    story: Story, http_server, raw_server: Callable[..., RawServer], webhook_receiver, smtp_receiver
) -> None:
    publish_february(story)
    assert story.once() == 0
    story.publish("/9999.html", "Far future", far_future_page("-12:00"), datetime.now(UTC))
    body = rss(story, pub_date=YEAR_9999).encode()
    answer = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
        f"Date: {YEAR_9999_WEST}\r\nExpires: {YEAR_9999}\r\nLast-Modified: {YEAR_9999}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body

    def far_future_feed(conn: socket.socket) -> None:
        conn.sendall(answer)

    server = raw_server(far_future_feed)
    point_feed_at(story, server.url("/feed.xml"))
    assert story.once() == 0
    # The page's impossible date is dropped (the feed's too); its figures still count.
    assert {figure_of(post) for post in webhook_receiver.received} == SEED_TITLES


# -- figures and text the databases cannot hold ----------------------------------------


def story_on(store_url: str, story: Story) -> Story:
    """The story with its database at `store_url` (SQLite or PostgreSQL)."""
    settings = story.config / "settings.yaml"
    lines = settings.read_text().splitlines()
    settings.write_text(
        "\n".join(
            f"database: {store_url}" if line.startswith("database:") else line for line in lines
        )
        + "\n"
    )
    return story


def test_a_figure_longer_than_the_column_is_dropped_and_the_cycle_goes_on(
    store_url: str, story: Story, webhook_receiver, smtp_receiver, capsys
) -> None:
    story = story_on(store_url, story)
    publish_february(story)
    assert story.once() == 0
    story.publish(
        "/2024/09/long.html",
        "북한 컨테이너",
        korean_page("1" * 67),  # a 67-digit count: varchar(64) on PostgreSQL refused it
        datetime(2024, 9, 1, tzinfo=UTC),
    )
    publish_seed(story)
    assert story.once() == 0
    assert {figure_of(post) for post in webhook_receiver.received} == SEED_TITLES
    capsys.readouterr()
    assert main(["figures", "--json", "--config", str(story.config)]) == 0
    values = [str(row["value"]) for row in json.loads(capsys.readouterr().out)]
    assert values
    assert all(len(value) < 64 for value in values)


def json_feed(items: list[dict[str, str]]) -> str:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "News", "items": items}
    )


def test_nul_bytes_and_lone_surrogates_are_cleaned_before_storage(
    store_url: str, story: Story, http_server, webhook_receiver, smtp_receiver, *, capsys
) -> None:
    story = story_on(store_url, story)
    items = [
        {
            "id": "feb\u0000\ud800",
            "title": "North Korea \ud83d ships containers\u0000",
            "content_text": "North Korea has shipped about 6,700 containers of munitions "
            "to Russia\u0000, officials in Seoul say.",
            "date_published": "2024-02-27T07:15:00+00:00",
        }
    ]
    http_server.add("/feed.json", json_feed(items), content_type="application/feed+json")
    point_feed_at(story, http_server.url("/feed.json"))
    assert story.once() == 0
    items.append(
        {
            "id": "oct\udfff",
            "title": "North Korea \udc00 doubles shipments\u0000",
            "content_text": "North Korea has shipped more than 13,000 containers to Russia "
            "\ud800 since August, Seoul says.\u0000",
            "date_published": "2024-10-09T12:00:00+00:00",
        }
    )
    http_server.add("/feed.json", json_feed(items), content_type="application/feed+json")
    capsys.readouterr()
    assert story.once() == 0
    assert "new=1 " in capsys.readouterr().out  # the first entry, id with NUL, stays seen
    assert [figure_of(post) for post in webhook_receiver.received] == [
        "Containers shipped to Russia"
    ]
    message = str(webhook_receiver.received[0].body["message"])
    assert "13,000" in message
    assert "\x00" not in message
    assert main(["once", "--all", "--config", str(story.config)]) == 0
    assert len(webhook_receiver.received) == 1  # nothing read twice
