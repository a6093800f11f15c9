"""What every command shares: `--config DIR` resolved once, configuration and logging set
up once, and the JSON and table output."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from monitor.config import Config, default_directory, load_config
from monitor.logs import configure_logging

Register = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def config_directory(args: argparse.Namespace) -> Path:
    """`--config DIR`, else `$MONITOR_CONFIG`, else `./config`."""
    directory: Path = args.config or default_directory()
    return directory


def load(
    args: argparse.Namespace, *, service: bool = False, log_level: str | None = None
) -> Config:
    """The configuration, with logging configured from it (at `log_level`, when given);
    with `service`, pointed at the running service's existing state."""
    config = load_config(config_directory(args))
    level = log_level or config.settings.log.level
    configure_logging(level, config.settings.log.format, config.secrets)
    if service:
        from monitor.statedir import service_config

        config, note = service_config(config)
        if note:
            print(f"note: {note}", file=sys.stderr)
    return config


def date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def jsonable(record: Any) -> Any:
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: jsonable(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, tuple | list):
        return [jsonable(item) for item in record]
    if isinstance(record, Decimal):
        return int(record) if record == record.to_integral_value() else float(record)
    if isinstance(record, datetime):
        return record.astimezone(UTC).isoformat()
    return record


def table(headers: list[str], rows: list[list[str]]) -> None:
    if not rows:
        print("nothing recorded yet")
        return
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]
    for row in [headers, *rows]:
        print(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)
            ).rstrip()
        )
