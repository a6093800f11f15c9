"""The operations commands: `monitor status`, `monitor events`, `monitor schema`.

`monitor.cli` registers them with `add_commands`; they read the store and the daemon's state
file, never the running process: they work the same under systemd, in a container or
from a shell with read access to the state directory.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.cli.common import Register, config_directory, load
from monitor.config import (
    Config,
    Settings,
    load_config,
    read_yaml,
    schema_documents,
)
from monitor.errors import ConfigError
from monitor.eventstream import KINDS, event_line, parse_since
from monitor.logs import configure_logging, redact
from monitor.observe import HEALTHY_HEARTBEAT_S
from monitor.statedir import service_config
from monitor.status import DaemonState, Status, read_daemon_state, read_status, state_path
from monitor.store import open_store

EXIT_NOT_RUNNING = 3  # as `systemctl status` and LSB init scripts say "not running"
FOLLOW_POLL_S = 1.0


def add_commands(command: Register) -> None:
    """Register this group's commands: status, events, schema."""
    status = command("status", cmd_status, "what the running daemon is doing")
    status.add_argument("--json", action="store_true", help="print JSON")
    events = command("events", cmd_events, "the event stream as JSON lines")
    events.add_argument(
        "--since", metavar="T", help="a duration ago (90m, 2h, 7d) or a date (2024-10-09T12:00)"
    )
    events.add_argument(
        "--kind", action="append", choices=KINDS, metavar="KIND", help="only this kind (repeat)"
    )
    events.add_argument("--follow", action="store_true", help="keep printing new events")
    schema = command("schema", cmd_schema, "the JSON Schema of settings.yaml and watchlists")
    schema.add_argument("name", nargs="?", choices=("settings", "watchlist"))
    schema.add_argument(
        "--output", type=Path, metavar="DIR", help="write <name>.schema.json files into DIR"
    )


def cmd_status(args: argparse.Namespace) -> int:
    directory = config_directory(args)
    broken: str | None = None
    try:
        config = load_config(directory)
    except ConfigError as error:
        # The daemon runs on its last good configuration: show its state anyway.
        broken = redact(str(error))
        config = Config(
            directory=Path(directory), settings=_bare_settings(Path(directory)), watchlists=()
        )
    configure_logging("warning", config.settings.log.format, config.secrets)
    now = datetime.now(UTC)
    config, note = service_config(config)
    if note:
        print(f"note: {note}", file=sys.stderr)
    status: Status | None = None
    if broken is None:
        with open_store(config.database_url()) as store:
            status = read_status(config, store, now)
    daemon = read_daemon_state(state_path(config))
    running = _running(daemon, now)
    if args.json:
        document = _status_json(status, daemon, running)
        document["config_error"] = broken
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        _print_status(status, daemon, running, now)
        if broken is not None:
            print("configuration on disk: ERROR (fix it; the daemon keeps its last good one):")
            for line in broken.splitlines():
                print(f"          {line}")
    return 0 if running else EXIT_NOT_RUNNING


def _bare_settings(directory: Path) -> Settings:
    """Where the state is, from a settings.yaml that does not validate as a whole."""
    try:
        document = read_yaml(directory / "settings.yaml")
    except (ConfigError, OSError):
        return Settings()
    if not isinstance(document, dict):
        return Settings()
    found = {
        key: value
        for key in ("state_directory", "database")
        if isinstance(value := document.get(key), str) and "${" not in value
    }
    try:
        return Settings.model_validate(found)
    except ValueError:
        return Settings()


def _running(daemon: DaemonState | None, now: datetime) -> bool:
    return (
        daemon is not None
        and not daemon.stopping
        and (now - daemon.updated_at).total_seconds() <= HEALTHY_HEARTBEAT_S
    )


