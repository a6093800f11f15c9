"""Digests: alerts for a digesting channel wait for its time and go out as one message.

Driven through the pipeline with a controllable clock (`now=`), a real loopback feed, a real
webhook (the digesting channel) and a real SMTP server (immediate).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from monitor.config import load_config
from monitor.pipeline import deliver_pending, run_cycle
from monitor.store import open_store
from tests.fixtures.story import Story, publish_february, publish_seed
from tests.test_rules_end_to_end import publish

T0 = datetime(2024, 10, 9, 13, 0, tzinfo=UTC)
DIGEST_TIME = datetime(2024, 10, 10, 8, 0, tzinfo=UTC)


def test_a_daily_digest_collects_every_alert_of_its_window(
    story: Story, webhook_receiver, smtp_receiver
) -> None:
    settings = story.config / "settings.yaml"
    settings.write_text(
        settings.read_text().replace(
            "    tags: [chat]\n", '    tags: [chat]\n    digest: "daily 08:00"\n'
        )
    )
    config = load_config(story.config)
    with open_store(config.database_url()) as store:
        publish_february(story)
        asyncio.run(run_cycle(config, store, now=T0 - timedelta(hours=2), due_only=False))
        publish_seed(story)
        asyncio.run(run_cycle(config, store, now=T0, due_only=False))
        assert len(smtp_receiver.messages) == 2  # e-mail is immediate
        assert webhook_receiver.received == []  # chat waits for 08:00
        waiting = store.alert_list(pending=True)
        assert {
            (d.channel.split(":")[0], d.next_attempt_at)
            for _, ds in waiting
            for d in ds
            if d.state == "pending"
        } == {("json", DIGEST_TIME)}

        publish(
            story,
            "/2024/10/later.html",
            "Seoul Herald",
            datetime(2024, 10, 9, 15, 0, tzinfo=UTC),
            "North Korea has now shipped about 14,000 containers to Russia, a lawmaker said.",
        )
        asyncio.run(run_cycle(config, store, now=T0 + timedelta(hours=2), due_only=False))
        asyncio.run(deliver_pending(config, store, now=DIGEST_TIME - timedelta(minutes=1)))
        assert webhook_receiver.received == []
        assert len(smtp_receiver.messages) == 3

        asyncio.run(deliver_pending(config, store, now=DIGEST_TIME))
        [digest] = [post.body for post in webhook_receiver.received]
        assert digest["title"] == (
            "monitor digest: 3 alerts — North Korean arms deliveries to Russia"
        )
        for mail in smtp_receiver.messages:  # every alert of the window is in the one message
            assert mail.subject in digest["message"]
        assert store.alert_list(pending=True) == []

        asyncio.run(deliver_pending(config, store, now=DIGEST_TIME + timedelta(minutes=5)))
        assert len(webhook_receiver.received) == 1

        # After the digest the next alert waits for the next day's digest: nothing is lost.
        publish(
            story,
            "/2024/10/next.html",
            "Seoul Herald",
            datetime(2024, 10, 10, 9, 0, tzinfo=UTC),
            "North Korea has now shipped about 16,000 containers to Russia, a lawmaker said.",
        )
        asyncio.run(run_cycle(config, store, now=DIGEST_TIME + timedelta(hours=1), due_only=False))
        assert len(webhook_receiver.received) == 1
        asyncio.run(deliver_pending(config, store, now=DIGEST_TIME + timedelta(days=1)))
        titles = [post.body["title"] for post in webhook_receiver.received]
        assert titles[1].endswith("14,000 → 16,000 (+14%)")  # a digest of one is the alert
        assert len(titles) == 2
