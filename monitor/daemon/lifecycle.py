"""The daemon (`monitor run`): a queue of due feeds, live configuration, systemd.

- Every feed has one entry in a heap of next poll times (`FeedQueue`), walked by one task.
  A feed's first poll is its stored next check (a restart does not refetch everything at
  once; a new feed starts within 5 s). After every poll the feed moves to the next check
  the pipeline stored: adaptive to the feed's publishing rate, its hints (ttl, max-age,
  Expires, Retry-After) and its error backoff (`schedule.py`). A poll that failed for a
  transient fault (the store locked or full, DNS, a worker that did not start) is due again
  in seconds, doubling while the fault lasts (the interval ceiling is reached only by a feed
  that keeps failing). A feed is never polled twice at once.
- At most POLLS_PER_FETCH_SLOT × `poll.concurrency` polls run at once (and that many times
  `poll.per_host` for one host, so a host with many feeds cannot hold every slot while its
  own limit lets only a few fetch); the rest stay due in the heap. Ten thousand feeds due
  together (a first start) thus hold a few MB of fetched documents, not one per feed
  waiting for a parser (measured: 240 MB at 10,000 feeds).
- Alerts go out right after the poll that created them; a delivery job retries the rest.
- The configuration is reloaded on SIGHUP and when a file in the configuration directory
  changes (watchfiles): new feeds are scheduled, removed ones unscheduled, changed ones
  updated in place. An invalid edit is logged with file:line:column, shown in STATUS= and
  `/healthz`, and the last good configuration kept until the file is fixed.
- SIGTERM/SIGINT: STOPPING=1, no new work, in-flight work gets STOP_GRACE_S to finish (then
  it is cancelled; an alert not yet marked sent stays pending), exit 0.
- systemd: READY=1 once the configuration and database are checked; WATCHDOG=1 from the
  event loop while it runs (a stalled loop stops the pings); STATUS= with feeds, due,
  failing, pending alerts and the last error; RELOADING=1 … READY=1 around a reload.
- Every few seconds the loop writes its state file (`monitor status`) and flushes the
  event stream's webhook sink; `/metrics` and `/healthz` are served when `http.listen` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from watchfiles import Change, awatch

from monitor.config import Config, ConfigUnsettled, FeedPlan, digest_minutes, load_config
from monitor.errors import ConfigError, StoreError
from monitor.events import EventSink, prune_before
from monitor.logs import configure_logging, redact
from monitor.observe import ObservabilityServer
from monitor.pipeline import (
    deliver_pending,
    fetch_policy,
    http_client,
    poll_policy,
    reschedule_source,
    run_source,
    transient_backoff,
)
from monitor.records import FeedState
from monitor.status import (
    RELOAD_REJECTED,
    DaemonState,
    Status,
    read_status,
    state_path,
    status_line,
    write_daemon_state,
)
from monitor.store import Store, open_store
from monitor.store.leases import instance_id
from monitor.systemd import notify, watchdog_interval_s

log = logging.getLogger(__name__)

DELIVERY_EVERY = timedelta(seconds=30)
HOUSEKEEPING_EVERY = timedelta(seconds=5)  # state file, STATUS=, event sink
STATUS_SHARE = 0.02  # of the loop's time, at most, for reading the store's status
PRUNE_EVERY = timedelta(hours=1)
HEARTBEAT_S = 2.0  # the loop's own tick; WATCHDOG=1 goes out at least this often when asked
NEW_FEED_SPREAD_S = 5.0
POLLS_PER_FETCH_SLOT = 2  # polls at once per `poll.concurrency`: fetch slots stay busy
MAX_DISPATCH_SLEEP_S = 60.0  # the feed queue looks again at least this often (clock jumps)
BULK_STATE_READ = 100  # more new feeds than this: read every stored state at once
MAX_PASSED_OVER = 256  # due feeds of busy hosts looked at per dispatch, then it waits
CONFIG_SETTLE_S = 1.0  # a file must be this long unchanged before a reload applies it
STOP_GRACE_S = 20.0  # below the unit's TimeoutStopSec=30s
THREAD_JOIN_S = 2.0  # then threads still blocked (in getaddrinfo) are abandoned
WATCH_DEBOUNCE_MS = 400  # editors write a file in several steps
# Several daemons on one database (README "Scaling out"): a feed is polled under a lease that
# the heartbeat renews; a killed daemon's leases lapse LEASE_TTL after its last beat.
LEASE_TTL = timedelta(seconds=6)
LEASE_BEAT_S = 2.0
LEASED_RETRY = timedelta(seconds=1)  # another instance is polling the feed: look again then
CONFIG_SUFFIXES = (".yaml", ".yml")


class FeedQueue:
    """When each scheduled feed is due: a heap of (time, URL), stale entries dropped lazily.

    About 200 bytes per feed; `put` on a scheduled feed moves it.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, str]] = []
        self._at: dict[str, float] = {}  # the live entry of each feed (epoch seconds)

    def __len__(self) -> int:
        return len(self._at)

    def __contains__(self, url: object) -> bool:
        return url in self._at

    def urls(self) -> list[str]:
        return list(self._at)

    def due_at(self, url: str) -> datetime | None:
        at = self._at.get(url)
        return None if at is None else datetime.fromtimestamp(at, UTC)

    def put(self, url: str, when: datetime) -> None:
        """Schedule `url` at `when` (moving it when it is scheduled already)."""
        at = when.timestamp()
        if self._at.get(url) == at:
            return
        self._at[url] = at
        heapq.heappush(self._heap, (at, url))
        if len(self._heap) > 2 * len(self._at) + 64:  # too many stale entries: rebuild
            self._heap = [(at, url) for url, at in self._at.items()]
            heapq.heapify(self._heap)

    def remove(self, url: str) -> bool:
        """Unschedule `url`; False when it was not scheduled."""
        return self._at.pop(url, None) is not None

    def next_at(self) -> float | None:
        """When the earliest feed is due (epoch seconds), None when the queue is empty."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> tuple[float, str] | None:
        """The earliest feed due at `now` and its time, unscheduled; None when none is due."""
        self._drop_stale()
        if not self._heap or self._heap[0][0] > now:
            return None
        at, url = heapq.heappop(self._heap)
        del self._at[url]
        return at, url

    def put_back(self, url: str, at: float) -> None:
        """Schedule `url` again at the time `pop_due` gave it (it keeps its place)."""
        self._at[url] = at
        heapq.heappush(self._heap, (at, url))

    def _drop_stale(self) -> None:
        heap, live = self._heap, self._at
        while heap and live.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)


class Daemon:
    """The long-running service."""

    def __init__(self, config: Config, store: Store, *, rng: random.Random | None = None) -> None:
        self.config = config
        self.store = store
        self.rng = rng or random.Random()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.stopping = asyncio.Event()
        self.in_flight: set[asyncio.Task[object]] = set()
        self.idle = asyncio.Event()
        self.idle.set()
        self.client = http_client(config)
        self.started = time.monotonic()
        now = datetime.now(UTC)
        self.state = DaemonState(
            pid=os.getpid(),
            started_at=now,
            updated_at=now,
            config_loaded_at=now,
            http_listen=config.settings.http.listen,
        )
        self.state_file = state_path(config)
        self.instance = instance_id()
        self.server: ObservabilityServer | None = None
        self.sink = (
            EventSink(config.settings.events.webhook, store)
            if config.settings.events.webhook
            else None
        )
        self._reload_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[object]] = []
        self._last_status = ""
        self._status_read_at = 0.0  # monotonic: when housekeeping reads the status again
        self._pruned_at: datetime | None = None
        self.queue = FeedQueue()
        self._polls: dict[str, asyncio.Task[None]] = {}  # the feeds being polled now
        self._host_polls: Counter[str] = Counter()  # the same, by host
        self._faults: Counter[str] = Counter()  # transient faults in a row, by feed
        self._queue_changed = asyncio.Event()

    async def run(self) -> int:
        """Run until SIGTERM or SIGINT; return the exit code."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.stop, "SIGTERM")
        loop.add_signal_handler(signal.SIGINT, self.stop, "SIGINT")
        loop.add_signal_handler(signal.SIGHUP, self._reload_soon, "SIGHUP")
        await self.client.__aenter__()
        try:
            self._start_server()
            self.store.beat(self.instance, datetime.now(UTC), LEASE_TTL)
            self._schedule_feeds(self.config)
            self.scheduler.add_job(
                self._deliver,
                IntervalTrigger(seconds=DELIVERY_EVERY.total_seconds()),
                id="deliver",
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(UTC),
            )
            self.scheduler.add_job(  # digests on their minute; the delivery job is the safety net
                self._deliver,
                CronTrigger(minute=digest_minutes(self.config), timezone=UTC),
                id="digest",
                max_instances=1,
                coalesce=True,
            )
            self.scheduler.add_job(
                self._housekeeping,
                IntervalTrigger(seconds=HOUSEKEEPING_EVERY.total_seconds()),
                id="housekeeping",
                max_instances=1,
                coalesce=True,
            )
            self.scheduler.start()
            self._tasks = [
                asyncio.create_task(self._dispatch_feeds(), name="feeds"),
                asyncio.create_task(self._heartbeat(), name="heartbeat"),
                asyncio.create_task(self._beat_leases(), name="leases"),
                asyncio.create_task(self._watch_config(), name="watch-config"),
            ]
            await self._housekeeping()
            notify("READY=1", f"STATUS={self._last_status}")
            log.info(
                "daemon_ready feeds=%d watchlists=%d startup_ms=%d",
                len(self.config.feeds()),
                len(self.config.watchlists),
                (time.monotonic() - self.started) * 1000,
            )
            await self.stopping.wait()
            notify("STOPPING=1", "STATUS=stopping: finishing in-flight work")
            # Pause, not shut down, first: APScheduler's shutdown cancels running jobs.
            self.scheduler.pause()
            await self._finish_in_flight()
            self.scheduler.shutdown(wait=False)
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self.server is not None:
                self.server.stop()
            with contextlib.suppress(StoreError):
                self.store.leave(self.instance)
            with contextlib.suppress(OSError):
                self.state = replace(self.state, stopping=True, updated_at=datetime.now(UTC))
                write_daemon_state(self.state_file, self.state)
            await self.client.__aexit__(None, None, None)
            self.store.close()
        log.info("daemon_stopped")
        return 0

    def stop(self, signal_name: str = "stop") -> None:
        """Stop scheduling new work; in-flight work finishes."""
        log.info("daemon_stopping signal=%s in_flight=%d", signal_name, len(self.in_flight))
        self.stopping.set()
        self._queue_changed.set()

    async def _finish_in_flight(self) -> None:
        try:
            await asyncio.wait_for(self.idle.wait(), timeout=STOP_GRACE_S)
        except TimeoutError:
            log.warning("daemon_stop_timeout cancelled=%d", len(self.in_flight))
            for task in list(self.in_flight):
                task.cancel()
            await asyncio.gather(*self.in_flight, return_exceptions=True)

    # configuration

    def _reload_soon(self, reason: str) -> None:
        if not self.stopping.is_set():
            self._tasks.append(asyncio.create_task(self.reload(reason)))

    async def reload(self, reason: str = "SIGHUP") -> bool:
        """Re-read the configuration directory; keep the last good one on error."""
        async with self._reload_lock:
            notify("RELOADING=1", f"MONOTONIC_USEC={time.monotonic_ns() // 1000}")
            now = datetime.now(UTC)
            try:
                config = load_config(self.config.directory, settle_s=CONFIG_SETTLE_S)
            except ConfigUnsettled as error:
                # An editor is still writing: apply the file once it has stopped changing.
                log.info(
                    "config_unsettled reason=%s retry_in_s=%.1f detail=%r",
                    reason,
                    error.retry_in_s,
                    str(error),
                )
                loop = asyncio.get_running_loop()
                loop.call_later(error.retry_in_s + 0.1, self._reload_soon, reason)
                notify("READY=1", f"STATUS={self._last_status}")
                return False
            except ConfigError as error:
                message = redact(str(error))
                for line in message.splitlines():
                    log.error("config_invalid reason=%s kept=last_good error=%r", reason, line)
                await self._reject_reload(message)
                return False
            except Exception as error:  # a bug in reading it: still no reason to stop
                log.exception("config_reload_failed reason=%s kept=last_good", reason)
                await self._reject_reload(f"{type(error).__name__}: {redact(str(error))}")
                return False
            old = self.config
            configure_logging(config.settings.log.level, config.settings.log.format, config.secrets)
            kept = {watchlist.name for watchlist in config.watchlists}
            for watchlist in old.watchlists:
                if watchlist.name not in kept:
                    log.warning("watchlist_removed topic=%r", watchlist.name)
            if fetch_policy(config) != fetch_policy(old):
                await self._replace_client(config)
            self._schedule_feeds(config)
            self.config = config
            self._apply_settings(old, config)
            self.state = replace(
                self.state, config_ok=True, config_error=None, config_loaded_at=now
            )
            await self._housekeeping(fresh=True)
            notify("READY=1", f"STATUS={self._last_status}")
            log.info(
                "config_reloaded reason=%s feeds=%d watchlists=%d",
                reason,
                len(config.feeds()),
                len(config.watchlists),
            )
            return True

    async def _reject_reload(self, message: str) -> None:
        """Keep the last good configuration; say why in the state file and in READY=1's STATUS=."""
        self.state = replace(self.state, config_ok=False, config_error=message)
        await self._housekeeping(fresh=True)
        if not self._last_status.startswith(RELOAD_REJECTED):  # the store could not be read
            self._last_status = status_line(None, self.state)
        notify("READY=1", f"STATUS={self._last_status}")

    def _apply_settings(self, old: Config, new: Config) -> None:
        if new.database_url() != old.database_url():
            log.warning("config_needs_restart setting=database")
        if new.settings.http.listen != old.settings.http.listen:
            log.warning("config_needs_restart setting=http.listen")
        webhook = new.settings.events.webhook
        self.sink = EventSink(webhook, self.store) if webhook else None

    async def _replace_client(self, config: Config) -> None:
        client = http_client(config)
        await client.__aenter__()
        old, self.client = self.client, client

        async def close_when_idle() -> None:
            await self.idle.wait()
            await old.__aexit__(None, None, None)

        self._tasks.append(asyncio.create_task(close_when_idle()))

    async def _watch_config(self) -> None:
        """Reload on every change of settings.yaml or watchlists/*.yaml.

        Only the directory and watchlists/ are watched, each on its own (not recursively):
        a folder the service may not read, such as the root-only credentials/ the README
        recommends, would otherwise stop the watcher. A watchlists/ created later re-arms it.
        """
        directory = self.config.directory
        stop = asyncio.Event()
        self._tasks.append(asyncio.create_task(self._set_when_stopping(stop)))
        watchlists = directory / "watchlists"

        def wanted(change: Change, path: str) -> bool:
            return _config_file_changed(change, path) or Path(path) == watchlists

        while not self.stopping.is_set():
            paths = [directory, watchlists] if watchlists.is_dir() else [directory]
            try:
                async for changes in awatch(
                    *paths,
                    stop_event=stop,
                    debounce=WATCH_DEBOUNCE_MS,
                    watch_filter=wanted,
                    recursive=False,
                ):
                    files = sorted({Path(path).name for _, path in changes})
                    log.info("config_changed files=%s", ",".join(files))
                    await self.reload("file_changed")
                    if len(paths) == 1 and watchlists.is_dir():
                        break  # watch the new watchlists/ too
                else:
                    return  # stopping
            except (OSError, RuntimeError) as error:
                log.warning(
                    "config_watch_unavailable directory=%s error=%r hint=reload_with_SIGHUP",
                    directory,
                    str(error),
                )
                return

    async def _set_when_stopping(self, event: asyncio.Event) -> None:
        await self.stopping.wait()
        event.set()

    # scheduling

    def _schedule_feeds(self, config: Config) -> None:
        wanted = {plan.url: plan for plan in config.feeds()}
        for url in self.queue.urls():
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

    async def _deliver(self) -> None:
        if self.stopping.is_set():
            return
        with self._working():
            await self._deliver_now()

    async def _deliver_now(self) -> None:
        try:
            _, failures = await deliver_pending(self.config, self.store, now=datetime.now(UTC))
        except Exception:
            log.exception("delivery_crashed")
            return
        if failures:
            self.state = replace(self.state, last_error=f"{failures} alert deliveries failed")

    @contextlib.contextmanager
    def _working(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
        self.idle.clear()
        try:
            yield
        finally:
            if task is not None:
                self.in_flight.discard(task)
            if not self.in_flight:
                self.idle.set()

    # status, heartbeat, observability

    async def _heartbeat(self) -> None:
        watchdog = watchdog_interval_s()
        tick = min(HEARTBEAT_S, watchdog) if watchdog else HEARTBEAT_S
        while not self.stopping.is_set():
            self.state = replace(self.state, updated_at=datetime.now(UTC))
            if watchdog:
                notify("WATCHDOG=1")
            await asyncio.sleep(tick)

    async def _beat_leases(self) -> None:
        """Tell the other instances this one lives: renew its feed leases."""
        while not self.stopping.is_set():
            await asyncio.sleep(LEASE_BEAT_S)
            try:
                self.store.beat(self.instance, datetime.now(UTC), LEASE_TTL)
            except StoreError as error:
                log.warning("heartbeat_failed instance=%s error=%r", self.instance, str(error))

    async def _housekeeping(self, *, fresh: bool = False) -> None:
        now = datetime.now(UTC)
        self.state = replace(self.state, updated_at=now)
        if fresh or time.monotonic() >= self._status_read_at:
            started = time.monotonic()
            try:
                status = read_status(self.config, self.store, now)
            except Exception:
                log.exception("status_failed")
                return
            line = status_line(status, self.state)
            del status  # a record per feed: not kept between reads
            # The read grows with the feeds (0.4 s of CPU and 20 MB for a moment at 10,000):
            # it may take STATUS_SHARE of the loop's time, every 5 s with a few hundred.
            cost = time.monotonic() - started
            self._status_read_at = started + cost / STATUS_SHARE
            if line != self._last_status:
                self._last_status = line
                notify(f"STATUS={line}")
        try:
            write_daemon_state(self.state_file, self.state)
        except OSError as error:
            log.warning("state_file_failed path=%s error=%r", self.state_file, error.strerror)
        if self.sink is not None and not self.stopping.is_set():
            try:
                await self.sink.flush(now)
            except Exception:
                log.exception("event_sink_crashed")
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            pruned = self.store.prune_events(prune_before(self.config.settings.events.keep, now))
            if pruned:
                log.info("events_pruned events=%d", pruned)

    def _status_source(self) -> tuple[Status | None, DaemonState | None]:
        # Called from the HTTP server's thread: reads only, from attributes swapped whole.
        config, state = self.config, self.state
        return read_status(config, self.store, datetime.now(UTC)), state

    def _start_server(self) -> None:
        listen = self.config.settings.http.listen
        if not listen:
            return
        server = ObservabilityServer(listen, self._status_source)
        try:
            server.start()
        except OSError as error:
            log.error("http_listen_failed address=%s error=%r", listen, error.strerror or error)
            return
        self.server = server


def _host(url: str) -> str:
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def _config_file_changed(change: Change, path: str) -> bool:
    name = Path(path).name
    return name.endswith(CONFIG_SUFFIXES) and not name.startswith(".")


def run_daemon(config_dir: Path | None) -> int:
    """Load the configuration, open the store and run the daemon until stopped."""
    config = load_config(config_dir)
    configure_logging(config.settings.log.level, config.settings.log.format, config.secrets)
    store = open_store(config.database_url())

    async def main() -> int:
        daemon = Daemon(config, store)
        return await daemon.run()

    loop = asyncio.new_event_loop()
    code = 0
    try:
        code = loop.run_until_complete(main())
    except KeyboardInterrupt:
        pass
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()  # unlike asyncio.run, does not wait for the executor's threads
    _exit_past_stuck_threads(code)
    return code


def _exit_past_stuck_threads(code: int) -> None:
    """Exit now if a worker thread is stuck (a DNS lookup waits out its own timeouts).

    Python joins such threads at exit, which would hold the stop past TimeoutStopSec.
    Everything the daemon owns is closed and committed by now.
    """
    deadline = time.monotonic() + THREAD_JOIN_S
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threading.enumerate() if t.is_alive() and not t.daemon]
    if len(stuck) > 1:  # the main thread is always there
        log.warning("daemon_exit_abandoning_threads threads=%d", len(stuck) - 1)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
