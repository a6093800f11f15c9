"""The daemon (`monitor run`): a queue of due feeds, live configuration, systemd.

- Every feed has one entry in a heap of next poll times (`FeedQueue`), walked by one task.
  A feed's first poll is its stored next check (a restart does not refetch everything at
  once; a new feed starts within 5 s). After every poll the feed moves to the next check
  the pipeline stored: adaptive to the feed's publishing rate, its hints (ttl, max-age,
  Expires, Retry-After) and its error backoff (`cadence.py`). A poll that failed for a
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
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import digest_minutes, load_config
from monitor.daemon.base import LEASE_TTL
from monitor.daemon.housekeeping import Housekeeping
from monitor.daemon.polls import FeedPolling
from monitor.daemon.reload import Reloading
from monitor.errors import StoreError
from monitor.logs import configure_logging
from monitor.status import (
    write_daemon_state,
)
from monitor.store import open_store
from monitor.systemd import notify

log = logging.getLogger(__name__)

DELIVERY_EVERY = timedelta(seconds=30)
HOUSEKEEPING_EVERY = timedelta(seconds=5)  # state file, STATUS=, event sink
STOP_GRACE_S = 20.0  # below the unit's TimeoutStopSec=30s
THREAD_JOIN_S = 2.0  # then threads still blocked (in getaddrinfo) are abandoned


class Daemon(FeedPolling, Reloading, Housekeeping):
    """The long-running service."""

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
