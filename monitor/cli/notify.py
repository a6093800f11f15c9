"""`monitor notify-test [TAG]`: a test alert through the configured channels."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from monitor.cli.common import Register, load
from monitor.config import Config
from monitor.logs import redact


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    notify = command("notify-test", cmd_notify_test, "send a test alert to the channels")
    notify.add_argument("tag", nargs="?", metavar="TAG", help="only channels with this tag")


def cmd_notify_test(args: argparse.Namespace) -> int:

    config = load(args)
    results = asyncio.run(send_test_alert(config, args.tag))
    if not results:
        print(
            f"no channel{' with tag ' + args.tag if args.tag else ''} in settings.yaml",
            file=sys.stderr,
        )
        return 1
    for name, error in results:
        print(f"{name}: {'sent' if error is None else 'FAILED: ' + error}")
    return 1 if any(error for _, error in results) else 0


async def send_test_alert(config: Config, tag: str | None) -> list[tuple[str, str | None]]:
    """Send a test alert to every channel (with `tag`); (channel, error or None) for each."""
    from monitor.alert import build_test_alert
    from monitor.config import iter_channels
    from monitor.deliver import channel_name, deliver_alert
    from monitor.errors import DeliveryError

    now = datetime.now(UTC)
    tags = (tag,) if tag else ()
    alert = build_test_alert(tags=tags, now=now)
    results: list[tuple[str, str | None]] = []
    for channel in iter_channels(config, tags):
        name = channel_name(channel.url, channel.name)
        try:
            await deliver_alert(
                alert,
                channel.url,
                channel=name,
                timeout_s=config.settings.delivery.timeout.total_seconds(),
            )
            results.append((name, None))
        except DeliveryError as error:
            results.append((name, redact(error.reason)))
    return results
