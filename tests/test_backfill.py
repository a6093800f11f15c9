"""The backfill rule on a feed's first poll: `monitor once` says how many older items it
skipped, `monitor feeds replay URL [--since DATE]` reads them, `backfill: 0` reads all.

Real CLI subprocesses against the loopback story feed and a real SQLite file.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.fixtures.story import Story, publish_february, publish_seed


def monitor(story: Story, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args, "--config", str(story.config)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def set_backfill(story: Story, value: str) -> None:
    settings = story.config / "settings.yaml"
    settings.write_text(settings.read_text().replace("backfill: 36500d", f"backfill: {value}"))


def stored_values(story: Story) -> set[int]:
    done = monitor(story, "figures", "--json")
    assert done.returncode == 0, done.stderr
    return {observation["value"] for observation in json.loads(done.stdout)}


def test_once_reports_skipped_items_and_replay_reads_them(story: Story) -> None:
    set_backfill(story, "3d")
    publish_february(story)  # 2024-02-27: years older than three days
    publish_seed(story)  # 2024-10-09
    feed = story.server.url("/feed.xml")

    done = monitor(story, "once", "--all")
    assert done.returncode == 0, done.stderr
    assert f"{feed}  new=0 matched=0 alerts=0 skipped=2" in done.stdout
    skipped = "2 older items skipped by the backfill rule (first poll, published more than 3d ago)"
    assert skipped in done.stdout
    assert stored_values(story) == set()

    done = monitor(story, "feeds", "replay", feed, "--since", "2024-10-01")
    assert done.returncode == 0, done.stderr
    assert f"replayed {feed}: 1 entries without an article read, 1 matched" in done.stdout
    assert stored_values(story) >= {13000}
    assert 6700 in stored_values(story)  # the seed cites February's value as past

    done = monitor(story, "feeds", "replay", feed)
    assert done.returncode == 0, done.stderr
    assert f"replayed {feed}: 1 entries without an article read" in done.stdout  # February only

    again = monitor(story, "feeds", "replay", feed)
    assert f"replayed {feed}: 0 entries without an article read" in again.stdout

    # A poll after the replay finds nothing new: the replayed entries stay seen.
    done = monitor(story, "once", "--all")
    assert "new=0" in done.stdout
    assert "skipped" not in done.stdout


def test_replay_of_a_feed_no_watchlist_reads_is_an_error(story: Story) -> None:
    done = monitor(story, "feeds", "replay", "https://example.org/unknown.xml")
    assert done.returncode == 1
    assert "no watchlist reads https://example.org/unknown.xml" in done.stderr


def test_backfill_zero_reads_everything_on_the_first_poll(story: Story) -> None:
    set_backfill(story, "0")
    publish_february(story)
    publish_seed(story)
    done = monitor(story, "once", "--all")
    assert done.returncode == 0, done.stderr
    assert "new=2 matched=2" in done.stdout
    assert "skipped" not in done.stdout
    assert {6700, 13000} <= stored_values(story)
