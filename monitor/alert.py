"""Alerts: a figure change (or a matching article) rendered as a message a person can act on.

The default message reads well on a phone: the topic, the figure's label, old → new with
the change in percent, then both sources (outlet, date, link) with the sentence quoted
from each, and how many independent outlets report the new value::

    North Korean arms deliveries to Russia — Containers shipped to Russia: 6,700 → 13,000 (+94%)

    change: +6,300, nearly doubled
    new: "Nordkorea hat über 13.000 Container nach Russland geschickt …" — Ukrinform, 2024-10-09
         https://…
    was: "… etwa 6.700 Container …" — Korea-Kurier, 2024-02-27
         https://…
    sources: 1 outlet (Ukrinform)

Chat channels get that text; e-mail gets the same as HTML. A watchlist may replace the
title, the text body and the HTML body with Jinja2 templates (run in Jinja2's sandbox) over
the fields of `change_fields` / `match_fields`. Each alert carries an idempotency key derived
from the change itself, so a change seen twice (a retry, a crash between steps) is one alert.
Routing (`route_change`) picks the channel tags and whether the alert waits for a digest.
Pure: no I/O (jinja2 is fenced into this module).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_percent as babel_percent
from jinja2 import Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from monitor.config import AlertTemplate, DigestSchedule, Watchlist
from monitor.numbers import localized
from monitor.records import Alert, Article, FigureChange, Observation, TopicMatch

log = logging.getLogger(__name__)

SPARKS = "▁▂▃▄▅▆▇█"
MAX_QUOTE = 280  # a quote longer than a tweet stops being read on a phone
LINK_SCHEMES = frozenset({"http", "https"})  # links an alert shows; javascript:, data: never
MULTIPLES = (
    (Decimal("0.5"), "halved"),
    (Decimal(2), "doubled"),
    (Decimal(3), "tripled"),
    (Decimal(4), "quadrupled"),
    (Decimal(10), "grew tenfold"),
)

_text_templates = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)
_html_templates = SandboxedEnvironment(autoescape=True, keep_trailing_newline=False)

DEFAULT_TITLE = "{{ prefix }}{{ topic }} — {{ label }}: {{ values }}"
DEFAULT_BODY = """\
{% if follows %}follows up alert #{{ follows.id }} ({{ follows.old }} → {{ follows.new }}, \
{{ follows.date }}): back to {{ new }}
{% endif %}{% if change_line %}{{ change_line }}
{% endif %}new: "{{ new_source.quote }}" — {{ new_source.outlet }}, {{ new_source.date }}
     {{ new_source.url }}
{% if old_source %}was: "{{ old_source.quote }}" — {{ old_source.outlet }}, \
{{ old_source.date }}{% if old_source.as_of %} (value as of {{ old_source.as_of }}){% endif %}
     {{ old_source.url }}
{% endif %}sources: {{ sources }} {{ "independent outlets" if sources > 1 else "outlet" }} \
({{ outlets | join(", ") }})"""
DEFAULT_HTML = """\
<p><b>{{ label }}</b>: {{ values }}</p>
{% if follows %}<p>Correction: follows up alert #{{ follows.id }} ({{ follows.old }} → \
{{ follows.new }}, {{ follows.date }}): back to {{ new }}.</p>
{% endif %}{% if change_line %}<p>{{ change_line }}</p>
{% endif %}<p>new:</p><blockquote>“{{ new_source.quote }}”</blockquote>
<p>— {{ new_source.outlet }}, {{ new_source.date }} · \
<a href="{{ new_source.url }}">{{ new_source.url }}</a></p>
{% if old_source %}<p>was:</p><blockquote>“{{ old_source.quote }}”</blockquote>
<p>— {{ old_source.outlet }}, {{ old_source.date }}\
{% if old_source.as_of %} (value as of {{ old_source.as_of }}){% endif %} · \
<a href="{{ old_source.url }}">{{ old_source.url }}</a></p>
{% endif %}<p>sources: {{ sources }} {{ "independent outlets" if sources > 1 else "outlet" }} \
({{ outlets | join(", ") }})</p>
{% if sparkline %}<p>recent values: <span title="oldest to newest">{{ sparkline }}</span></p>
{% endif %}{% if page_url %}<p>timeline and sources: <a href="{{ page_url }}">{{ page_url }}</a></p>
{% endif %}"""
MATCH_TITLE = "{{ topic }} — new article: {{ article.title }}"
MATCH_BODY = """\
"{{ article.quote }}" — {{ article.outlet }}, {{ article.date }}
     {{ article.url }}
