"""Adaptive intervals and error backoff (`monitor.cadence`), with a controllable clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from monitor.cadence import (
    WEEK,
    PollPolicy,
    backoff_after,
    next_poll_in,
    poll_interval,
    publishing_gap,
)

NOW = datetime(2024, 10, 9, 12, 0, tzinfo=UTC)
POLICY = PollPolicy(
    interval=timedelta(minutes=15),
    min_interval=timedelta(minutes=5),
    max_interval=timedelta(hours=6),
    max_backoff=timedelta(hours=6),
    jitter=timedelta(seconds=30),
)


def every(step: timedelta, count: int) -> list[datetime]:
    return [NOW - step * i for i in range(count)]


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        (every(timedelta(minutes=20), 12), timedelta(minutes=20)),  # 12 entries over 3h40m+
        (every(timedelta(hours=12), 14), timedelta(hours=6)),  # two a day: the ceiling
        (every(timedelta(minutes=1), 50), timedelta(minutes=5)),  # a firehose: the floor
        ([NOW - timedelta(days=30)], timedelta(hours=6)),  # nothing this week
        ([None, None], timedelta(minutes=15)),  # no dates: the configured interval
        ([], timedelta(minutes=15)),
    ],
    ids=["every-20m", "twice-a-day", "firehose", "quiet", "undated", "empty"],
)
def test_interval_follows_the_publishing_rate_between_floor_and_ceiling(published, expected):
    interval = poll_interval(POLICY, published=published, now=NOW)
    assert abs(interval - expected) <= expected / 10


def test_gap_is_measured_over_the_span_the_feed_shows_not_a_whole_week():
    # A feed that shows only its latest 10 entries, one per 30 minutes.
    gap = publishing_gap(every(timedelta(minutes=30), 10), NOW)
    assert gap is not None
    assert timedelta(minutes=27) <= gap <= timedelta(minutes=30)
    assert publishing_gap([NOW - 2 * WEEK], NOW) == WEEK
    assert publishing_gap([NOW + timedelta(days=1)], NOW) == WEEK  # future dates do not count


def test_the_feeds_own_hints_lengthen_the_interval_up_to_the_ceiling():
    busy = every(timedelta(minutes=10), 20)
    own = poll_interval(POLICY, published=busy, now=NOW)
    assert timedelta(minutes=9) <= own <= timedelta(minutes=10)
    assert poll_interval(POLICY, published=busy, hint_s=3600, now=NOW) == timedelta(hours=1)
    assert poll_interval(POLICY, published=busy, hint_s=86400 * 3, now=NOW) == timedelta(hours=6)
    assert poll_interval(POLICY, published=busy, hint_s=60, now=NOW) == own


def test_without_adaptation_the_configured_interval_holds_and_hints_still_count():
    fixed = PollPolicy(interval=timedelta(minutes=10), adaptive=False)
    quiet = [NOW - timedelta(days=30)]
    assert poll_interval(fixed, published=quiet, now=NOW) == timedelta(minutes=10)
    assert poll_interval(fixed, published=quiet, hint_s=1800, now=NOW) == timedelta(minutes=30)


def test_jitter_spreads_polls_within_the_configured_window():
    rng = random.Random(7)
    delays = {
        next_poll_in(POLICY, published=[None], now=NOW, rng=rng).total_seconds() for _ in range(50)
    }
    assert all(900 <= d <= 930 for d in delays)
    assert len(delays) > 40  # not one fixed offset


def test_errors_back_off_exponentially_with_jitter_and_never_stop():
    rng = random.Random(1)
    delays = [backoff_after(POLICY, errors, rng=rng) for errors in range(1, 16)]
    for errors, delay in enumerate(delays, start=1):
        full = min(POLICY.interval * 2 ** (errors - 1), POLICY.max_backoff)
        assert full / 2 <= delay <= full, (errors, delay)
    # 15m, 30m, 1h, 2h, 4h, then capped at 6h: a failing feed is retried forever
    assert delays[0] <= timedelta(minutes=15)
    assert delays[-1] >= timedelta(hours=3)
    assert max(delays) <= timedelta(hours=6)
    assert backoff_after(POLICY, 10_000, rng=rng) <= timedelta(hours=6)


def test_retry_after_is_honoured_but_bounded():
    rng = random.Random(3)
    assert backoff_after(POLICY, 1, retry_after_s=7200, rng=rng) == timedelta(hours=2)
    assert backoff_after(POLICY, 1, retry_after_s=30 * 86400, rng=rng) == timedelta(days=7)
    short = backoff_after(POLICY, 3, retry_after_s=1, rng=rng)
    assert short >= timedelta(minutes=30)  # the backoff wins when it is longer
