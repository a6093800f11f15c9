"""Garbage served as feeds and articles, through the whole pipeline (`monitor once`).

Each case ends in a clear per-feed error stored on the feed row, or in entries stored with
generated ids; never a crash, never an alert from nonsense.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from monitor.store import open_store
from tests.fixtures.story import Story, publish_february
from tests.hostile.conftest import bounded

NOT_FEEDS = {
    "html-page": (
        b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>",
        "text/html",
        "an HTML page, not a feed",
    ),
    "binary": (os.urandom(4096), "application/rss+xml", "not a feed"),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(2000), "image/png", "not a feed"),
    "empty": (b"", "application/rss+xml", "empty response body"),
    "json-not-a-feed": (b'{"status": "ok", "items": 3}', "application/json", "not a JSON Feed"),
    "truncated-json": (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "", "JSON"),
    "plain-text": (b"Service temporarily unavailable", "text/plain", "not a feed"),
}


def feed_error(story: Story) -> str | None:
    url = story.server.url("/feed.xml")
    with open_store(f"sqlite:///{story.config.parent / 'monitor.db'}") as store:
        return store.feed_state(url).last_error


@pytest.mark.parametrize(
    ("body", "content_type", "reason"), NOT_FEEDS.values(), ids=NOT_FEEDS.keys()
)
def test_a_body_that_is_no_feed_is_a_stored_per_feed_error(
    story: Story, body: bytes, content_type: str, reason: str
) -> None:
    story.server.add("/feed.xml", body, content_type=content_type)
    with bounded(time_s=10, memory_mb=60):
        assert story.once() == 1
    error = feed_error(story)
    assert error is not None
    assert reason in error


def rss(items: str) -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{items}</channel></rss>".encode()


def test_entries_without_link_id_or_date_and_with_year_9999_are_stored(story: Story) -> None:
    story.server.add(
        "/feed.xml",
        rss(
            "<item><title>Nur ein Titel</title><description>Nordkorea und Russland.</description>"
            "</item>"
            "<item><description>Nur Text: Nordkorea, Russland, 5 Container.</description></item>"
            "<item><title>Zukunft</title><pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate>"
            "<description>Datum aus der Zukunft</description></item>"
            "<item><title>Unsinn</title><pubDate>gestern irgendwann</pubDate></item>"
        ),
        content_type="application/rss+xml",
    )
    assert story.once() == 0
    assert feed_error(story) is None
    with open_store(f"sqlite:///{story.config.parent / 'monitor.db'}") as store:
        articles = {article.title or article.text[:9]: article for article in store.articles()}
        assert sorted(articles) == ["Nur Text:", "Nur ein Titel", "Zukunft"]
        assert all(article.url.startswith("sha256:") for article in articles.values())
        assert articles["Zukunft"].published is None  # year 9999 is no date
        # The entry with nothing to read is remembered too: the next poll reads nothing new.
        ids = [article.url for article in articles.values()]
        assert store.unseen_entry_ids(story.server.url("/feed.xml"), ids) == set()
    assert story.once() == 0
    with open_store(f"sqlite:///{story.config.parent / 'monitor.db'}") as store:
        assert len(store.articles()) == 3


def test_wrong_encodings_do_not_crash(story: Story) -> None:
    latin1 = "<item><title>Gr\u00fc\u00dfe aus K\u00f6ln</title><guid>a</guid></item>".encode(
        "latin-1"
    )
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        + latin1
        + b"<item><title>\xff\xfe\x00bad</title><guid>b</guid></item></channel></rss>"
    )
    story.server.add("/feed.xml", body, content_type="application/rss+xml; charset=klingon")
    assert story.once() == 0
    assert feed_error(story) is None


ABSURD = [
    "1e308",
    "1.7976931348623157e+308",
    "10^400",
    "NaN",
    "Infinity",
    "9" * 41,
    "1e-308",
    "-0",
    "-6700",
]


def test_absurd_numbers_never_alert(story: Story, webhook_receiver, smtp_receiver) -> None:
    publish_february(story)
    assert story.once() == 0  # 6,700 containers: the first value, recorded, not alerted
    for index, number in enumerate(ABSURD):
        story.publish(
            f"/absurd{index}.html",
            "Nordkorea liefert Russland Container",
            f"<html lang='de'><body><article><p>Nordkorea hat nach Angaben aus Seoul {number} "
            "Container nach Russland geschickt, teilte das Ministerium mit.</p><p>"
            + "Die Lieferungen nach Russland gehen weiter. " * 10
            + "</p></article></body></html>",
            datetime(2024, 3, 1 + index, tzinfo=UTC),
        )
    assert story.once() == 0
    assert webhook_receiver.received == []
    assert smtp_receiver.messages == []
