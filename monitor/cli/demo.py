"""`monitor demo`: the seed story, offline."""

from __future__ import annotations

import argparse

from monitor.cli.common import Register


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    command("demo", cmd_demo, "replay the seed story offline and print the alert it sends")


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    return run_demo()
