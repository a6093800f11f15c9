"""Change rules through `monitor once`: a real loopback feed, a real webhook, a real SMTP server.

Each test publishes articles on the story feed and counts exactly which messages arrive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest

from monitor.cli import main
from tests.fixtures.story import DATA, Story, publish_february, publish_seed, seed_page

CONTAINERS = "North Korean arms deliveries to Russia — Containers shipped to Russia"


def page(title: str, outlet: str, published: datetime, *paragraphs: str, lang: str = "en") -> str:
    """A news page as outlets publish them: site name, date, an article element."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        f'<meta property="og:site_name" content="{escape(outlet)}">'
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        f"</head><body><article><h1>{escape(title)}</h1>{body}</article></body></html>"
    )


def publish(story: Story, path: str, outlet: str, published: datetime, *paragraphs: str) -> None:
    title = paragraphs[0][:60]
    story.publish(path, title, page(title, outlet, published, *paragraphs), published)


def edit_watchlist(story: Story, old: str, new: str) -> None:
    path = story.config / "watchlists" / "north-korea.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def add_to_watchlist(story: Story, yaml: str) -> None:
    path = story.config / "watchlists" / "north-korea.yaml"
    path.write_text(path.read_text() + yaml)


def titles(receiver) -> list[str]:
    return [post.body["title"] for post in receiver.received]


