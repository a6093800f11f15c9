"""The pipeline: the only module that calls several stages.

For one feed (`run_source`)::

    state    = store.feed_state(url)
    response = fetch_feed(url, state.validators)        # NotModified → done
    feed     = parse_feed(response)
    new      = entries not seen before (on a feed's first poll, those older than the
               backfill window are only marked seen)
    for entry in new, oldest first:                   # each entry its own unit of failure:
        article  = extract_article(fetch_page(entry.link))   # else the feed's own text, logged
                   # (READ_AHEAD pages read at once, handled in entry order)
        matches  = topic_matches(article, watchlists of this feed)   # findings.py: match
        figures  = extract_figures(article.text, article.language)  # once, if a match tracks any
        found    = article_findings(article, matches, figures, channels, store.figure_history)
                   # findings.py, the decider: change rules, sources, holds, alerts, routing
        store.record_article(article, found)  # one transaction: the outbox
        on any error of this entry: store.poison_entry(...)   # retried MAX_ENTRY_ATTEMPTS
                                                              # polls, then skipped
    store.record_poll(...)

Then `deliver_pending` (outbox.py) sends every due alert to each of its channels and marks
it per channel; a failed channel stays pending with a later next attempt. Expected
failures of a source become data on its feed row and the run moves on; anything else that
goes wrong in a source's run (a database that is locked or full) fails that source with a
transient backoff (seconds), never the cycle: `run_cycle` always goes on to deliver what
is owed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from monitor import observe
from monitor.cadence import PollPolicy, backoff_after, next_poll_in, poll_interval
from monitor.config import Channel, Config, FeedPlan, Watchlist
from monitor.deliver import named_channels
from monitor.errors import (
    ExtractError,
    FetchError,
    MonitorError,
    ParseError,
    StoreError,
)
from monitor.eventstream import findings_events, new_event
from monitor.extract import article_from_entry, extract_article
from monitor.fetch import FetchPolicy, HttpClient
from monitor.findings import (
    Findings,
    article_findings,
    needs_durations,
    needs_figures,
    topic_matches,
)
from monitor.logs import redact
from monitor.outages import (
    feed_location,
    note_failure,
    note_moved,
    note_success,
    recent_published,
    remember_published,
)
from monitor.outbox import deliver_outbox
from monitor.parse import page_as_feed, parse_feed
from monitor.records import (
    Article,
    FeedEntry,
    FeedState,
    FeedStatus,
    Fetched,
    Figure,
    NotModified,
    ParsedFeed,
    Validators,
)
from monitor.sandbox import run_sandboxed
from monitor.scan import scan_figures
from monitor.store import Store
from monitor.web.urls import figure_url

log = logging.getLogger(__name__)

READ_AHEAD = 4  # articles of one feed in flight: enough to keep a worker per core busy
MAX_FIGURE_CHARS = 60  # a figure's value as text: the store's column holds 64
MAX_ENTRY_ATTEMPTS = 3  # polls in a row an entry may fail before it is skipped (poisoned)
NOT_READ = "-"  # the stored revision of an entry remembered unread (backfill): never re-read


@dataclass(slots=True)
class SourceReport:
    """What one run over one feed did."""

    url: str
    status: str = "ok"  # ok | not_modified | failed | retired
    new_entries: int = 0
    articles: int = 0
    poisoned: int = 0  # entries that failed this run (see `monitor.store.poison`)
    transient: bool = False  # failed for this machine's or the network's fault
    matched: int = 0
    observations: int = 0
    alerts: int = 0
    skipped: int = 0  # older entries of a first poll, only marked seen (poll.backfill)
    revised: int = 0  # entries read before whose updated date, title or text changed
    error: str | None = None


@dataclass(slots=True)
class CycleReport:
    """What one cycle over the due feeds and the outbox did."""

    sources: list[SourceReport] = field(default_factory=list)
    delivered: int = 0
    delivery_failures: int = 0

    @property
    def failed(self) -> bool:
        return self.delivery_failures > 0 or any(
            s.status == "failed" or s.poisoned for s in self.sources
        )


def fetch_policy(config: Config) -> FetchPolicy:
    """The fetch stage's limits, from the settings."""
    fetch = config.settings.fetch
    return FetchPolicy(
        timeout_s=fetch.timeout.total_seconds(),
        max_feed_bytes=fetch.max_feed_size,
        max_page_bytes=fetch.max_page_size,
        user_agent=fetch.user_agent,
        allow_private_networks=fetch.allow_private_networks,
        allow=fetch.allow,
        per_host=config.settings.poll.per_host,
        concurrency=config.settings.poll.concurrency,
    )


