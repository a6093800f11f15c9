"""Alerts: a figure change rendered as a message a person can act on.

The message names the topic, the figure's label, old → new with the change in percent,
and both sources (outlet, date, link) with the sentence quoted from each::

    North Korean arms deliveries to Russia — Containers shipped to Russia: 6,700 → 13,000 (+94%)

    change: +6,300, nearly doubled
    new: "Nordkorea hat über 13.000 Container nach Russland geschickt …" — ukrinform.de, 2024-10-09
         https://…
    was: "… etwa 6.700 Container …" — yna.co.kr, 2024-02-27
         https://…

Each alert carries an idempotency key derived from the change itself, so that a change
seen twice (a retry, a crash between steps) is one alert. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from monitor.records import Alert, FigureChange, Observation

MAX_QUOTE = 280  # a quote longer than a tweet stops being read on a phone
MULTIPLES = (
    (Decimal("0.5"), "halved"),
    (Decimal(2), "doubled"),
    (Decimal(3), "tripled"),
    (Decimal(4), "quadrupled"),
    (Decimal(10), "grew tenfold"),
)


def build_alert(change: FigureChange, *, tags: tuple[str, ...], now: datetime) -> Alert:
    """Render `change` as an alert for the channels carrying `tags`."""
    headline = f"{change.label}: {_values(change)}"
    detail = _detail(change)
    lines = [detail] if detail else []
    lines.append(_source_line("new", change.new))
    if change.old is not None:
        lines.append(_source_line("was", change.old))
    if change.sources > 1:
        lines.append(f"reported by {change.sources} outlets")
    key_material = "|".join(
        [
            change.topic,
            change.figure,
            str(change.old.value) if change.old else "-",
            str(change.new.value),
            change.new.article_url,
        ]
    )
    return Alert(
        key=hashlib.sha256(key_material.encode()).hexdigest()[:32],
        topic=change.topic,
        figure=change.figure,
        title=f"{change.topic} — {headline}",
        body="\n".join(lines),
        tags=tags,
        created_at=now,
    )


def build_test_alert(*, tags: tuple[str, ...], now: datetime) -> Alert:
    """A harmless alert that proves a channel works (`monitor notify-test`)."""
    return Alert(
        key=f"test-{now.isoformat()}",
        topic="monitor",
        figure=None,
        title="monitor: test alert",
        body=f"This is a test alert sent by `monitor notify-test` at {now:%Y-%m-%d %H:%M} UTC.",
        tags=tags,
        created_at=now,
    )


def format_value(value: Decimal) -> str:
    """13000 → "13,000"; 6.5 → "6.5"; 6000000 → "6,000,000"."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def format_percent(ratio: Decimal) -> str:
    """0.9403 → "+94%"; -0.004 → "-0.4%"."""
    percent = ratio * 100
    if abs(percent) < 1:
        return f"{percent:+.1f}%"
    return f"{percent:+.0f}%"


def _values(change: FigureChange) -> str:
    new = format_value(change.new.value)
    if change.old is None:
        return f"first reported {new}"
    text = f"{format_value(change.old.value)} → {new}"
    if change.ratio is not None:
        text += f" ({format_percent(change.ratio)})"
    return text


def _detail(change: FigureChange) -> str:
    if change.old is None or change.delta is None or not change.old.value:
        return ""
    sign = "+" if change.delta > 0 else "-"
    parts = [f"{sign}{format_value(abs(change.delta))}"]
    multiple = change.new.value / change.old.value
    for factor, word in MULTIPLES:
        closeness = multiple / factor
        if Decimal("0.98") <= closeness <= Decimal("1.02"):
            parts.append(word)
        elif Decimal("0.9") <= closeness < Decimal("0.98"):
            parts.append(f"nearly {word}")
    return f"change: {', '.join(parts)}"


def _source_line(label: str, observation: Observation) -> str:
    quote = " ".join(observation.sentence.split())
    if len(quote) > MAX_QUOTE:
        quote = quote[: MAX_QUOTE - 1].rstrip() + "…"
    return (
        f'{label}: "{quote}" — {observation.outlet}, {observation.published:%Y-%m-%d}\n'
        f"     {observation.article_url}"
    )
