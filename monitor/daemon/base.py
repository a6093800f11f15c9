"""What the daemon's parts share: its state (`DaemonBase`) and the lease timings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.config import Config
from monitor.daemon.queue import FeedQueue
from monitor.eventstream import EventSink
from monitor.pipeline import (
    http_client,
    named_channels,
)
from monitor.status import (
    DaemonState,
    state_path,
)
from monitor.store import Store
from monitor.store.leases import instance_id
from monitor.web.server import WebServer

log = logging.getLogger(__name__)

# Several daemons on one database (README "Scaling out"): a feed is polled under a lease that
# the heartbeat renews; a killed daemon's leases lapse LEASE_TTL after its last beat.
LEASE_TTL = timedelta(seconds=6)
LEASE_BEAT_S = 2.0


class DaemonBase:
    """The daemon's state; the polling, reload and housekeeping parts add its methods."""

    def __init__(self, config: Config, store: Store, *, rng: random.Random | None = None) -> None:
        self.config = config
        self.store = store
        self.channels = named_channels(config)  # by name: computed again at each reload
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
        self.server: WebServer | None = None
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

    if TYPE_CHECKING:  # defined by the other parts, called across them

        def _schedule_feeds(self, config: Config) -> None: ...

        async def _housekeeping(self, *, fresh: bool = False) -> None: ...

        async def _deliver_now(self) -> None: ...

        def _reload_soon(self, reason: str) -> None: ...