def http_client(config: Config) -> HttpClient:
    """An HTTP client for a run or a daemon's lifetime: `async with http_client(config) as c:`."""
    return HttpClient(fetch_policy(config))


async def run_source(
    plan: FeedPlan,
    *,
    config: Config,
    store: Store,
    client: HttpClient,
    now: datetime,
    state: FeedState | None = None,
    status: FeedStatus | None = None,
    channels: Mapping[str, Channel] | None = None,
) -> SourceReport:
    """Poll one feed and process its new entries; never raises (but for cancellation).

    `state` and `status` save reads when the caller has just read them (a whole cycle
    reads every feed's in one query); `channels` is `named_channels(config)`, kept by the
    daemon per configuration and by a cycle for its feeds. A failure outside the expected
    ones (the store is locked or full, a bug) fails this source only, with a backoff from
    seconds.
    """
    try:
        return await _run_source(
            plan,
            config=config,
            store=store,
            client=client,
            now=now,
            state=state,
            status=status,
            channels=named_channels(config) if channels is None else channels,
        )
    except Exception as error:
        transient = isinstance(error, StoreError) and error.transient
        if transient:
            log.warning("source_crashed source=%s transient=true error=%r", plan.url, str(error))
        else:
            log.exception("source_crashed source=%s transient=false", plan.url)
        with contextlib.suppress(Exception):  # the store may be what failed
            known = state or store.feed_state(plan.url)
            store.record_poll(_failed(known, plan, config, error, now, transient=True))
        observe.count_poll("failed", 0.0)
        return SourceReport(url=plan.url, status="failed", error=redact(str(error)), transient=True)


