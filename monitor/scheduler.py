"""The daemon (`monitor run`): one APScheduler interval job per feed, signals and systemd.

- Each feed is polled on its own interval with jitter; its first run is its stored next
  check time, so a restart does not refetch everything at once.
- A failing feed backs off (the pipeline stores its next check); the job skips it until then.
- Alerts go out right after the poll that created them; a delivery job retries the rest.
- SIGHUP reloads the configuration: new feeds are scheduled, removed ones unscheduled, changed
  intervals rescheduled; an invalid edit is logged and the last good configuration kept.
- SIGTERM/SIGINT: stop scheduling, let in-flight work finish, exit 0. Pending alerts stay pending.
- systemd: READY=1 after the configuration and database are checked, WATCHDOG=1 from the event
  loop, STOPPING=1 on the way out, RELOADING=1 around a reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import Config, FeedPlan, load_config
from monitor.errors import ConfigError
from monitor.logs import configure_logging
from monitor.pipeline import deliver_pending, http_client, run_source
from monitor.store import Store, open_store
from monitor.systemd import notify, watchdog_interval_s

log = logging.getLogger(__name__)

DELIVERY_EVERY = timedelta(seconds=30)
MISFIRE_GRACE_S = 300


class Daemon:
    """The long-running service."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.stopping = asyncio.Event()
        self.in_flight = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.client = http_client(config)
        self.started = time.monotonic()

    async def run(self) -> int:
        """Run until SIGTERM or SIGINT; return the exit code."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.stop, "SIGTERM")
        loop.add_signal_handler(signal.SIGINT, self.stop, "SIGINT")
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        await self.client.__aenter__()
        try:
            self._schedule_feeds(self.config)
            self.scheduler.add_job(
                self._deliver,
                IntervalTrigger(seconds=DELIVERY_EVERY.total_seconds()),
                id="deliver",
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(UTC),
            )
            watchdog = watchdog_interval_s()
            if watchdog:
                self.scheduler.add_job(
                    notify, IntervalTrigger(seconds=watchdog), args=["WATCHDOG=1"], id="watchdog"
                )
            self.scheduler.start()
            notify("READY=1", self._status())
            log.info(
                "daemon_ready feeds=%d watchlists=%d startup_ms=%d",
                len(self.config.feeds()),
                len(self.config.watchlists),
                (time.monotonic() - self.started) * 1000,
            )
            await self.stopping.wait()
            notify("STOPPING=1")
            self.scheduler.shutdown(wait=False)
            await self.idle.wait()
        finally:
            await self.client.__aexit__(None, None, None)
            self.store.close()
        log.info("daemon_stopped")
        return 0

    def stop(self, signal_name: str = "stop") -> None:
        """Stop scheduling new work; in-flight work finishes."""
        log.info("daemon_stopping signal=%s in_flight=%d", signal_name, self.in_flight)
        self.stopping.set()

    def reload(self) -> None:
        """Re-read the configuration directory; keep the last good one on error."""
        notify("RELOADING=1")
        try:
            config = load_config(self.config.directory)
        except ConfigError as error:
            for line in str(error).splitlines():
                log.error("config_invalid kept=last_good error=%r", line)
            notify("READY=1", f"STATUS=configuration error, running on the last good one: {error}")
            return
        configure_logging(config.settings.log.level, config.settings.log.format, config.secrets)
        self._schedule_feeds(config)
        self.config = config
        notify("READY=1", self._status())
        log.info(
            "config_reloaded feeds=%d watchlists=%d", len(config.feeds()), len(config.watchlists)
        )

    def _schedule_feeds(self, config: Config) -> None:
        wanted = {plan.url: plan for plan in config.feeds()}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("feed:") and job.id[5:] not in wanted:
                job.remove()
                log.info("feed_unscheduled source=%s", job.id[5:])
        now = datetime.now(UTC)
        jitter = config.settings.poll.jitter.total_seconds()
        for url, plan in wanted.items():
            trigger = IntervalTrigger(seconds=plan.interval.total_seconds(), jitter=jitter or None)
            job = self.scheduler.get_job(f"feed:{url}")
            if job is not None:
                job.modify(args=[plan])
                if job.trigger.interval != trigger.interval:
                    job.reschedule(trigger)
                continue
            state = self.store.feed_state(url)
            first = max(state.next_check_at or now, now)
            self.scheduler.add_job(
                self._poll,
                trigger,
                args=[plan],
                id=f"feed:{url}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=MISFIRE_GRACE_S,
                next_run_time=first,
            )
            log.info(
                "feed_scheduled source=%s interval_s=%d first=%s",
                url,
                plan.interval.total_seconds(),
                first.isoformat(),
            )

    async def _poll(self, plan: FeedPlan) -> None:
        if self.stopping.is_set():
            return
        self._begin()
        try:
            now = datetime.now(UTC)
            state = self.store.feed_state(plan.url)
            if state.next_check_at is not None and state.next_check_at > now + timedelta(seconds=1):
                return  # backing off after errors
            report = await run_source(
                plan, config=self.config, store=self.store, client=self.client, now=now
            )
            if report.alerts:
                await deliver_pending(self.config, self.store, now=datetime.now(UTC))
        except Exception:
            log.exception("poll_crashed source=%s", plan.url)
        finally:
            self._end()

    async def _deliver(self) -> None:
        if self.stopping.is_set():
            return
        self._begin()
        try:
            await deliver_pending(self.config, self.store, now=datetime.now(UTC))
        except Exception:
            log.exception("delivery_crashed")
        finally:
            self._end()

    def _begin(self) -> None:
        self.in_flight += 1
        self.idle.clear()

    def _end(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self.idle.set()

    def _status(self) -> str:
        feeds, topics = len(self.config.feeds()), len(self.config.watchlists)
        return f"STATUS=watching {feeds} feeds for {topics} topics"


def run_daemon(config_dir: Path | None) -> int:
    """Load the configuration, open the store and run the daemon until stopped."""
    config = load_config(config_dir)
    configure_logging(config.settings.log.level, config.settings.log.format, config.secrets)
    store = open_store(config.database_url())

    async def main() -> int:
        daemon = Daemon(config, store)
        return await daemon.run()

    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(main())
    return 0
