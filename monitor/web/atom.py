"""Atom feeds (RFC 4287) of a figure's or a watchlist's changes, and the CSV export. Pure.

Every entry is one change alert (old → new, with its sources): its id is derived from the
alert's idempotency key, so it never changes however often the feed is read. Characters
XML 1.0 cannot carry (controls, lone surrogates) are dropped from every text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from monitor.records import Alert, Observation

ATOM = "http://www.w3.org/2005/Atom"
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry."""
    return NOT_XML.sub("", text)


def atom_feed(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    page_url: str,
    alerts: Sequence[Alert],
    entry_url: str,
) -> bytes:
    """An Atom document with one entry per alert, newest first."""
    feed = Element("feed", xmlns=ATOM)
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    newest = max((_when(alert) for alert in alerts), default=EPOCH)
    _text(feed, "updated", _iso(newest))
    author = SubElement(feed, "author")
    _text(author, "name", "monitor")
    SubElement(feed, "link", rel="self", type="application/atom+xml", href=xml_text(self_url))
    SubElement(feed, "link", rel="alternate", type="text/html", href=xml_text(page_url))
    _text(feed, "generator", "monitor")
    for alert in alerts:
        entry = SubElement(feed, "entry")
        _text(entry, "id", f"urn:monitor:alert:{alert.key}")
        _text(entry, "title", alert.title)
        _text(entry, "updated", _iso(_when(alert)))
        if alert.changed_at is not None:
            _text(entry, "published", _iso(alert.changed_at))
        SubElement(entry, "link", rel="alternate", type="text/html", href=xml_text(entry_url))
        content = _text(entry, "content", alert.body)
        content.set("type", "text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(feed, encoding="unicode").encode()


def _when(alert: Alert) -> datetime:
    return alert.created_at


def _text(parent: Element, tag: str, text: str) -> Element:
    child = SubElement(parent, tag)
    child.text = xml_text(text)
    return child


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


EXPORT_FIELDS = (
    "id",
    "topic",
    "figure",
    "value",
    "low",
    "high",
    "approx",
    "bound",
    "time",
    "as_of",
    "published",
    "hold",
    "review",
    "outlet",
    "article_url",
    "article_title",
    "sentence",
)


TEXT_FIELDS = frozenset({"topic", "figure", "outlet", "article_url", "article_title", "sentence"})


def export_record(observation: Observation) -> dict[str, object]:
    """One stored value as the JSON export writes it (numbers as exact decimal strings)."""
    record: dict[str, object] = {}
    for name in EXPORT_FIELDS:
        value = getattr(observation, name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        elif value is not None and name in ("value", "low", "high"):
            value = str(value)
        record[name] = value
    return record


def export_csv(observations: Sequence[Observation]) -> str:
    """The values as CSV, with a header; text that would start a spreadsheet formula is quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_FIELDS)
    for observation in observations:
        row = []
        for name, value in export_record(observation).items():
            text = "" if value is None else str(value)
            if name in TEXT_FIELDS and text.startswith(FORMULA_START):
                text = "'" + text
            row.append(text)
        writer.writerow(row)
    return out.getvalue()