async def _run_source(
    plan: FeedPlan,
    *,
    config: Config,
    store: Store,
    client: HttpClient,
    now: datetime,
    state: FeedState | None = None,
    status: FeedStatus | None = None,
    channels: Mapping[str, Channel],
) -> SourceReport:
    report = SourceReport(url=plan.url)
    started = time.perf_counter()
    state = state or store.feed_state(plan.url)
    if state.retired:
        report.status = "retired"
        return report
    everyone = list(channels)
    status = status or store.feed_status(plan.url)  # a 304 needs nothing else from the store
    try:
        with observe.time_stage("fetch"):
            fetch = client.fetch_watched_page if plan.page else client.fetch_feed
            response = await fetch(feed_location(status), state.validators)
        observe.count_fetch(304 if isinstance(response, NotModified) else response.status)
        if isinstance(response, NotModified):
            hint, published = response.fresh_for_s, recent_published(status)
            store.record_poll(
                _polled(
                    state, plan, config, now, response.validators, hint_s=hint, published=published
                )
            )
            note_success(
                store, plan.url, topics=plan.topics, channels=everyone, now=now, status=status
            )
            report.status = "not_modified"
            observe.count_poll(report.status, time.perf_counter() - started)
            log.info("feed_polled source=%s status=not_modified", plan.url)
            return report
        with observe.time_stage("parse"):
            if plan.page:
                feed = page_as_feed(response)
            else:
                feed = await run_sandboxed(ParseError, response.final_url, parse_feed, response)
    except (FetchError, ParseError) as error:
        if isinstance(error, FetchError):
            observe.count_fetch(error.status or "error")
        store.record_poll(_failed(state, plan, config, error, now, transient=error.transient))
        report.status = "retired" if isinstance(error, FetchError) and error.gone else "failed"
        report.error = redact(str(error))
        report.transient = error.transient
        note_failure(
            store,
            plan.url,
            error=report.error,
            retired=report.status == "retired",
            topics=plan.topics,
            channels=everyone,
            notices=config.settings.notices,
            now=now,
        )
        observe.count_poll(report.status, time.perf_counter() - started)
        log.warning(
            "feed_failed source=%s errors=%d error=%r",
            plan.url,
            state.error_count + 1,
            report.error,
        )
        return report
    if response.permanent_redirect:
        status = note_moved(store, plan.url, response.final_url, now)
    feed = replace(feed, url=plan.url)  # entries stay keyed by the watchlist's URL after a move
    entries, backlog, revisions = _new_entries(feed, state, store, config, now)
    report.new_entries, report.skipped = len(entries), len(backlog)
    report.revised = sum(1 for entry in entries if entry.id in revisions.revised)
    await _read_entries(
        entries,
        feed,
        plan=plan,
        config=config,
        store=store,
        client=client,
        now=now,
        report=report,
        backlog=backlog,
        revised=revisions.revised,
        page=response if plan.page else None,
        channels=channels,
    )
    hint = max(feed.ttl_s or 0, response.fresh_for_s or 0) or None
    remembered = remember_published(status, [e.published for e in feed.entries], now)
    # An entry left to retry is read again at the next poll even if the feed is unchanged.
    retry = report.poisoned and bool(store.poisoned_ids(plan.url))
    store.record_poll(
        _polled(
            state,
            plan,
            config,
            now,
            Validators() if retry else response.validators,
            hint_s=hint,
            published=remembered.published,
        ),
        status=remembered if remembered != status else None,
        seen=backlog,
    )
    unread = {entry_id for entry_id, _ in backlog}  # skipped stays skipped, revised or not
    store.save_revisions(
        plan.url,
        {id: NOT_READ if id in unread else rev for id, rev in revisions.changed.items()},
    )
    note_success(store, plan.url, topics=plan.topics, channels=everyone, now=now, status=remembered)
    observe.count_poll(report.status, time.perf_counter() - started)
    log.info(
        "feed_polled source=%s status=ok entries=%d new=%d matched=%d alerts=%d poisoned=%d ms=%d",
        plan.url,
        len(feed.entries),
        report.new_entries,
        report.matched,
        report.alerts,
        report.poisoned,
        (time.perf_counter() - started) * 1000,
    )
    return report


async def _read_entries(
    entries: Sequence[FeedEntry],
    feed: ParsedFeed,
    *,
    plan: FeedPlan,
    config: Config,
    store: Store,
    client: HttpClient,
    now: datetime,
    report: SourceReport,
    backlog: list[tuple[str, str | None]],
    revised: frozenset[str] = frozenset(),
    page: Fetched | None = None,
    channels: Mapping[str, Channel],
) -> None:
    """Read, analyse and store each entry's article, in entry order (the outbox with it).

    An entry in `revised` was read before: its article is read again as of the revision,
    and only the values it did not hold before count.
    """
    watchlists = [config.watchlist(topic) for topic in plan.topics]
    retrying = store.poisoned_ids(plan.url) if entries else set()
    async for entry, read in _read_ahead(entries, feed, client, page):
        stage = "read"
        try:
            with observe.time_stage("extract"):
                try:
                    article = await read
                except ExtractError as error:  # no page text and no text in the feed either
                    backlog.append((entry.id, entry.link))
                    log.warning(
                        "entry_skipped source=%s entry=%s reason=%r",
                        plan.url,
                        entry.id,
                        error.reason,
                    )
                    continue
            if entry.id in revised:
                as_of = max(entry.updated or now, article.published or entry.updated or now)
                article = replace(article, revised=True, published=as_of)
                log.info("entry_revised source=%s entry=%s url=%s", plan.url, entry.id, article.url)
            stage = "analyse"
            with observe.time_stage("analyse"):
                found = await _findings(article, watchlists, channels, store, now, config=config)
            stage = "store"
            with observe.time_stage("store"):
                _record(store, plan.url, entry, article, found, now=now)
        except StoreError as error:
            if error.transient:
                raise  # the database, not this entry: the source fails and retries soon
            _poison(store, plan, entry, stage, error, now=now)
            report.poisoned += 1
            continue
        except Exception as error:
            _poison(store, plan, entry, stage, error, now=now)
            report.poisoned += 1
            continue
        if entry.id in retrying:
            store.clear_poison(plan.url, entry.id)
        observe.count_article(tuple(found.topics))
        report.articles += 1
        report.matched += found.matched
        report.observations += len(found.observations)
        report.alerts += len(found.alerts)


