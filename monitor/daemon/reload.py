"""Live configuration: SIGHUP and file changes reload it; an invalid edit keeps the last good."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from watchfiles import Change, awatch

from monitor.config import Config, ConfigUnsettled, load_config
from monitor.daemon.base import DaemonBase
from monitor.errors import ConfigError
from monitor.eventstream import EventSink
from monitor.logs import configure_logging, redact
from monitor.pipeline import (
    fetch_policy,
    http_client,
    named_channels,
)
from monitor.status import (
    RELOAD_REJECTED,
    status_line,
)
from monitor.systemd import notify

log = logging.getLogger(__name__)

CONFIG_SETTLE_S = 1.0  # a file must be this long unchanged before a reload applies it
WATCH_DEBOUNCE_MS = 400  # editors write a file in several steps
CONFIG_SUFFIXES = (".yaml", ".yml")


class Reloading(DaemonBase):
    """Reload the configuration directory on SIGHUP and on every change of its files."""

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
            self.channels = named_channels(config)
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


def _config_file_changed(change: Change, path: str) -> bool:
    name = Path(path).name
    return name.endswith(CONFIG_SUFFIXES) and not name.startswith(".")
