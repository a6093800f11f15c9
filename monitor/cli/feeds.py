"""`monitor feeds replay URL`: read the entries the backfill rule skipped."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from monitor.cli.common import Register, date, load

if TYPE_CHECKING:
    from monitor.pipeline import SourceReport


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    feeds = command("feeds", cmd_feeds, "work on one feed: replay what the backfill rule skipped")
    feeds.add_argument("action", choices=["replay"], help="replay URL: read its skipped entries")
    feeds.add_argument("url", metavar="URL", help="a feed URL as the watchlists name it")
    feeds.add_argument(
        "--since", type=date, metavar="DATE", help="only entries from this day on (YYYY-MM-DD)"
    )


def cmd_feeds(args: argparse.Namespace) -> int:
    from monitor.pipeline import deliver_pending, http_client, replay_source
    from monitor.store import open_store

    config = load(args)
    plan = config.feed_plan(args.url)
    if plan is None:
        known = ", ".join(p.url for p in config.feeds()) or "none"
        print(f"error: no watchlist reads {args.url} (feeds: {known})", file=sys.stderr)
        return 1
    since = args.since  # midnight UTC of that day

    async def replay() -> tuple[SourceReport, tuple[int, int]]:
        async with http_client(config) as client:
            report = await replay_source(
                plan, config=config, store=store, client=client, now=datetime.now(UTC), since=since
            )
        return report, await deliver_pending(config, store)

    store = open_store(config.database_url())
    try:
        report, (delivered, failures) = asyncio.run(replay())
    finally:
        store.close()
    print(
        f"replayed {args.url}: {report.new_entries} entries without an article read, "
        f"{report.matched} matched, {report.alerts} alerts created, {delivered} delivered"
    )
    return 1 if failures else 0