async def replay_source(
    plan: FeedPlan,
    *,
    config: Config,
    store: Store,
    client: HttpClient,
    now: datetime,
    since: datetime | None = None,
) -> SourceReport:
    """Read the feed's entries that have no stored article (those the backfill rule skipped,
    published on or after `since`) through the whole pipeline; the schedule is left alone.

    Raises FetchError or ParseError: the user asked for this one feed.
    """
    report = SourceReport(url=plan.url)
    status = store.feed_status(plan.url)
    response = await client.fetch_feed(feed_location(status), Validators())
    if isinstance(response, NotModified):  # no validators were sent: a server's mistake
        report.status = "not_modified"
        return report
    feed = await run_sandboxed(ParseError, response.final_url, parse_feed, response)
    feed = replace(feed, url=plan.url)
    epoch = datetime.min.replace(tzinfo=UTC)
    unread = {
        entry.id: entry
        for entry in feed.entries
        if (since is None or (entry.published is not None and entry.published >= since))
        and not (entry.link and store.has_article(entry.link))
    }
    entries = sorted(unread.values(), key=lambda e: e.published or epoch)
    report.new_entries = len(entries)
    await _read_entries(
        entries,
        feed,
        plan=plan,
        config=config,
        store=store,
        client=client,
        now=now,
        report=report,
        backlog=[],
        channels=named_channels(config),
    )
    log.info(
        "feed_replayed source=%s entries=%d read=%d alerts=%d",
        plan.url,
        len(entries),
        report.articles,
        report.alerts,
    )
    return report


def _record(
    store: Store,
    feed_url: str,
    entry: FeedEntry,
    article: Article,
    found: Findings,
    *,
    now: datetime,
) -> None:
    """The article, its observations, alerts and events: one transaction (the outbox)."""
    store.record_article(
        article,
        feed_url=feed_url,
        entry_id=entry.id,
        now=now,
        observations=found.observations,
        alerts=found.alerts,
        events=findings_events(
            article,
            source=feed_url,
            topics=found.topics,
            observations=found.observations,
            alerts=[alert for alert, _ in found.alerts],
            now=now,
        ),
        revised=article.revised,
    )


def _poison(
    store: Store, plan: FeedPlan, entry: FeedEntry, stage: str, error: Exception, *, now: datetime
) -> None:
    """Mark the entry poisoned (this entry only: the feed goes on); skipped at the bound."""
    reason = redact(f"{type(error).__name__}: {error}".splitlines()[0][:500])
    event = new_event(
        "entry_poisoned",
        at=now,
        source=plan.url,
        entry=entry.id,
        link=entry.link,
        stage=stage,
        error=reason,
    )
    mark = store.poison_entry(
        feed_url=plan.url,
        entry_id=entry.id,
        link=entry.link,
        stage=stage,
        error=reason,
        now=now,
        max_attempts=MAX_ENTRY_ATTEMPTS,
        events=(event,),
    )
    log.warning(
        "entry_poisoned source=%s entry=%r stage=%s attempts=%d skipped=%s error=%r",
        plan.url,
        entry.id,
        stage,
        mark.attempts,
        str(mark.skipped).lower(),
        reason,
    )
    if not isinstance(error, MonitorError):  # a bug: its traceback, once, at debug level
        log.debug("entry_poisoned_traceback source=%s", plan.url, exc_info=error)


