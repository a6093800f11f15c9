"""The command line as a user meets it: extract, notify-test, figures, alerts, once on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli import main
from tests.fixtures.story import DATA, Story, publish_february


def test_extract_shows_text_topics_and_figures(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    page = DATA / "story" / "february-de.html"
    assert main(["extract", str(page), "--json", "--config", str(story.config)]) == 0
    seen = json.loads(capsys.readouterr().out)
    assert seen["article"]["language"] == "de"
    assert seen["article"]["outlet"] == "Korea-Kurier"
    assert "etwa 6.700 Container nach Russland" in seen["article"]["text"]
    assert "Impressum" not in seen["article"]["text"]
    assert [t["topic"] for t in seen["topics"]] == ["North Korean arms deliveries to Russia"]
    figures = {(f["value"], f["unit"], f["approx"], f["time"]) for f in seen["figures"]}
    assert (6700, "container", True, "current") in figures
    assert (3000000, "artilleriegeschoss", True, "current") in figures
    assert not any(f["value"] == 152 for f in seen["figures"])  # a calibre, not a figure
    six_seven = next(f for f in seen["figures"] if f["value"] == 6700)
    start, end = six_seven["span"]
    assert seen["article"]["text"][start:end] == six_seven["text"]


def test_extract_plain_text_file_with_language(
    tmp_path: Path, story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "note.txt"
    text.write_text("North Korea has shipped more than 13,000 containers to Russia.")
    assert main(["extract", str(text), "--lang", "en", "--config", str(story.config)]) == 0
    out = capsys.readouterr().out
    assert "language:  en" in out
    figure_line = next(line for line in out.splitlines() if "13000" in line)
    assert "container" in figure_line
    assert "bound=min" in figure_line


def test_extract_a_missing_file_is_a_clear_error(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["extract", "/nonexistent/article.html", "--config", str(story.config)]) == 1
    assert "cannot read file" in capsys.readouterr().err


def test_notify_test_reaches_each_channel(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notify-test", "--config", str(story.config)]) == 0
    assert [post.body["title"] for post in webhook_receiver.received] == ["monitor: test alert"]
    assert [mail.subject for mail in smtp_receiver.messages] == ["monitor: test alert"]
    assert main(["notify-test", "chat", "--config", str(story.config)]) == 0
    assert len(webhook_receiver.received) == 2
    assert len(smtp_receiver.messages) == 1
    webhook_receiver.status = 500
    assert main(["notify-test", "chat", "--config", str(story.config)]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_empty_history_and_alerts_say_so(story: Story, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--config", str(story.config)]) == 0
    assert "nothing recorded yet" in capsys.readouterr().out
    assert main(["alerts", "--config", str(story.config)]) == 0
    assert "no alerts yet" in capsys.readouterr().out


def test_a_broken_feed_fails_the_run_but_loses_nothing(
    story: Story, webhook_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    story.server.add("/feed.xml", "<html><body>Wartungsarbeiten</body></html>")
    assert story.once() == 1
    out = capsys.readouterr().out
    assert "failed" in out
    assert "feed.xml" in out
    story.publish_feed()  # the feed is back
    publish_february(story)
    assert story.once() == 0
    history = story.cli_json(capsys, "figures")
    assert {o["value"] for o in history} == {6700, 3000000}


def test_once_with_bad_config_exits_78(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "settings.yaml").write_text("poll: {interval: often}\n")
    assert main(["once", "--config", str(tmp_path)]) == 78
    assert "settings.yaml:1:" in capsys.readouterr().err
