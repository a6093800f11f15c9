"""Pages of one feed are read several at a time, yet handled in publication order."""

from __future__ import annotations

from tests.fixtures.story import DATA, Story, publish_february, publish_seed


def test_slow_older_page_is_still_handled_first(story: Story, webhook_receiver) -> None:
    publish_february(story)
    publish_seed(story)
    # The older report answers last; the newer one must wait for it, or the history would
    # hold 13,000 first and the alert would never say 6,700 → 13,000.
    story.server.add(
        "/2024/02/containers.html", (DATA / "story" / "february-de.html").read_text(), delay_s=0.6
    )
    assert story.once() == 0

    titles = sorted(post.body["title"] for post in webhook_receiver.received)
    assert titles == [
        "North Korean arms deliveries to Russia — 152 mm artillery shells: "
        "3,000,000 → 6,000,000 (+100%)",
        "North Korean arms deliveries to Russia — Containers shipped to Russia: "
        "6,700 → 13,000 (+94%)",
    ]
