"""The command line: `monitor COMMAND [--config DIR]`.

Commands: run, once, check, extract, figures, alerts, backtest, notify-test, demo. Every
command takes `--config DIR` (default `$MONITOR_CONFIG`, else `./config`). Exit codes: 0
success, 1 a failure the output explains (`check` included), 78 a configuration error
(`run`, `once`). Output goes through `SafeStream`: secrets masked, terminal controls escaped.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor import __version__
from monitor.config import Config, default_directory, load_config
from monitor.errors import EXIT_CONFIG, ConfigError, MonitorError
from monitor.logs import SafeStream, configure_logging, redact

if TYPE_CHECKING:
    from monitor.pipeline import SourceReport


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

    command("run", cmd_run, "run the daemon in the foreground (systemd Type=notify)")
    once = command("once", cmd_once, "one cycle over the due feeds, then deliver pending alerts")
    once.add_argument("--all", action="store_true", help="poll every feed, due or not")
    command("check", cmd_check, "validate settings.yaml and watchlists/*.yaml")
    feeds = command("feeds", cmd_feeds, "work on one feed: replay what the backfill rule skipped")
    feeds.add_argument("action", choices=["replay"], help="replay URL: read its skipped entries")
    feeds.add_argument("url", metavar="URL", help="a feed URL as the watchlists name it")
    feeds.add_argument(
        "--since", type=_date, metavar="DATE", help="only entries from this day on (YYYY-MM-DD)"
    )
    extract = command("extract", cmd_extract, "show what the pipeline sees in one article")
    extract.add_argument("target", metavar="FILE|URL")
    extract.add_argument("--lang", help="language of the text (ISO 639-1), if known")
    extract.add_argument("--json", action="store_true", help="print JSON")
    extract.add_argument(
        "--explain",
        action="store_true",
        help="per tracked figure: the mentions weighed, which won and why",
    )
    figures = command("figures", cmd_figures, "the stored history of tracked figures")
    figures.add_argument("topic", nargs="?", metavar="TOPIC")
    figures.add_argument("--limit", type=int, default=50)
    figures.add_argument("--json", action="store_true", help="print JSON")
    alerts = command("alerts", cmd_alerts, "recent alerts and their delivery per channel")
    alerts.add_argument("action", nargs="?", choices=["resend"], help="resend ID: send again")
    alerts.add_argument("id", nargs="?", type=int, metavar="ID")
    alerts.add_argument("--pending", action="store_true", help="only alerts not yet delivered")
    alerts.add_argument("--unconfirmed", action="store_true", help="values held, not alerted")
    alerts.add_argument("--limit", type=int, default=20)
    alerts.add_argument("--json", action="store_true", help="print JSON")
    backtest = command(
        "backtest", cmd_backtest, "replay stored articles through a watchlist; nothing is sent"
    )
    backtest.add_argument("watchlist", metavar="WATCHLIST", help="a watchlist file, or a name")
    backtest.add_argument("--since", type=_date, metavar="DATE", help="from this day (YYYY-MM-DD)")
    backtest.add_argument("--json", action="store_true", help="print JSON")
    backtest.add_argument(
        "--verbose",
        action="store_true",
        help="per article and tracked figure: the mentions weighed, which won and why",
    )
    notify = command("notify-test", cmd_notify_test, "send a test alert to the channels")
    notify.add_argument("tag", nargs="?", metavar="TAG", help="only channels with this tag")
    command("demo", cmd_demo, "replay the seed story offline and print the alert it sends")
    from monitor.cli.ops import add_commands

    add_commands(command)  # status, events, schema
    return parser


def _config(args: argparse.Namespace, *, service: bool = False) -> Config:
    """The configuration; with `service`, pointed at the running service's existing state."""
    config = load_config(args.config or default_directory())
    configure_logging(config.settings.log.level, config.settings.log.format, config.secrets)
    if service:
        from monitor.statedir import service_config

        config, note = service_config(config)
        if note:
            print(f"note: {note}", file=sys.stderr)
    return config


def cmd_run(args: argparse.Namespace) -> int:
    from monitor.daemon import run_daemon

    return run_daemon(args.config or default_directory())


