"""The pages, feeds and corrections through real parts: the story's loopback feed read by
`monitor once`, a real SQLite or PostgreSQL store, the pages served over HTTP on 127.0.0.1
(the daemon's own listener class), apprise to a real SMTP server."""

from __future__ import annotations

import csv
import io
import json
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.client import HTTPResponse
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.observe import metrics_page
from monitor.status import read_status
from monitor.store import Store, open_store
from monitor.store.migrate import LATEST_VERSION
from monitor.store.pages import PointRow
from monitor.web.atom import atom_feed, xml_text
from monitor.web.chart import MAX_MARKS, Timeline, decimate, draw, merge
from monitor.web.server import WebServer
from tests.fixtures.story import Story, publish_february, publish_seed
from tests.test_rules_end_to_end import publish

ATOM = "{http://www.w3.org/2005/Atom}"
FIGURE_PATH = "/topics/north-korean-arms-deliveries-to-russia/containers"
CONTAINERS = "North Korean arms deliveries to Russia — Containers shipped to Russia"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None):
    body = urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        response: HTTPResponse = OPENER.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
    with response:
        return response.status, dict(response.headers), response.read().decode()


def run(story: Story, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main([*args, "--config", str(story.config)]) == 0
    return capsys.readouterr().out


def current_ids(story: Story, capsys: pytest.CaptureFixture[str], value: int) -> list[int]:
    history = story.cli_json(capsys, "figures")
    return [
        o["id"]
        for o in history
        if o["figure"] == "containers" and o["time"] == "current" and o["value"] == value
    ]


def status_values(story: Story, capsys: pytest.CaptureFixture[str]) -> list[int]:
    """The containers value `monitor status --json` shows (exit 3: no daemon runs)."""
    capsys.readouterr()
    assert main(["status", "--json", "--config", str(story.config)]) == 3
    document = json.loads(capsys.readouterr().out)
    return [f["value"] for f in document["figures"] if f["figure"] == "containers"]


@pytest.fixture
def served(story: Story) -> Iterator[tuple[str, Store]]:
    config = load_config(story.config)
    store = open_store(config.database_url())
    server = WebServer("127.0.0.1:0", None, store=store, config_source=lambda: config)
    server.start()
    try:
        yield f"http://{server.address}", store
    finally:
        server.stop()
        store.close()


# the store: schema 7


def test_a_version_6_database_gains_the_review_columns(store_url: str) -> None:
    store = open_store(store_url)
    try:
        with store._engine.begin() as connection:  # take the database back to version 6
            connection.exec_driver_sql("ALTER TABLE observation DROP COLUMN review")
            connection.exec_driver_sql("ALTER TABLE observation DROP COLUMN reviewed_at")
            connection.exec_driver_sql("DELETE FROM schema_version WHERE version > 6")
        assert store.schema_version() == 6
    finally:
        store.close()
    with open_store(store_url) as reopened:
        assert reopened.schema_version() == LATEST_VERSION == 7
        with reopened._engine.connect() as connection:
            connection.exec_driver_sql("SELECT review, reviewed_at FROM observation").all()


# corrections, end to end


def test_a_rejected_value_stops_being_the_comparison_point(
    story: Story, webhook_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    titles = [p.body["title"] for p in webhook_receiver.received]
    assert f"{CONTAINERS}: 6,700 → 13,000 (+94%)" in titles
    table = run(story, capsys, "figures")
    assert table.splitlines()[0].split()[:2] == ["id", "published"]
    [wrong] = current_ids(story, capsys, 13000)

    out = run(story, capsys, "figures", "reject", str(wrong))
    assert f"#{wrong} " in out
    assert "rejected" in out
    assert "comparison point now:" in out
    assert "6,700" in out.splitlines()[-1]
    assert status_values(story, capsys) == [6700]

    before = len(webhook_receiver.received)
    publish(
        story,
        "/2024/10/update.html",
        "Seoul Herald",
        datetime(2024, 10, 9, 12, 30, tzinfo=UTC),  # within the cooldown of the wrong alert
        "North Korea has shipped 14,000 containers to Russia, the defence ministry in Seoul said.",
    )
    assert story.once() == 0
    new_titles = [p.body["title"] for p in webhook_receiver.received[before:]]
    assert f"{CONTAINERS}: 6,700 → 14,000 (+109%)" in new_titles  # not 13,000 → 14,000

    run(story, capsys, "figures", "accept", str(wrong))
    history = story.cli_json(capsys, "figures")
    assert {o["id"]: o["review"] for o in history}[wrong] == "accepted"


def test_reviewing_an_unknown_value_says_how_to_find_one(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["figures", "reject", "999", "--config", str(story.config)]) == 1
    assert "no figure value #999; `monitor figures` lists them" in capsys.readouterr().err
    assert main(["figures", "accept", "--config", str(story.config)]) == 1
    assert "which value?" in capsys.readouterr().err


def test_held_values_never_count_as_current_in_status_or_metrics(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_february(story)
    publish_seed(story)
    publish(
        story,
        "/2024/10/misread.html",
        "Careless Daily",
        datetime(2024, 10, 10, 9, 0, tzinfo=UTC),
        "North Korea has shipped 13.000 containers to Russia, according to Seoul.",
    )
    assert story.once() == 0
    held = story.cli_json(capsys, "alerts", "--unconfirmed")
    assert [(h["value"], h["hold"]) for h in held] == [(13, "implausible")]
    assert status_values(story, capsys) == [13000]

    config = load_config(story.config)
    with open_store(config.database_url()) as store:
        scrape = metrics_page(lambda: (read_status(config, store, datetime.now(UTC)), None))
        _, body = scrape()
    gauge = re.search(
        r'monitor_tracked_figure_value\{[^}]*figure="containers"[^}]*\} (\S+)', body.decode()
    )
    assert gauge is not None
    assert float(gauge.group(1)) == 13000.0


# e-mail: locale, link, sparkline


def test_e_mail_alerts_carry_the_page_link_a_sparkline_and_the_locale(
    story: Story, smtp_receiver
) -> None:
    settings = story.config / "settings.yaml"
    settings.write_text(
        settings.read_text() + "http:\n  public_url: https://monitor.example.org/\n"
    )
    watchlist = story.config / "watchlists" / "north-korea.yaml"
    watchlist.write_text(watchlist.read_text() + "locale: de\n")
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    mail = next(m for m in smtp_receiver.messages if "Container" in m.subject)
    assert "etwa 6.700 → mehr als 13.000 (+94 %)" in mail.subject
    assert "etwa 6.700 → mehr als 13.000" in mail.text
    assert f"https://monitor.example.org{FIGURE_PATH}" in mail.text
    assert re.search("[▁▂▃▄▅▆▇█]{2,}", mail.text)
    shells = next(m for m in smtp_receiver.messages if "artillery" in m.subject)
    assert "etwa 3 Mio. → etwa 6 Mio." in shells.subject


def test_without_a_public_url_the_e_mail_has_no_link(story: Story, smtp_receiver) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    mail = next(m for m in smtp_receiver.messages if "Container" in m.subject)
    assert "/topics/" not in mail.text
    assert "6,700 → 13,000" in mail.text  # no locale: as before


# the pages over HTTP


def test_pages_lead_from_the_watchlists_to_a_figure_timeline(
    story: Story, served: tuple[str, Store]
) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    base, _ = served

    status, headers, index = fetch(f"{base}/")
    assert status == 200
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "script" not in headers["Content-Security-Policy"]
    assert 'href="/topics/north-korean-arms-deliveries-to-russia"' in index
    status, _, topic = fetch(f"{base}/topics/north-korean-arms-deliveries-to-russia")
    assert status == 200
    assert f'href="{FIGURE_PATH}"' in topic
    assert "13,000" in topic

    status, headers, page = fetch(f"{base}{FIGURE_PATH}")
    assert status == 200
    assert "<script" not in page
    assert " style=" not in page
    assert 'role="group" aria-label="Step chart of Containers shipped to Russia' in page
    links = re.findall(r'<a href="(/values/\d+)" class="point (\w+)" aria-label="([^"]+)"', page)
    assert {state for _, state, _ in links} == {"current", "past"}
    assert any(label.startswith("more than 13,000 on 2024-10-09") for _, _, label in links)
    status, _, value = fetch(base + next(href for href, _, label in links if "13,000" in label))
    assert status == 200
    assert "Nordkorea hat über 13.000 Container" in value
    assert "Ukrinform" in value
    rows = re.findall(r"<tr class=\"(\w+)\">", page)
    assert rows[:1] == ["current"]  # newest first

    assert fetch(f"{base}/alerts")[2].count("sent") >= 2
    assert "feed.xml" in fetch(f"{base}/feeds")[2]


def test_bad_pages_and_ids_are_404_or_400_never_500(
    story: Story, served: tuple[str, Store]
) -> None:
    publish_february(story)
    assert story.once() == 0
    base, _ = served
    assert fetch(f"{base}{FIGURE_PATH}?page=abc")[0] == 400
    assert fetch(f"{base}{FIGURE_PATH}?page=-1")[0] == 400
    assert fetch(f"{base}{FIGURE_PATH}?page=0")[0] == 404
    assert fetch(f"{base}{FIGURE_PATH}?page=99")[0] == 404
    assert fetch(f"{base}{FIGURE_PATH}?page=99999999999999999999")[0] == 400
    assert fetch(f"{base}/topics/nothing-here")[0] == 404
    assert fetch(f"{base}/topics/north-korean-arms-deliveries-to-russia/nothing")[0] == 404
    assert fetch(f"{base}/values/0")[0] == 404
    assert fetch(f"{base}/values/999999999999")[0] == 404
    assert fetch(f"{base}/values/abc")[0] == 404
    status, headers, _ = fetch(f"{base}/values/1/review", {"verdict": "reject"})
    assert status == 403
    assert "Content-Security-Policy" in headers


def test_atom_csv_and_json_of_a_figure(story: Story, served: tuple[str, Store]) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    base, _ = served

    status, headers, body = fetch(f"{base}{FIGURE_PATH}.atom")
    assert status == 200
    assert headers["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(body.encode())
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"{base}{FIGURE_PATH}.atom"
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == f"{CONTAINERS}: 6,700 → 13,000 (+94%)"
    assert "Ukrinform" in entry.findtext(f"{ATOM}content")
    entry_id = entry.findtext(f"{ATOM}id")
    assert entry_id.startswith("urn:monitor:alert:")
    again = ElementTree.fromstring(fetch(f"{base}{FIGURE_PATH}.atom")[2].encode())
    assert again.find(f"{ATOM}entry/{ATOM}id").text == entry_id  # stable
    topic = ElementTree.fromstring(
        fetch(f"{base}/topics/north-korean-arms-deliveries-to-russia.atom")[2].encode()
    )
    assert len(topic.findall(f"{ATOM}entry")) == 2  # containers and shells

    status, headers, text = fetch(f"{base}{FIGURE_PATH}.csv")
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["value"], r["time"]) for r in rows if r["time"] == "current"] == [
        ("6700", "current"),
        ("13000", "current"),
    ]
    document = json.loads(fetch(f"{base}{FIGURE_PATH}.json")[2])
    assert document["label"] == "Containers shipped to Russia"
    assert {v["value"] for v in document["values"]} >= {"6700", "13000"}


def test_a_value_is_rejected_on_its_page_with_the_csrf_token(
    story: Story, served: tuple[str, Store], capsys: pytest.CaptureFixture[str]
) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    base, _ = served
    [wrong] = current_ids(story, capsys, 13000)
    page = fetch(f"{base}/values/{wrong}")[2]
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)

    forged = fetch(f"{base}/values/{wrong}/review", {"verdict": "reject", "csrf": "0" * 32})
    assert forged[0] == 403
    cross_site = fetch(
        f"{base}/values/{wrong}/review",
        {"verdict": "reject", "csrf": token},
        {"Origin": "https://evil.example"},
    )
    assert cross_site[0] == 403
    other_id = fetch(f"{base}/values/{wrong - 1}/review", {"verdict": "reject", "csrf": token})
    assert other_id[0] == 403
    review = f"{base}/values/{wrong}/review"
    status, headers, _ = fetch(review, {"verdict": "reject", "csrf": token})
    assert status == 303
    assert headers["Location"] == f"/values/{wrong}"
    assert "rejected by a person" in fetch(f"{base}/values/{wrong}")[2]
    page = fetch(f"{base}{FIGURE_PATH}")[2]
    assert 'class="point rejected"' in page
    assert status_values(story, capsys) == [6700]


def test_a_configured_token_allows_reviews_from_other_hosts(story: Story) -> None:
    from monitor.web.site import Site

    config = load_config(story.config)
    with open_store(config.database_url()) as store:
        site = Site(store, lambda: config, token="a-long-secret-token-123")
        csrf = site.csrf_token(7)
        remote = {"loopback": False, "same_origin": True}
        assert site.review_allowed(7, csrf="", token="a-long-secret-token-123", **remote)
        assert not site.review_allowed(7, csrf=csrf, token="wrong", **remote)
        assert not site.review_allowed(7, csrf="ü" * 32, token="ü", **remote)
        assert not site.review_allowed(7, csrf=csrf, token="", **remote)
        here = {"loopback": True, "same_origin": True}
        assert site.review_allowed(7, csrf=csrf, token="", **here)
        assert not site.review_allowed(8, csrf=csrf, token="", **here)
        untokened = Site(store, lambda: config)
        assert not untokened.review_allowed(7, csrf="", token="", **remote)


# the chart, pure


def _rows(count: int) -> list[PointRow]:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    return [
        PointRow(
            id=i + 1,
            value=str(1000 + (i * 7919) % 5000),
            low=None,
            high=None,
            approx=False,
            bound=None,
            time="current",
            published=start + timedelta(hours=i),
            as_of=None,
            hold="implausible" if i % 1000 == 999 else None,
            review=None,
            outlet=f"Outlet {i % 3}",
        )
        for i in range(count)
    ]


def test_ten_thousand_values_draw_a_few_hundred_marks_keeping_the_extremes() -> None:
    timeline = Timeline(_rows(10_000))
    points = merge(_rows(10_000))
    assert len(points) == len(timeline) == 10_000
    current = [p for p in points if p.state == "current"]
    kept = decimate(current, lambda p: float(p.value))
    assert len(kept) <= MAX_MARKS
    assert min(p.value for p in kept) == min(p.value for p in current)
    assert max(p.value for p in kept) == max(p.value for p in current)
    assert kept[0] is current[0]
    assert kept[-1] is current[-1]
    svg = draw(timeline, label="x", shown=lambda p: str(p.value), href=lambda p: f"/v/{p.id}")
    assert svg.count("<a ") <= MAX_MARKS
    assert svg.count('class="point held"') == 10


def test_syndicated_copies_merge_into_one_point() -> None:
    rows = _rows(3)
    copies = [rows[0], rows[0]._replace(id=10, outlet="Wire copy"), rows[1]]
    points = merge(copies)
    assert len(points) == 2
    assert points[0].outlets == ["Outlet 0", "Wire copy"]
    assert points[0].ids == [1, 10]


def test_atom_drops_characters_xml_cannot_carry() -> None:
    assert xml_text("a\x00b\x1bc\ufffed") == "abcd"
    from monitor.records import Alert

    alert = Alert(
        key="k1",
        topic="t",
        figure="f",
        title="bad \x0b title",
        body="body \x00",
        tags=(),
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    document = atom_feed(
        feed_id="urn:x",
        title="t",
        self_url="http://h/x.atom",
        page_url="http://h/x",
        alerts=[alert],
        entry_url="http://h/x",
    )
    feed = ElementTree.fromstring(document)
    assert feed.find(f"{ATOM}entry/{ATOM}title").text == "bad  title"


def test_monitor_serve_serves_the_pages_on_loopback_and_stops_on_sigterm(story: Story) -> None:
    from monitor.cli.web import DEFAULT_LISTEN

    assert DEFAULT_LISTEN.startswith("127.0.0.1:")
    publish_february(story)
    assert story.once() == 0
    command = ["serve", "--listen", "127.0.0.1:0", "--config", str(story.config)]
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base = re.search(r"serving (http://127\.0\.0\.1:\d+)/", line).group(1)
        status, headers, page = fetch(f"{base}{FIGURE_PATH}")
        assert status == 200
        assert "6,700" in page
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=20)
        assert process.stdout is not None
        process.stdout.close()
    assert code == 0


def test_a_localized_alert_keeps_units_and_qualifiers_as_the_readme_shows() -> None:
    from monitor.alert import build_alert
    from monitor.records import FigureChange, Observation

    def seen(value: str, *, approx: bool = False, bound: str | None = None) -> Observation:
        return Observation(
            topic="Waldbrände in Brandenburg",
            figure="burnt",
            value=Decimal(value),
            approx=approx,
            bound=bound,  # type: ignore[arg-type]
            time="current",
            article_url="https://rbb.example/a",
            article_title="Brand",
            outlet="rbb",
            published=datetime(2024, 7, 1, tzinfo=UTC),
            sentence="Mehr als 8.500 Hektar sind verbrannt.",
            observed_at=datetime(2024, 7, 1, tzinfo=UTC),
        )

    old, new = seen("6000", approx=True), seen("8500", bound="min")
    change = FigureChange(
        topic=old.topic,
        figure="burnt",
        label="Verbrannte Fläche",
        old=old,
        new=new,
        delta=Decimal(2500),
        ratio=Decimal(2500) / Decimal(6000),
    )
    alert = build_alert(
        change,
        tags=(),
        now=datetime(2024, 7, 1, tzinfo=UTC),
        locale="de",
        noun="ha",
        trend=[Decimal(1_200_000), Decimal(6000)],
    )
    assert alert.title == (
        "Waldbrände in Brandenburg — Verbrannte Fläche: etwa 6.000 ha → mehr als 8.500 ha (+42 %)"
    )
    assert "change: +2.500, " in (alert.html or "")
    assert "▁" in (alert.html or "")


def test_the_cached_page_after_new_values_equals_a_fresh_one(
    store_url: str, tmp_path: Path
) -> None:
    from monitor.records import Article, Observation
    from monitor.web.site import Site

    config_dir = tmp_path / "config"
    (config_dir / "watchlists").mkdir(parents=True)
    (config_dir / "settings.yaml").write_text(f"database: {store_url}\n")
    (config_dir / "watchlists" / "t.yaml").write_text(
        "name: T\nfeeds: [https://news.example/feed.xml]\nmatch:\n  any: [t]\n"
        "figures:\n  n:\n    nouns: [container]\n"
    )
    config = load_config(config_dir)
    start = datetime(2024, 1, 1, tzinfo=UTC)

    def add(batch: str, hours: list[int]) -> None:
        now = datetime.now(UTC)
        observations = [
            Observation(
                topic="T",
                figure="n",
                value=Decimal(100 + h % 5),
                approx=False,
                bound=None,
                time="current",
                article_url=f"https://o.example/{batch}/{h}",
                article_title="a",
                outlet=f"O{h % 2}",
                published=start + timedelta(hours=h),
                sentence=f"{100 + h % 5} containers",
                observed_at=now,
            )
            for h in hours
        ]
        article = Article(
            url=f"https://o.example/{batch}",
            title="a",
            text="a",
            outlet="O",
            published=start,
            language="en",
        )
        store.record_article(
            article, feed_url="f", entry_id=batch, now=now, observations=observations, alerts=[]
        )

    with open_store(store_url) as store:
        reads: list[int] = []
        read_points = store.figure_points

        def counted(topic: str, figure: str, *, after_id: int = 0) -> list:
            rows = read_points(topic, figure, after_id=after_id)
            reads.append(len(rows))
            return rows

        cached = Site(store, lambda: config)
        store.figure_points = counted  # type: ignore[method-assign]
        add("a", list(range(0, 300)))
        first = cached.figure_page("t", "n", None)
        add("b", list(range(300, 420)))  # published last: only these are read
        assert (
            cached.figure_page("t", "n", "2").body
            == Site(store, lambda: config).figure_page("t", "n", "2").body
        )
        assert reads == [300, 120, 420]  # the cached site read the new ones; a fresh one all
        add("c", [5, 450])  # one published before the others: everything is read again
        again = cached.figure_page("t", "n", None)
        assert again.body == Site(store, lambda: config).figure_page("t", "n", None).body
        assert again.body != first.body
        assert b"422 stored" in again.body
        assert reads[3:] == [2, 422, 422]  # the new ones, then (one is older) all of them
