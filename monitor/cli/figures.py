"""`monitor figures [TOPIC]`: the stored history of tracked figures."""

from __future__ import annotations

import argparse
import json

from monitor.cli.common import Register, jsonable, load, table


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    figures = command("figures", cmd_figures, "the stored history of tracked figures")
    figures.add_argument("topic", nargs="?", metavar="TOPIC")
    figures.add_argument("--limit", type=int, default=50)
    figures.add_argument("--json", action="store_true", help="print JSON")


def cmd_figures(args: argparse.Namespace) -> int:
    from monitor.store import open_store

    config = load(args, service=True)
    store = open_store(config.database_url())
    try:
        rows = store.observations(args.topic, limit=args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps([jsonable(o) for o in rows], ensure_ascii=False, indent=2))
        return 0
    table(
        ["published", "topic", "figure", "value", "time", "outlet"],
        [
            [
                f"{o.published:%Y-%m-%d}",
                o.topic,
                o.figure,
                ("~" if o.approx else "")
                + (">" if o.bound == "min" else "<" if o.bound == "max" else "")
                + f"{o.value:,}",
                o.time,
                o.outlet,
            ]
            for o in rows
        ],
    )
    return 0