@dataclass(frozen=True, slots=True)
class Revisions:
    """Entries read before whose revision changed, and every revision to remember."""

    revised: frozenset[str]
    changed: dict[str, str]  # entry id → revision, for each entry not stored as it is now


def _new_entries(
    feed: ParsedFeed, state: FeedState, store: Store, config: Config, now: datetime
) -> tuple[list[FeedEntry], list[tuple[str, str | None]], Revisions]:
    """The entries to read, oldest first (new ones, and seen ones revised since: updated
    date, title or text changed), the backlog to remember as seen unread, and revisions."""
    backlog: list[tuple[str, str | None]] = []
    stored = store.entry_revisions(feed.url, [entry.id for entry in feed.entries])
    current = {entry.id: entry.revision for entry in feed.entries}
    changed = {
        id: revision
        for id, revision in current.items()
        if stored.get(id) not in (revision, NOT_READ)
    }
    revised = frozenset(id for id in changed if stored.get(id) is not None)
    unseen = [entry for entry in feed.entries if entry.id not in stored or entry.id in revised]
    unique = list({entry.id: entry for entry in unseen}.values())
    if state.first_polled_at is None and config.settings.poll.backfill:
        # A new feed's backlog is history the user did not ask about: remember it as seen,
        # and read only what is recent enough to matter.
        horizon = now - config.settings.poll.backfill
        old = [e for e in unique if e.published is not None and e.published < horizon]
        if old:
            backlog = [(e.id, e.link) for e in old]  # saved with the feed's state
            log.info("feed_backfill_skipped source=%s entries=%d", feed.url, len(old))
        old_ids = {e.id for e in old}  # ids, not entries: comparing records field by field is slow
        unique = [e for e in unique if e.id not in old_ids]
    epoch = datetime.min.replace(tzinfo=UTC)
    entries = sorted(unique, key=lambda e: e.published or epoch)
    return entries, backlog, Revisions(revised=revised, changed=changed)


async def _read_ahead(
    entries: Sequence[FeedEntry], feed: ParsedFeed, client: HttpClient, page: Fetched | None = None
) -> AsyncIterator[tuple[FeedEntry, asyncio.Task[Article]]]:
    """Each entry with the task reading its article, in entry order.

    Up to READ_AHEAD pages are fetched and extracted at once (the sandbox's workers run in
    parallel) while the caller handles the oldest; a window, not a queue, so a burst of new
    entries waits instead of filling memory.
    """
    window: deque[tuple[FeedEntry, asyncio.Task[Article]]] = deque()
    upcoming = iter(entries)
    try:
        while True:
            while len(window) < READ_AHEAD and (entry := next(upcoming, None)) is not None:
                task = asyncio.create_task(_read_article(entry, feed, client, page))
                window.append((entry, task))
            if not window:
                return
            yield window.popleft()
    finally:
        for _, task in window:
            task.cancel()


async def _read_article(
    entry: FeedEntry, feed: ParsedFeed, client: HttpClient, page: Fetched | None = None
) -> Article:
    if page is not None:  # a watched page: its body is the article, fetched already
        return await extract_page(page)
    if entry.link:
        try:
            page = await client.fetch_page(entry.link)
            return await extract_page(page, entry=entry, feed_language=feed.language)
        except (FetchError, ExtractError) as error:
            log.warning(
                "article_fallback_to_feed url=%s reason=%r", entry.link, redact(error.reason)
            )
    return article_from_entry(entry, feed_title=feed.title, feed_language=feed.language)


