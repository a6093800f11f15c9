"""Between compare and the channels: change rules, routing, the outbox, digests, backtests.

Called by `pipeline` (it calls the stages in the order below; no stage calls another)::

    figure_findings(article, match, figures, watchlist):
        for reading in read_tracked_figures(...):
            history = history_of(topic, figure)       # the store, or a backtest's Ledger
            sources = cluster_sources(reports of the same value + this article)
            change  = compare_figure(reading, history.latest, rules, sources, last alert, now)
            held    → the observation is stored with its hold reason; no alert
            change  → build_alert → route_change → channels now or at their digest time
    deliver_outbox(now):
        single alerts one by one; due digests as one message per channel; mark each;
        after `delivery.max_attempts` failures: failed, plus one "channel X failing since"
        notice to the other channels
    backtest(watchlist, articles): the same rules over stored articles, in memory

A message is marked sent only after the channel accepted it: a crash between the two sends
that one message again on the next start, and nothing else twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from monitor.alert import (
    build_alert,
    build_channel_notice,
    build_digest,
    build_match_alert,
    route_change,
)
from monitor.cluster import cluster_sources
from monitor.compare import compare_figure, same_value
from monitor.config import Config, Threshold, Watchlist, iter_channels
from monitor.deliver import channel_name, deliver_alert
from monitor.errors import DeliveryError
from monitor.eventstream import record_delivery
from monitor.figures import extract_figures
from monitor.logs import redact
from monitor.match import match_topic
from monitor.records import (
    Alert,
    AlertMark,
    Article,
    Delivery,
    Figure,
    FigureChange,
    FigureChoice,
    FigureHistory,
    Observation,
    SourceText,
    TopicMatch,
    Valued,
)
from monitor.store import Store
from monitor.store.leases import instance_id
from monitor.track import choose_figures, read_tracked_figures

log = logging.getLogger(__name__)

CLAIM_MARGIN = timedelta(seconds=30)  # a claim outlives the send's own timeout by this much


class HistoryOf(Protocol):
    """Where a figure's history comes from: the store, or a backtest's Ledger."""

    def __call__(
        self, topic: str, figure: str, *, keep: Callable[[Valued], bool] | None = None
    ) -> FigureHistory: ...


Addressed = tuple[Alert, list[str]]


def figure_findings(
    article: Article,
    match: TopicMatch,
    figures: Sequence[Figure],
    watchlist: Watchlist,
    *,
    config: Config,
    history_of: HistoryOf,
    now: datetime,
) -> tuple[list[Observation], list[Addressed]]:
    """The observations an article adds for `watchlist`, and the alerts they cause."""
    observations: list[Observation] = []
    alerts: list[Addressed] = []
    for reading in read_tracked_figures(article, match, figures, watchlist, now=now):
        observations.extend(reading.past)
        current = reading.current
        if current is None:
            continue
        tracked = watchlist.figures[reading.figure]
        # Only reports of this value count as sources: the store loads no others.
        history = history_of(
            watchlist.name, reading.figure, keep=_same_as(current, tracked.threshold)
        )
        reports = [
            (r.observation.outlet, r.text)
            for r in history.reports
            if same_value(r.observation, current, tracked.threshold)
        ]
        reports.append((article.outlet, article.text))
        groups = cluster_sources(reports)
        change = compare_figure(
            reading,
            history.latest,
            label=watchlist.label_of(reading.figure),
            threshold=tracked.threshold,
            alert_on_first=watchlist.alert_on_first,
            sources=len(groups),
            outlets=[reports[group[0]][0] for group in groups],
            direction=tracked.direction,
            min_sources=tracked.min_sources,
            last_alert=history.last_alert,
            cooldown=tracked.cooldown if tracked.cooldown is not None else watchlist.cooldown,
        )
        if change is not None and change.hold:
            current = replace(current, hold=change.hold)
            log.info(
                "figure_held topic=%r figure=%s value=%s previous=%s hold=%s reason=%r url=%s",
                watchlist.name,
                reading.figure,
                current.value,
                change.old.value if change.old else None,
                change.hold,
                change.hold_reason,
                article.url,
            )
        observations.append(current)
        log.info(
            "figure_observed topic=%r figure=%s value=%s previous=%s change=%s sources=%d url=%s",
            watchlist.name,
            reading.figure,
            current.value,
            history.latest.value if history.latest else None,
            "held" if change and change.hold else "yes" if change else "no",
            len(groups),
            article.url,
        )
        if change is None or change.hold or "change" not in watchlist.notify_on:
            continue
        alert = build_alert(change, tags=watchlist.notify, now=now, template=watchlist.template)
        alerts.append(address_alert(alert, change, watchlist, config, now=now))
    return observations, alerts


def _same_as(current: Observation, threshold: Threshold) -> Callable[[Valued], bool]:
    return lambda stored: same_value(stored, current, threshold)


def match_findings(
    article: Article, match: TopicMatch, watchlist: Watchlist, config: Config, *, now: datetime
) -> list[Addressed]:
    """A topic-match alert, when the watchlist asks for them (`notify_on: [match]`)."""
    if "match" not in watchlist.notify_on:
        return []
    alert = build_match_alert(
        article,
        match,
        sentence=_sentence_at(article.text, match.positions[0] if match.positions else None),
        tags=watchlist.notify,
        now=now,
        template=watchlist.template,
    )
    return [address_alert(alert, None, watchlist, config, now=now)]


def address_alert(
    alert: Alert,
    change: FigureChange | None,
    watchlist: Watchlist,
    config: Config,
    *,
    now: datetime,
) -> Addressed:
    """The alert with its route applied, and the names of the channels it goes to."""
    tags, route_digest = route_change(change, watchlist)
    names: list[str] = []
    digests: list[tuple[str, datetime]] = []
    for channel in iter_channels(config, tags):
        name = channel_name(channel.url, channel.name)
        names.append(name)
        schedule = route_digest or channel.digest
        if schedule is not None:
            digests.append((name, schedule.next_after(now)))
    return replace(alert, tags=tags, digest=tuple(digests)), names


def _sentence_at(text: str, span: tuple[int, int] | None) -> str:
    if span is None or span[0] < 0:
        return text[:280]
    start = max(text.rfind(". ", 0, span[0]) + 2, text.rfind("\n", 0, span[0]) + 1, 0)
    end_candidates = [i for i in (text.find(". ", span[1]), text.find("\n", span[1])) if i >= 0]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    return text[start:end].strip()


# delivery


async def deliver_outbox(
    config: Config, store: Store, *, now: datetime, due_only: bool = True
) -> tuple[int, int]:
    """Send what is due (retries only when due, if `due_only`; digests always only when due).

    Returns (messages delivered, failed attempts).
    """
    loop = asyncio.get_running_loop()
    lock = _outbox_locks.setdefault(loop, asyncio.Lock())
    # One pass at a time per process: the daemon's poll, delivery and digest jobs may all
    # call this, and two passes reading the same pending row would both send it.
    async with lock:
        courier = _Courier(config, store, now)
        await courier.deliver(store.outbox(now, retries_due_only=due_only))
        if courier.notices:
            notices = [
                (alert, delivery)
                for alert, delivery in store.outbox(now, retries_due_only=True)
                if alert.id in courier.notices
            ]
            await courier.deliver(notices)
        return courier.delivered, courier.failed


_outbox_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


class _Courier:
    """One pass over the outbox at `now`."""

    def __init__(self, config: Config, store: Store, now: datetime) -> None:
        self.config = config
        self.store = store
        self.now = now
        self.channels = {channel_name(c.url, c.name): c for c in config.settings.channels}
        self.delivered = 0
        self.failed = 0
        self.notices: list[int] = []

    async def deliver(self, rows: Sequence[tuple[Alert, Delivery]]) -> None:
        digests: dict[str, list[tuple[Alert, Delivery]]] = {}
        for alert, delivery in rows:
            if delivery.digest:
                digests.setdefault(delivery.channel, []).append((alert, delivery))
            elif self._claim(alert, delivery):
                await self._attempt([(alert, delivery)], alert)
        for listed in digests.values():
            items = [
                (alert, delivery) for alert, delivery in listed if self._claim(alert, delivery)
            ]
            if not items:
                continue
            alerts = [alert for alert, _ in items]
            await self._attempt(
                items, alerts[0] if len(alerts) == 1 else build_digest(alerts, now=self.now)
            )

    def _claim(self, alert: Alert, delivery: Delivery) -> bool:
        """Take the delivery for this instance: another daemon on the database may send it."""
        clock = max(self.now, datetime.now(UTC))
        ttl = self.config.settings.delivery.timeout + CLAIM_MARGIN
        if self.store.claim_delivery(delivery, instance_id(), clock, ttl):
            return True
        log.info("alert_claimed_elsewhere alert=%s channel=%s", alert.id, delivery.channel)
        return False

    async def _attempt(self, items: Sequence[tuple[Alert, Delivery]], message: Alert) -> None:
        try:
            await self._send(items, message)
        finally:
            for _alert, delivery in items:
                self.store.release_delivery(delivery, instance_id())

    async def _send(self, items: Sequence[tuple[Alert, Delivery]], message: Alert) -> None:
        name = items[0][1].channel
        channel = self.channels.get(name)
        try:
            if channel is None:
                raise DeliveryError(name, "channel is no longer in settings.yaml")
            await deliver_alert(
                message,
                channel.url,
                channel=name,
                timeout_s=self.config.settings.delivery.timeout.total_seconds(),
            )
        except DeliveryError as error:
            reason = redact(error.reason)
            for alert, delivery in items:
                self._failed(alert, delivery, reason)
            return
        for alert, delivery in items:
            assert alert.id is not None
            self.store.mark_delivered(alert.id, delivery.channel, self.now)
            record_delivery(self.store, alert, delivery.channel, self.now)
            log.info(
                "alert_sent alert=%d channel=%s digest=%s title=%r",
                alert.id,
                delivery.channel,
                "yes" if delivery.digest else "no",
                alert.title,
            )
        self.delivered += 1

    def _failed(self, alert: Alert, delivery: Delivery, reason: str) -> None:
        assert alert.id is not None
        now = self.now
        attempts = delivery.attempts + 1
        give_up = attempts >= self.config.settings.delivery.max_attempts
        retry = None if give_up else now + retry_delay(self.config, attempts)
        self.store.mark_attempt_failed(
            alert.id, delivery.channel, reason, now, next_attempt_at=retry
        )
        record_delivery(self.store, alert, delivery.channel, now, error=reason)
        self.failed += 1
        log.warning(
            "alert_failed alert=%d channel=%s attempts=%d gave_up=%s retry_in_s=%d error=%r",
            alert.id,
            delivery.channel,
            attempts,
            "yes" if give_up else "no",
            (retry - now).total_seconds() if retry else 0,
            reason,
        )
        if give_up and alert.kind != "notice":
            self._notify_failing(alert.id, delivery, attempts, reason)

    def _notify_failing(
        self, alert_id: int, delivery: Delivery, attempts: int, reason: str
    ) -> None:
        failing = delivery.channel
        since = self.store.channel_failing_since(failing) or delivery.first_failed_at or self.now
        others = [name for name in self.channels if name != failing]
        if not others:
            return
        notice = build_channel_notice(
            failing, since=since, attempts=attempts, error=reason, alert_id=alert_id, now=self.now
        )
        notice_id = self.store.record_alert(notice, others)
        if notice_id is not None:
            self.notices.append(notice_id)
            log.warning("channel_failing channel=%s since=%s notice=%d", failing, since, notice_id)


def retry_delay(config: Config, attempts: int) -> timedelta:
    """Exponential backoff with jitter: retry_after × 2^(attempts-1), capped, times 0.8-1.0."""
    settings = config.settings.delivery
    base = settings.retry_after.total_seconds() * 2 ** min(attempts - 1, 20)
    capped = min(base, settings.max_retry_after.total_seconds())
    return timedelta(seconds=capped * random.uniform(0.8, 1.0))


def unconfirmed(store: Store, config: Config) -> list[tuple[Observation, Observation | None]]:
    """Held values not (yet) confirmed, with their figure's current confirmed value."""
    waiting = []
    for held, latest in store.held_observations():
        try:
            tracked = config.watchlist(held.topic).figures[held.figure]
        except KeyError:
            continue
        if latest is not None and same_value(latest, held, tracked.threshold):
            continue  # confirmed since: the held value is the current one now
        waiting.append((held, latest))
    return waiting


