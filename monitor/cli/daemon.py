"""`monitor run` (the daemon) and `monitor once` (one cycle)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from monitor.cli.common import Register, config_directory, load


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    command("run", cmd_run, "run the daemon in the foreground (systemd Type=notify)")
    once = command("once", cmd_once, "one cycle over the due feeds, then deliver pending alerts")
    once.add_argument("--all", action="store_true", help="poll every feed, due or not")


def cmd_run(args: argparse.Namespace) -> int:
    from monitor.daemon import run_daemon

    return run_daemon(config_directory(args))


def cmd_once(args: argparse.Namespace) -> int:
    from monitor.pipeline import run_cycle
    from monitor.store import open_store

    config = load(args)
    store = open_store(config.database_url())
    try:
        report = asyncio.run(run_cycle(config, store, due_only=not args.all))
    finally:
        store.close()
    for source in report.sources:
        line = (
            f"{source.status:<13} {source.url}  new={source.new_entries} "
            f"matched={source.matched} alerts={source.alerts}"
            + (f" poisoned={source.poisoned}" if source.poisoned else "")
        )
        if source.revised:
            line += f" revised={source.revised}"
        if source.skipped:
            line += f" skipped={source.skipped}"
        print(line + (f"  error: {source.error}" if source.error else ""))
    print(
        f"{len(report.sources)} feeds polled, "
        f"{sum(s.alerts for s in report.sources)} alerts created, "
        f"{report.delivered} delivered, {report.delivery_failures} delivery failures"
    )
    skipped = sum(s.skipped for s in report.sources)
    if skipped:
        backfill = config.settings.poll.backfill
        print(
            f"{skipped} older items skipped by the backfill rule (first poll, published more "
            f"than {_duration(backfill)} ago); read them with "
            "`monitor feeds replay URL [--since DATE]`, or set poll.backfill: 0"
        )
    return 1 if report.failed else 0


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
