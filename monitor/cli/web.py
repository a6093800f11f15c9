"""`monitor serve` and `monitor figures reject|accept ID`. Imports stay lazy: the CLI's
parser is built on every command."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from monitor.cli.common import Register

DEFAULT_LISTEN = "127.0.0.1:8464"


def add_commands(command: Register) -> None:
    """Add `serve` to the CLI's sub-commands."""
    serve = command("serve", cmd_serve, "serve the pages: figure timelines, feeds, alerts")
    serve.add_argument(
        "--listen",
        metavar="HOST:PORT",
        default=None,
        help=f"address to listen on (default: {DEFAULT_LISTEN}, loopback only)",
    )


def cmd_review(args: argparse.Namespace) -> int:
    """`monitor figures reject ID` / `accept ID`."""
    from monitor.cli.common import load as _config
    from monitor.store import open_store

    if args.id is None:
        print(
            f"error: monitor figures {args.topic} ID: which value? `monitor figures` lists ids",
            file=sys.stderr,
        )
        return 1
    verdict = "rejected" if args.topic == "reject" else "accepted"
    config = _config(args, service=True)
    store = open_store(config.database_url())
    try:
        observation = store.review_observation(args.id, verdict, datetime.now(UTC))
        latest = store.latest_current(observation.topic, observation.figure)
    finally:
        store.close()
    print(
        f"#{observation.id} {observation.topic} — {observation.figure}: {observation.value:,} "
        f"({observation.outlet}, {observation.published:%Y-%m-%d}) {verdict}"
    )
    if latest is not None:
        print(
            f"comparison point now: #{latest.id} {latest.value:,} "
            f"({latest.outlet}, {latest.published:%Y-%m-%d})"
        )
    else:
        print("comparison point now: none (no accepted current value)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the pages until SIGINT or SIGTERM."""
    from monitor.cli.common import load as _config
    from monitor.store import open_store
    from monitor.web.server import serve_pages, split_listen
    from monitor.web.site import Site

    config = _config(args, service=True)
    listen = args.listen or DEFAULT_LISTEN
    try:
        host, port = split_listen(listen)
    except ValueError:
        print(f"error: --listen {listen!r} is not HOST:PORT, e.g. 127.0.0.1:8464", file=sys.stderr)
        return 2
    store = open_store(config.database_url())
    site = Site(store, lambda: config, token=config.settings.http.token)

    try:
        return serve_pages(site, host, port, listen)
    finally:
        store.close()
