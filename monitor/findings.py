"""The decider: which observations and alerts an article adds, given its history.

Called by `pipeline` for each new article and by `backtest` over stored ones; it reads
nothing and sends nothing itself: the history (the store's, or a backtest's Ledger) and the
channel names (computed once per configuration) are handed in::

    topic_matches(article, watchlists)            # match: which topics the article is about
    article_findings(article, matches, figures, channels, history_of, now):
        for each matched watchlist:
            match alert, when the watchlist asks for one (`notify_on: [match]`)
            for reading in read_tracked_figures(...):
                history = history_of(topic, figure)
                sources = cluster_sources(reports of the same value + this article)
                change  = compare_figure(reading, history.latest, rules, sources, last alert)
                held    → the observation is stored with its hold reason; no alert
                change  → build_alert → route_change → channels now or at their digest time
    figure_choices(article, matches, figures)     # why each figure was taken (--explain)
    unconfirmed(held, config)                     # held values not confirmed since

Sending is `outbox`; replaying stored articles through a watchlist is `backtest`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from monitor.alert import build_alert, build_match_alert, route_change
from monitor.cluster import cluster_sources
from monitor.compare import compare_figure, same_value
from monitor.config import Channel, Config, Threshold, Watchlist
from monitor.figures import is_time_unit
from monitor.match import match_topic
from monitor.records import (
    Alert,
    Article,
    Figure,
    FigureChange,
    FigureChoice,
    FigureHistory,
    Observation,
    TopicMatch,
    Valued,
)
from monitor.track import choose_figures, read_tracked_figures

log = logging.getLogger(__name__)

Channels = Mapping[str, Channel]  # channel name → channel, in settings order


class HistoryOf(Protocol):
    """Where a figure's history comes from: the store, or a backtest's Ledger."""

    def __call__(
        self, topic: str, figure: str, *, keep: Callable[[Valued], bool] | None = None
    ) -> FigureHistory: ...


Addressed = tuple[Alert, list[str]]
TrendOf = Callable[[str, str], Sequence[Decimal]]  # (topic, figure) → recent values
PageUrlOf = Callable[[str, str], str | None]  # (topic, figure) → its public page


def figure_findings(
    article: Article,
    match: TopicMatch,
    figures: Sequence[Figure],
    watchlist: Watchlist,
    *,
    channels: Channels,
    history_of: HistoryOf,
    now: datetime,
    trend_of: TrendOf | None = None,
    page_url_of: PageUrlOf | None = None,
) -> tuple[list[Observation], list[Addressed]]:
    """The observations an article adds for `watchlist`, and the alerts they cause.

    `trend_of(topic, figure)`: the figure's recent values, for the e-mail's sparkline;
    `page_url_of(topic, figure)`: the figure's public page, if any.
    """
    observations: list[Observation] = []
    alerts: list[Addressed] = []
    for reading in read_tracked_figures(article, match, figures, watchlist, now=now):
        observations.extend(reading.past)
        current = reading.current
        if current is None:
            continue
        tracked = watchlist.figures[reading.figure]
        # Only reports of this value count as sources: the store loads no others.
        history = history_of(
            watchlist.name, reading.figure, keep=_same_as(current, tracked.threshold)
        )
        reports = [
            (r.observation.outlet, r.text)
            for r in history.reports
            if same_value(r.observation, current, tracked.threshold)
        ]
        reports.append((article.outlet, article.text))
        groups = cluster_sources(reports)
        change = compare_figure(
            reading,
            history.latest,
            label=watchlist.label_of(reading.figure),
            threshold=tracked.threshold,
            alert_on_first=watchlist.alert_on_first,
            sources=len(groups),
            outlets=[reports[group[0]][0] for group in groups],
            direction=tracked.direction,
            min_sources=tracked.min_sources,
            last_alert=history.last_alert,
            cooldown=tracked.cooldown if tracked.cooldown is not None else watchlist.cooldown,
        )
        if change is not None and change.hold:
            current = replace(current, hold=change.hold)
            log.info(
                "figure_held topic=%r figure=%s value=%s previous=%s hold=%s reason=%r url=%s",
                watchlist.name,
                reading.figure,
                current.value,
                change.old.value if change.old else None,
                change.hold,
                change.hold_reason,
                article.url,
            )
        observations.append(current)
        log.info(
            "figure_observed topic=%r figure=%s value=%s previous=%s change=%s sources=%d url=%s",
            watchlist.name,
            reading.figure,
            current.value,
            history.latest.value if history.latest else None,
            "held" if change and change.hold else "yes" if change else "no",
            len(groups),
            article.url,
        )
        if change is None or change.hold or "change" not in watchlist.notify_on:
            continue
        alert = build_alert(
            change,
            tags=watchlist.notify,
            now=now,
            template=watchlist.template,
            page_url=page_url_of(watchlist.name, reading.figure) if page_url_of else None,
            trend=trend_of(watchlist.name, reading.figure) if trend_of else (),
            locale=watchlist.locale,
            noun=tracked.unit if tracked.unit and not tracked.measure else None,
        )
        alerts.append(address_alert(alert, change, watchlist, channels, now=now))
    return observations, alerts


def _same_as(current: Observation, threshold: Threshold) -> Callable[[Valued], bool]:
    return lambda stored: same_value(stored, current, threshold)


def match_findings(
    article: Article, match: TopicMatch, watchlist: Watchlist, channels: Channels, *, now: datetime
) -> list[Addressed]:
    """A topic-match alert, when the watchlist asks for them (`notify_on: [match]`)."""
    if "match" not in watchlist.notify_on:
        return []
    alert = build_match_alert(
        article,
        match,
        sentence=_sentence_at(article.text, match.positions[0] if match.positions else None),
        tags=watchlist.notify,
        now=now,
        template=watchlist.template,
    )
    return [address_alert(alert, None, watchlist, channels, now=now)]


def address_alert(
    alert: Alert,
    change: FigureChange | None,
    watchlist: Watchlist,
    channels: Channels,
    *,
    now: datetime,
) -> Addressed:
    """The alert with its route applied, and the names of the channels it goes to."""
    tags, route_digest = route_change(change, watchlist)
    names: list[str] = []
    digests: list[tuple[str, datetime]] = []
    for name, channel in channels.items():
        if tags and not set(tags) & set(channel.tags):
            continue  # the channel carries none of the alert's tags
        names.append(name)
        schedule = route_digest or channel.digest
        if schedule is not None:
            digests.append((name, schedule.next_after(now)))
    return replace(alert, tags=tags, digest=tuple(digests)), names


def _sentence_at(text: str, span: tuple[int, int] | None) -> str:
    if span is None or span[0] < 0:
        return text[:280]
    start = max(text.rfind(". ", 0, span[0]) + 2, text.rfind("\n", 0, span[0]) + 1, 0)
    end_candidates = [i for i in (text.find(". ", span[1]), text.find("\n", span[1])) if i >= 0]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    return text[start:end].strip()


@dataclass(slots=True)
class Findings:
    """What one article adds to the store: observations and alerts with their channels."""

    matched: int = 0
    topics: list[str] = field(default_factory=list)  # the watchlists the article matched
    observations: list[Observation] = field(default_factory=list)
    alerts: list[Addressed] = field(default_factory=list)


def topic_matches(
    article: Article, watchlists: Sequence[Watchlist]
) -> list[tuple[Watchlist, TopicMatch]]:
    """The watchlists `article` is about, each with its match, in watchlist order."""
    return [(w, match) for w in watchlists if (match := match_topic(article, w)) is not None]


def needs_figures(matches: Sequence[tuple[Watchlist, TopicMatch]]) -> bool:
    """True when a matched watchlist tracks figures: the article's figures must be found."""
    return any(watchlist.figures for watchlist, _ in matches)