def test_out_of_order_articles_add_history_and_never_alert_backwards(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_seed(story)  # October first: its 13,000 is the first value, recorded
    assert story.once() == 0
    publish_february(story)  # then February's report arrives late
    assert story.once() == 0
    assert webhook_receiver.received == []
    assert smtp_receiver.messages == []
    history = story.cli_json(capsys, "figures")
    current = sorted(
        (o["published"][:10], o["value"])
        for o in history
        if o["figure"] == "containers" and o["time"] == "current"
    )
    assert current == [("2024-02-27", 6700), ("2024-10-09", 13000)]


def test_an_in_article_delta_is_history_and_alerts_when_asked(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_watchlist(story, "alert_on_first: false\n", "alert_on_first: true\n")
    publish(
        story,
        "/2024/10/delta.html",
        "Seoul Herald",
        datetime(2024, 10, 9, 9, 0, tzinfo=UTC),
        "North Korea has shipped 13,000 containers to Russia, up from 6,700 in February, "
        "South Korea's defence ministry said.",
    )
    assert story.once() == 0
    assert titles(webhook_receiver) == [f"{CONTAINERS}: 6,700 → 13,000 (+94%)"]
    message = webhook_receiver.received[0].body["message"]
    assert "was: " in message
    assert "(value as of 2024-02)" in message
    history = story.cli_json(capsys, "figures")
    assert sorted((o["value"], o["time"], (o["as_of"] or "")[:7]) for o in history) == [
        (6700, "past", "2024-02"),
        (13000, "current", ""),
    ]
    assert len(smtp_receiver.messages) == 1


def test_syndicated_copies_count_once_and_min_sources_sends_once(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_watchlist(story, "    threshold: 5%\n", "    threshold: 5%\n    min_sources: 2\n")
    publish_february(story)
    assert story.once() == 0
    publish_seed(story)
    assert story.once() == 0
    # Ukrinform alone: held. A wire copy of the same text on another site is no second source.
    copy = seed_page().replace("Ukrinform", "Deutsche Welle").replace("12:00:00", "13:00:00")
    story.publish(
        "/2024/10/copy.html",
        "Nordkorea verdoppelt Waffenlieferungen (Agenturmeldung)",
        copy,
        datetime(2024, 10, 9, 13, 0, tzinfo=UTC),
    )
    assert story.once() == 0
    assert not any("Containers" in t for t in titles(webhook_receiver))
    held = story.cli_json(capsys, "alerts", "--unconfirmed")
    assert sorted((h["outlet"], h["value"], h["hold"]) for h in held) == [
        ("Deutsche Welle", 13000, "min_sources"),
        ("Ukrinform", 13000, "min_sources"),
    ]
    assert all(h["current"]["value"] == 6700 for h in held)

    # An independent outlet agrees: one alert, naming both sources.
    story.publish(
        "/2024/10/english.html",
        "N. Korea has shipped over 13,000 containers of arms to Russia: lawmaker",
        (DATA / "story" / "october-en.html").read_text(),
        datetime(2024, 10, 9, 15, 0, tzinfo=UTC),
    )
    assert story.once() == 0
    sent = [p.body for p in webhook_receiver.received if "Containers" in p.body["title"]]
    assert [p["title"] for p in sent] == [f"{CONTAINERS}: 6,700 → 13,000 (+94%)"]
    assert "sources: 2 independent outlets (Ukrinform, Seoul Wire)" in sent[0]["message"]
    assert [m.subject for m in smtp_receiver.messages if "Containers" in m.subject] == [
        sent[0]["title"]
    ]
    assert story.cli_json(capsys, "alerts", "--unconfirmed") == []

    # A fourth report of the same value changes nothing.
    publish(
        story,
        "/2024/10/fourth.html",
        "Example Times",
        datetime(2024, 10, 10, 8, 0, tzinfo=UTC),
        "North Korea has shipped more than 13,000 containers to Russia, officials in Seoul say.",
    )
    assert story.once() == 0
    assert len([t for t in titles(webhook_receiver) if "Containers" in t]) == 1


def test_a_thousandfold_misread_is_held_not_alerted(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    before = len(webhook_receiver.received)
    publish(
        story,
        "/2024/10/misread.html",
        "Careless Daily",
        datetime(2024, 10, 10, 9, 0, tzinfo=UTC),
        "North Korea has shipped 13.000 containers to Russia, according to Seoul.",
    )
    assert story.once() == 0
    assert len(webhook_receiver.received) == before
    assert len(smtp_receiver.messages) == before
    held = story.cli_json(capsys, "alerts", "--unconfirmed")
    assert [(h["value"], h["hold"], h["outlet"], h["current"]["value"]) for h in held] == [
        (13, "implausible", "Careless Daily", 13000)
    ]
    capsys.readouterr()
    assert main(["alerts", "--unconfirmed", "--config", str(story.config)]) == 0
    table = capsys.readouterr().out
    assert "implausible" in table
    assert "Careless Daily" in table


def test_a_correction_is_a_follow_up_to_the_first_alert(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    alerts = story.cli_json(capsys, "alerts")
    first = next(a for a in alerts if a["figure"] == "containers")
    publish(
        story,
        "/2024/10/correction.html",
        "Seoul Herald",
        datetime(2024, 10, 11, 9, 0, tzinfo=UTC),
        "North Korea has shipped about 6,700 containers to Russia so far, the defence ministry "
        "in Seoul said on Friday, correcting an earlier report.",
    )
    assert story.once() == 0
    followups = [p.body for p in webhook_receiver.received if p.body["title"].startswith("Corr")]
    assert [p["title"] for p in followups] == [f"Correction: {CONTAINERS}: 13,000 → 6,700 (-48%)"]
    assert f"follows up alert #{first['id']} (6,700 → 13,000" in followups[0]["message"]
    assert "Seoul Herald" in followups[0]["message"]
    stored = story.cli_json(capsys, "alerts")
    correction = next(a for a in stored if a["kind"] == "correction")
    assert correction["reply_to"] == first["id"]
    assert [m.subject for m in smtp_receiver.messages].count(followups[0]["title"]) == 1


def test_routes_by_size_and_topic_match_alerts(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_watchlist(story, "notify: [chat, email]\n", "notify: [chat]\n")
    add_to_watchlist(
        story,
        "notify_on: [change, match]\n"
        "cooldown: 0s\n"
        "routes:\n"
        "  - min_change: 50%\n"
        "    notify: [chat, email]\n"
        "template:\n"
        "  title: \"{% if kind == 'match' %}[{{ topic }}] {{ article.outlet }}: "
        '{{ article.title }}{% else %}{{ label }}: {{ values }}{% endif %}"\n',
    )
    publish_february(story)
    assert story.once() == 0
    assert titles(webhook_receiver) == [
        "[North Korean arms deliveries to Russia] Korea-Kurier: "
        "Nordkorea liefert Russland Tausende Container mit Munition"
    ]
    assert smtp_receiver.messages == []  # a match alert is not a big change: chat only
    publish_seed(story)
    assert story.once() == 0
    changes = sorted(t for t in titles(webhook_receiver) if "→" in t)
    assert changes == [
        "152 mm artillery shells: 3,000,000 → 6,000,000 (+100%)",
        "Containers shipped to Russia: 6,700 → 13,000 (+94%)",
    ]
    assert sorted(m.subject for m in smtp_receiver.messages) == changes  # ≥ 50%: e-mail too
    mail = next(m for m in smtp_receiver.messages if "Containers" in m.subject)
    assert "Nordkorea hat über 13.000 Container nach Russland geschickt" in mail.text
    publish(
        story,
        "/2024/10/small.html",
        "Seoul Herald",
        datetime(2024, 10, 12, 9, 0, tzinfo=UTC),
        "North Korea has now shipped about 14,000 containers to Russia, a lawmaker said.",
    )
    assert story.once() == 0
    assert "Containers shipped to Russia: 13,000 → 14,000 (+8%)" in titles(webhook_receiver)
    assert len(smtp_receiver.messages) == 2  # +8% stays in chat


def test_html_reaches_e_mail_and_text_reaches_chat(
    story: Story, webhook_receiver, smtp_receiver, tmp_path: Path
) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    chat = next(p.body["message"] for p in webhook_receiver.received if "Cont" in p.body["title"])
    assert "<p>" not in chat
    assert chat.splitlines()[0] == "change: +6,300, nearly doubled"
    assert "sources: 1 outlet (Ukrinform)" in chat
    mail = next(m for m in smtp_receiver.messages if "Containers" in m.subject)
    assert "Ukrinform" in mail.text
    assert "6,700 → 13,000" in mail.text
