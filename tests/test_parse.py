"""parse.py on feed documents in tests/data/feeds/."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import ParseError
from monitor.parse import parse_feed, strip_doctype
from monitor.records import Fetched, ParsedFeed, Validators

FEEDS = Path(__file__).parent / "data" / "feeds"
FEED_URL = "https://news.example/feeds/main.xml"


def fetched(body: bytes, content_type: str | None = "application/rss+xml") -> Fetched:
    return Fetched(
        url=FEED_URL,
        final_url=FEED_URL,
        status=200,
        body=body,
        content_type=content_type,
        charset=None,
        validators=Validators(),
    )


def parse_file(name: str, content_type: str | None = "application/rss+xml") -> ParsedFeed:
    return parse_feed(fetched((FEEDS / name).read_bytes(), content_type))


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("rss20.xml", "application/rss+xml",
         ("Ukrinform – Nachrichten", "https://www.ukrinform.example/", "de-DE", 1800, 2)),
        ("atom.xml", "application/atom+xml",
         ("Yonhap News Agency — North Korea", "https://en.wire.example/nk/index", "en", None, 2)),
        ("rdf.xml", "application/rdf+xml",
         ("heise online News", "https://www.tech-news.example/newsticker/", "de", None, 1)),
        ("rss091.xml", "text/xml", ("Alte Zeitung", "https://zeitung.example/", "de", None, 1)),
        ("jsonfeed11.json", "application/feed+json",
         ("연합뉴스 북한", "https://www.wire.example/nk", "ko", None, 2)),
        ("jsonfeed10.json", "application/json",
         ("Kyiv Independent", "https://kyiv-news.example/", None, None, 1)),
        ("empty-channel.xml", "application/rss+xml",
         ("Nothing yet", "https://quiet.example/", None, None, 0)),
        ("rss20.xml", "text/html",
         ("Ukrinform – Nachrichten", "https://www.ukrinform.example/", "de-DE", 1800, 2)),
    ],
    ids=["rss20", "atom", "rss10-rdf", "rss091-latin1", "jsonfeed11", "jsonfeed10", "no-items",
         "rss-served-as-html"],
)  # fmt: skip
def test_feed_metadata(name, content_type, expected):
    feed = parse_file(name, content_type)
    assert feed.url == FEED_URL
    assert (feed.title, feed.link, feed.language, feed.ttl_s, len(feed.entries)) == expected


@pytest.mark.parametrize(
    ("name", "index", "expected"),
    [
        ("rss20.xml", 0, ("ukrinform-3914250",
         "https://www.ukrinform.example/rubric-ato/3914250-nordkorea-verdoppelt-waffenlieferungen.html",
         "Nordkorea verdoppelt Waffenlieferungen an Russland für Ukraine-Krieg",
         datetime(2024, 10, 9, 10, 35, tzinfo=UTC))),
        ("rss20.xml", 1, ("https://news.example/rubric-polytics/3914000-selenskyj-scholz.html",
         "https://news.example/rubric-polytics/3914000-selenskyj-scholz.html",
         "Selenskyj trifft Scholz in Berlin", datetime(2024, 10, 8, 9, 0, tzinfo=UTC))),
        ("atom.xml", 0, ("urn:yna:AEN20240227002700315",
         "https://en.wire.example/view/AEN20240227002700315",
         "N. Korea shipped about 6,700 containers of munitions to Russia: minister",
         datetime(2024, 2, 27, 1, 21, tzinfo=UTC))),
        ("atom.xml", 1, ("urn:yna:AEN20240226000100315",
         "https://en.wire.example/view/AEN20240226000100315", "Defense ministry briefing",
         datetime(2024, 2, 26, 9, 0, tzinfo=UTC))),
        ("rdf.xml", 0, ("https://www.tech-news.example/news/1.html", "https://www.tech-news.example/news/1.html",
         "Bundeswehr bestellt 6.000 Funkgeräte", datetime(2024, 10, 9, 12, 0, tzinfo=UTC))),
        ("rss091.xml", 0, ("https://zeitung.example/koeln", "https://zeitung.example/koeln",
         "Grüße aus Köln", None)),
        ("jsonfeed11.json", 0, ("AKR20241009000100504",
         "https://www.wire.example/view/AKR20241009000100504",
         "북한, 러시아에 컨테이너 1만3천여 개 보내", datetime(2024, 10, 9, 1, 0, tzinfo=UTC))),
        ("jsonfeed11.json", 1, ("42", "https://news.example/view/AKR20241008000200504",
         "텍스트만 있는 기사", datetime(2024, 10, 8, 1, 0, tzinfo=UTC))),
    ],
    ids=["rss20-guid", "rss20-relative-link", "atom-published", "atom-updated-only",
         "rdf-dc-date", "rss091-no-date", "jsonfeed-html", "jsonfeed-numeric-id"],
)  # fmt: skip
def test_entry_fields(name, index, expected):
    entry = parse_file(name).entries[index]
    assert (entry.id, entry.link, entry.title, entry.published) == expected
    if entry.published is not None:
        assert entry.published.tzinfo is UTC


def test_html_content_becomes_plain_text_with_paragraph_lines():
    entry = parse_file("rss20.xml").entries[0]
    assert entry.summary == (
        "Nordkorea hat über 13.000 Container nach Russland geschickt.\n"
        "Das berichtete Yonhap News TV."
    )
    assert entry.content == (
        "Nordkorea hat über 13.000 Container nach Russland geschickt, die etwa 6 Millionen "
        "Artilleriegeschosse vom Kaliber 152 mm enthalten konnten.\n"
        "Die Zahl bedeutet eine Verdopplung seit Februar.\n"
        "Damals waren es etwa 6.700 Container."
    )
    assert "track(" not in entry.content  # scripts are not text


def test_entities_in_plain_summary_are_decoded():
    entry = parse_file("rss20.xml").entries[1]
    assert entry.summary == "Gespräche über Luftverteidigung & Winterhilfe."
    assert entry.content == ""


def test_atom_html_content_and_text_summary():
    entry = parse_file("atom.xml", "application/atom+xml").entries[0]
    assert entry.summary == "North Korea has shipped around 6,700 containers to Russia since July."
    assert entry.content.split("\n") == [
        "SEOUL, Feb. 27 (Yonhap) -- North Korea has shipped around 6,700 containers to Russia.",
        "They could hold more than 3 million rounds of 152 mm artillery shells.",
    ]


def test_json_feed_content_text_and_html():
    first, second = parse_file("jsonfeed11.json", "application/feed+json").entries
    assert (
        first.content
        == "북한이 러시아에 컨테이너 1만3천여 개를 보낸 것으로 파악됐다.\n포탄 600만 발 분량이다."
    )
    assert first.summary == "컨테이너 1만3천여 개"
    assert second.content == "첫 문단.\n둘째 문단."


def test_json_feed_is_recognised_without_its_content_type():
    feed = parse_file("jsonfeed10.json", "text/plain")
    assert feed.entries[0].content.startswith("North Korea has sent more than 13,000 containers")


def test_entries_without_id_link_or_date():
    by_link, bare, absurd, unreadable = parse_file("no-ids.xml").entries
    assert by_link.id == by_link.link == "https://minimal.example/a"
    assert by_link.published is None
    assert bare.link is None
    assert re.fullmatch("sha256:[0-9a-f]{64}", bare.id)
    assert (absurd.id, absurd.published) == ("absurd-1", None)
    assert (unreadable.id, unreadable.published) == ("bad-date-1", None)


def test_hash_id_is_stable_and_depends_on_title_and_summary():
    body = (FEEDS / "no-ids.xml").read_bytes()
    first = parse_feed(fetched(body)).entries[1].id
    again = parse_feed(fetched(body)).entries[1].id
    changed = parse_feed(fetched(body.replace(b"Only a title", b"A new title"))).entries[1].id
    assert first == again
    assert changed != first


def test_id_does_not_depend_on_where_the_feed_lives():
    body = (FEEDS / "no-ids.xml").read_bytes()
    moved = Fetched(
        url=FEED_URL, final_url="https://elsewhere.example/rss", status=200, body=body,
        content_type="application/rss+xml", charset=None, validators=Validators(),
    )  # fmt: skip
    assert parse_feed(moved).entries[2].id == parse_file("no-ids.xml").entries[2].id == "absurd-1"


def test_latin1_feed_is_decoded_from_its_xml_declaration():
    assert parse_file("rss091.xml", "text/xml").entries[0].title == "Grüße aus Köln"


def test_malformed_feed_with_entries_is_still_read():
    body = (FEEDS / "rss20.xml").read_bytes().replace(b"</channel>", b"<broken></channel>")
    feed = parse_feed(fetched(body))
    assert feed.entries[0].id == "ukrinform-3914250"
    assert len(feed.entries) == 2


# -- not feeds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ((FEEDS / "html-page.html").read_bytes(), "text/html", "an HTML page, not a feed"),
        ((FEEDS / "html-page.html").read_bytes(), "application/rss+xml", "an HTML page"),
        (b"", "application/rss+xml", "empty response body"),
        (b"  \r\n ", None, "empty response body"),
        (b"\x89PNG\r\n\x1a\n" + random.Random(7).randbytes(2048), None, "neither XML nor JSON"),
        (b"Service temporarily unavailable", "text/plain", "neither XML nor JSON"),
        (b"<?xml version='1.0'?><config><a>1</a></config>", "text/xml", "not an RSS or Atom"),
        (b'{"status": "ok"}', "application/json", "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', None, "items"),
        (b"{not json", "application/feed+json", "invalid JSON"),
    ],
    ids=["html", "html-as-rss", "empty", "whitespace", "binary", "plain-text", "other-xml",
         "other-json", "json-feed-no-items", "broken-json"],
)  # fmt: skip
def test_not_a_feed_is_a_parse_error(body, content_type, reason):
    with pytest.raises(ParseError, match=reason) as caught:
        parse_feed(fetched(body, content_type))
    assert caught.value.url == FEED_URL


def test_entity_bomb_doctype_is_removed_before_parsing():
    body = (FEEDS / "entity-bomb.xml").read_bytes()
    stripped = strip_doctype(body)
    assert b"<!DOCTYPE" not in stripped
    assert b"<!ENTITY" not in stripped
    assert stripped.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b'<rss version="2.0">' in stripped
    feed = parse_feed(fetched(body))
    assert feed.entries[0].id == "bomb-1"
    assert "aaaa" not in feed.title + feed.entries[0].title + feed.entries[0].summary


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">',
        b'<!doctype rss SYSTEM "file:///etc/passwd">',
        b'<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["public-dtd", "system-lowercase", "external-entity"],
)
def test_doctype_forms_are_removed(doctype):
    body = (
        b'<?xml version="1.0"?>\n' + doctype + b'\n<rss version="2.0"><channel><title>&x;</title>'
    )
    body += b"<item><title>t</title><guid>g</guid></item></channel></rss>"
    assert b"DOCTYPE" not in strip_doctype(body).upper()
    feed = parse_feed(fetched(body))
    assert "root:" not in feed.title
    assert feed.entries[0].id == "g"
