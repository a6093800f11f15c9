"""Housekeeping: delivery jobs, heartbeats (watchdog, leases), the state file, STATUS=, events."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.daemon.base import LEASE_BEAT_S, LEASE_TTL, DaemonBase
from monitor.errors import StoreError
from monitor.eventstream import prune_before
from monitor.pipeline import (
    deliver_pending,
)
from monitor.status import (
    DaemonState,
    Status,
    read_status,
    status_line,
    write_daemon_state,
)
from monitor.systemd import notify, watchdog_interval_s
from monitor.web.server import WebServer

log = logging.getLogger(__name__)

STATUS_SHARE = 0.02  # of the loop's time, at most, for reading the store's status
PRUNE_EVERY = timedelta(hours=1)
HEARTBEAT_S = 2.0  # the loop's own tick; WATCHDOG=1 goes out at least this often when asked


class Housekeeping(DaemonBase):
    """The periodic jobs beside the feed queue, and the observability server."""

    async def _deliver(self) -> None:
        if self.stopping.is_set():
            return
        with self._working():
            await self._deliver_now()

    async def _deliver_now(self) -> None:
        try:
            _, failures = await deliver_pending(
                self.config, self.store, now=datetime.now(UTC), channels=self.channels
            )
        except Exception:
            log.exception("delivery_crashed")
            return
        if failures:
            self.state = replace(self.state, last_error=f"{failures} alert deliveries failed")

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
        server = WebServer(
            listen,
            self._status_source,
            store=self.store,
            config_source=lambda: self.config,
            token=self.config.settings.http.token,
        )
        try:
            server.start()
        except OSError as error:
            log.error("http_listen_failed address=%s error=%r", listen, error.strerror or error)
            return
        self.server = server
