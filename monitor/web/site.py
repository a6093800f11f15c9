"""The pages as functions of the store and the configuration: no web framework here.

Each `…_page` method returns a `Page` (status, content type, body) or raises `NotFound` /
`BadRequest`; `app.py` serves them. Templates are compiled once, at construction. A figure's
points and chart are cached by its version (value count, newest id, last review): the first
view after a new value or a review reads and draws again, every other view is a dictionary
lookup plus one small query.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape
from markupsafe import Markup

from monitor.alert import format_value, safe_link
from monitor.config import Config, Watchlist
from monitor.numbers import localized, qualified
from monitor.status import read_status
from monitor.store import Store
from monitor.web.atom import atom_feed, export_csv, export_record
from monitor.web.chart import Timeline, draw
from monitor.web.urls import figure_path, topic_slugs

ROWS_PER_PAGE = 100
COPIES_WITHIN = timedelta(days=7)  # reports of one value this close are copies or repeats
CACHE_SIZE = 64  # figures (and table pages) kept drawn
MAX_ID = 2**31 - 1  # ids beyond any stored one are no value (and overflow PostgreSQL's integer)
TEMPLATES = (
    "index.html",
    "topic.html",
    "figure.html",
    "value.html",
    "alerts.html",
    "feeds.html",
    "error.html",
)
HTML = "text/html; charset=utf-8"
Version = tuple[int, int, str]  # a figure's values: count, newest id, last review


class NotFound(Exception):
    """No such page (404)."""


class BadRequest(Exception):
    """A malformed request (400)."""


@dataclass(frozen=True, slots=True)
class Page:
    body: bytes
    content_type: str = HTML
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class _Drawn:
    """A figure's points and its chart, for one version of its values."""

    timeline: Timeline
    chart: str
    label: str  # the chart's accessible name
    newest_id: int  # of its rows: values stored after it are new
    reviewed: str  # the last review when it was read: a review means reading all again


