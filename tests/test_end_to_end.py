"""The seed story end to end: a loopback feed, `monitor once`, a webhook and an SMTP server.

First the feed holds a February report (about 6,700 containers, about 3 million shells);
then it adds the seed article (over 13,000 containers, about 6 million shells). Exactly one
alert per changed figure must arrive on each channel, and nothing more after that.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tests.fixtures.story import DATA, Story, publish_february, publish_seed


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
    container_alert = next(
        r.body for r in webhook_receiver.received if "Containers" in r.body["title"]
    )
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
    states = sorted(
        (d["channel"].split(":")[0], d["state"]) for a in alerts for d in a["deliveries"]
    )
    assert states == [
        ("json", "pending"),
        ("json", "pending"),
        ("mailto", "sent"),
        ("mailto", "sent"),
    ]

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
