"""Read a fetched feed document: the only module that uses feedparser.

RSS 0.9x/1.0/2.0 and Atom go through feedparser; JSON Feed 1.0/1.1 (which feedparser does
not read) through the json module. Before feedparser sees XML, any `<!DOCTYPE …>` with its
internal subset is cut out, so entity-expansion bombs have no entities to expand.

Everything leaves as plain text: summaries and contents lose their HTML tags and keep
paragraph breaks as "\\n". An entry's id is its id/guid, else its link, else a sha256 of
its title and summary, so an entry is recognised on the next poll whatever it lacks.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import re
import time
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser

from monitor.errors import ParseError
from monitor.records import FeedEntry, Fetched, ParsedFeed, clean_text

log = logging.getLogger(__name__)

MAX_YEAR = 2100  # later dates are typos or placeholders; treat them as unknown
MAX_TTL_MINUTES = 7 * 24 * 60  # a longer <ttl> is clamped: the poll ceiling wins anyway
MAX_TTL_DIGITS = 9
# The declaration with its internal subset, quoted strings and comments read as units so
# `]>` inside an entity value cannot end it early; possessive, so no backtracking.
DOCTYPE = re.compile(
    rb"""<!DOCTYPE\s(?:[^\[>"']++|"[^"]*+"|'[^']*+')*+"""
    rb"""(?:\[(?:[^\]"'<]++|"[^"]*+"|'[^']*+'|<!--.*?-->|<(?:[^>"']++|"[^"]*+"|'[^']*+')*+>)*+"""
    rb"""\]\s*+)?>""",
    re.IGNORECASE | re.DOTALL,
)
LOOSE_DOCTYPE = re.compile(rb"<!DOCTYPE\s[^\[>]*(?:\[.*?\]\s*)?>", re.IGNORECASE | re.DOTALL)
JSON_TYPES = frozenset({"application/feed+json", "application/json"})
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})
# Runs of spaces that need changing: one plain space is left alone (most of any text).
SPACES = re.compile(r"[\t\r\f\v\u00a0][ \t\r\f\v\u00a0]*| [ \t\r\f\v\u00a0]+")


def parse_feed(fetched: Fetched) -> ParsedFeed:
    """The feed in a fetched document; ParseError when the body is not a feed."""
    body = fetched.body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise ParseError(fetched.final_url, "empty response body: the server sent no feed")
    if fetched.content_type in JSON_TYPES or body.startswith(b"{"):
        return _parse_json_feed(fetched, body)
    return _parse_xml_feed(fetched, strip_doctype(fetched.body))


def strip_doctype(body: bytes) -> bytes:
    """The document without its `<!DOCTYPE …>` declaration (internal subset included)."""
    stripped, count = DOCTYPE.subn(b"", body, count=1)
    return stripped if count else LOOSE_DOCTYPE.sub(b"", body, count=1)


def _parse_xml_feed(fetched: Fetched, body: bytes) -> ParsedFeed:
    # No content-location: feedparser would resolve relative guids against it and
    # an entry's id would change whenever the feed moves. Links are joined below.
    headers = {}
    if fetched.content_type:
        charset = f"; charset={fetched.charset}" if fetched.charset else ""
        headers["content-type"] = fetched.content_type + charset
    # Neither sanitizing nor resolving URIs inside HTML: summaries leave here as plain text.
    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    if not parsed.get("version") and not parsed.entries:
        raise ParseError(fetched.final_url, _not_a_feed(body, parsed.get("bozo_exception")))
    if parsed.get("bozo"):
        log.debug(
            "feed_malformed url=%s version=%s entries=%d error=%s",
            fetched.final_url,
            parsed.get("version") or "unknown",
            len(parsed.entries),
            parsed.get("bozo_exception"),
        )
    feed = parsed.feed
    return ParsedFeed(
        url=fetched.final_url,
        title=_text(feed.get("title", "")),
        link=feed.get("link") or None,
        language=_language(feed.get("language")),
        entries=tuple(_xml_entry(entry, fetched.final_url) for entry in parsed.entries),
        ttl_s=_ttl_s(feed.get("ttl")),
    )


def _not_a_feed(body: bytes, error: object) -> str:
    if HTML_START.match(body):
        return "an HTML page, not a feed: check the feed URL (the page may link to the feed)"
    if b"\x00" in body[:1024] or not body.lstrip().startswith(b"<"):
        return "not a feed: the body is neither XML nor JSON"
    return f"not an RSS or Atom feed ({error or 'no feed elements found'})"


