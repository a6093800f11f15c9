"""`monitor check`: validate the configuration, its channel URLs and alert templates."""

from __future__ import annotations

import argparse
import sys

from monitor.cli.common import Register, config_directory
from monitor.config import Config, load_config
from monitor.errors import ConfigError
from monitor.logs import configure_logging, redact


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    command("check", cmd_check, "validate settings.yaml and watchlists/*.yaml")


def cmd_check(args: argparse.Namespace) -> int:

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


def check_channels(config: Config) -> list[str]:
    """A message for every channel URL apprise cannot use and every broken alert template."""
    from monitor.alert import check_template
    from monitor.deliver import channel_name, check_channel_url

    problems = []
    for index, channel in enumerate(config.settings.channels):
        problem = check_channel_url(channel.url)
        if problem:
            name = channel_name(channel.url, channel.name)
            where = f"{config.directory / 'settings.yaml'}: channels[{index}] ({name})"
            problems.append(f"{where}: {redact(problem)}")
    for watchlist in config.watchlists:  # and every alert template Jinja2 cannot parse
        if watchlist.template is not None:
            for problem in check_template(watchlist.template):
                problems.append(f"watchlist {watchlist.name!r}: {problem}")
    return problems
