"""`monitor alerts`: list them, resend one, or the values held as unconfirmed."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.cli.common import Register, jsonable, load, table


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    alerts = command("alerts", cmd_alerts, "recent alerts and their delivery per channel")
    alerts.add_argument("action", nargs="?", choices=["resend"], help="resend ID: send again")
    alerts.add_argument("id", nargs="?", type=int, metavar="ID")
    alerts.add_argument("--pending", action="store_true", help="only alerts not yet delivered")
    alerts.add_argument("--unconfirmed", action="store_true", help="values held, not alerted")
    alerts.add_argument("--limit", type=int, default=20)
    alerts.add_argument("--json", action="store_true", help="print JSON")


def cmd_alerts(args: argparse.Namespace) -> int:
    from monitor.findings import unconfirmed
    from monitor.pipeline import deliver_pending
    from monitor.store import open_store

    config = load(args, service=True)
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
                    {**jsonable(alert), "deliveries": [jsonable(d) for d in deliveries]}
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
                [{**jsonable(held), "current": jsonable(latest)} for held, latest in rows],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not rows:
        print("no unconfirmed values")
        return 0
    table(
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
