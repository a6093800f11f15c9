"""The seed story end to end: a loopback feed, `monitor once`, a webhook and an SMTP server.

First the feed holds a February report (about 6,700 containers, about 3 million shells);
then it adds the seed article (over 13,000 containers, about 6 million shells). Exactly one
alert per changed figure must arrive on each channel, and nothing more after that.
"""

from __future__ import annotations

import json
import subprocess
import sys
from email.utils import format_datetime
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest

from monitor.cli import main

DATA = Path(__file__).parent / "data"
WATCHLIST = """\
name: North Korean arms deliveries to Russia
feeds:
  - url: {feed}
    interval: 10m
match:
  all:
    - [Nordkorea, North Korea, Pjöngjang, Pyongyang, 북한, КНДР, Північна Корея]
    - [Russland, Russia, Moskau, 러시아, Россия, Росія]
  none: [Hamburger Hafen]
figures:
  containers:
    label: Containers shipped to Russia
    nouns: [Container, container, 컨테이너, контейнер]
    threshold: 5%
  shells:
    label: 152 mm artillery shells
    nouns: [Artilleriegeschoss, shell, round, 포탄, снаряд]
notify: [chat, email]
alert_on_first: false
"""


def seed_page() -> str:
    """The seed article (copied from the project's seed document) as a news page."""
    title, *paragraphs = (DATA / "seed-nordkorea-container-de.txt").read_text().strip().split("\n")
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<meta property="og:site_name" content="Ukrinform">'
        '<meta property="article:published_time" content="2024-10-09T12:00:00+00:00">'
        f"</head><body><nav><a href='/'>Startseite</a> · <a href='/welt'>Welt</a></nav>"
        f"<article><h1>{escape(title)}</h1>\n{body}</article>"
        "<footer>© Ukrinform · Impressum</footer></body></html>"
    )


class Story:
    """A loopback feed whose items a test publishes one by one."""

    def __init__(self, http_server, tmp_path: Path, webhook_url: str, mail_url: str) -> None:
        self.server = http_server
        self.items: list[tuple[str, str, datetime]] = []
        self.config = tmp_path / "config"
        (self.config / "watchlists").mkdir(parents=True)
        (self.config / "settings.yaml").write_text(
            f"""\
database: sqlite:///{tmp_path / "monitor.db"}
channels:
  - url: "{webhook_url}"
    tags: [chat]
  - url: "{mail_url}"
    tags: [email]
fetch:
  allow: [127.0.0.1]
poll:
  backfill: 36500d
"""
        )
        (self.config / "watchlists" / "north-korea.yaml").write_text(
            WATCHLIST.format(feed=http_server.url("/feed.xml"))
        )
        self.publish_feed()

    def publish(self, path: str, title: str, html: str, published: datetime) -> None:
        self.server.add(path, html)
        self.items.append((path, title, published))
        self.publish_feed()

    def publish_feed(self) -> None:
        items = "".join(
            f"<item><title>{escape(title)}</title><link>{self.server.url(path)}</link>"
            f"<guid>{self.server.url(path)}</guid><pubDate>{format_datetime(date)}</pubDate></item>"
            for path, title, date in self.items
        )
        self.server.add(
            "/feed.xml",
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>'
            f"<link>{self.server.url('/')}</link>{items}</channel></rss>",
            content_type="application/rss+xml",
        )

    def once(self, *extra: str) -> int:
        return main(["once", "--all", "--config", str(self.config), *extra])

    def cli_json(self, capsys: pytest.CaptureFixture[str], *args: str) -> object:
        capsys.readouterr()
        assert main([*args, "--json", "--config", str(self.config)]) == 0
        return json.loads(capsys.readouterr().out)


@pytest.fixture
def story(http_server, webhook_receiver, smtp_receiver, tmp_path: Path) -> Story:
    return Story(
        http_server,
        tmp_path,
        webhook_receiver.apprise_url("hook"),
        smtp_receiver.apprise_url(to="desk@example.org"),
    )


def publish_february(story: Story) -> None:
    story.publish(
        "/2024/02/containers.html",
        "Nordkorea liefert Russland Tausende Container mit Munition",
        (DATA / "story" / "february-de.html").read_text(),
        datetime(2024, 2, 27, 7, 15, tzinfo=UTC),
    )