class Site:
    """Every page of one store and the configuration `config_source` returns now."""

    def __init__(
        self,
        store: Store,
        config_source: Callable[[], Config],
        *,
        token: str | None = None,
    ) -> None:
        self.store = store
        self.config_source = config_source
        self.token = token  # http.token: lets a person review values from another host
        self._secret = secrets.token_bytes(32)  # signs the review forms' CSRF tokens
        self._env = Environment(
            loader=PackageLoader("monitor.web", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._templates: dict[str, Template] = {n: self._env.get_template(n) for n in TEMPLATES}
        self._lock = threading.Lock()
        self._drawn: OrderedDict[tuple[str, str], tuple[Version, _Drawn]] = OrderedDict()
        self._pages: OrderedDict[tuple[str, str, int], tuple[Version, bytes]] = OrderedDict()

    # helpers

    def _render(self, name: str, **context: Any) -> bytes:
        return self._templates[name].render(**context).encode()

    def _watchlist(self, slug: str) -> tuple[Config, Watchlist]:
        config = self.config_source()
        for name, candidate in topic_slugs(config).items():
            if candidate == slug:
                return config, config.watchlist(name)
        raise NotFound(f"no watchlist {slug!r}")

    def _figure(self, slug: str, figure: str) -> tuple[Config, Watchlist]:
        config, watchlist = self._watchlist(slug)
        if figure not in watchlist.figures:
            raise NotFound(f"no figure {figure!r} in {watchlist.name!r}")
        return config, watchlist

    def shown(self, watchlist: Watchlist, figure: str) -> Callable[[Any], str]:
        """How a value of `figure` reads: in the watchlist's locale, qualifier included."""
        tracked = watchlist.figures[figure]
        unit = tracked.measure or tracked.unit or None
        locale = watchlist.locale

        def show(point: Any) -> str:
            if locale:
                return localized(
                    point.value, locale, unit=unit, approx=point.approx, bound=point.bound
                )
            text = format_value(point.value)
            if unit == "percent":
                text += "%"
            elif unit:
                text = f"{text} {unit}"
            return qualified(text, "en", approx=point.approx, bound=point.bound)

        return show

    def csrf_token(self, observation_id: int) -> str:
        """The token a review form of this value carries (signed by this process)."""
        message = f"review:{observation_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def review_allowed(
        self, observation_id: int, *, loopback: bool, csrf: str, token: str, same_origin: bool
    ) -> bool:
        """A review may change the store: the configured token, or loopback with a valid CSRF."""
        # Compared as bytes: compare_digest refuses str with non-ASCII characters.
        if self.token and token and hmac.compare_digest(token.encode(), self.token.encode()):
            return True
        expected = self.csrf_token(observation_id).encode()
        return (
            loopback and same_origin and bool(csrf) and hmac.compare_digest(csrf.encode(), expected)
        )

    # pages

    def index_page(self) -> Page:
        config = self.config_source()
        slugs = topic_slugs(config)
        watchlists = [
            {
                "name": w.name,
                "slug": slugs[w.name],
                "figures": len(w.figures),
                "feeds": len(w.feeds) + len(w.pages),
            }
            for w in config.watchlists
        ]
        return Page(self._render("index.html", title="Watchlists", watchlists=watchlists))

    def topic_page(self, slug: str) -> Page:
        _, watchlist = self._watchlist(slug)
        figures = []
        for key in watchlist.figures:
            latest = self.store.latest_current(watchlist.name, key)
            count = self.store.figure_version(watchlist.name, key)[0]
            figures.append(
                {
                    "key": key,
                    "label": watchlist.label_of(key),
                    "path": figure_path(slug, key),
                    "latest": self.shown(watchlist, key)(latest) if latest else None,
                    "published": f"{latest.published:%Y-%m-%d}" if latest else None,
                    "count": count,
                }
            )
        return Page(
            self._render(
                "topic.html",
                title=watchlist.name,
                watchlist=watchlist,
                slug=slug,
                figures=figures,
            )
        )

    def figure_page(self, slug: str, figure: str, page: str | None) -> Page:
        _, watchlist = self._figure(slug, figure)
        number = _page_number(page)
        topic = watchlist.name
        version = self.store.figure_version(topic, figure)
        key = (topic, figure, number)
        with self._lock:
            cached = self._pages.get(key)
        if cached is not None and cached[0] == version:
            return Page(cached[1], headers=(("X-Cache", "hit"),))
        drawn = self._drawn_figure(watchlist, figure, version)
        pages = max(1, -(-len(drawn.timeline) // ROWS_PER_PAGE))
        if number > pages:
            raise NotFound(f"page {number} of {pages}")
        rows = drawn.timeline.newest_first((number - 1) * ROWS_PER_PAGE, number * ROWS_PER_PAGE)
        details = self.store.point_details([p.id for p in rows])
        show = self.shown(watchlist, figure)
        table = [
            {
                "id": p.id,
                "date": f"{p.published:%Y-%m-%d %H:%M}",
                "as_of": f"{p.as_of:%Y-%m}" if p.as_of and p.state == "past" else "",
                "value": show(p),
                "state": p.state,
                "why": p.hold or "",
                "outlets": p.outlets,
                "reports": len(p.ids),
                "sentence": details[p.id].sentence if p.id in details else "",
                "url": safe_link(details[p.id].article_url) if p.id in details else "",
            }
            for p in rows
        ]
        path = figure_path(slug, figure)
        body = self._render(
            "figure.html",
            title=f"{watchlist.label_of(figure)} — {topic}",
            watchlist=watchlist,
            slug=slug,
            label=watchlist.label_of(figure),
            path=path,
            chart=Markup(drawn.chart),  # built from escaped parts in chart.py
            chart_label=drawn.label,
            table=table,
            page=number,
            pages=pages,
            count=version[0],
        )
        with self._lock:
            self._pages[key] = (version, body)
            self._pages.move_to_end(key)
            while len(self._pages) > CACHE_SIZE:
                self._pages.popitem(last=False)
        return Page(body, headers=(("X-Cache", "miss"),))

    def _drawn_figure(self, watchlist: Watchlist, figure: str, version: Version) -> _Drawn:
        key = (watchlist.name, figure)
        with self._lock:
            cached = self._drawn.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        rows = self._rows(watchlist.name, figure, version, cached[1] if cached else None)
        timeline = Timeline(rows)
        chart = draw(
            timeline,
            label=f"{watchlist.label_of(figure)} over time",
            shown=self.shown(watchlist, figure),
            href=lambda p: f"/values/{p.id}",
            until=datetime.now(UTC),
        )
        drawn = _Drawn(
            timeline=timeline,
            chart=chart,
            label=_chart_label(watchlist.label_of(figure), timeline),
            newest_id=max((row[0] for row in rows), default=0),
            reviewed=version[2],
        )
        with self._lock:
            self._drawn[key] = (version, drawn)
            self._drawn.move_to_end(key)
            while len(self._drawn) > CACHE_SIZE:
                self._drawn.popitem(last=False)
        return drawn

    def _rows(self, topic: str, figure: str, version: Version, cached: _Drawn | None) -> list[Any]:
        """The figure's rows: when values were only added since the cached ones (the common
        case: a new report, published last), only the new ones are read."""
        if cached is not None and cached.timeline.rows and version[2] == cached.reviewed:
            rows = cached.timeline.rows
            added = self.store.figure_points(topic, figure, after_id=cached.newest_id)
            if len(rows) + len(added) == version[0] and (not added or added[0][7] >= rows[-1][7]):
                return [*rows, *added]
        return self.store.figure_points(topic, figure)

    def value_page(self, observation_id: int, *, loopback: bool) -> Page:
        observation = self._observation(observation_id)
        config = self.config_source()
        slug = topic_slugs(config).get(observation.topic)
        watchlist = config.watchlist(observation.topic) if slug else None
        shown = (
            self.shown(watchlist, observation.figure)
            if watchlist and observation.figure in watchlist.figures
            else lambda o: format_value(o.value)
        )
        copies = self.store.value_copies(observation, within=COPIES_WITHIN)
        return Page(
            self._render(
                "value.html",
                title=f"Value #{observation.id}",
                o=observation,
                value=shown(observation),
                url=safe_link(observation.article_url),
                figure_path=figure_path(slug, observation.figure) if slug else None,
                label=watchlist.label_of(observation.figure)
                if watchlist and observation.figure in watchlist.figures
                else observation.figure,
                copies=[
                    {
                        "outlet": c.outlet,
                        "date": f"{c.published:%Y-%m-%d}",
                        "url": safe_link(c.article_url),
                    }
                    for c in copies
                ],
                csrf=self.csrf_token(observation_id),
                can_review=loopback or bool(self.token),
                ask_token=not loopback and bool(self.token),
            )
        )

    def _observation(self, observation_id: int) -> Any:
        if not 0 < observation_id <= MAX_ID:
            raise NotFound(f"no value #{observation_id}")
        observation = self.store.observation(observation_id)
        if observation is None:
            raise NotFound(f"no value #{observation_id}")
        return observation

    def review(self, observation_id: int, verdict: str) -> str:
        """Accept or reject a value; the path of its page."""
        if verdict not in ("accept", "reject"):
            raise BadRequest("verdict is accept or reject")
        self._observation(observation_id)
        self.store.review_observation(observation_id, f"{verdict}ed", datetime.now(UTC))
        return f"/values/{observation_id}"

    def figure_atom(self, slug: str, figure: str, base: str) -> Page:
        _, watchlist = self._figure(slug, figure)
        path = figure_path(slug, figure)
        body = atom_feed(
            feed_id=f"urn:monitor:figure:{slug}:{figure}",
            title=f"{watchlist.label_of(figure)} — {watchlist.name}",
            self_url=f"{base}{path}.atom",
            page_url=f"{base}{path}",
            alerts=self.store.figure_alerts(watchlist.name, figure),
            entry_url=f"{base}{path}",
        )
        return Page(body, content_type="application/atom+xml; charset=utf-8")

    def topic_atom(self, slug: str, base: str) -> Page:
        _, watchlist = self._watchlist(slug)
        body = atom_feed(
            feed_id=f"urn:monitor:topic:{slug}",
            title=f"{watchlist.name} — changes",
            self_url=f"{base}/topics/{slug}.atom",
            page_url=f"{base}/topics/{slug}",
            alerts=self.store.figure_alerts(watchlist.name),
            entry_url=f"{base}/topics/{slug}",
        )
        return Page(body, content_type="application/atom+xml; charset=utf-8")

    def figure_export(self, slug: str, figure: str, kind: str) -> Page:
        _, watchlist = self._figure(slug, figure)
        rows = self.store.observations(watchlist.name, figure)[::-1]  # oldest first
        disposition = (("Content-Disposition", f'attachment; filename="{slug}-{figure}.{kind}"'),)
        if kind == "csv":
            csv = export_csv(rows).encode()
            return Page(csv, content_type="text/csv; charset=utf-8", headers=disposition)
        document = {
            "topic": watchlist.name,
            "figure": figure,
            "label": watchlist.label_of(figure),
            "values": [export_record(o) for o in rows],
        }
        return Page(
            json.dumps(document, ensure_ascii=False, indent=1).encode(),
            content_type="application/json",
        )

    def alerts_page(self) -> Page:
        rows = self.store.alert_list(limit=100)
        return Page(
            self._render(
                "alerts.html",
                title="Alerts",
                alerts=[{"alert": a, "deliveries": d} for a, d in rows],
            )
        )

    def feeds_page(self) -> Page:
        config = self.config_source()
        status = read_status(config, self.store, datetime.now(UTC))
        return Page(self._render("feeds.html", title="Feeds", feeds=status.feeds, now=status.at))

    def error_page(self, status: int, message: str) -> Page:
        return Page(
            self._render("error.html", title=f"{status}", status=status, message=message),
            status=status,
        )


def _page_number(page: str | None) -> int:
    if page is None or page == "":
        return 1
    if not page.isascii() or not page.isdigit() or len(page) > 9:
        raise BadRequest(f"page must be a whole number from 1, not {page[:20]!r}")
    number = int(page)
    if number < 1:
        raise NotFound("pages count from 1")
    return number


def _chart_label(label: str, timeline: Timeline) -> str:
    if not len(timeline):
        return f"{label}: no values yet"
    first, last = timeline.point(0), timeline.point(len(timeline) - 1)
    text = (
        f"Step chart of {label}: {len(timeline)} points from {first.published:%Y-%m-%d} "
        f"to {last.published:%Y-%m-%d}"
    )
    latest = next(
        (g for g in range(len(timeline) - 1, -1, -1) if timeline.states[g] == "current"), None
    )
    if latest is not None:
        text += f"; latest current value {format_value(timeline.point(latest).value)}"
    return text
