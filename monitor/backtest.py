"""Backtest: stored articles replayed through a watchlist by the decider, nothing written.

for article in articles, oldest first:
    matches  = topic_matches(article, [watchlist])
    figures  = extract_figures(...)            # when the watchlist tracks figures
    found    = article_findings(...)           # the decider, with a Ledger's history
    the Ledger keeps the observations and change alerts, as the store would
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from monitor.config import Watchlist
from monitor.figures import extract_figures
from monitor.findings import (
    Addressed,
    Channels,
    article_findings,
    figure_choices,
    needs_durations,
    needs_figures,
    topic_matches,
)
from monitor.records import (
    Alert,
    AlertMark,
    Article,
    FigureChoice,
    FigureHistory,
    Observation,
    SourceText,
    Valued,
)


@dataclass(slots=True)
class Ledger:
    """An in-memory history for backtests: what the store would hold, nothing written."""

    observations: list[Observation] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)

    def history(
        self, topic: str, figure: str, *, keep: Callable[[Valued], bool] | None = None
    ) -> FigureHistory:
        """The history the store would give (`keep`: which reports to include)."""
        mine = [
            o
            for o in self.observations
            if o.topic == topic and o.figure == figure and o.time == "current"
        ]
        confirmed = [o for o in mine if o.hold is None]
        latest = max(confirmed, key=lambda o: o.published, default=None)
        marks = [a for a in self.alerts if a.topic == topic and a.figure == figure]
        last = marks[-1] if marks else None
        since = latest.published if latest else None
        return FigureHistory(
            latest=latest,
            last_alert=(AlertMark.of(last) if last else None),
            reports=tuple(
                SourceText(observation=o, text=self.texts.get(o.article_url, ""))
                for o in sorted(mine, key=lambda o: o.published)
                if (since is None or o.published >= since) and (keep is None or keep(o))
            ),
        )


def backtest(
    watchlist: Watchlist,
    articles: Sequence[Article],
    channels: Channels,
    *,
    trace: list[tuple[Article, list[FigureChoice]]] | None = None,
) -> list[Addressed]:
    """The alerts `watchlist` would have sent over `articles` (oldest first) to `channels`
    (`named_channels(config)`); nothing stored.

    Each article is judged at its publication time, so cooldowns and digests behave as
    they would have live. With `trace`, each matching article is appended with, per
    tracked figure, the mentions weighed and why one won (`backtest --verbose`).
    """
    ledger = Ledger()
    sent: list[Addressed] = []
    for article in articles:
        matches = topic_matches(article, [watchlist])
        if not matches or article.url in ledger.texts:
            continue
        when = article.published or datetime.now(UTC)
        figures = (
            extract_figures(article.text, article.language, durations=needs_durations(matches))
            if needs_figures(matches)
            else []
        )
        if trace is not None and watchlist.figures:
            trace.append((article, figure_choices(article, matches, figures)))
        found = article_findings(
            article, matches, figures, channels=channels, history_of=ledger.history, now=when
        )
        ledger.texts[article.url] = article.text
        ledger.observations.extend(found.observations)
        for alert, names in found.alerts:
            numbered = replace(alert, id=len(sent) + 1)
            if alert.kind in {"change", "correction"}:
                ledger.alerts.append(numbered)
            sent.append((numbered, names))
    return sent