def publish_seed(story: Story) -> None:
    story.publish(
        "/2024/10/seed.html",
        "Nordkorea verdoppelt Waffenlieferungen an Russland für Ukraine-Krieg",
        seed_page(),
        datetime(2024, 10, 9, 12, 0, tzinfo=UTC),
    )


def titles(posts) -> list[str]:
    return [post.body["title"] for post in posts]


def test_seed_story_alerts_once_per_changed_figure(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_february(story)
    assert story.once() == 0
    assert webhook_receiver.received == []
    assert smtp_receiver.messages == []
    history = story.cli_json(capsys, "figures")
    assert {(o["figure"], o["value"], o["time"]) for o in history} == {
        ("containers", 6700, "current"),
        ("shells", 3000000, "current"),
    }

    publish_seed(story)
    assert story.once() == 0
    sent = titles(webhook_receiver.received)
    assert sorted(sent) == [
        "North Korean arms deliveries to Russia — 152 mm artillery shells: "
        "3,000,000 → 6,000,000 (+100%)",
        "North Korean arms deliveries to Russia — Containers shipped to Russia: "
        "6,700 → 13,000 (+94%)",
    ]
    container_alert = next(r.body for r in webhook_receiver.received if "Containers" in r.body["title"])
    body = container_alert["message"]
    assert "Nordkorea hat über 13.000 Container nach Russland geschickt" in body
    assert "Ukrinform, 2024-10-09" in body
    assert "Korea-Kurier, 2024-02-27" in body
    assert story.server.url("/2024/10/seed.html") in body
    assert story.server.url("/2024/02/containers.html") in body
    assert sorted(m.subject for m in smtp_receiver.messages) == sorted(sent)

    # The seed article cites 6,700 and 3 million as February's values: history, not alerts.
    history = story.cli_json(capsys, "figures")
    assert ("containers", 6700, "past") in {(o["figure"], o["value"], o["time"]) for o in history}

    assert story.once() == 0
    assert len(webhook_receiver.received) == 2
    assert len(smtp_receiver.messages) == 2


def test_same_story_from_a_second_outlet_does_not_alert(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0  # both in one poll, oldest first: the seed article moves both figures
    assert len(webhook_receiver.received) == 2
    assert len(smtp_receiver.messages) == 2
    story.publish(
        "/2024/10/english.html",
        "N. Korea has shipped over 13,000 containers of arms to Russia: lawmaker",
        (DATA / "story" / "october-en.html").read_text(),
        datetime(2024, 10, 9, 15, 0, tzinfo=UTC),
    )
    assert story.once() == 0
    assert len(webhook_receiver.received) == 2
    assert len(smtp_receiver.messages) == 2
    history = story.cli_json(capsys, "figures")
    current_containers = {
        o["outlet"] for o in history if o["figure"] == "containers" and o["value"] == 13000
    }
    assert current_containers == {"Ukrinform", "Seoul Wire"}


def test_failed_webhook_stays_pending_and_arrives_once(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_february(story)
    assert story.once() == 0
    webhook_receiver.status = 500
    publish_seed(story)
    assert story.once() == 1  # a channel failed: `once` says so
    refused = len(webhook_receiver.received)
    assert refused == 2  # one attempt per alert, both answered 500
    assert len(smtp_receiver.messages) == 2
    alerts = story.cli_json(capsys, "alerts")
    states = sorted((d["channel"].split(":")[0], d["state"]) for a in alerts for d in a["deliveries"])
    assert states == [("json", "pending"), ("json", "pending"), ("mailto", "sent"), ("mailto", "sent")]

    webhook_receiver.status = 200
    assert story.once() == 0
    delivered = webhook_receiver.received[refused:]
    assert sorted(titles(delivered)) == sorted(m.subject for m in smtp_receiver.messages)
    assert story.once() == 0
    assert len(webhook_receiver.received) == refused + 2
    assert len(smtp_receiver.messages) == 2
    alerts = story.cli_json(capsys, "alerts")
    assert {d["state"] for a in alerts for d in a["deliveries"]} == {"sent"}


def test_demo_prints_the_alert() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Containers shipped to Russia: 6,700 → 13,000 (+94%)" in result.stdout
    assert "3,000,000 → 6,000,000 (+100%)" in result.stdout