matched: {{ terms | join(", ") }}"""
MATCH_HTML = """\
<p><b>{{ topic }}</b>: <a href="{{ article.url }}">{{ article.title }}</a></p>
<blockquote>“{{ article.quote }}”</blockquote>
<p>— {{ article.outlet }}, {{ article.date }} · matched: {{ terms | join(", ") }}</p>"""


def build_alert(
    change: FigureChange,
    *,
    tags: tuple[str, ...],
    now: datetime,
    template: AlertTemplate | None = None,
    page_url: str | None = None,
    trend: Sequence[Decimal] = (),
    locale: str | None = None,
    noun: str | None = None,
) -> Alert:
    """Render `change` as an alert for the channels carrying `tags`.

    `page_url`: the figure's page, linked from the e-mail; `trend`: its recent values, oldest
    first, drawn as a sparkline; `locale`: numbers as that locale writes them, with `noun`
    (a counted unit such as "ha") and the qualifiers ("mehr als").
    """
    fields = change_fields(change, page_url=page_url, trend=trend, locale=locale, noun=noun)
    title, body, html = _render(fields, template, DEFAULT_TITLE, DEFAULT_BODY, DEFAULT_HTML)
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
        key=_key(key_material),
        topic=change.topic,
        figure=change.figure,
        title=title,
        body=body,
        html=html,
        tags=tags,
        created_at=now,
        kind="correction" if change.follows else "change",
        old_value=change.old.value if change.old else None,
        new_value=change.new.value,
        reply_to=change.follows.id if change.follows else None,
        changed_at=change.new.published,
    )


def build_match_alert(
    article: Article,
    match: TopicMatch,
    *,
    sentence: str,
    tags: tuple[str, ...],
    now: datetime,
    template: AlertTemplate | None = None,
) -> Alert:
    """An alert for a new article on a topic (`notify_on: [match]`)."""
    fields = match_fields(article, match, sentence=sentence, now=now)
    title, body, html = _render(fields, template, MATCH_TITLE, MATCH_BODY, MATCH_HTML)
    return Alert(
        key=_key(f"match|{match.topic}|{article.url}"),
        topic=match.topic,
        figure=None,
        title=title,
        body=body,
        html=html,
        tags=tags,
        created_at=now,
        kind="match",
    )


def build_channel_notice(
    channel: str,
    *,
    since: datetime,
    attempts: int,
    error: str,
    alert_id: int,
    now: datetime,
) -> Alert:
    """One notice per outage of a channel, for the other channels: it keeps failing."""
    title = f"monitor: channel {channel} failing since {since:%Y-%m-%d %H:%M} UTC"
    body = (
        f"Alert #{alert_id} could not be delivered to {channel} after {attempts} attempts "
        f"and is marked failed.\nlast error: {error}\n"
        f"See `monitor alerts --pending`; after fixing the channel, `monitor alerts resend "
        f"{alert_id}`."
    )
    return Alert(
        key=_key(f"notice|{channel}|{since.isoformat()}"),
        topic="monitor",
        figure=None,
        title=title,
        body=body,
        html=f"<p><b>{escape(title)}</b></p><pre>{escape(body)}</pre>",
        tags=(),
        created_at=now,
        kind="notice",
    )


def build_digest(alerts: Sequence[Alert], *, now: datetime) -> Alert:
    """Several alerts for one channel as one message (not stored: the parts are)."""
    topics = list(dict.fromkeys(alert.topic for alert in alerts))
    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    title = f"monitor digest: {count} — {', '.join(topics)}"
    rule = "\n\n" + "—" * 20 + "\n\n"
    body = rule.join(f"{alert.title}\n{alert.body}" for alert in alerts)
    html = "<hr>".join(
        f"<h3>{escape(alert.title)}</h3>" + (alert.html or f"<pre>{escape(alert.body)}</pre>")
        for alert in alerts
    )
    return Alert(
        key=_key("digest|" + "|".join(alert.key for alert in alerts)),
        topic=", ".join(topics),
        figure=None,
        title=title,
        body=body,
        html=html,
        tags=(),
        created_at=now,
        kind="digest",
    )


def route_change(
    change: FigureChange | None, watchlist: Watchlist
) -> tuple[tuple[str, ...], DigestSchedule | None]:
    """The channel tags and digest schedule (None: at once) of an alert of `watchlist`.

    The first route whose `min_change` the change passes decides; a route without one
    takes every alert (a match alert, `change` None, takes only such routes). Without a
    matching route the watchlist's `notify` and `digest` apply.
    """
    for route in watchlist.routes:
        if route.min_change is not None:
            if change is None or change.old is None:
                continue
            if not route.min_change.passed_by(change.old.value, change.new.value):
                continue
        tags = route.notify if route.notify is not None else watchlist.notify
        return tuple(tags), route.digest
    return tuple(watchlist.notify), watchlist.digest


def change_fields(
    change: FigureChange,
    *,
    page_url: str | None = None,
    trend: Sequence[Decimal] = (),
    locale: str | None = None,
    noun: str | None = None,
) -> dict[str, Any]:
    """The fields a change alert template sees (documented in the README)."""
    old, new = change.old, change.new
    follows = change.follows
    shown = _shown(change)
    fields = {
        "kind": "correction" if follows else "change",
        "prefix": "Correction: " if follows else "",
        "topic": change.topic,
        "figure": change.figure,
        "label": change.label,
        "values": _values(change),
        "old": shown(old.value) if old else None,
        "new": shown(new.value),
        "unit": change.unit,
        "old_value": old.value if old else None,
        "new_value": new.value,
        "delta": _signed(change.delta) if change.delta is not None else None,
        "percent": format_percent(change.ratio) if change.ratio is not None else None,
        "points": _points_of(change),
        "multiple": _multiple(change),
        "change_line": _change_line(change),
        "revised": _revised(change),
        "direction": _direction(change.delta),
        "new_source": _source(new),
        "old_source": _source(old) if old else None,
        "sources": change.sources,
        "outlets": list(change.outlets) or [new.outlet],
        "follows": (
            {
                "id": follows.id,
                "title": follows.title,
                "old": shown(follows.old_value) if follows.old_value is not None else None,
                "new": shown(follows.new_value) if follows.new_value is not None else None,
                "date": f"{follows.created_at:%Y-%m-%d}",
            }
            if follows
            else None
        ),
        "page_url": safe_link(page_url),
        "sparkline": sparkline([*trend, new.value]) if trend else "",
    }
    if locale:
        fields.update(_localized_fields(change, locale, noun))
    return fields


def _localized_fields(change: FigureChange, locale: str, noun: str | None) -> dict[str, Any]:
    """old, new, values, delta and percent as `locale` writes them, qualifiers kept."""
    unit = change.unit or noun
    old, new = change.old, change.new

    def shown(observation: Observation) -> str:
        return localized(
            observation.value,
            locale,
            unit=unit,
            approx=observation.approx,
            bound=observation.bound,
        )

    where = locale.replace("-", "_")
    percent = None
    if change.ratio is not None:
        sign = "+" if change.ratio > 0 else ""
        percent = sign + babel_percent(change.ratio, locale=where)
    delta = None
    if change.delta is not None:
        delta = ("+" if change.delta > 0 else "-") + localized(abs(change.delta), locale)
    move = percent if change.unit != "percent" else _points_of(change)
    values = f"{shown(old)} → {shown(new)}" if old else f"first reported {shown(new)}"
    change_line = _change_line(change)
    if delta and change.delta is not None and change.unit != "percent":
        change_line = change_line.replace(_signed(change.delta), delta, 1)
    return {
        "change_line": change_line,
        "old": shown(old) if old else None,
        "new": shown(new),
        "values": f"{values} ({move})" if old and move else values,
        "delta": delta,
        "percent": percent,
    }


def sparkline(values: Sequence[Decimal]) -> str:
    """Values as a row of block characters, lowest ▁ to highest █ ("▁▁▃█")."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARKS[len(SPARKS) // 2] * len(values)
    span = high - low
    return "".join(SPARKS[int((v - low) / span * (len(SPARKS) - 1))] for v in values)


