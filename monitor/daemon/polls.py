"""Polling: the configured feeds put in the feed queue, each polled when due by one task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from monitor.config import Config, FeedPlan
from monitor.daemon.base import LEASE_TTL, DaemonBase
from monitor.pipeline import (
    poll_policy,
    reschedule_source,
    run_source,
    transient_backoff,
)
from monitor.records import FeedState

log = logging.getLogger(__name__)

NEW_FEED_SPREAD_S = 5.0
POLLS_PER_FETCH_SLOT = 2  # polls at once per `poll.concurrency`: fetch slots stay busy
MAX_DISPATCH_SLEEP_S = 60.0  # the feed queue looks again at least this often (clock jumps)
BULK_STATE_READ = 100  # more new feeds than this: read every stored state at once
MAX_PASSED_OVER = 256  # due feeds of busy hosts looked at per dispatch, then it waits
LEASED_RETRY = timedelta(seconds=1)  # another instance is polling the feed: look again then


class FeedPolling(DaemonBase):
    """Schedule the configured feeds and poll each when due, within the limits."""

    def _schedule_feeds(self, config: Config) -> None:
        wanted = {plan.url: plan for plan in config.feeds()}
        # A feed being polled right now is out of the queue: its poll ends and is not put back.
        for url in sorted({*self.queue.urls(), *self._polls}):
            if url not in wanted:
                self.queue.remove(url)
                log.info("feed_unscheduled source=%s", url)
        now = datetime.now(UTC)
        new = []
        for url, plan in wanted.items():
            if url in self.queue or url in self._polls:
                self._update_plan(plan, config, now)
            else:
                new.append(plan)
        states = self._stored_states([plan.url for plan in new])
        spread = min(config.settings.poll.jitter.total_seconds(), NEW_FEED_SPREAD_S)
        for plan in new:
            state = states.get(plan.url)
            if state is not None and state.next_check_at is not None:
                first = max(state.next_check_at, now)
            else:
                # Never polled: start soon, spread a little (the HTTP client limits each host).
                first = now + timedelta(seconds=self.rng.uniform(0, spread))
            self.queue.put(plan.url, first)
            log.info(
                "feed_scheduled source=%s interval_s=%d first=%s",
                plan.url,
                plan.interval.total_seconds(),
                first.isoformat(),
            )
        self._queue_changed.set()

    def _stored_states(self, urls: list[str]) -> dict[str, FeedState]:
        if len(urls) > BULK_STATE_READ:
            wanted = set(urls)
            return {s.url: s for s in self.store.feed_states() if s.url in wanted}
        return {url: self.store.feed_state(url) for url in urls}

    def _update_plan(self, plan: FeedPlan, config: Config, now: datetime) -> None:
        old_plan = self.config.feed_plan(plan.url)
        changed = old_plan is None or poll_policy(self.config, old_plan) != poll_policy(
            config, plan
        )
        if changed and plan.url in self.queue:
            # A new interval (or adaptive bounds) takes effect now, shorter or longer: the
            # next check is recomputed from the last poll, in the queue and in the store.
            then = reschedule_source(plan, config=config, store=self.store, now=now)
            if then is not None:
                self.queue.put(plan.url, then)
        if old_plan is None or old_plan != plan:
            log.info(
                "feed_rescheduled source=%s interval_s=%d topics=%d",
                plan.url,
                plan.interval.total_seconds(),
                len(plan.topics),
            )

    @staticmethod
    def _ceiling(config: Config, plan: FeedPlan) -> timedelta:
        return max(plan.interval, config.settings.poll.max_interval)

    async def _dispatch_feeds(self) -> None:
        """Start due feeds' polls, earliest first, within the limits; sleep until the next."""
        while not self.stopping.is_set():
            self._queue_changed.clear()
            now = time.time()
            self._start_due(now)
            timeout = MAX_DISPATCH_SLEEP_S
            due = self.queue.next_at()
            if due is not None and due > now:
                timeout = min(due - now, MAX_DISPATCH_SLEEP_S)
            # Else due feeds wait for a free slot: a poll's end sets the event.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._queue_changed.wait()

    def _start_due(self, now: float) -> None:
        poll = self.config.settings.poll
        limit = max(1, POLLS_PER_FETCH_SLOT * poll.concurrency)
        per_host = max(1, POLLS_PER_FETCH_SLOT * poll.per_host)
        passed_over: list[tuple[float, str]] = []
        while len(self._polls) < limit and len(passed_over) < MAX_PASSED_OVER:
            popped = self.queue.pop_due(now)
            if popped is None:
                break
            url = popped[1]
            host = _host(url)
            if url in self._polls or self._host_polls[host] >= per_host:
                passed_over.append(popped)  # polled again when its poll or a host slot ends
                continue
            self._host_polls[host] += 1
            self._polls[url] = asyncio.create_task(self._poll(url))
        for at, url in passed_over:
            self.queue.put_back(url, at)

    async def _poll(self, url: str) -> None:
        """Poll one feed, then put it back in the queue at its next check."""
        then: datetime | None = None
        try:
            plan = self.config.feed_plan(url)
            if plan is None or self.stopping.is_set():
                return
            try:
                then = await self._poll_once(plan)
            except Exception:  # the store failed (claim, read): a transient fault
                log.exception("poll_crashed source=%s", url)
                then = self._retry_soon(plan)
        finally:
            self._polls.pop(url, None)
            host = _host(url)
            self._host_polls[host] -= 1
            if self._host_polls[host] <= 0:
                del self._host_polls[host]
            # Back in the queue unless retired, stopping, or removed by a reload meanwhile.
            if then is not None and not self.stopping.is_set() and self.config.feed_plan(url):
                self.queue.put(url, then)
            self._queue_changed.set()

    async def _poll_once(self, plan: FeedPlan) -> datetime | None:
        """Claim and poll the feed; when it is due next, None when it is retired."""
        with self._working():
            now = datetime.now(UTC)
            if not self.store.claim_feed(plan.url, self.instance, now, LEASE_TTL):
                log.debug("feed_leased_elsewhere source=%s", plan.url)
                return now + LEASED_RETRY
            try:
                # Read after claiming: another instance may have polled it a moment ago.
                state = self.store.feed_state(plan.url)
                due = state.next_check_at is None or state.next_check_at <= now + timedelta(
                    seconds=1
                )
                report = None
                if due:
                    report = await run_source(
                        plan,
                        config=self.config,
                        store=self.store,
                        client=self.client,
                        now=now,
                        state=state,
                        channels=self.channels,
                    )
            finally:
                self.store.release_feed(plan.url, self.instance)
            if report is not None and report.transient:
                return self._retry_soon(plan)
            self._faults.pop(plan.url, None)
            if report is not None:
                if report.status in ("ok", "not_modified"):
                    self.state = replace(self.state, last_success_at=datetime.now(UTC))
                elif report.error:
                    self.state = replace(self.state, last_error=report.error)
                if report.alerts:
                    await self._deliver_now()
            return self._stored_next_check(plan, now)

    def _retry_soon(self, plan: FeedPlan) -> datetime:
        """After a transient fault (store, DNS, worker start): seconds, doubling per fault;
        only a feed that keeps failing reaches the ceiling."""
        self._faults[plan.url] += 1
        delay = transient_backoff(self.config, plan, self._faults[plan.url])
        log.info(
            "poll_retry source=%s faults=%d in_s=%.0f",
            plan.url,
            self._faults[plan.url],
            delay.total_seconds(),
        )
        return datetime.now(UTC) + delay

    def _stored_next_check(self, plan: FeedPlan, now: datetime) -> datetime | None:
        """The next check the pipeline stored (None: the feed is retired)."""
        state = self.store.feed_state(plan.url)
        if state.retired:
            log.info("feed_unscheduled source=%s reason=retired", plan.url)
            return None
        if state.next_check_at is None:  # nothing stored: the ceiling, as a safety net
            return now + self._ceiling(self.config, plan)
        return max(state.next_check_at, datetime.now(UTC))


def _host(url: str) -> str:
    return urlsplit(url).netloc.rpartition("@")[2].lower()
