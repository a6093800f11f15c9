"""The command line: `monitor COMMAND [--config DIR]`, one module per command group.

    daemon.py    run, once                  check.py     check
    feeds.py     feeds replay               extract.py   extract
    figures.py   figures                    alerts.py    alerts
    backtest.py  backtest                   notify.py    notify-test
    demo.py      demo                       ops.py       status, events, schema
    common.py    --config, configuration and logging set up once, JSON and table output

Every command takes `--config DIR` (default `$MONITOR_CONFIG`, else `./config`). Exit codes: 0
success, 1 a failure the output explains (`check` included), 78 a configuration error
(`run`, `once`). Output goes through `SafeStream`: secrets masked, terminal controls escaped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor import __version__
from monitor.errors import EXIT_CONFIG, ConfigError, MonitorError
from monitor.logs import SafeStream, redact


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `monitor` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    # Everything printed passes SafeStream: secrets masked, terminal controls escaped.
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(stdout), SafeStream(stderr)
    try:
        return int(args.handler(args))
    except ConfigError as error:
        print(redact(str(error)), file=sys.stderr)
        return EXIT_CONFIG if args.command in {"run", "once"} else 1
    except MonitorError as error:
        print(f"error: {redact(str(error))}", file=sys.stderr)
        return 1
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor", description="Watch news feeds for figures that move."
    )
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="DIR",
        help="configuration directory (default: $MONITOR_CONFIG, else ./config)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    from monitor.cli import (
        alerts,
        backtest,
        check,
        daemon,
        demo,
        extract,
        feeds,
        figures,
        notify,
        ops,
        web,
    )

    groups = (daemon, check, feeds, extract, figures, alerts, backtest, notify, demo, ops, web)
    for group in groups:
        group.add_commands(command)
    return parser


if __name__ == "__main__":
    sys.exit(main())