def match_fields(
    article: Article, match: TopicMatch, *, sentence: str, now: datetime
) -> dict[str, Any]:
    """The fields a match alert template sees (documented in the README)."""
    published = article.published or now
    return {
        "kind": "match",
        "topic": match.topic,
        "terms": list(match.terms),
        "article": {
            "title": article.title or safe_link(article.url) or "(untitled)",
            "outlet": article.outlet,
            "date": f"{published:%Y-%m-%d}",
            "url": safe_link(article.url),
            "quote": _quote(sentence or article.text[:MAX_QUOTE]),
        },
    }


def check_template(template: AlertTemplate) -> list[str]:
    """What is wrong with a watchlist's templates (syntax), as messages; empty when fine."""
    problems = []
    for part, source in (("title", template.title), ("body", template.body)):
        if source is not None:
            problems.extend(_syntax(_text_templates, part, source))
    if template.html is not None:
        problems.extend(_syntax(_html_templates, "html", template.html))
    return problems


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
        kind="notice",
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


def _render(
    fields: Mapping[str, Any],
    template: AlertTemplate | None,
    title: str,
    body: str,
    html: str,
) -> tuple[str, str, str]:
    custom = template or AlertTemplate()
    return (
        " ".join(_fill(_text_templates, custom.title, title, fields).split()),
        _fill(_text_templates, custom.body, body, fields).strip(),
        _fill(_html_templates, custom.html, html, fields).strip(),
    )


