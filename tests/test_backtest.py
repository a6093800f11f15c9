"""`monitor backtest`: stored articles replayed through a draft watchlist; nothing sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli import main
from tests.fixtures.story import WATCHLIST, Story, publish_february, publish_seed


def test_backtest_prints_what_an_edited_watchlist_would_send_and_sends_nothing(
    story: Story,
    webhook_receiver,
    smtp_receiver,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    publish_february(story)
    publish_seed(story)
    assert story.once() == 0
    sent = (len(webhook_receiver.received), len(smtp_receiver.messages))
    alerts_before = story.cli_json(capsys, "alerts")
    figures_before = story.cli_json(capsys, "figures")

    edited = tmp_path / "draft.yaml"
    edited.write_text(
        WATCHLIST.format(feed="https://example.org/feed.xml").replace(
            "    threshold: 5%\n", "    threshold: 100%\n"
        )
        + "routes:\n  - min_change: 90%\n    notify: [chat]\n"
    )
    capsys.readouterr()
    assert main(["backtest", str(edited), "--config", str(story.config)]) == 0
    out = capsys.readouterr().out
    assert "152 mm artillery shells: 3,000,000 → 6,000,000 (+100%)" in out
    assert "6,700 → 13,000" not in out  # +94% is under the draft's 100% threshold
    assert "→ json://127.0.0.1:" in out  # routed to chat only
    assert "mailto://" not in out
    assert out.rstrip().endswith(
        "2 stored articles replayed through 'North Korean arms deliveries to Russia': "
        "1 alerts would have been sent (nothing sent, nothing stored)"
    )

    assert main(["backtest", str(edited), "--json", "--config", str(story.config)]) == 0
    [alert] = json.loads(capsys.readouterr().out)
    assert alert["figure"] == "shells"
    assert alert["created_at"].startswith("2024-10-09")  # judged at publication time

    # By name, from March on: only the seed article, whose value is the first one seen.
    name = "North Korean arms deliveries to Russia"
    assert main(["backtest", name, "--since", "2024-03-01", "--config", str(story.config)]) == 0
    assert "1 stored articles replayed" in capsys.readouterr().out

    assert (len(webhook_receiver.received), len(smtp_receiver.messages)) == sent
    assert story.cli_json(capsys, "alerts") == alerts_before
    assert story.cli_json(capsys, "figures") == figures_before


def test_backtest_of_a_broken_watchlist_names_the_line(
    story: Story, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text(
        "name: x\nmatch:\n  any: [a]\nfigures:\n  c:\n    nouns: [c]\n    treshold: 5%\n"
    )
    assert main(["backtest", str(draft), "--config", str(story.config)]) == 1
    assert f"{draft}:7:5" in capsys.readouterr().err
