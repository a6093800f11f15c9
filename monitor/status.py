"""What the daemon is doing: feeds due and failing, pending alerts, tracked values, its state.

Two sources, one picture:

- the store (`read_status`): every feed's next check, errors and outage, the outbox, the
  latest current value of every tracked figure — true whether or not a daemon runs;
- the daemon's state file (`daemon.json` in the state directory, rewritten atomically every
  few seconds by `monitor run`): since when it runs, its configuration state (the last
  error with file:line:column), its last successful poll and the time of its last heartbeat.

`monitor status`, systemd's STATUS= line, `/healthz` and `/metrics` all read these.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from monitor.config import Config
from monitor.records import PoisonedEntry
from monitor.store import Store

STATE_FILE = "daemon.json"
RELOAD_REJECTED = "CONFIG ERROR: reload rejected, running on the last good configuration"
FAR_FUTURE = timedelta(days=365_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedOverview:
    """One configured feed as the store knows it."""

    url: str
    topics: tuple[str, ...]
    next_check_at: datetime | None
    last_polled_at: datetime | None
    error_count: int
    last_error: str | None
    retired: bool
    failing_since: datetime | None
    location: str | None  # where it moved to for good (301/308)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedValue:
    """The latest current value of one tracked figure."""

    topic: str
    figure: str
    label: str
    value: Decimal
    published: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Status:
    """The store's side of the picture, at `at`."""

    at: datetime
    feeds: tuple[FeedOverview, ...]
    pending_alerts: int
    figures: tuple[TrackedValue, ...]
    poisoned: tuple[PoisonedEntry, ...] = ()  # entries that failed, latest first

    @property
    def due(self) -> tuple[FeedOverview, ...]:
        return tuple(
            f
            for f in self.feeds
            if not f.retired and (f.next_check_at is None or f.next_check_at <= self.at)
        )

    @property
    def failing(self) -> tuple[FeedOverview, ...]:
        return tuple(f for f in self.feeds if f.error_count > 0 and not f.retired)

    @property
    def retired(self) -> tuple[FeedOverview, ...]:
        return tuple(f for f in self.feeds if f.retired)


def read_status(config: Config, store: Store, now: datetime) -> Status:
    """Read every configured feed's state, the outbox and the tracked values."""
    states = {state.url: state for state in store.feed_states()}
    outages = {status.url: status for status in store.feed_statuses()}
    feeds = []
    for plan in config.feeds():
        state = states.get(plan.url)
        outage = outages.get(plan.url)
        feeds.append(
            FeedOverview(
                url=plan.url,
                topics=plan.topics,
                next_check_at=state.next_check_at if state else None,
                last_polled_at=state.last_polled_at if state else None,
                error_count=state.error_count if state else 0,
                last_error=state.last_error if state else None,
                retired=state.retired if state else False,
                failing_since=outage.failing_since if outage else None,
                location=outage.location if outage else None,
            )
        )
    figures = []
    for watchlist in config.watchlists:
        for figure in watchlist.figures:
            latest = store.latest_current(watchlist.name, figure)
            if latest is not None:
                figures.append(
                    TrackedValue(
                        topic=watchlist.name,
                        figure=figure,
                        label=watchlist.label_of(figure),
                        value=latest.value,
                        published=latest.published,
                    )
                )
    pending = len(store.outbox(now + FAR_FUTURE, retries_due_only=True))
    return Status(
        at=now,
        feeds=tuple(feeds),
        pending_alerts=pending,
        figures=tuple(figures),
        poisoned=tuple(store.poisoned_entries()),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonState:
    """What a running daemon says about itself (its state file)."""

    pid: int
    started_at: datetime
    updated_at: datetime  # the heartbeat: rewritten from the event loop while it is healthy
    config_ok: bool = True
    config_error: str | None = None
    config_loaded_at: datetime | None = None
    last_success_at: datetime | None = None  # the last poll that worked
    last_error: str | None = None  # the last feed or delivery error
    http_listen: str | None = None
    stopping: bool = False


def state_path(config: Config) -> Path:
    """Where the daemon keeps its state file: the state directory, else beside an SQLite file."""
    if config.settings.state_directory or os.environ.get("STATE_DIRECTORY"):
        return config.state_directory() / STATE_FILE
    url = config.database_url()
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url.removeprefix("sqlite:///").split("?")[0]).parent / STATE_FILE
    return config.state_directory() / STATE_FILE


def write_daemon_state(path: Path, state: DaemonState) -> None:
    """Replace the state file atomically (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(_jsonable(asdict(state)), indent=1))
    temporary.replace(path)


def read_daemon_state(path: Path) -> DaemonState | None:
    """The state a daemon last wrote, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    try:
        for key in ("started_at", "updated_at", "config_loaded_at", "last_success_at"):
            if data.get(key):
                data[key] = datetime.fromisoformat(data[key])
        return DaemonState(**data)
    except (TypeError, ValueError):
        return None


def status_line(status: Status | None, daemon: DaemonState | None = None) -> str:
    """One line for systemd's STATUS=: feeds, due, failing, pending alerts, last error.

    After a rejected reload it starts with RELOAD_REJECTED and the first problem.
    """
    parts = []
    if status is not None:
        parts = [
            f"{len(status.feeds)} feeds",
            f"{len(status.due)} due",
            f"{len(status.failing)} failing",
            f"{status.pending_alerts} alerts pending",
        ]
        if status.poisoned:
            parts.append(f"{len(status.poisoned)} entries poisoned")
    if daemon is not None and not daemon.config_ok:
        parts.insert(0, f"{RELOAD_REJECTED}: {daemon.config_error}")
    elif daemon is not None and daemon.last_error:
        parts.append(f"last error: {daemon.last_error}")
    return "; ".join(parts).replace("\n", " | ")[:400]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value
