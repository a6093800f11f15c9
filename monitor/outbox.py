"""The outbox: send what is due to each channel and mark it, per channel.

    deliver_outbox(config, store, now, channels):
        single alerts one by one; due digests as one message per channel; mark each;
        after `delivery.max_attempts` failures: failed, plus one "channel X failing since"
        notice to the other channels

A message is marked sent only after the channel accepted it: a crash between the two sends
that one message again on the next start, and nothing else twice. Each delivery is claimed
first, so two daemons on one database never send it both.

`check_channels` (`monitor check`) and `send_test_alert` (`monitor notify-test`) try the
channels and templates themselves, outside the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import random
import weakref
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from monitor.alert import build_channel_notice, build_digest, build_test_alert, check_template
from monitor.config import Channel, Config, iter_channels
from monitor.deliver import channel_name, check_channel_url, deliver_alert, named_channels
from monitor.errors import DeliveryError
from monitor.eventstream import record_delivery
from monitor.logs import redact
from monitor.records import Alert, Delivery
from monitor.store import Store
from monitor.store.leases import instance_id

log = logging.getLogger(__name__)

CLAIM_MARGIN = timedelta(seconds=30)  # a claim outlives the send's own timeout by this much


async def deliver_outbox(
    config: Config,
    store: Store,
    *,
    now: datetime,
    due_only: bool = True,
    channels: Mapping[str, Channel] | None = None,
) -> tuple[int, int]:
    """Send what is due (retries only when due, if `due_only`; digests always only when due).

    `channels`: `named_channels(config)`, when the caller keeps it per configuration.
    Returns (messages delivered, failed attempts).
    """
    loop = asyncio.get_running_loop()
    lock = _outbox_locks.setdefault(loop, asyncio.Lock())
    # One pass at a time per process: the daemon's poll, delivery and digest jobs may all
    # call this, and two passes reading the same pending row would both send it.
    async with lock:
        courier = _Courier(config, store, now, channels or named_channels(config))
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

    def __init__(
        self, config: Config, store: Store, now: datetime, channels: Mapping[str, Channel]
    ) -> None:
        self.config = config
        self.store = store
        self.now = now
        self.channels = channels
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


# the channels themselves: `monitor check` and `monitor notify-test`


def check_channels(config: Config) -> list[str]:
    """A message for every channel URL apprise cannot use and every broken alert template."""
    problems = []
    for index, channel in enumerate(config.settings.channels):
        problem = check_channel_url(channel.url)
        if problem:
            name = channel_name(channel.url, channel.name)
            where = f"{config.directory / 'settings.yaml'}: channels[{index}] ({name})"
            problems.append(f"{where}: {redact(problem)}")
    for watchlist in config.watchlists:  # and every alert template Jinja2 cannot parse
        if watchlist.template is not None:
            for problem in check_template(watchlist.template):
                problems.append(f"watchlist {watchlist.name!r}: {problem}")
    return problems


async def send_test_alert(config: Config, tag: str | None) -> list[tuple[str, str | None]]:
    """Send a test alert to every channel (with `tag`); (channel, error or None) for each."""
    now = datetime.now(UTC)
    tags = (tag,) if tag else ()
    alert = build_test_alert(tags=tags, now=now)
    results: list[tuple[str, str | None]] = []
    for channel in iter_channels(config, tags):
        name = channel_name(channel.url, channel.name)
        try:
            await deliver_alert(
                alert,
                channel.url,
                channel=name,
                timeout_s=config.settings.delivery.timeout.total_seconds(),
            )
            results.append((name, None))
        except DeliveryError as error:
            results.append((name, redact(error.reason)))
    return results
