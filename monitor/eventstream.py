"""The event stream: every event the daemon produces, stored and readable as JSON lines.

Events are written by the pipeline into the same transaction as what they report where
there is one (an article's matches, figures and changes with the article; a source's
outage with its status), else right after (deliveries). Readers:

- `monitor events [--since T] [--follow]` prints them as JSON lines (`event_line`);
- the webhook sink (`settings.yaml: events: {webhook: URL}`) POSTs each one, in order, at
  least once: its cursor in the database moves only past events the sink accepted (2xx).

One JSON object per event::

    {"id": 7, "at": "2024-10-09T12:00:03+00:00", "kind": "change_detected",
     "source": "https://…/feed.xml", "topic": "…", "data": {"figure": "containers", …}}
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from monitor import observe
from monitor.config import parse_duration
from monitor.logs import redact
from monitor.records import Alert, Article, Event, Observation
from monitor.store import Store

log = logging.getLogger(__name__)

KINDS = (
    "article_matched",
    "figure_observed",
    "change_detected",
    "alert_sent",
    "alert_failed",
    "source_down",
    "source_recovered",
    "feed_retired",
    "feed_moved",
    "entry_poisoned",
)
SINK_CURSOR = "webhook"
SINK_BATCH = 500  # events read per flush; the rest wait for the next one
SINK_TIMEOUT_S = 10.0


def new_event(
    kind: str,
    *,
    at: datetime,
    source: str | None = None,
    topic: str | None = None,
    **data: object,
) -> Event:
    """An event with its data made JSON-able (Decimal as int or float, datetimes as ISO)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    return Event(
        kind=kind,
        at=at,
        source=source,
        topic=topic,
        data=tuple((key, _plain(value)) for key, value in data.items()),
    )


def findings_events(
    article: Article,
    *,
    source: str,
    topics: Sequence[str],
    observations: Sequence[Observation],
    alerts: Sequence[Alert],
    now: datetime,
) -> list[Event]:
    """The events of one article: each topic it matched, each figure value, each change."""
    events = [
        new_event(
            "article_matched",
            at=now,
            source=source,
            topic=topic,
            url=article.url,
            title=article.title,
            outlet=article.outlet,
            published=article.published,
        )
        for topic in topics
    ]
    for observation in observations:
        events.append(
            new_event(
                "figure_observed",
                at=now,
                source=source,
                topic=observation.topic,
                figure=observation.figure,
                value=observation.value,
                time=observation.time,
                approx=observation.approx,
                bound=observation.bound,
                url=observation.article_url,
                outlet=observation.outlet,
                published=observation.published,
            )
        )
        if observation.time == "current":
            observe.count_figure(observation.topic, observation.figure)
    for alert in alerts:
        events.append(
            new_event(
                "change_detected",
                at=now,
                source=source,
                topic=alert.topic,
                figure=alert.figure,
                title=alert.title,
                key=alert.key,
            )
        )
        observe.count_change(alert.topic)
    return events


def record_delivery(
    store: Store, alert: Alert, channel: str, now: datetime, *, error: str | None = None
) -> None:
    """Store an alert_sent or alert_failed event and count it."""
    observe.count_delivery(channel, sent=error is None)
    kind = "alert_sent" if error is None else "alert_failed"
    store.record_events(
        [
            new_event(
                kind,
                at=now,
                topic=alert.topic,
                alert=alert.id,
                channel=channel,
                title=alert.title,
                figure=alert.figure,
                error=error,
            )
        ]
    )


def _plain(value: object) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def event_json(event: Event) -> dict[str, Any]:
    """The event as one JSON object, every configured secret masked (`monitor.logs.redact`)."""
    return {
        "id": event.id,
        "at": event.at.astimezone(UTC).isoformat(),
        "kind": event.kind,
        "source": _masked(event.source),
        "topic": _masked(event.topic),
        "data": {key: _masked(value) for key, value in event.data},
    }


def _masked(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


def event_line(event: Event) -> str:
    """The event as one JSON line (no newline)."""
    return json.dumps(event_json(event), ensure_ascii=False, separators=(",", ":"))


def parse_since(text: str, now: datetime) -> datetime:
    """`--since`: a duration ago (`90m`, `2h`, `7d`) or an ISO date or date-time (UTC if naive)."""
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since {text!r}: write a duration (90m, 2h, 7d) or a date (2024-10-09T12:00)"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class EventSink:
    """POSTs stored events to a webhook, in order, at least once."""

    def __init__(self, url: str, store: Store, *, timeout_s: float = SINK_TIMEOUT_S) -> None:
        self.url = url
        self.store = store
        self.timeout_s = timeout_s

    async def flush(self, now: datetime) -> int:
        """Send every event after the cursor; stop at the first refusal. Return how many went."""
        cursor = self.store.event_cursor(SINK_CURSOR)
        if cursor is None:
            # A new sink starts with what happens from now on, not with the whole history.
            self.store.save_event_cursor(SINK_CURSOR, self.store.last_event_id(), now)
            return 0
        sent = 0
        for event in self.store.events(after_id=cursor, limit=SINK_BATCH):
            error = await asyncio.to_thread(_post, self.url, event_line(event), self.timeout_s)
            if error is not None:
                log.warning("event_sink_failed event=%d error=%r", event.id, error)
                break
            assert event.id is not None
            self.store.save_event_cursor(SINK_CURSOR, event.id, now)
            sent += 1
        if sent:
            log.info("event_sink_sent events=%d", sent)
        return sent


def _post(url: str, body: str, timeout_s: float) -> str | None:
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "monitor-events/0.1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        reason = getattr(error, "reason", error)
        return str(reason)
    return None if 200 <= status < 300 else f"HTTP {status}"


def prune_before(keep: timedelta, now: datetime) -> datetime:
    """The oldest time an event is kept for."""
    return now - keep
