"""Delivery that never loses and never repeats, counted at real receivers.

A webhook answering 500 then 200, retries with backoff and a give-up notice, `alerts resend`,
an SMTP server down then up, secrets kept out of the CLI and logs, a version-1 database
migrated, and a `monitor once` process SIGKILLed between sending an alert and marking it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.pipeline import deliver_pending, run_cycle
from monitor.store import open_store
from monitor.store.migrate import LATEST_VERSION
from tests.fixtures.story import Story, publish_february, publish_seed

T0 = datetime(2024, 10, 9, 13, 0, tzinfo=UTC)
SECRET = "s3cr3t-hook-pass"


def set_settings(story: Story, old: str, new: str) -> None:
    path = story.config / "settings.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_failing_channel_retries_gives_up_once_notifies_and_can_be_resent(
    story: Story,
    webhook_receiver,
    smtp_receiver,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    set_settings(
        story,
        webhook_receiver.apprise_url("hook"),
        webhook_receiver.apprise_url("hook", user="bot", password=SECRET),
    )
    path = story.config / "settings.yaml"
    path.write_text(path.read_text() + "delivery:\n  retry_after: 1m\n  max_attempts: 3\n")
    caplog.set_level(logging.INFO)
    config = load_config(story.config)
    webhook_receiver.status = 500
    with open_store(config.database_url()) as store:
        publish_february(story)
        publish_seed(story)
        asyncio.run(run_cycle(config, store, now=T0, due_only=False))
        assert len(webhook_receiver.received) == 2  # one refused attempt per alert
        assert len(smtp_receiver.messages) == 2
        # Backoff: the first retry waits 48-60 s (1 minute with jitter), not before.
        asyncio.run(deliver_pending(config, store, now=T0 + timedelta(seconds=40)))
        assert len(webhook_receiver.received) == 2
        asyncio.run(deliver_pending(config, store, now=T0 + timedelta(minutes=1)))
        assert len(webhook_receiver.received) == 4
        asyncio.run(deliver_pending(config, store, now=T0 + timedelta(minutes=3)))
        assert len(webhook_receiver.received) == 6  # third attempt: given up
        asyncio.run(deliver_pending(config, store, now=T0 + timedelta(hours=5)))
        assert len(webhook_receiver.received) == 6
    notices = [m for m in smtp_receiver.messages if "failing since" in m.subject]
    assert [m.subject for m in notices] == [
        f"monitor: channel json://127.0.0.1:{webhook_receiver.port}/hook failing since "
        "2024-10-09 13:00 UTC"
    ]  # one notice for the outage, not one per alert
    assert "after 3 attempts" in notices[0].text
    assert len(smtp_receiver.messages) == 3

    alerts = story.cli_json(capsys, "alerts")
    webhook_states = {
        d["state"] for a in alerts for d in a["deliveries"] if d["channel"].startswith("json")
    }
    assert webhook_states == {"failed"}
    assert story.cli_json(capsys, "alerts", "--pending") == []
    capsys.readouterr()
    assert main(["alerts", "--config", str(story.config)]) == 0
    listing = capsys.readouterr().out
    assert "failed, 3 attempts, last error:" in listing
    assert SECRET not in listing
    assert SECRET not in json.dumps(alerts)
    assert SECRET not in caplog.text

    webhook_receiver.status = 200
    first = min(a["id"] for a in alerts if a["kind"] == "change")
    assert main(["alerts", "resend", str(first), "--config", str(story.config)]) == 0
    resent = [p.body["title"] for p in webhook_receiver.received[6:]]
    assert resent == [next(a["title"] for a in alerts if a["id"] == first)]
    assert story.once() == 0
    assert len(webhook_receiver.received) == 7
    assert len(smtp_receiver.messages) == 3


def test_smtp_down_then_up_delivers_each_mail_once(
    story: Story, webhook_receiver, smtp_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_february(story)
    assert story.once() == 0
    smtp_receiver.stop()
    publish_seed(story)
    assert story.once() == 1
    assert len(webhook_receiver.received) == 2
    pending = story.cli_json(capsys, "alerts", "--pending")
    assert len(pending) == 2
    smtp_receiver.start()
    assert story.once() == 0
    assert sorted(m.subject for m in smtp_receiver.messages) == sorted(
        p.body["title"] for p in webhook_receiver.received
    )
    assert story.once() == 0
    assert len(smtp_receiver.messages) == 2
    assert len(webhook_receiver.received) == 2
    assert story.cli_json(capsys, "alerts", "--pending") == []


class _HoldingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.titles: list[str] = []
        self.lock = threading.Lock()
        self.first = threading.Event()  # set when a request has arrived
        self.release = threading.Event()  # until set, requests are held without an answer
        super().__init__(("127.0.0.1", 0), _HoldingHandler)


class _HoldingHandler(BaseHTTPRequestHandler):
    server: _HoldingServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        with self.server.lock:
            self.server.titles.append(body["title"])
        self.server.first.set()
        self.server.release.wait(timeout=60)
        try:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        except OSError:
            pass  # the sender was killed while we held its request

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def holding_receiver() -> Iterator[_HoldingServer]:
    server = _HoldingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def test_a_process_killed_between_send_and_mark_repeats_only_that_message(
    story: Story, webhook_receiver, smtp_receiver, holding_receiver: _HoldingServer
) -> None:
    port = holding_receiver.server_address[1]
    set_settings(story, webhook_receiver.apprise_url("hook"), f"json://127.0.0.1:{port}/hook")
    publish_february(story)
    assert story.once() == 0
    publish_seed(story)
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "once", "--all", "--config", str(story.config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert holding_receiver.first.wait(timeout=120), "no alert reached the webhook"
        # The webhook has the first alert; the process waits for its answer: kill it now,
        # after the send and before the mark.
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    in_flight = list(holding_receiver.titles)
    assert len(in_flight) == 1
    assert smtp_receiver.messages == []
    holding_receiver.release.set()

    assert story.once() == 0
    assert story.once() == 0
    titles = list(holding_receiver.titles)
    assert len(titles) == 3  # the one in flight again, then the other alert, once
    assert titles.count(in_flight[0]) == 2
    assert sorted(set(titles)) == sorted(m.subject for m in smtp_receiver.messages)
    assert len(smtp_receiver.messages) == 2  # e-mail: each alert exactly once


def test_a_version_1_database_is_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    open_store(url).close()
    with sqlite3.connect(tmp_path / "old.db") as connection:  # take the database back to v1
        for table, column in [
            ("observation", "low"),
            ("observation", "high"),
            ("observation", "as_of"),
            ("observation", "hold"),
            ("alert", "html"),
            ("alert", "kind"),
            ("alert", "old_value"),
            ("alert", "new_value"),
            ("alert", "reply_to"),
            ("alert", "changed_at"),
            ("delivery", "digest"),
            ("delivery", "first_failed_at"),
        ]:
            connection.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        connection.execute(
            "INSERT INTO alert (key, topic, title, body, tags, created_at) "
            "VALUES ('k', 't', 'old alert', 'b', '[]', '2024-01-01 00:00:00')"
        )
        connection.execute(
            "INSERT INTO delivery (alert_id, channel, state, attempts) "
            "VALUES (1, 'log', 'pending', 0)"
        )
        connection.execute("DELETE FROM schema_version WHERE version > 1")
    with open_store(url) as store:
        assert store.schema_version() == LATEST_VERSION
        [(alert, [delivery])] = store.alert_list()
        assert (alert.title, alert.kind, alert.html) == ("old alert", "change", None)
        assert (delivery.state, delivery.digest) == ("pending", False)
        assert [a.id for a, _ in store.outbox(datetime.now(UTC), retries_due_only=True)] == [1]