# backtest


@dataclass(slots=True)
class Ledger:
    """An in-memory history for backtests: what the store would hold, nothing written."""

    observations: list[Observation] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)

    def history(
        self, topic: str, figure: str, *, keep: Callable[[Valued], bool] | None = None
    ) -> FigureHistory:
        """The history the store would give (`keep`: which reports to include)."""
        mine = [
            o
            for o in self.observations
            if o.topic == topic and o.figure == figure and o.time == "current"
        ]
        confirmed = [o for o in mine if o.hold is None]
        latest = max(confirmed, key=lambda o: o.published, default=None)
        marks = [a for a in self.alerts if a.topic == topic and a.figure == figure]
        last = marks[-1] if marks else None
        since = latest.published if latest else None
        return FigureHistory(
            latest=latest,
            last_alert=(AlertMark.of(last) if last else None),
            reports=tuple(
                SourceText(observation=o, text=self.texts.get(o.article_url, ""))
                for o in sorted(mine, key=lambda o: o.published)
                if (since is None or o.published >= since) and (keep is None or keep(o))
            ),
        )


def backtest(
    watchlist: Watchlist,
    articles: Sequence[Article],
    config: Config,
    *,
    trace: list[tuple[Article, list[FigureChoice]]] | None = None,
) -> list[tuple[Alert, list[str]]]:
    """The alerts `watchlist` would have sent over `articles` (oldest first); nothing stored.

    Each article is judged at its publication time, so cooldowns and digests behave as
    they would have live. With `trace`, each matching article is appended with, per
    tracked figure, the mentions weighed and why one won (`backtest --verbose`).
    """
    ledger = Ledger()
    sent: list[tuple[Alert, list[str]]] = []
    for article in articles:
        match = match_topic(article, watchlist)
        if match is None or article.url in ledger.texts:
            continue
        when = article.published or datetime.now(UTC)
        found = match_findings(article, match, watchlist, config, now=when)
        observations: list[Observation] = []
        if watchlist.figures:
            figures = extract_figures(article.text, article.language)
            if trace is not None:
                trace.append((article, choose_figures(article, match, figures, watchlist)))
            observations, changes = figure_findings(
                article,
                match,
                figures,
                watchlist,
                config=config,
                history_of=ledger.history,
                now=when,
            )
            found += changes
        ledger.texts[article.url] = article.text
        ledger.observations.extend(observations)
        for alert, channels in found:
            numbered = replace(alert, id=len(sent) + 1)
            if alert.kind in {"change", "correction"}:
                ledger.alerts.append(numbered)
            sent.append((numbered, channels))
    return sent
