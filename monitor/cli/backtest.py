"""`monitor backtest WATCHLIST`: stored articles through a watchlist; nothing sent."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from monitor.cli.common import Register, date, jsonable, load
from monitor.cli.extract import explain_lines


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    backtest = command(
        "backtest", cmd_backtest, "replay stored articles through a watchlist; nothing is sent"
    )
    backtest.add_argument("watchlist", metavar="WATCHLIST", help="a watchlist file, or a name")
    backtest.add_argument("--since", type=date, metavar="DATE", help="from this day (YYYY-MM-DD)")
    backtest.add_argument("--json", action="store_true", help="print JSON")
    backtest.add_argument(
        "--verbose",
        action="store_true",
        help="per article and tracked figure: the mentions weighed, which won and why",
    )


def cmd_backtest(args: argparse.Namespace) -> int:
    from monitor.backtest import backtest
    from monitor.config import load_watchlist
    from monitor.pipeline import named_channels
    from monitor.store import open_store

    config = load(args, service=True)
    path = Path(args.watchlist)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        watchlist = load_watchlist(path)
    else:
        try:
            watchlist = config.watchlist(args.watchlist)
        except KeyError:
            names = ", ".join(repr(w.name) for w in config.watchlists) or "none"
            print(f"error: no watchlist file or name {args.watchlist!r}; names: {names}")
            return 1
    store = open_store(config.database_url())
    try:
        articles = store.articles(since=args.since)
    finally:
        store.close()
    trace: list[tuple[Any, list[Any]]] | None = [] if args.verbose else None
    results = backtest(watchlist, articles, named_channels(config), trace=trace)
    if args.json:
        alerts = [{**jsonable(alert), "channels": channels} for alert, channels in results]
        if trace is None:
            print(json.dumps(alerts, ensure_ascii=False, indent=2))
            return 0
        weighed = [
            {
                "url": article.url,
                "title": article.title,
                "outlet": article.outlet,
                "published": jsonable(article.published),
                "explain": [jsonable(choice) for choice in choices],
            }
            for article, choices in trace
        ]
        print(json.dumps({"alerts": alerts, "articles": weighed}, ensure_ascii=False, indent=2))
        return 0
    for article, choices in trace or ():
        when = f"{article.published:%Y-%m-%d %H:%M}" if article.published else "-"
        print(f"{when} {article.title} — {article.outlet}\n    {article.url}")
        print("\n".join(explain_lines(choices)) + "\n")
    for alert, channels in results:
        digested = dict(alert.digest)
        where = ", ".join(
            f"{c} (digest {digested[c]:%Y-%m-%d %H:%M})" if c in digested else c for c in channels
        )
        print(f"{alert.created_at:%Y-%m-%d %H:%M} [{alert.kind}] {alert.title}")
        print("    " + alert.body.replace("\n", "\n    "))
        print(f"    → {where or 'no channels'}\n")
    print(
        f"{len(articles)} stored articles replayed through {watchlist.name!r}: "
        f"{len(results)} alerts would have been sent (nothing sent, nothing stored)"
    )
    return 0