async def extract_page(
    page: Fetched, *, entry: FeedEntry | None = None, feed_language: str | None = None
) -> Article:
    """The article of a fetched page, extracted in a sandbox worker (never in this loop)."""
    return await run_sandboxed(
        ExtractError,
        page.final_url,
        extract_article,
        page.body,
        url=page.final_url,
        entry=entry,
        feed_language=feed_language,
        charset=page.charset,
    )


async def _findings(
    article: Article,
    watchlists: Sequence[Watchlist],
    channels: Mapping[str, Channel],
    store: Store,
    now: datetime,
    *,
    config: Config,
) -> Findings:
    """The decider's findings for `article`; its figures are found only when a matched
    watchlist tracks figures (and, for a revision, only the values it did not hold)."""
    matches = topic_matches(article, watchlists)
    for watchlist, match in matches:
        log.info(
            "article_matched topic=%r url=%s terms=%r", watchlist.name, article.url, match.terms
        )
    figures: list[Figure] = []
    if needs_figures(matches):
        figures = await scan_article(article, durations=needs_durations(matches))
        if article.revised:  # only what the revision changed counts
            before = store.article_values(article.url)
            figures = [f for f in figures if Decimal(str(f.value)) not in before]
    return article_findings(
        article,
        matches,
        figures,
        channels=channels,
        history_of=store.figure_history,
        now=now,
        trend_of=store.figure_trend,
        page_url_of=lambda topic, figure: figure_url(config, topic, figure),
    )


async def scan_article(article: Article, *, durations: bool = False) -> list[Figure]:
    """The article's figures, found in a sandbox worker (never in this event loop).

    Text past MAX_SCAN_CHARS is not scanned (logged); a figure whose value has more digits
    than a database column holds (MAX_FIGURE_CHARS) is dropped (logged): no count in the
    news has 60 digits, and such a value could not be stored or compared.
    """
    figures, scanned = await run_sandboxed(
        ExtractError, article.url, scan_figures, article.text, article.language, durations
    )
    if scanned < len(article.text):
        log.warning(
            "figures_truncated url=%s chars=%d scanned=%d reason=article_over_scan_cap",
            article.url,
            len(article.text),
            scanned,
        )
    kept = [figure for figure in figures if _storable(figure.value)]
    if len(kept) < len(figures):
        log.warning(
            "figures_dropped url=%s figures=%d reason=more_than_%d_characters",
            article.url,
            len(figures) - len(kept),
            MAX_FIGURE_CHARS,
        )
    return kept


def _storable(value: object) -> bool:
    """True for a finite value whose text fits the stored column (both databases)."""
    if isinstance(value, Decimal):
        return value.is_finite() and len(str(value)) <= MAX_FIGURE_CHARS
    if isinstance(value, float):
        return math.isfinite(value) and len(repr(value)) <= MAX_FIGURE_CHARS
    return len(str(value)) <= MAX_FIGURE_CHARS


async def run_cycle(
    config: Config,
    store: Store,
    *,
    now: datetime | None = None,
    due_only: bool = True,
) -> CycleReport:
    """One pass over the feeds (the due ones, or all) and then over every undelivered alert."""
    now = now or datetime.now(UTC)
    report = CycleReport()
    stored = store.feed_snapshots()
    snapshots = {
        plan.url: stored.get(plan.url) or (FeedState(url=plan.url), FeedStatus(url=plan.url))
        for plan in config.feeds()
    }
    due = [plan for plan in config.feeds() if not due_only or _is_due(snapshots[plan.url][0], now)]
    channels = named_channels(config)
    # Feeds are polled concurrently (the HTTP client enforces the per-host and total limits);
    # each feed's articles are still processed in order, so history stays in time order.
    async with http_client(config) as client:
        report.sources.extend(
            await asyncio.gather(
                *(
                    run_source(
                        p,
                        config=config,
                        store=store,
                        client=client,
                        now=now,
                        state=snapshots[p.url][0],
                        status=snapshots[p.url][1],
                        channels=channels,
                    )
                    for p in due
                )
            )
        )
    delivered, failures = await deliver_pending(
        config, store, now=now, due_only=False, channels=channels
    )
    report.delivered, report.delivery_failures = delivered, failures
    return report


