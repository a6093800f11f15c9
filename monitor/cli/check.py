"""`monitor check`: validate the configuration, its channel URLs and alert templates."""

from __future__ import annotations

import argparse
import sys

from monitor.cli.common import Register, config_directory
from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.logs import configure_logging, redact


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    command("check", cmd_check, "validate settings.yaml and watchlists/*.yaml")


def cmd_check(args: argparse.Namespace) -> int:
    from monitor.outbox import check_channels

    directory = config_directory(args)
    try:
        config = load_config(directory)
    except ConfigError as error:
        print(redact(str(error)), file=sys.stderr)
        return 1
    configure_logging(config.settings.log.level, config.settings.log.format, config.secrets)
    problems = check_channels(config)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(
        f"ok: {directory}: {len(config.watchlists)} watchlists, {len(config.feeds())} feeds, "
        f"{len(config.settings.channels)} channels"
    )
    return 0
