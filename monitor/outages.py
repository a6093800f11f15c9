"""Feed outages: failures, moves and retirement, each told once (the pipeline calls these).

- A feed that keeps failing for `notices.source_down_after` gets one "source down since …"
  notice; when it next succeeds, one "recovered" notice. Failures in between say nothing.
- A 301/308 stores the new location; the next polls ask for it directly.
- A 410 retires the feed with one notice.

Notices are alerts of kind "notice" in the outbox, to every channel, with keys derived
from the outage start: a retry or a second daemon cannot send one twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from monitor.cadence import WEEK
from monitor.config import NoticeSettings
from monitor.eventstream import new_event
from monitor.records import Alert, Event, FeedStatus
from monitor.store import Store

log = logging.getLogger(__name__)


def feed_location(status: FeedStatus) -> str:
    """The URL to ask for: where the feed moved to for good, else the watchlist's URL."""
    return status.location or status.url


def recent_published(status: FeedStatus) -> tuple[datetime, ...]:
    """The entry dates remembered from the feed's last full answer (for a 304)."""
    return status.published


def remember_published(
    status: FeedStatus, published: Sequence[datetime | None], now: datetime
) -> FeedStatus:
    """The status keeping the last week's entry dates of a full answer, for a later 304."""
    dated = sorted(d for d in published if d is not None)
    # With nothing recent, the newest date alone still says "quiet feed" to `cadence`.
    kept = tuple(d for d in dated if now - WEEK < d <= now) or tuple(dated[-1:])
    return status if status.published == kept else replace(status, published=kept)


def note_moved(store: Store, url: str, location: str, now: datetime) -> FeedStatus:
    """The feed answered with a permanent redirect: remember where it lives now (its status)."""
    status = store.feed_status(url)
    if location in (status.location, url):
        return status
    event = new_event("feed_moved", at=now, source=url, previous=status.location, to=location)
    moved = replace(status, location=location, moved_at=now)
    store.save_feed_status(moved, [event])
    log.warning("feed_moved source=%s to=%s hint=update_the_watchlist_url", url, location)
    return moved


def note_success(
    store: Store,
    url: str,
    *,
    topics: Sequence[str],
    channels: Sequence[str],
    now: datetime,
    status: FeedStatus | None = None,
) -> None:
    """The feed worked: end its outage, with a "recovered" notice if "down" was sent.

    `status` saves a read when the caller holds the feed's current status.
    """
    status = status or store.feed_status(url)
    if status.failing_since is None:
        return
    events: list[Event] = []
    if status.down_notified_at is not None:
        since = status.failing_since
        alert = _notice(
            f"source-recovered:{url}:{since.isoformat()}",
            title=f"Source recovered: {url}",
            body=f"{url} works again after failing since {since:%Y-%m-%d %H:%M} UTC "
            f"({_duration(now - since)}).",
            topics=topics,
            now=now,
        )
        store.record_alert(alert, channels)
        events.append(new_event("source_recovered", at=now, source=url, down_since=since))
        log.info("source_recovered source=%s down_since=%s", url, since.isoformat())
    store.save_feed_status(replace(status, failing_since=None, down_notified_at=None), events)


def note_failure(
    store: Store,
    url: str,
    *,
    error: str,
    retired: bool,
    topics: Sequence[str],
    channels: Sequence[str],
    notices: NoticeSettings,
    now: datetime,
) -> None:
    """The feed failed: start or extend its outage; notice "down" once, or its retirement."""
    status = store.feed_status(url)
    since = status.failing_since or now
    updated: FeedStatus = replace(status, failing_since=since)
    events: list[Event] = []
    if retired:
        alert = _notice(
            f"feed-retired:{url}",
            title=f"Feed retired: {url}",
            body=f"{url} answered 410 Gone: it is no longer polled. Remove it from the "
            f"watchlist or replace it with the feed's new address. ({error})",
            topics=topics,
            now=now,
        )
        if notices.enabled:
            store.record_alert(alert, channels)
        events.append(new_event("feed_retired", at=now, source=url, error=error))
        log.warning("feed_retired source=%s error=%r", url, error)
    elif (
        notices.enabled
        and status.down_notified_at is None
        and now - since >= notices.source_down_after
    ):
        alert = _notice(
            f"source-down:{url}:{since.isoformat()}",
            title=f"Source down since {since:%Y-%m-%d %H:%M} UTC: {url}",
            body=f"{url} has failed for {_duration(now - since)}; it is retried with backoff "
            f"and you will get one notice when it recovers. Last error: {error}",
            topics=topics,
            now=now,
        )
        store.record_alert(alert, channels)
        updated = replace(updated, down_notified_at=now)
        events.append(new_event("source_down", at=now, source=url, since=since, error=error))
        log.warning("source_down source=%s since=%s error=%r", url, since.isoformat(), error)
    if updated != status or events:
        store.save_feed_status(updated, events)


def _notice(key: str, *, title: str, body: str, topics: Sequence[str], now: datetime) -> Alert:
    return Alert(
        key=key,
        topic=", ".join(topics) or "sources",
        figure=None,
        title=title,
        body=body,
        tags=(),
        created_at=now,
        kind="notice",
    )


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"
