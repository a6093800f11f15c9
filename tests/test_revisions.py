"""An article revised at the same URL is read again; only the values it changed count.

The story's loopback feed and page, the real CLI (`monitor once` in a subprocess), real
SQLite and the webhook receiver: the alert says "revised in the same article".
"""

from __future__ import annotations

import subprocess
import sys

from tests.fixtures.story import DATA, Story, publish_february

PAGE = "/2024/02/containers.html"


def once(story: Story) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "once", "--all", "--config", str(story.config)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def revise(story: Story, *, title: str, page: str) -> None:
    """The same entry (guid, link, date) with a new title and a new page text."""
    path, _, published = story.items[0]
    story.items[0] = (path, title, published)
    story.server.add(PAGE, page)
    story.publish_feed()


def test_a_revised_article_alerts_on_the_changed_figure_only(
    story: Story, webhook_receiver
) -> None:
    publish_february(story)  # 6,700 containers, 3 million shells
    assert "new=1 matched=1 alerts=0" in once(story)  # first values: recorded, not alerted
    assert once(story).count("new=0") == 1  # nothing changed: nothing read again

    original = (DATA / "story" / "february-de.html").read_text()
    assert "etwa 6.700 Container" in original
    updated = original.replace("etwa 6.700 Container", "etwa 13.000 Container")
    revise(story, title="Nordkorea liefert Russland 13.000 Container mit Munition", page=updated)
    output = once(story)
    assert "new=1 matched=1 alerts=1 revised=1" in output, output
    assert len(webhook_receiver.received) == 1
    alert = webhook_receiver.received[0].body
    assert "Containers shipped to Russia: 6,700 → 13,000" in alert["title"]
    assert "revised in the same article" in alert["message"]
    # The shells (3 million) did not change in the revision: no alert, no second value.

    # A revision of the title only: read again, but no figure changed, so no alert.
    revise(story, title="Korrigiert: Nordkorea liefert Russland 13.000 Container", page=updated)
    output = once(story)
    assert "new=1 matched=1 alerts=0 revised=1" in output, output
    assert len(webhook_receiver.received) == 1


def test_a_watched_page_is_read_when_it_changes_and_costs_one_request_when_not(
    story: Story, webhook_receiver
) -> None:
    """`pages:` in a watchlist: one conditional GET per poll, read again only when changed."""
    watchlist = story.config / "watchlists" / "north-korea.yaml"
    page_url = story.server.url("/statistics.html")
    watchlist.write_text(
        watchlist.read_text().replace("feeds:\n", f"pages:\n  - {page_url}\nfeeds:\n", 1)
    )
    original = (DATA / "story" / "february-de.html").read_text()
    story.server.add("/statistics.html", original, etag='"v1"')

    output = once(story)
    assert f"{page_url}  new=1 matched=1 alerts=0" in output, output
    assert len(story.server.requests_for("/statistics.html")) == 1  # read from that one GET

    output = once(story)  # unchanged: the server answers 304 to the validator
    assert f"not_modified  {page_url}" in output, output
    requests = story.server.requests_for("/statistics.html")
    assert len(requests) == 2
    assert requests[-1].headers.get("If-None-Match") == '"v1"'

    # Changed without a new ETag (a server that has none): one GET and one hash compare.
    story.server.add("/statistics.html", original)
    output = once(story)
    assert f"ok            {page_url}  new=0" in output, output
    assert len(story.server.requests_for("/statistics.html")) == 3

    story.server.add(
        "/statistics.html", original.replace("etwa 6.700 Container", "etwa 13.000 Container")
    )
    output = once(story)
    assert f"{page_url}  new=1 matched=1 alerts=1 revised=1" in output, output
    assert len(story.server.requests_for("/statistics.html")) == 4
    assert len(webhook_receiver.received) == 1
    alert = webhook_receiver.received[0].body
    assert "Containers shipped to Russia: 6,700 → 13,000" in alert["title"]
    assert "revised in the same article" in alert["message"]
