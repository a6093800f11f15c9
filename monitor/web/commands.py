"""`monitor serve` and `monitor figures reject|accept ID`. Imports stay lazy: the CLI's
parser is built on every command."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime

DEFAULT_LISTEN = "127.0.0.1:8464"

Register = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


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
    from monitor.cli import _config
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
    from aiohttp import web

    from monitor.cli import _config
    from monitor.store import open_store
    from monitor.web.app import make_app
    from monitor.web.server import split_listen
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

    async def main() -> int:
        runner = web.AppRunner(make_app(site), access_log=None, handle_signals=False)
        await runner.setup()
        tcp = web.TCPSite(runner, host, port)
        try:
            await tcp.start()
        except OSError as error:
            await runner.cleanup()
            print(f"error: cannot listen on {listen}: {error.strerror or error}", file=sys.stderr)
            return 1
        sockets = getattr(tcp._server, "sockets", None) or []
        bound = sockets[0].getsockname()[:2] if sockets else (host, port)
        shown = f"[{bound[0]}]" if ":" in str(bound[0]) else bound[0]
        print(f"serving http://{shown}:{bound[1]}/ (Ctrl-C stops)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await runner.cleanup()
        return 0

    try:
        return asyncio.run(main())
    finally:
        store.close()
