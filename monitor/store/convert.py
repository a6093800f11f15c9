"""Rows to records and back: the boundary that keeps `…Row` objects inside this package."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from monitor.records import (
    Alert,
    Article,
    Delivery,
    DeliveryState,
    FeedState,
    FigureBound,
    FigureTime,
    Observation,
    Validators,
    clean_text,
)
from monitor.store.tables import AlertRow, ArticleRow, DeliveryRow


def feed_state_of(row: Any) -> FeedState:
    """A FeedState from a feed row (ORM object or Core row)."""
    return FeedState(
        url=row.url,
        validators=Validators(etag=row.etag, last_modified=row.last_modified),
        first_polled_at=row.first_polled_at,
        last_polled_at=row.last_polled_at,
        next_check_at=row.next_check_at,
        error_count=row.error_count,
        last_error=row.last_error,
        retired=row.retired,
    )


def article_row(article: Article, now: datetime) -> dict[str, Any]:
    """The article table's columns for `article`, first fetched at `now` (for Core inserts)."""
    return {
        "url": clean_text(article.url),
        "title": clean_text(article.title),
        "outlet": clean_text(article.outlet),
        "published": article.published,
        "language": article.language and clean_text(article.language),
        "text": clean_text(article.text),
        "source": article.source,
        "fetched_at": now,
    }


def article_of(row: ArticleRow) -> Article:
    return Article(
        url=row.url,
        title=row.title,
        text=row.text,
        published=row.published,
        language=row.language,
        outlet=row.outlet,
        source="feed" if row.source == "feed" else "page",
    )


def observation_row(observation: Observation) -> dict[str, Any]:
    """The observation table's columns for `observation` (for Core inserts)."""
    return {
        "topic": observation.topic,
        "figure": observation.figure,
        "value": observation.value,
        "approx": observation.approx,
        "bound": observation.bound,
        "time": observation.time,
        "article_url": clean_text(observation.article_url),
        "article_title": clean_text(observation.article_title),
        "outlet": clean_text(observation.outlet),
        "published": observation.published,
        "sentence": clean_text(observation.sentence),
        "observed_at": observation.observed_at,
        "low": observation.low,
        "high": observation.high,
        "as_of": observation.as_of,
        "hold": observation.hold,
    }


def observation_of(row: Any) -> Observation:
    """An Observation from an observation row (ORM object or Core row)."""
    return Observation(
        id=row.id,
        topic=row.topic,
        figure=row.figure,
        value=row.value,
        approx=row.approx,
        bound=cast("FigureBound | None", row.bound),  # a string: no Union built per row
        time=cast("FigureTime", row.time),
        article_url=row.article_url,
        article_title=row.article_title,
        outlet=row.outlet,
        published=row.published,
        sentence=row.sentence,
        observed_at=row.observed_at,
        low=row.low,
        high=row.high,
        as_of=row.as_of,
        hold=row.hold,
        review=getattr(row, "review", None),
    )


def alert_of(row: AlertRow) -> Alert:
    return Alert(
        id=row.id,
        key=row.key,
        topic=row.topic,
        figure=row.figure,
        title=row.title,
        body=row.body,
        tags=tuple(json.loads(row.tags)),
        created_at=row.created_at,
        html=row.html,
        kind=row.kind,
        old_value=row.old_value,
        new_value=row.new_value,
        reply_to=row.reply_to,
        changed_at=row.changed_at,
    )


def delivery_of(row: DeliveryRow) -> Delivery:
    return Delivery(
        alert_id=row.alert_id,
        channel=row.channel,
        state=cast(DeliveryState, row.state),
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
        next_attempt_at=row.next_attempt_at,
        digest=row.digest,
        first_failed_at=row.first_failed_at,
    )