def _print_status(
    status: Status | None, daemon: DaemonState | None, running: bool, now: datetime
) -> None:
    if daemon is None:
        print("daemon:   not running (no state file)")
    else:
        beat = _ago(now - daemon.updated_at)
        if running:
            print(
                f"daemon:   running, pid {daemon.pid}, up {_ago(now - daemon.started_at)}, "
                f"heartbeat {beat} ago"
            )
        else:
            print(f"daemon:   not running (last heartbeat {beat} ago, pid {daemon.pid})")
        if daemon.config_ok:
            loaded = (
                f"{daemon.config_loaded_at:%Y-%m-%d %H:%M:%S}" if daemon.config_loaded_at else "-"
            )
            print(f"config:   ok (loaded {loaded} UTC)")
        else:
            print("config:   ERROR, running on the last good configuration:")
            for line in (daemon.config_error or "").splitlines():
                print(f"          {line}")
        last = daemon.last_success_at
        print(f"last successful poll: {f'{last:%Y-%m-%d %H:%M:%S} UTC' if last else '-'}")
        if daemon.last_error:
            print(f"last error: {daemon.last_error}")
    if status is None:
        return
    print(
        f"feeds:    {len(status.feeds)} ({len(status.due)} due, {len(status.failing)} failing, "
        f"{len(status.retired)} retired)"
    )
    print(f"alerts:   {status.pending_alerts} pending")
    for feed in status.failing:
        since = feed.failing_since or feed.last_polled_at
        when = f" since {since:%Y-%m-%d %H:%M} UTC" if since else ""
        print(f"  FAILING {feed.url}{when} ({feed.error_count} errors): {feed.last_error}")
    for feed in status.retired:
        print(f"  RETIRED {feed.url}: {feed.last_error}")
    for entry in status.poisoned:
        state = "skipped" if entry.skipped else "will retry"
        print(
            f"  POISONED {entry.link or entry.entry_id} in {entry.feed_url} "
            f"({entry.stage}, {entry.attempts} attempts, {state}): {entry.error}"
        )
    if status.feeds:
        print("next checks:")
        for feed in sorted(status.feeds, key=lambda f: f.next_check_at or now):
            if feed.retired:
                continue
            due = feed.next_check_at
            when = "due now" if due is None or due <= now else f"in {_ago(due - now)}"
            moved = f" (moved to {feed.location})" if feed.location else ""
            print(f"  {when:<12} {feed.url}{moved}")
    if status.figures:
        print("tracked figures:")
        for value in status.figures:
            print(f"  {value.topic} — {value.label}: {value.value:,} ({value.published:%Y-%m-%d})")


def _status_json(
    status: Status | None, daemon: DaemonState | None, running: bool
) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat() if value else None

    document: dict[str, Any] = {
        "running": running,
        "daemon": None
        if daemon is None
        else {
            "pid": daemon.pid,
            "started_at": iso(daemon.started_at),
            "heartbeat_at": iso(daemon.updated_at),
            "config_ok": daemon.config_ok,
            "config_error": daemon.config_error,
            "last_success_at": iso(daemon.last_success_at),
            "last_error": daemon.last_error,
        },
    }
    if status is None:
        return document
    return document | {
        "feeds": [
            {
                "url": f.url,
                "topics": list(f.topics),
                "next_check_at": iso(f.next_check_at),
                "last_polled_at": iso(f.last_polled_at),
                "error_count": f.error_count,
                "last_error": f.last_error,
                "failing_since": iso(f.failing_since),
                "retired": f.retired,
                "location": f.location,
            }
            for f in status.feeds
        ],
        "poisoned": [
            {
                "feed_url": p.feed_url,
                "entry_id": p.entry_id,
                "link": p.link,
                "stage": p.stage,
                "error": p.error,
                "attempts": p.attempts,
                "skipped": p.skipped,
                "first_at": iso(p.first_at),
                "last_at": iso(p.last_at),
            }
            for p in status.poisoned
        ],
        "due": len(status.due),
        "failing": len(status.failing),
        "pending_alerts": status.pending_alerts,
        "figures": [
            {
                "topic": v.topic,
                "figure": v.figure,
                "label": v.label,
                "value": int(v.value) if v.value == v.value.to_integral_value() else float(v.value),
                "published": iso(v.published),
            }
            for v in status.figures
        ],
    }


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"


def cmd_events(args: argparse.Namespace) -> int:
    config = load(args, service=True, log_level="warning")
    try:
        since = parse_since(args.since, datetime.now(UTC)) if args.since else None
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    kinds = tuple(args.kind or ())
    with open_store(config.database_url()) as store:
        last = 0
        for event in store.events(since=since, kinds=kinds):
            print(event_line(event), flush=True)
            last = event.id or last
        if not args.follow:
            return 0
        try:
            while True:
                time.sleep(FOLLOW_POLL_S)
                for event in store.events(after_id=last, kinds=kinds):
                    print(event_line(event), flush=True)
                    last = event.id or last
        except (KeyboardInterrupt, BrokenPipeError):
            return 0


def cmd_schema(args: argparse.Namespace) -> int:
    documents = schema_documents()
    names = [args.name] if args.name else list(documents)
    if args.output is not None:
        args.output.mkdir(parents=True, exist_ok=True)
        for name in names:
            path = args.output / f"{name}.schema.json"
            path.write_text(json.dumps(documents[name], ensure_ascii=False, indent=2) + "\n")
            print(path)
        return 0
    if args.name:
        print(json.dumps(documents[args.name], ensure_ascii=False, indent=2))
    else:
        print(json.dumps(documents, ensure_ascii=False, indent=2))
    return 0
