"""`monitor notify-test [TAG]`: a test alert through the configured channels."""

from __future__ import annotations

import argparse
import asyncio
import sys

from monitor.cli.common import Register, load


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    notify = command("notify-test", cmd_notify_test, "send a test alert to the channels")
    notify.add_argument("tag", nargs="?", metavar="TAG", help="only channels with this tag")


def cmd_notify_test(args: argparse.Namespace) -> int:
    from monitor.outbox import send_test_alert

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