def _is_due(state: FeedState, now: datetime) -> bool:
    return state.next_check_at is None or state.next_check_at <= now


async def deliver_pending(
    config: Config,
    store: Store,
    *,
    now: datetime | None = None,
    due_only: bool = True,
    channels: Mapping[str, Channel] | None = None,
) -> tuple[int, int]:
    """Send every pending delivery (those due, or all); return (delivered, failed).

    Digests wait for their time either way; see `outbox.deliver_outbox`.
    """
    return await deliver_outbox(
        config, store, now=now or datetime.now(UTC), due_only=due_only, channels=channels
    )


def poll_policy(config: Config, plan: FeedPlan) -> PollPolicy:
    """How a feed is scheduled: its interval, the adaptive bounds and jitter from the settings."""
    poll = config.settings.poll
    return PollPolicy(
        interval=plan.interval,
        pinned=plan.pinned,
        adaptive=poll.adaptive,
        min_interval=poll.min_interval,
        max_interval=poll.max_interval,
        max_backoff=poll.max_backoff,
        jitter=poll.jitter,
    )


def transient_backoff(config: Config, plan: FeedPlan, faults: int) -> timedelta:
    """The wait after the `faults`-th transient fault in a row: from seconds, then doubling."""
    return backoff_after(poll_policy(config, plan), faults, transient=True)


def reschedule_source(
    plan: FeedPlan, *, config: Config, store: Store, now: datetime
) -> datetime | None:
    """The feed's next check under a changed schedule: its last poll plus the new interval
    (adaptive or not), stored so every instance agrees. None (nothing changed) for a feed
    never polled, failing (its backoff stands) or retired."""
    state = store.feed_state(plan.url)
    if state.retired or state.last_polled_at is None or state.error_count:
        return None
    published = recent_published(store.feed_status(plan.url))
    interval = poll_interval(poll_policy(config, plan), published=published, now=now)
    then = max(state.last_polled_at + interval, now)
    store.record_poll(replace(state, next_check_at=then))
    log.info(
        "feed_rescheduled source=%s interval_s=%d next=%s",
        plan.url,
        interval.total_seconds(),
        then.isoformat(),
    )
    return then


def _polled(
    state: FeedState,
    plan: FeedPlan,
    config: Config,
    now: datetime,
    validators: Validators,
    *,
    hint_s: float | None = None,
    published: Sequence[datetime | None] = (),
) -> FeedState:
    policy = poll_policy(config, plan)
    next_check_at = now + next_poll_in(policy, published=published, hint_s=hint_s, now=now)
    return replace(
        state,
        validators=validators,
        first_polled_at=state.first_polled_at or now,
        last_polled_at=now,
        next_check_at=next_check_at,
        error_count=0,
        last_error=None,
    )


def _failed(
    state: FeedState,
    plan: FeedPlan,
    config: Config,
    error: Exception,
    now: datetime,
    *,
    transient: bool = False,
) -> FeedState:
    errors = state.error_count + 1
    retry_after = error.retry_after_s if isinstance(error, FetchError) else None
    backoff = backoff_after(
        poll_policy(config, plan), errors, retry_after_s=retry_after, transient=transient
    )
    return replace(
        state,
        last_polled_at=now,
        next_check_at=now + backoff,
        error_count=errors,
        last_error=redact(str(error)),
        retired=isinstance(error, FetchError) and error.gone,
    )
