"""store against real databases: SQLite files in tmp_path, and PostgreSQL when
MONITOR_TEST_POSTGRES_URL is set (each test in a schema of its own, dropped afterwards)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from monitor.errors import StoreError
from monitor.records import Alert, Article, Event, FeedState, FeedStatus, Observation, Validators
from monitor.store import Store, open_store, safe_url
from monitor.store.migrate import LATEST_VERSION, MIGRATIONS

POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL")
NOW = datetime(2024, 10, 9, 12, 0, tzinfo=UTC)
FEB = datetime(2024, 2, 27, 8, 0, tzinfo=UTC)
MAR = datetime(2024, 3, 15, 8, 0, tzinfo=UTC)
OCT = datetime(2024, 10, 9, 6, 0, tzinfo=UTC)
KST = timezone(timedelta(hours=9))
TOPIC = "North Korean arms deliveries to Russia"
FEED = "https://news.example/feed.xml"


@pytest.fixture
def store(store_url) -> Iterator[Store]:
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


def article(
    url: str = "https://ukrinform.example/nk-13000", *, published=OCT, outlet="ukrinform.example"
):
    return Article(
        url=url,
        title="Nordkorea hat über 13.000 Container nach Russland geschickt",
        text="Nordkorea hat über 13.000 Container geschickt. Im Februar waren es 6.700.",
        published=published,
        language="de",
        outlet=outlet,
    )


def observation(
    value: str,
    *,
    published: datetime = OCT,
    time: str = "current",
    outlet: str = "ukrinform.example",
    url: str = "https://ukrinform.example/nk-13000",
    figure: str = "containers",
) -> Observation:
    return Observation(
        topic=TOPIC,
        figure=figure,
        value=Decimal(value),
        approx=True,
        bound="min" if time == "current" else None,
        time=time,  # type: ignore[arg-type]
        article_url=url,
        article_title="Nordkorea hat über 13.000 Container nach Russland geschickt",
        outlet=outlet,
        published=published,
        sentence=f"… {value} Container …",
        observed_at=NOW,
    )


def alert(key: str = "nk:containers:13000", *, created_at: datetime = NOW) -> Alert:
    return Alert(
        key=key,
        topic=TOPIC,
        figure="containers",
        title="containers shipped: 6,700 → 13,000 (+94%)",
        body='new: "über 13.000 Container" — ukrinform.example',
        tags=("chat", "mail"),
        created_at=created_at,
    )


def record(store: Store, art: Article, *, entry_id: str, observations=(), alerts=(), feed=FEED):
    return store.record_article(
        art, feed_url=feed, entry_id=entry_id, now=NOW, observations=observations, alerts=alerts
    )


# opening and migrations


def test_open_creates_the_file_and_reopening_keeps_data_and_version(store_url):
    first = open_store(store_url)
    try:
        assert first.schema_version() == LATEST_VERSION
        record(first, article(), entry_id="e1", observations=[observation("13000")])
    finally:
        first.close()

    again = open_store(store_url)
    try:
        assert again.schema_version() == LATEST_VERSION
        assert again.has_article("https://ukrinform.example/nk-13000")
        assert [o.value for o in again.observations(TOPIC)] == [Decimal("13000")]
    finally:
        again.close()


def test_open_sqlite_creates_missing_directories_and_uses_wal(tmp_path):
    path = tmp_path / "a" / "b" / "monitor.db"

    with open_store(f"sqlite:///{path}"):
        pass

    assert path.is_file()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        versions = connection.execute("SELECT version FROM schema_version").fetchall()
    assert versions == [(m.version,) for m in MIGRATIONS]


def test_open_refuses_a_schema_newer_than_the_code(tmp_path):
    path = tmp_path / "monitor.db"
    open_store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO schema_version (version, description, applied_at) "
            "VALUES (99, 'from the future', '2030-01-01 00:00:00.000000')"
        )

    with pytest.raises(StoreError, match="version 99, newer than this monitor"):
        open_store(f"sqlite:///{path}")


def test_open_reports_an_unusable_sqlite_path(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be")

    with pytest.raises(StoreError, match=r"cannot open database sqlite:///.*not-a-directory"):
        open_store(f"sqlite:///{blocker / 'monitor.db'}")


def test_open_reports_an_unreachable_server_without_the_password():
    url = "postgresql+psycopg://monitor:hunter2-db-pass@127.0.0.1:9/monitor?connect_timeout=2"

    with pytest.raises(StoreError) as raised:
        open_store(url)

    message = str(raised.value)
    assert message.startswith("cannot open database postgresql+psycopg://monitor:***@127.0.0.1:9")
    assert "hunter2-db-pass" not in message


def test_safe_url_masks_the_password():
    assert (
        safe_url("postgresql+psycopg://u:p4ss@db/monitor")
        == "postgresql+psycopg://u:***@db/monitor"
    )
    assert safe_url("sqlite:///var/monitor.db") == "sqlite:///var/monitor.db"


# record_article: the outbox transaction


def test_record_article_writes_article_entry_observations_alert_and_deliveries(store):
    created = record(
        store,
        article(),
        entry_id="urn:1",
        observations=[observation("13000"), observation("6700", time="past", published=OCT)],
        alerts=[(alert(), ["chat-webhook", "ops-mail"])],
    )

    assert len(created) == 1
    assert store.has_article("https://ukrinform.example/nk-13000")
    assert store.unseen_entry_ids(FEED, ["urn:1", "urn:2"]) == {"urn:2"}
    assert sorted(o.value for o in store.observations(TOPIC, "containers")) == [6700, 13000]
    [(stored, deliveries)] = store.alert_list()
    assert stored.id == created[0]
    assert stored.key == "nk:containers:13000"
    assert stored.tags == ("chat", "mail")
    assert stored.title == "containers shipped: 6,700 → 13,000 (+94%)"
    assert [(d.channel, d.state, d.attempts) for d in deliveries] == [
        ("chat-webhook", "pending", 0),
        ("ops-mail", "pending", 0),
    ]


def test_record_article_skips_an_alert_whose_key_exists(store):
    first = record(store, article(), entry_id="urn:1", alerts=[(alert(), ["chat"])])
    second = record(
        store,
        article("https://wire.example/nk-13000", outlet="wire.example"),
        entry_id="urn:2",
        observations=[
            observation("13000", outlet="wire.example", url="https://wire.example/nk-13000")
        ],
        alerts=[(alert(), ["chat"]), (alert("nk:containers:other"), ["chat"])],
    )

    assert len(first) == 1
    assert len(second) == 1
    assert second[0] != first[0]
    assert sorted(a.key for a, _ in store.alert_list()) == [
        "nk:containers:13000",
        "nk:containers:other",
    ]
    assert store.has_article("https://wire.example/nk-13000")
    assert len(store.observations(TOPIC)) == 1


def test_record_article_failure_leaves_nothing_half_written(store):
    naive = datetime(2024, 10, 9, 6, 0)  # a bug upstream: no timezone
    broken = [observation("13000"), observation("6700", published=naive)]

    with pytest.raises(StoreError, match="naive datetime"):
        record(
            store, article(), entry_id="urn:1", observations=broken, alerts=[(alert(), ["chat"])]
        )

    assert not store.has_article("https://ukrinform.example/nk-13000")
    assert store.unseen_entry_ids(FEED, ["urn:1"]) == {"urn:1"}
    assert store.observations() == []
    assert store.alert_list() == []
    assert store.outbox(NOW, retries_due_only=True) == []


def test_record_article_already_recorded_from_another_feed_only_marks_the_entry(store):
    record(store, article(), entry_id="urn:1", observations=[observation("13000")])

    created = record(
        store,
        article(),
        entry_id="other-feed-id",
        feed="https://other.example/rss",
        observations=[observation("13000")],
        alerts=[(alert(), ["chat"])],
    )

    assert created == ()
    assert store.unseen_entry_ids("https://other.example/rss", ["other-feed-id"]) == set()
    assert len(store.observations()) == 1
    assert store.alert_list() == []


def test_articles_come_back_oldest_first_and_filtered(store):
    record(store, article("https://a.example/oct", published=OCT), entry_id="1")
    record(store, article("https://a.example/feb", published=FEB), entry_id="2")
    record(store, article("https://a.example/undated", published=None), entry_id="3")

    assert [a.url for a in store.articles()] == [
        "https://a.example/feb",
        "https://a.example/oct",
        "https://a.example/undated",  # undated: its fetch time (NOW) places it
    ]
    assert [a.url for a in store.articles(since=MAR)] == [
        "https://a.example/oct",
        "https://a.example/undated",
    ]
    oct_article = store.articles(since=OCT)[0]
    assert oct_article == article("https://a.example/oct", published=OCT)


# observations and history


def test_latest_current_is_the_latest_published_not_the_latest_recorded(store):
    record(
        store,
        article("https://a/feb"),
        entry_id="1",
        observations=[observation("6700", published=FEB)],
    )
    record(
        store,
        article("https://a/oct"),
        entry_id="2",
        observations=[observation("13000", published=OCT)],
    )
    # a late, older report arrives last; and a newer article cites an old value as past
    record(
        store,
        article("https://a/mar"),
        entry_id="3",
        observations=[observation("6800", published=MAR)],
    )
    record(
        store,
        article("https://a/nov"),
        entry_id="4",
        observations=[observation("6700", published=OCT + timedelta(days=30), time="past")],
    )

    latest = store.latest_current(TOPIC, "containers")
    assert latest is not None
    assert latest.value == Decimal("13000")
    assert latest.published == OCT
    before_april = store.latest_current(
        TOPIC, "containers", before=datetime(2024, 4, 1, tzinfo=UTC)
    )
    assert before_april is not None
    assert before_april.value == Decimal("6800")
    assert store.latest_current(TOPIC, "containers", before=FEB - timedelta(days=1)) is None
    assert store.latest_current(TOPIC, "shells") is None
    assert [o.published for o in store.observations(TOPIC, "containers")] == [
        OCT + timedelta(days=30),
        OCT,
        MAR,
        FEB,
    ]


def test_latest_current_breaks_a_publication_tie_by_the_later_record(store):
    record(store, article("https://a/1"), entry_id="1", observations=[observation("12000")])
    record(store, article("https://a/2"), entry_id="2", observations=[observation("13000")])

    latest = store.latest_current(TOPIC, "containers")

    assert latest is not None
    assert latest.value == Decimal("13000")


def test_timestamps_come_back_as_utc_whatever_zone_went_in(store):
    published_kst = datetime(2024, 10, 9, 15, 0, tzinfo=KST)
    record(
        store, article(), entry_id="1", observations=[observation("13000", published=published_kst)]
    )

    [stored] = store.observations()

    assert stored.published == published_kst
    assert stored.published.tzinfo == UTC
    assert stored.published.hour == 6
    assert stored.observed_at == NOW
    assert stored.id is not None


@pytest.mark.parametrize(
    "value",
    ["13000", "6.7E+6", "0.1", "1.3E+4", "0.000001", "12345678901234567890.123456789", "-2.50"],
    ids=[
        "integer",
        "exponent",
        "tenth",
        "exponent-13000",
        "micro",
        "long",
        "negative-trailing-zero",
    ],
)
def test_decimal_values_round_trip_exactly(store, value):
    record(store, article(), entry_id="1", observations=[observation(value)])

    [stored] = store.observations()

    assert stored.value == Decimal(value)
    assert str(stored.value) == value


def test_corroborations_count_distinct_outlets_reporting_the_value(store):
    reports = [
        ("https://a/1", "ukrinform.example", "13000", "current", OCT),
        ("https://a/2", "ukrinform.example", "13000", "current", OCT),  # same outlet twice
        ("https://a/3", "wire.example", "1.3E+4", "current", OCT),  # same value, other spelling
        ("https://a/4", "reuters.com", "13000", "current", OCT),
        ("https://a/5", "bbc.co.uk", "12000", "current", OCT),  # another value
        ("https://a/6", "dw.com", "13000", "past", OCT),  # cited as earlier
        ("https://a/7", "tass.ru", "13000", "current", FEB),  # before the window
    ]
    for url, outlet, value, time, published in reports:
        record(
            store,
            article(url, outlet=outlet),
            entry_id=url,
            observations=[
                observation(value, outlet=outlet, url=url, time=time, published=published)
            ],
        )

    assert store.corroborations(TOPIC, "containers", Decimal("13000"), since=MAR) == 3
    assert store.corroborations(TOPIC, "containers", Decimal("13000"), since=FEB) == 4
    assert store.corroborations(TOPIC, "containers", Decimal("12000"), since=MAR) == 1
    assert store.corroborations(TOPIC, "shells", Decimal("13000"), since=FEB) == 0


# the outbox


def test_deliveries_become_due_sent_retried_and_failed(store):
    [alert_id] = record(
        store, article(), entry_id="1", alerts=[(alert(), ["chat", "mail", "pager"])]
    )

    due = store.outbox(NOW, retries_due_only=True)
    assert [(a.key, d.channel) for a, d in due] == [
        ("nk:containers:13000", "chat"),
        ("nk:containers:13000", "mail"),
        ("nk:containers:13000", "pager"),
    ]

    store.mark_delivered(alert_id, "chat", NOW)
    store.mark_attempt_failed(
        alert_id, "mail", "smtp: connection refused", NOW, NOW + timedelta(minutes=2)
    )
    store.mark_attempt_failed(alert_id, "pager", "401 unauthorized", NOW, None)

    assert store.outbox(NOW + timedelta(minutes=1), retries_due_only=True) == []
    [(_, retry)] = store.outbox(NOW + timedelta(minutes=2), retries_due_only=True)
    assert (retry.channel, retry.state, retry.attempts) == ("mail", "pending", 1)
    assert retry.last_error == "smtp: connection refused"
    assert retry.next_attempt_at == NOW + timedelta(minutes=2)

    store.mark_attempt_failed(alert_id, "mail", "still refused", NOW, NOW + timedelta(minutes=4))
    store.mark_delivered(alert_id, "mail", NOW + timedelta(minutes=4))

    assert store.outbox(NOW + timedelta(days=1), retries_due_only=True) == []
    [(_, deliveries)] = store.alert_list()
    by_channel = {d.channel: d for d in deliveries}
    assert (by_channel["chat"].state, by_channel["chat"].sent_at) == ("sent", NOW)
    assert (by_channel["mail"].state, by_channel["mail"].attempts) == ("sent", 3)
    assert by_channel["mail"].sent_at == NOW + timedelta(minutes=4)
    assert (by_channel["pager"].state, by_channel["pager"].attempts) == ("failed", 1)
    assert by_channel["pager"].last_error == "401 unauthorized"


def test_marking_an_unknown_delivery_is_an_error(store):
    [alert_id] = record(store, article(), entry_id="1", alerts=[(alert(), ["chat"])])

    with pytest.raises(StoreError, match="no delivery of alert"):
        store.mark_delivered(alert_id, "nonexistent", NOW)


def test_alerts_are_listed_newest_first_with_a_limit(store):
    for day in range(3):
        store.record_alert(alert(f"k{day}", created_at=NOW + timedelta(days=day)), ["chat"])

    assert [a.key for a, _ in store.alert_list()] == ["k2", "k1", "k0"]
    assert [a.key for a, _ in store.alert_list(limit=2)] == ["k2", "k1"]
    assert store.record_alert(alert("k0"), ["chat"]) is None


# feeds


def test_feed_state_round_trips_and_defaults(store):
    assert store.feed_state(FEED) == FeedState(url=FEED)
    state = FeedState(
        url=FEED,
        validators=Validators(etag='W/"abc"', last_modified="Wed, 09 Oct 2024 06:00:00 GMT"),
        first_polled_at=FEB,
        last_polled_at=NOW,
        next_check_at=NOW + timedelta(minutes=15),
        error_count=2,
        last_error="HTTP 503 Service Unavailable",
        retired=False,
    )

    store.save_feed_state(state)
    assert store.feed_state(FEED) == state

    replaced = FeedState(
        url=FEED, validators=Validators(etag='"def"'), last_polled_at=NOW, retired=True
    )
    store.save_feed_state(replaced)
    assert store.feed_state(FEED) == replaced
    assert store.feed_states() == [replaced]


def test_unseen_entry_ids_per_feed_beyond_one_query_chunk(store):
    ids = [f"urn:entry:{n}" for n in range(1200)]
    store.mark_entries_seen(FEED, [(i, f"https://news.example/{i}") for i in ids[:700]], NOW)
    store.mark_entries_seen(FEED, [(ids[0], None)], NOW)  # again: no error, no duplicate

    assert store.unseen_entry_ids(FEED, ids) == set(ids[700:])
    assert store.unseen_entry_ids("https://other.example/rss", ids[:3]) == set(ids[:3])
    assert store.unseen_entry_ids(FEED, []) == set()


def test_record_poll_saves_state_status_backlog_and_events_together(store):
    state = FeedState(
        url=FEED,
        validators=Validators(etag='"v1"'),
        first_polled_at=NOW,
        last_polled_at=NOW,
        next_check_at=NOW + timedelta(minutes=15),
    )
    status = FeedStatus(url=FEED, published=(FEB, MAR))
    event = Event(at=NOW, kind="feed_moved", source=FEED, data=(("to", "https://x.example"),))

    store.record_poll(
        state, status=status, seen=[("a", "https://news.example/a"), ("b", None)], events=[event]
    )

    assert store.feed_state(FEED) == state
    assert store.feed_status(FEED) == status
    assert store.unseen_entry_ids(FEED, ["a", "b", "c"]) == {"c"}
    assert [(e.kind, e.source) for e in store.events()] == [("feed_moved", FEED)]
    assert store.feed_snapshots() == {FEED: (state, status)}

    later = FeedState(
        url=FEED,
        validators=Validators(etag='"v2"'),
        first_polled_at=NOW,
        last_polled_at=NOW + timedelta(hours=1),
    )
    store.record_poll(later)  # no status given: the stored one stays
    assert store.feed_snapshots() == {FEED: (later, status)}


def test_record_poll_writes_nothing_when_one_part_fails(store):
    state = FeedState(url=FEED, first_polled_at=NOW, last_polled_at=NOW)
    broken = FeedStatus(url=FEED, moved_at=datetime(2024, 1, 1))  # naive: refused

    with pytest.raises(StoreError, match="naive datetime"):
        store.record_poll(state, status=broken, seen=[("a", None)])

    assert store.feed_state(FEED) == FeedState(url=FEED)
    assert store.unseen_entry_ids(FEED, ["a"]) == {"a"}


def test_move_feed_carries_state_and_seen_entries(store):
    new = "https://news.example/rss/v2"
    store.save_feed_state(FeedState(url=FEED, error_count=1, last_polled_at=NOW))
    store.mark_entries_seen(FEED, [("a", None), ("b", None)], NOW)

    store.move_feed(FEED, new)

    assert store.feed_state(new).error_count == 1
    assert store.feed_state(new).last_polled_at == NOW
    assert store.feed_state(FEED) == FeedState(url=FEED)
    assert store.unseen_entry_ids(new, ["a", "b", "c"]) == {"c"}


def test_two_stores_on_one_sqlite_file_write_concurrently(tmp_path):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    stores = [open_store(url), open_store(url)]
    errors: list[BaseException] = []

    def write(worker: int, store: Store) -> None:
        try:
            for n in range(25):
                link = f"https://a.example/{worker}/{n}"
                record(
                    store,
                    article(link),
                    entry_id=link,
                    observations=[observation(str(n), url=link)],
                    alerts=[(alert(f"shared-{n}"), ["chat"])],  # both workers race on each key
                )
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i, s)) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()

    assert errors == []
    with open_store(url) as reopened:
        assert len(reopened.observations()) == 50
        assert len(reopened.alert_list(limit=100)) == 25
        assert len(reopened.outbox(NOW, retries_due_only=True)) == 25