def _xml_entry(entry: Any, base_url: str) -> FeedEntry:
    # dict.get, not FeedParserDict's: its key aliasing costs more than the rest of this
    # function, and the keys read here are the canonical ones feedparser stores.
    get = dict.get
    title = _text(get(entry, "title", ""))
    summary = _detail_text(get(entry, "summary_detail"), get(entry, "summary", ""))
    contents = [_detail_text(part, get(part, "value", "")) for part in get(entry, "content", ())]
    content = max(contents, key=len, default="")
    href = get(entry, "link")
    link = urljoin(base_url, href) if href else None
    updated = _struct_time_utc(get(entry, "updated_parsed"))
    published = _struct_time_utc(get(entry, "published_parsed")) or updated
    return FeedEntry(
        id=clean_text(get(entry, "id") or link or _hash_id(title, summary)),
        link=clean_text(link) if link else None,
        title=title,
        published=published,
        summary=summary,
        content=content,
        updated=updated,
    )


def _detail_text(detail: Any, value: str) -> str:
    if detail is not None and dict.get(detail, "type") == "text/plain":
        return _text_plain(value)
    return _text(value)


def _parse_json_feed(fetched: Fetched, body: bytes) -> ParsedFeed:
    url = fetched.final_url
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise ParseError(url, f"not a feed: invalid JSON ({e})") from e
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        JSON_FEED_VERSION
    ):
        raise ParseError(url, "JSON but not a JSON Feed (no https://jsonfeed.org/version/…)")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError(url, "JSON Feed without an items list")
    home = document.get("home_page_url")
    return ParsedFeed(
        url=url,
        title=_text(str(document.get("title") or "")),
        link=home if isinstance(home, str) else None,
        language=_language(document.get("language")),
        entries=tuple(_json_entry(item, url) for item in items if isinstance(item, dict)),
    )


def _json_entry(item: dict[str, Any], base_url: str) -> FeedEntry:
    link = item.get("url") or item.get("external_url")
    link = clean_text(urljoin(base_url, link)) if isinstance(link, str) and link else None
    title = _text(str(item.get("title") or ""))
    summary = _text(str(item.get("summary") or ""))
    html = item.get("content_html")
    content = _text(html) if isinstance(html, str) else _text_plain(item.get("content_text"))
    updated = _iso_utc(item.get("date_modified"))
    published = _iso_utc(item.get("date_published")) or updated
    raw_id = item.get("id")
    return FeedEntry(
        id=clean_text(str(raw_id))
        if raw_id not in (None, "")
        else link or _hash_id(title, summary),
        link=link,
        title=title,
        published=published,
        summary=summary,
        content=content,
        updated=updated,
    )


def page_as_feed(fetched: Fetched) -> ParsedFeed:
    """A watched page (`pages:`) as a feed of one entry whose revision is the body's digest:
    an unchanged body is one hash compare, a changed one is read again."""
    digest = "sha256:" + hashlib.sha256(fetched.body).hexdigest()
    entry = FeedEntry(
        id=fetched.url, link=fetched.final_url, title="", published=None, summary="", content=digest
    )
    return ParsedFeed(
        url=fetched.url, title="", link=fetched.final_url, language=None, entries=(entry,)
    )


def _hash_id(title: str, summary: str) -> str:
    return "sha256:" + hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()


def _struct_time_utc(value: time.struct_time | None) -> datetime | None:
    if value is None or value.tm_year > MAX_YEAR:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _iso_utc(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.year > MAX_YEAR:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _ttl_s(value: object) -> int | None:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    minutes = int(text) if len(text) <= MAX_TTL_DIGITS else MAX_TTL_MINUTES
    return min(minutes, MAX_TTL_MINUTES) * 60 if minutes > 0 else None


def _language(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# -- HTML to plain text --------------------------------------------------------------


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data.replace("\n", " "))


def _text(value: str) -> str:
    """Plain text of an HTML fragment (or of text): one line per paragraph."""
    if "<" not in value:
        return _text_plain(unescape(value))
    collector = _TextCollector()
    collector.feed(value)
    collector.close()
    return _text_plain("".join(collector.parts))


def _text_plain(value: object) -> str:
    if not isinstance(value, str):
        return ""
    lines = (SPACES.sub(" ", line).strip() for line in clean_text(value).splitlines())
    return "\n".join(line for line in lines if line)
