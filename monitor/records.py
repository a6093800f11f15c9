"""Typed records passed between pipeline stages.

Every record is a frozen, slotted, keyword-only dataclass named for what it holds.
Datetimes are timezone-aware UTC; figures are exact (`Decimal`). SQL rows never leave
`store.py`: the store converts them to these records.

Direction of travel::

    Source ─fetch─► Fetched | NotModified ─parse─► ParsedFeed(FeedEntry…)
    FeedEntry + page HTML ─extract─► Article ─match─► TopicMatch
    Article.text ─figures─► Figure… ─compare─► FigureChange ─alert─► Alert ─deliver─► Delivery
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

NOT_STORABLE = dict.fromkeys(range(0xD800, 0xE000), "\ufffd") | {0: None}


def clean_text(text: str) -> str:
    """`text` as both databases store it: no NUL, no lone surrogate (each becomes U+FFFD).

    A feed or page may carry either (JSON escapes, stray bytes); PostgreSQL refuses both
    and SQLite's driver refuses surrogates.
    """
    if text.isascii():
        return text.replace("\x00", "") if "\x00" in text else text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.translate(NOT_STORABLE)
    return text.replace("\x00", "") if "\x00" in text else text


FigureTime = Literal["current", "past"]
FigureBound = Literal["min", "max"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Validators:
    """HTTP cache validators remembered from the previous fetch of a URL."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    """A successful (2xx) HTTP response, body already decompressed and size-capped."""

    url: str  # the URL that was asked for
    final_url: str  # after redirects
    status: int
    body: bytes
    content_type: str | None
    charset: str | None
    validators: Validators
    permanent_redirect: bool = False  # a 301/308 hop was followed: the stored URL should move
    retry_after_s: float | None = None
    fresh_for_s: float | None = None  # Cache-Control max-age, else Expires: no news before then


@dataclass(frozen=True, slots=True, kw_only=True)
class NotModified:
    """A 304 answer to a conditional GET."""

    url: str
    validators: Validators
    fresh_for_s: float | None = None  # Cache-Control max-age, else Expires


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntry:
    """One entry of a feed as the feed describes it."""

    id: str  # the entry id, else its link, else a hash of title+summary
    link: str | None
    title: str
    published: datetime | None
    summary: str  # plain text
    content: str  # plain text of the fullest content the feed carries ("" if none)
    updated: datetime | None = None  # when the feed says the entry was last changed

    @property
    def revision(self) -> str:
        """A digest of what a revision changes: the updated date, the title, the text."""
        material = f"{self.updated.isoformat() if self.updated else ''}\n{self.title}\n"
        return hashlib.sha1(
            (material + (self.content or self.summary)).encode(), usedforsecurity=False
        ).hexdigest()[:20]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Parsed feeds come back from worker processes by the thousand; the dataclass
        # default (fields() and a setattr per field) costs 5x this.
        fields = (
            self.id,
            self.link,
            self.title,
            self.published,
            self.summary,
            self.content,
            self.updated,
        )
        return _feed_entry, (fields,)


def _feed_entry(fields: tuple[Any, ...]) -> FeedEntry:
    id, link, title, published, summary, content, updated = fields
    return FeedEntry(
        id=id,
        link=link,
        title=title,
        published=published,
        summary=summary,
        content=content,
        updated=updated,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedFeed:
    """A parsed feed document."""

    url: str
    title: str
    link: str | None
    language: str | None
    entries: tuple[FeedEntry, ...]
    ttl_s: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """The text of one news article and what is known about it."""

    url: str
    title: str
    text: str
    published: datetime | None
    language: str | None  # ISO 639-1 code, e.g. "de"
    outlet: str  # site name, else the host name
    source: Literal["page", "feed"] = "page"  # where the text came from
    revised: bool = False  # read again: its feed entry changed since it was first read


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicMatch:
    """Why an article matches a watched topic."""

    topic: str  # the watchlist name
    terms: tuple[str, ...]  # the watchlist terms found in the article
    positions: tuple[tuple[int, int], ...]  # character spans of those terms in the text


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """One figure mentioned in a text (the figures API contract)."""

    value: Decimal  # normalised: "13.000" -> 13000, "6 Millionen" -> 6000000
    unit: str  # counted noun or unit as a lower-case lemma: "container", "percent", "usd"
    approx: bool = False
    bound: FigureBound | None = None
    range: tuple[Decimal, Decimal] | None = None
    time: FigureTime = "current"
    span: tuple[int, int]  # character offsets of the number expression in the text
    text: str  # the number expression as written
    unit_span: tuple[int, int] | None = None  # where the counted noun stands, if anywhere
    sentence: str = ""  # the sentence that holds the figure
    sentence_span: tuple[int, int] | None = None
    date: str | None = None  # the time the text attaches to the value, as written ("im Februar")
    relation: str | None = None  # "double", "half", "triple", ... when the text states a multiple


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """A value of a tracked figure as one article reported it."""

    topic: str
    figure: str  # the key of the figure in the watchlist ("containers")
    value: Decimal
    approx: bool
    bound: FigureBound | None
    time: FigureTime
    article_url: str
    article_title: str
    outlet: str
    published: datetime  # when the article was published (else when it was first seen)
    sentence: str
    observed_at: datetime
    id: int | None = None  # set once stored
    low: Decimal | None = None  # a range ("12,000 to 14,000"): its bounds; compared by overlap
    high: Decimal | None = None
    as_of: datetime | None = None  # the date the text gives a past value ("in February")
    # why the value waits for confirmation: min_sources, implausible, cooldown
    hold: str | None = None
    review: str | None = None  # a person's verdict: accepted | rejected; None: not reviewed


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureChange:
    """A tracked figure moved from `old` to `new` by more than its threshold."""

    topic: str
    figure: str
    label: str
    old: Observation | None  # None: the first value ever seen (alert_on_first)
    new: Observation
    delta: Decimal | None  # new.value - old.value
    ratio: Decimal | None  # delta / old.value, None when old.value is 0 or unknown
    sources: int = 1  # outlets that report the new value
    outlets: tuple[str, ...] = ()  # the independent sources of the new value, first reporter first
    hold: str | None = None  # held, not alerted: min_sources, implausible, cooldown
    hold_reason: str = ""  # what a person reads about the hold
    follows: AlertMark | None = None  # a correction: the alert whose old value is back
    unit: str = ""  # "percent": old, new and the move are shown in percent and points


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """A rendered message waiting in the outbox."""

    key: str  # idempotency key: one alert per change, whatever retries happen
    topic: str
    figure: str | None
    title: str
    body: str
    tags: tuple[str, ...]  # channel tags it goes to
    created_at: datetime
    id: int | None = None
    html: str | None = None  # the body as HTML, for channels that show it (e-mail)
    kind: str = "change"  # change | correction | match | notice
    old_value: Decimal | None = None
    new_value: Decimal | None = None
    reply_to: int | None = None  # a correction names the alert it follows up
    digest: tuple[tuple[str, datetime], ...] = ()  # (channel, digest due) for digested channels
    changed_at: datetime | None = None  # publication of the new value (a change alert's cooldown)


DeliveryState = Literal["pending", "sent", "failed"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """The state of one alert on one channel."""

    alert_id: int
    channel: str  # the channel's name (privacy-safe)
    state: DeliveryState
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    digest: bool = False  # waits for the channel's digest at next_attempt_at
    first_failed_at: datetime | None = None  # the first failed attempt since it was queued


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedState:
    """What the store remembers about a feed between polls."""

    url: str
    validators: Validators = field(default_factory=Validators)
    first_polled_at: datetime | None = None
    last_polled_at: datetime | None = None
    next_check_at: datetime | None = None
    error_count: int = 0
    last_error: str | None = None
    retired: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedStatus:
    """Where a feed lives now and whether it is in an outage (see `outages`)."""

    url: str
    location: str | None = None
    moved_at: datetime | None = None
    failing_since: datetime | None = None
    down_notified_at: datetime | None = None
    published: tuple[datetime, ...] = ()  # the last week's entry dates (adaptive scheduling)


@dataclass(frozen=True, slots=True, kw_only=True)
class PoisonedEntry:
    """A feed entry whose reading, analysis or storing failed (`monitor status`).

    It is tried again on the next polls until `attempts` reaches the pipeline's bound;
    then it is `skipped` (marked seen) and the mark stays for people to look at.
    """

    feed_url: str
    entry_id: str
    link: str | None = None
    stage: str  # read | analyse | store
    error: str
    attempts: int = 1
    first_at: datetime
    last_at: datetime
    skipped: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureReading:
    """What one article says about one tracked figure: its current and cited earlier values."""

    topic: str
    figure: str
    current: Observation | None
    past: tuple[Observation, ...] = ()
    unit: str = ""  # "percent" when the figure is a rate: changes are in percentage points


CandidateVerdict = Literal["won", "lost", "past", "unit"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureCandidate:
    """One figure of an article weighed for a tracked figure, and why it won or lost."""

    figure: Figure
    verdict: CandidateVerdict  # won; lost; past (history); unit (another unit: not weighed)
    why: str  # the deciding reason, as a person reads it
    facts: tuple[str, ...] = ()  # everything checked: unit, range, near/exclude terms, time


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureChoice:
    """Which mention of an article counts for one tracked figure (`--explain`)."""

    topic: str
    figure: str  # the key of the figure in the watchlist
    anchors: str  # the figure's unit, near/exclude terms and range, as configured
    candidates: tuple[FigureCandidate, ...]

    @property
    def winner(self) -> Figure | None:
        """The mention that counts as the current value, if any."""
        return next((c.figure for c in self.candidates if c.verdict == "won"), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Something the daemon did, for the event stream (`monitor events`, the webhook sink).

    `kind` is one of: article_matched, figure_observed, change_detected, alert_sent,
    alert_failed, source_down, source_recovered, feed_retired, feed_moved, entry_poisoned.
    """

    kind: str
    at: datetime
    source: str | None = None  # the feed URL, when the event is about one
    topic: str | None = None
    data: tuple[tuple[str, str | int | float | bool | None], ...] = ()  # JSON-able pairs
    id: int | None = None  # set once stored


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertMark:
    """The last change alert of a tracked figure: what a correction or a cooldown refers to."""

    id: int | None
    title: str
    old_value: Decimal | None
    new_value: Decimal | None
    created_at: datetime
    changed_at: datetime | None = None  # when the alerted value was published

    @classmethod
    def of(cls, alert: Any) -> AlertMark:
        """The mark of a stored alert (a row, or an Alert record with its id)."""
        return cls(
            id=alert.id,
            title=alert.title,
            old_value=alert.old_value,
            new_value=alert.new_value,
            created_at=alert.created_at,
            changed_at=alert.changed_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceText:
    """A stored current value with the text of the article that reported it (for clustering)."""

    observation: Observation
    text: str


class Valued(Protocol):
    """What compare's `same_value` reads: an Observation, or a stored row before it becomes one."""

    @property
    def value(self) -> Decimal: ...
    @property
    def low(self) -> Decimal | None: ...
    @property
    def high(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureHistory:
    """What compare needs to know about one tracked figure."""

    latest: Observation | None = None  # the newest confirmed current value (by publication)
    last_alert: AlertMark | None = None
    reports: tuple[SourceText, ...] = ()  # current values since `latest`, with their texts
