"""When to poll a feed next: pure functions of the feed's history, its hints and `now`.

After a successful poll (`next_poll_in`)::

    interval = the configured interval                      (poll.adaptive: false, or no dates)
             = mean gap between the entries of the last week (poll.adaptive: true)
             = max_interval when no entry is that recent
    interval = max(interval, the feed's own hint)           (RSS <ttl>, max-age, Expires)
    interval = clamp(interval, min_interval, max_interval)  (adaptive; else only the ceiling)
               where a configured interval below min_interval lowers the floor, and a
               watchlist's own `interval:` for the feed is the ceiling (poll at least that often)
    delay    = interval + uniform(0, jitter)

After a failure (`backoff_after`)::

    delay = min(interval × 2^(errors-1), max_backoff), with "equal jitter" (between half
            and all of it), and at least the server's Retry-After (429/503, at most a week).

A transient fault (DNS, a database that is locked or full, a worker that did not start)
backs off from FIRST_RETRY instead of the interval: 5 s, 10 s, 20 s … so a feed is parked
at max_backoff only after a dozen failures in a row, and the owed alert comes soon after
the fault is gone. Hints and Retry-After are clamped before they become timedeltas (a
server's 10^20 seconds is a week, not an OverflowError).

A feed is never disabled by errors: its delay stops growing at max_backoff. Miniflux's
entry-frequency scheduler is the model for the adaptive interval.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEK = timedelta(days=7)
MAX_RETRY_AFTER = timedelta(days=7)  # a server asking for more is misconfigured
MAX_DOUBLINGS = 20  # 2**20 × any interval is past every sensible max_backoff
MAX_HINT = timedelta(days=7)  # a ttl or max-age beyond a week is clamped (and the ceiling wins)
FIRST_RETRY = timedelta(seconds=5)  # the first wait after a transient fault


@dataclass(frozen=True, slots=True, kw_only=True)
class PollPolicy:
    """How one feed is scheduled (from the settings and the feed's watchlists)."""

    interval: timedelta  # configured; the start, and the interval when not adaptive
    pinned: bool = False  # a watchlist set `interval:` for this feed: the adaptive ceiling
    adaptive: bool = True
    min_interval: timedelta = timedelta(minutes=5)
    max_interval: timedelta = timedelta(hours=6)
    max_backoff: timedelta = timedelta(hours=6)
    jitter: timedelta = timedelta(seconds=30)


def publishing_gap(published: Iterable[datetime | None], now: datetime) -> timedelta | None:
    """The mean gap between the entries published in the week before `now`.

    None when no entry carries a date; a week when none is that recent. A feed document
    holds only its latest entries, so the gap is measured over the span they cover
    (oldest recent entry to `now`), not over a whole week.
    """
    dates = [date for date in published if date is not None]
    if not dates:
        return None
    recent = [date for date in dates if now - WEEK < date <= now]
    if not recent:
        return WEEK
    return (now - min(recent)) / len(recent)


def poll_interval(
    policy: PollPolicy,
    *,
    published: Iterable[datetime | None] = (),
    hint_s: float | None = None,
    now: datetime,
) -> timedelta:
    """The interval until the next poll after a successful one (without jitter)."""
    interval = policy.interval
    if policy.adaptive:
        gap = publishing_gap(published, now)
        if gap is not None:
            interval = gap
    if hint_s is not None and hint_s > 0:
        interval = max(interval, _clamped(hint_s, MAX_HINT))
    ceiling = policy.interval if policy.pinned else max(policy.max_interval, policy.interval)
    if policy.adaptive:
        floor = min(policy.min_interval, policy.interval)
        return min(max(interval, floor), ceiling)
    return min(interval, ceiling)


def next_poll_in(
    policy: PollPolicy,
    *,
    published: Iterable[datetime | None] = (),
    hint_s: float | None = None,
    now: datetime,
    rng: random.Random | None = None,
) -> timedelta:
    """The delay until the next poll after a successful one, jitter included."""
    interval = poll_interval(policy, published=published, hint_s=hint_s, now=now)
    spread = policy.jitter.total_seconds()
    if spread <= 0:
        return interval
    return interval + timedelta(seconds=(rng or random).uniform(0, spread))


def backoff_after(
    policy: PollPolicy,
    errors: int,
    *,
    retry_after_s: float | None = None,
    transient: bool = False,
    rng: random.Random | None = None,
) -> timedelta:
    """The delay after the `errors`-th failure in a row (errors ≥ 1), jitter included.

    `transient`: the fault was the machine's or the network's; start from FIRST_RETRY.
    """
    doublings = min(max(errors, 1) - 1, MAX_DOUBLINGS)
    ceiling = max(policy.max_backoff, policy.interval)
    start = FIRST_RETRY if transient else policy.interval
    delay = min(start * 2**doublings, ceiling)
    delay = delay / 2 + delay / 2 * (rng or random).random()
    if retry_after_s is not None and retry_after_s > 0:
        delay = max(delay, _clamped(retry_after_s, MAX_RETRY_AFTER))
    return delay


def _clamped(seconds: float, ceiling: timedelta) -> timedelta:
    """`seconds` as a timedelta no longer than `ceiling` (also for inf and 10^20)."""
    if math.isnan(seconds) or seconds >= ceiling.total_seconds():
        return ceiling
    return timedelta(seconds=seconds)