def needs_durations(matches: Sequence[tuple[Watchlist, TopicMatch]]) -> bool:
    """True when a matched watchlist tracks a span of time (nouns or unit "years", "Stunden"):
    then spans of time are figures too ("19 years in prison", "waits of 14 hours")."""
    return any(
        is_time_unit(word)
        for watchlist, _ in matches
        for tracked in watchlist.figures.values()
        for word in (*tracked.nouns, tracked.unit or "")
    )


def article_findings(
    article: Article,
    matches: Sequence[tuple[Watchlist, TopicMatch]],
    figures: Sequence[Figure],
    *,
    channels: Channels,
    history_of: HistoryOf,
    now: datetime,
    trend_of: TrendOf | None = None,
    page_url_of: PageUrlOf | None = None,
) -> Findings:
    """Everything `article` adds for its matched watchlists: match alerts, observations and
    the alerts their changes cause (`figures`: the article's, when `needs_figures`)."""
    found = Findings()
    for watchlist, match in matches:
        found.matched += 1
        found.topics.append(watchlist.name)
        found.alerts.extend(match_findings(article, match, watchlist, channels, now=now))
        if not watchlist.figures:
            continue
        observations, alerts = figure_findings(
            article,
            match,
            figures,
            watchlist,
            channels=channels,
            history_of=history_of,
            now=now,
            trend_of=trend_of,
            page_url_of=page_url_of,
        )
        found.observations.extend(observations)
        found.alerts.extend(alerts)
    return found


def figure_choices(
    article: Article, matches: Sequence[tuple[Watchlist, TopicMatch]], figures: Sequence[Figure]
) -> list[FigureChoice]:
    """Per tracked figure of each matched watchlist: the mentions weighed, which won and why
    (`extract --explain`, `backtest --verbose`)."""
    return [
        choice
        for watchlist, match in matches
        for choice in choose_figures(article, match, figures, watchlist)
    ]


def unconfirmed(
    held: Sequence[tuple[Observation, Observation | None]], config: Config
) -> list[tuple[Observation, Observation | None]]:
    """The `held` values (`store.held_observations()`) not confirmed since, with their
    figure's current confirmed value."""
    waiting = []
    for value, latest in held:
        try:
            tracked = config.watchlist(value.topic).figures[value.figure]
        except KeyError:
            continue
        if latest is not None and same_value(latest, value, tracked.threshold):
            continue  # confirmed since: the held value is the current one now
        waiting.append((value, latest))
    return waiting