def cmd_once(args: argparse.Namespace) -> int:
    from monitor.pipeline import run_cycle
    from monitor.store import open_store

    config = _config(args)
    store = open_store(config.database_url())
    try:
        report = asyncio.run(run_cycle(config, store, due_only=not args.all))
    finally:
        store.close()
    for source in report.sources:
        line = (
            f"{source.status:<13} {source.url}  new={source.new_entries} "
            f"matched={source.matched} alerts={source.alerts}"
            + (f" poisoned={source.poisoned}" if source.poisoned else "")
        )
        if source.revised:
            line += f" revised={source.revised}"
        if source.skipped:
            line += f" skipped={source.skipped}"
        print(line + (f"  error: {source.error}" if source.error else ""))
    print(
        f"{len(report.sources)} feeds polled, "
        f"{sum(s.alerts for s in report.sources)} alerts created, "
        f"{report.delivered} delivered, {report.delivery_failures} delivery failures"
    )
    skipped = sum(s.skipped for s in report.sources)
    if skipped:
        backfill = config.settings.poll.backfill
        print(
            f"{skipped} older items skipped by the backfill rule (first poll, published more "
            f"than {_duration(backfill)} ago); read them with "
            "`monitor feeds replay URL [--since DATE]`, or set poll.backfill: 0"
        )
    return 1 if report.failed else 0


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def cmd_feeds(args: argparse.Namespace) -> int:
    from monitor.pipeline import deliver_pending, http_client, replay_source
    from monitor.store import open_store

    config = _config(args)
    plan = config.feed_plan(args.url)
    if plan is None:
        known = ", ".join(p.url for p in config.feeds()) or "none"
        print(f"error: no watchlist reads {args.url} (feeds: {known})", file=sys.stderr)
        return 1
    since = args.since  # midnight UTC of that day

    async def replay() -> tuple[SourceReport, tuple[int, int]]:
        async with http_client(config) as client:
            report = await replay_source(
                plan, config=config, store=store, client=client, now=datetime.now(UTC), since=since
            )
        return report, await deliver_pending(config, store)

    store = open_store(config.database_url())
    try:
        report, (delivered, failures) = asyncio.run(replay())
    finally:
        store.close()
    print(
        f"replayed {args.url}: {report.new_entries} entries without an article read, "
        f"{report.matched} matched, {report.alerts} alerts created, {delivered} delivered"
    )
    return 1 if failures else 0


def cmd_check(args: argparse.Namespace) -> int:
    from monitor.pipeline import check_channels

    directory = args.config or default_directory()
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


def cmd_extract(args: argparse.Namespace) -> int:
    from monitor.pipeline import inspect_article

    config = _config(args)
    seen = asyncio.run(inspect_article(args.target, config, lang=args.lang))
    if args.json:
        document = {
            "article": _jsonable(seen.article),
            "topics": [_jsonable(t) for t in seen.topics],
            "figures": [_jsonable(f) for f in seen.figures],
        }
        if args.explain:
            document["explain"] = [_jsonable(choice) for choice in seen.choices]
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    article = seen.article
    print(f"title:     {article.title}")
    print(f"outlet:    {article.outlet}")
    print(f"published: {article.published.isoformat() if article.published else '-'}")
    print(f"language:  {article.language or '-'}")
    print(f"text:      {len(article.text)} characters ({article.source})")
    print(f"topics:    {', '.join(t.topic for t in seen.topics) or '-'}")
    print("figures:")
    for figure in seen.figures:
        flags: list[str] = [figure.time]
        if figure.approx:
            flags.append("approx")
        if figure.bound:
            flags.append(f"bound={figure.bound}")
        if figure.range:
            flags.append(f"range={figure.range[0]}..{figure.range[1]}")
        print(
            f"  {figure.value:>14}  {figure.unit or '-':<22} {' '.join(flags):<28} {figure.text!r}"
        )
    if args.explain:
        print("tracked figures:" if seen.choices else "tracked figures: - (no matching topic)")
        for line in explain_lines(seen.choices):
            print(line)
    return 0


def explain_lines(choices: Sequence[Any]) -> list[str]:
    """Per tracked figure: each mention weighed, won or lost, and why (`--explain`)."""
    lines: list[str] = []
    for choice in choices:
        lines.append(f"  {choice.topic} — {choice.figure}: {choice.anchors}")
        others = []
        for candidate in choice.candidates:
            figure = candidate.figure
            if candidate.verdict == "unit":
                others.append(f"{figure.text!r} ({figure.unit or '-'})")
                continue
            value = f"{figure.value:,} {figure.unit or '-'}"
            lines.append(
                f"    {candidate.verdict:<4}  {value:>16}  {figure.text!r:<18} {figure.time:<7}  "
                f"{candidate.why}"
            )
            if candidate.facts:
                lines.append(f"          {'; '.join(candidate.facts)}")
        if others:
            lines.append(f"    other units, not weighed: {', '.join(others)}")
        if not choice.winner:
            lines.append("    no current value for this figure in the article")
    return lines


