"""`monitor figures [TOPIC]`: the stored history of tracked figures; `figures reject|accept ID`."""

from __future__ import annotations

import argparse
import json

from monitor.cli.common import Register, jsonable, load, table


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    figures = command(
        "figures", cmd_figures, "the stored history of tracked figures; reject|accept ID"
    )
    figures.add_argument("topic", nargs="?", metavar="TOPIC", help="a topic, or reject / accept")
    figures.add_argument("id", nargs="?", type=int, metavar="ID", help="the value to review")
    figures.add_argument("--limit", type=int, default=50)
    figures.add_argument("--json", action="store_true", help="print JSON")


def cmd_figures(args: argparse.Namespace) -> int:
    from monitor.store import open_store

    if args.topic in ("reject", "accept"):
        from monitor.cli.web import cmd_review

        return cmd_review(args)
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
        ["id", "published", "topic", "figure", "value", "time", "outlet", "state"],
        [
            [
                str(o.id),
                f"{o.published:%Y-%m-%d}",
                o.topic,
                o.figure,
                ("~" if o.approx else "")
                + (">" if o.bound == "min" else "<" if o.bound == "max" else "")
                + f"{o.value:,}",
                o.time,
                o.outlet,
                o.review or (f"held: {o.hold}" if o.hold else ""),
            ]
            for o in rows
        ],
    )
    return 0