def _fill(
    environment: SandboxedEnvironment, source: str | None, default: str, fields: Mapping[str, Any]
) -> str:
    if source is not None:
        try:
            return str(_compiled(environment, source).render(fields))
        except TemplateError as error:
            # A broken watchlist template must not swallow the alert: say so, use the default.
            log.warning("template_failed topic=%r error=%r", fields.get("topic"), str(error))
    return str(_compiled(environment, default).render(fields))


@lru_cache(maxsize=256)
def _compiled(environment: SandboxedEnvironment, source: str) -> Template:
    # Compiling a template costs ~2 ms; an alert is rendered in three parts, so cache them.
    return environment.from_string(source)


def _syntax(environment: SandboxedEnvironment, part: str, source: str) -> list[str]:
    try:
        environment.parse(source)
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        return [f"template.{part}{f' line {line}' if line else ''}: {error}"]
    return []


def _key(material: str) -> str:
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _values(change: FigureChange) -> str:
    shown = _shown(change)
    new = shown(change.new.value)
    if change.old is None:
        return f"first reported {new}"
    text = f"{shown(change.old.value)} → {new}"
    # A rate moves in percentage points: 4.50% → 4.25% is −0.25 pp, not −5.6%.
    if change.unit == "percent":
        move = _points_of(change)
    else:
        move = format_percent(change.ratio) if change.ratio is not None else None
    return f"{text} ({move})" if move else text


def _shown(change: FigureChange) -> Callable[[Decimal], str]:
    if change.unit != "percent":
        return format_value
    places = _rate_places(change)
    return lambda value: format_rate(value, places)


def _rate_places(change: FigureChange) -> int:
    # Both values of a rate with the decimals of the more precise one: 4.50% → 4.25%.
    values = [change.new.value] + ([change.old.value] if change.old else [])
    return max(_places(value) for value in values)


def _points_of(change: FigureChange) -> str | None:
    if change.unit != "percent" or change.delta is None or change.old is None:
        return None
    return format_points(change.delta, _rate_places(change))


def format_rate(value: Decimal, places: int) -> str:
    """4.5 with 2 places → "4.50%"."""
    return f"{value:,.{places}f}%"


def format_points(delta: Decimal, places: int) -> str:
    """-0.25 → "−0.25 pp" (a true minus sign, as in the change of a rate)."""
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return f"{sign}{abs(delta):,.{places}f} pp"


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _direction(delta: Decimal | None) -> str | None:
    if not delta:
        return None
    return "up" if delta > 0 else "down"


def _signed(delta: Decimal) -> str:
    return f"{'+' if delta > 0 else '-'}{format_value(abs(delta))}"


def _multiple(change: FigureChange) -> str:
    if change.old is None or not change.old.value:
        return ""
    multiple = change.new.value / change.old.value
    for factor, word in MULTIPLES:
        closeness = multiple / factor
        if Decimal("0.98") <= closeness <= Decimal("1.02"):
            return word
        if Decimal("0.9") <= closeness < Decimal("0.98"):
            return f"nearly {word}"
    return ""


def _change_line(change: FigureChange) -> str:
    if change.old is None or change.delta is None or not change.old.value:
        return ""
    points = _points_of(change)
    if points is not None:
        return f"change: {points.replace('pp', 'percentage points')}"
    parts = [_signed(change.delta)]
    multiple = _multiple(change)
    if multiple:
        parts.append(multiple)
    if _revised(change):
        parts.append("revised in the same article")
    return f"change: {', '.join(parts)}"


def _revised(change: FigureChange) -> bool:
    """True when the old value came from the very article that now reports the new one."""
    return change.old is not None and change.old.article_url == change.new.article_url


def _quote(text: str) -> str:
    quote = " ".join(text.split())
    if len(quote) > MAX_QUOTE:
        quote = quote[: MAX_QUOTE - 1].rstrip() + "…"
    return quote


def safe_link(url: str | None) -> str:
    """`url` when it is an http(s) link, else "" (a `javascript:` or `data:` link never shows)."""
    if not url:
        return ""
    text = url.strip()
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() not in LINK_SCHEMES or not rest.startswith("//"):
        return ""
    if any(char.isspace() or ord(char) < 32 for char in text):
        return ""
    return text


def _source(observation: Observation) -> dict[str, Any]:
    return {
        "outlet": observation.outlet,
        "date": f"{observation.published:%Y-%m-%d}",
        "url": safe_link(observation.article_url),
        "title": observation.article_title,
        "quote": _quote(observation.sentence),
        "as_of": f"{observation.as_of:%Y-%m}" if observation.as_of else None,
        "approx": observation.approx,
        "bound": observation.bound,
    }