def cmd_figures(args: argparse.Namespace) -> int:
    from monitor.store import open_store

    config = _config(args, service=True)
    store = open_store(config.database_url())
    try:
        rows = store.observations(args.topic, limit=args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps([_jsonable(o) for o in rows], ensure_ascii=False, indent=2))
        return 0
    _table(
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


def cmd_alerts(args: argparse.Namespace) -> int:
    from monitor.findings import unconfirmed
    from monitor.pipeline import deliver_pending
    from monitor.store import open_store

    config = _config(args, service=True)
    if args.action == "resend" and args.id is None:
        print("error: monitor alerts resend ID: which alert? see `monitor alerts`", file=sys.stderr)
        return 1
    store = open_store(config.database_url())
    try:
        if args.unconfirmed:
            return _print_unconfirmed(
                unconfirmed(store.held_observations(), config)[: args.limit], args.json
            )
        if args.action == "resend":
            if not store.resend_alert(args.id, datetime.now(UTC)):
                print(f"error: no alert #{args.id} (or it has no channels)", file=sys.stderr)
                return 1
            asyncio.run(deliver_pending(config, store))
            found = store.alert_with_deliveries(args.id)
            rows = [found] if found else []
        else:
            rows = store.alert_list(pending=args.pending, limit=args.limit)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                [
                    {**_jsonable(alert), "deliveries": [_jsonable(d) for d in deliveries]}
                    for alert, deliveries in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for alert, deliveries in rows:
        print(f"#{alert.id} {alert.created_at:%Y-%m-%d %H:%M} [{alert.kind}] {alert.title}")
        for d in deliveries:
            print(f"    {d.channel}: {_delivery_state(d)}")
        if not deliveries:
            print("    no channels")
    if not rows:
        print("no pending alerts" if args.pending else "no alerts yet")
    if args.action == "resend":
        return 0 if rows and all(d.state == "sent" for d in rows[0][1]) else 1
    return 0


def _delivery_state(d: Any) -> str:
    if d.state == "sent":
        return f"sent {d.sent_at:%Y-%m-%d %H:%M}" + (" (digest)" if d.digest else "")
    if d.state == "pending" and d.digest and not d.attempts:
        return f"waiting for the digest at {d.next_attempt_at:%Y-%m-%d %H:%M}"
    text = d.state
    if d.attempts:
        text += f", {d.attempts} attempt{'s' if d.attempts > 1 else ''}"
    if d.state == "pending" and d.next_attempt_at is not None and d.attempts:
        text += f", next {d.next_attempt_at:%Y-%m-%d %H:%M}"
    if d.last_error:
        text += f", last error: {d.last_error}"
    return text


def _print_unconfirmed(rows: Sequence[tuple[Any, Any]], as_json: bool) -> int:
    if as_json:
        print(
            json.dumps(
                [{**_jsonable(held), "current": _jsonable(latest)} for held, latest in rows],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not rows:
        print("no unconfirmed values")
        return 0
    _table(
        ["published", "topic", "figure", "value", "held", "current", "outlet", "link"],
        [
            [
                f"{held.published:%Y-%m-%d}",
                held.topic,
                held.figure,
                f"{held.value:,}",
                held.hold,
                f"{latest.value:,}" if latest else "-",
                held.outlet,
                held.article_url,
            ]
            for held, latest in rows
        ],
    )
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from monitor.backtest import backtest
    from monitor.config import load_watchlist
    from monitor.store import open_store

    config = _config(args, service=True)
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
    results = backtest(watchlist, articles, config, trace=trace)
    if args.json:
        alerts = [{**_jsonable(alert), "channels": channels} for alert, channels in results]
        if trace is None:
            print(json.dumps(alerts, ensure_ascii=False, indent=2))
            return 0
        weighed = [
            {
                "url": article.url,
                "title": article.title,
                "outlet": article.outlet,
                "published": _jsonable(article.published),
                "explain": [_jsonable(choice) for choice in choices],
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


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def cmd_notify_test(args: argparse.Namespace) -> int:
    from monitor.pipeline import send_test_alert

    config = _config(args)
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


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    return run_demo()


def _jsonable(record: Any) -> Any:
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: _jsonable(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, tuple | list):
        return [_jsonable(item) for item in record]
    if isinstance(record, Decimal):
        return int(record) if record == record.to_integral_value() else float(record)
    if isinstance(record, datetime):
        return record.astimezone(UTC).isoformat()
    return record


def _table(headers: list[str], rows: list[list[str]]) -> None:
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


if __name__ == "__main__":
    sys.exit(main())
