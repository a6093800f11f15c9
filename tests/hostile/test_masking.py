"""Secrets in URLs are masked in every output a user or another program reads.

A `${FEED_TOKEN}` in a feed URL, a password written into a feed URL and a `${HOOK_TOKEN}` in
a chat webhook's path must not appear in `monitor once`, `status`, `status --json`,
`events`, `alerts`, the events webhook, `/metrics`, the daemon's log, systemd's STATUS= or a
validation error. Each is checked on the real CLI or daemon, as a user meets it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.fixtures.story import Story, publish_february, publish_seed
from tests.test_daemon import NotifySocket, free_port, notify_socket, start_daemon

__all__ = ["notify_socket"]

FEED_TOKEN = "feedT0ken-9f8e7d6c5b"
HOOK_TOKEN = "hookT0ken-1a2b3c4d5e"
PASSWORD = "literal-Passw0rd-55"  # written into the feed URL itself, no ${…}
ENV = {**os.environ, "FEED_TOKEN": FEED_TOKEN, "HOOK_TOKEN": HOOK_TOKEN}


def leaks(text: str) -> list[str]:
    forms = {FEED_TOKEN, HOOK_TOKEN, PASSWORD, quote(PASSWORD, safe="")}
    return sorted(form for form in forms if form in text)


def monitor(config: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        check=False,
    )
    return result.stdout + result.stderr


def with_secrets(story: Story, webhook_receiver, extra_settings: str = "") -> str:
    """Put the secrets into the story's feed URL and chat channel; return the feed URL."""
    feed = story.server.url("/feed.xml").replace("http://", f"http://reader:{PASSWORD}@")
    feed += "?token=${FEED_TOKEN}"
    watchlist = story.config / "watchlists" / "north-korea.yaml"
    watchlist.write_text(watchlist.read_text().replace(story.server.url("/feed.xml"), feed))
    settings = story.config / "settings.yaml"
    hook = webhook_receiver.apprise_url("hook")
    settings.write_text(
        settings.read_text().replace(hook, hook + "/${HOOK_TOKEN}") + extra_settings
    )
    return feed


def test_cli_output_masks_every_secret(story: Story, webhook_receiver) -> None:
    with_secrets(story, webhook_receiver)
    publish_february(story)
    publish_seed(story)
    once = monitor(story.config, "once", "--all")
    assert "1 feeds polled" in once
    assert "token=***" in once
    assert "reader:***@" in once
    outputs = {"once": once}
    for command in (
        ("status",),
        ("status", "--json"),
        ("events",),
        ("alerts",),
        ("alerts", "--json"),
        ("check",),
    ):
        outputs[" ".join(command)] = monitor(story.config, *command)
    assert '"kind":"article_matched"' in outputs["events"]
    assert "token=***" in outputs["status --json"]
    assert "/hook/***" in outputs["alerts"]  # the channel's name, its token masked
    assert webhook_receiver.received, "the alert never reached the chat channel"
    assert {name: leaks(text) for name, text in outputs.items()} == {key: [] for key in outputs}


def test_validation_errors_do_not_echo_secrets(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "watchlists").mkdir(parents=True)
    (config / "settings.yaml").write_text(f"database: sqlite:///{tmp_path / 'm.db'}\n")
    (config / "watchlists" / "w.yaml").write_text(
        "name: w\nfeeds:\n"
        '  - "ftp://user:${FEED_TOKEN}@example.org/feed"\n'
        f'  - "gopher://reader:{PASSWORD}@example.org/"\n'
        "match:\n  any: [a]\n"
    )
    output = monitor(config, "check")
    assert "w.yaml:3:5: feeds.0.url: 'ftp://user:***@example.org/feed' is not an http(s) URL" in (
        output
    )
    assert "w.yaml:4:5: feeds.1.url:" in output
    assert leaks(output) == []


@pytest.mark.slow
def test_daemon_masks_secrets_in_webhook_sink_metrics_logs_and_status(
    story: Story, webhook_receiver, notify_socket: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    with_secrets(
        story,
        webhook_receiver,
        f"events:\n  webhook: http://127.0.0.1:{webhook_receiver.port}/events\n"
        f"http:\n  listen: 127.0.0.1:{port}\n",
    )
    publish_february(story)
    publish_seed(story)
    monkeypatch.setenv("FEED_TOKEN", FEED_TOKEN)
    monkeypatch.setenv("HOOK_TOKEN", HOOK_TOKEN)
    daemon = start_daemon(story.config, notify_socket)
    try:
        notify_socket.wait_for("READY=1", timeout_s=60)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            kinds = {p.body["kind"] for p in webhook_receiver.received if p.path == "/events"}
            if {"article_matched", "alert_sent"} <= kinds:
                break
            time.sleep(0.2)
        events = [p.body for p in webhook_receiver.received if p.path == "/events"]
        assert {"article_matched", "change_detected", "alert_sent"} <= {e["kind"] for e in events}
        assert any("token=***" in (e["source"] or "") for e in events)
        # Each channel is sent on its own: wait until the metrics count both, or time out.
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
                metrics = reply.read().decode()
            if "/hook/***" in metrics or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert 'monitor_alerts_sent_total{channel="json://127.0.0.1:' in metrics
        assert "/hook/***" in metrics
        daemon.terminate()
        output, _ = daemon.communicate(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    assert leaks(str(events)) == []
    assert leaks(metrics) == []
    assert "event=alert_sent" in output
    assert leaks(output) == []
    assert leaks("\n".join(notify_socket.messages)) == []
