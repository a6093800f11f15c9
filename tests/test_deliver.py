"""deliver.py against real receivers: a JSON webhook, an SMTP server, a silent server."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

import pytest

from monitor.deliver import (
    channel_name,
    check_channel_url,
    deliver_alert,
    privacy_url,
)
from monitor.errors import DeliveryError
from monitor.records import Alert

NOW = datetime(2024, 10, 9, 12, 0, tzinfo=UTC)
TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
ALERT = Alert(
    key="nk-containers-13000",
    topic="North Korean arms deliveries to Russia",
    figure="containers",
    title="North Korean arms deliveries to Russia — containers shipped: 6,700 → 13,000 (+94%)",
    body=(
        'new:  "Nordkorea hat über 13.000 Container nach Russland geschickt …" '
        "— ukrinform.example, 2024-10-09\n"
        'was:  "etwa 6.700 Container …" — wire.example, 2024-02-27'
    ),
    tags=("chat",),
    created_at=NOW,
    id=1,
)


def deliver(url: str, *, channel: str = "test", timeout_s: float = 5.0) -> None:
    asyncio.run(deliver_alert(ALERT, url, channel=channel, timeout_s=timeout_s))


def test_alert_reaches_the_webhook(webhook_receiver):
    deliver(webhook_receiver.apprise_url("hook"))

    [post] = webhook_receiver.received
    assert post.path == "/hook"
    assert post.headers["Content-Type"] == "application/json"
    assert post.body["title"] == ALERT.title
    assert post.body["message"] == ALERT.body
    assert post.body["type"] == "info"


def test_alert_reaches_the_smtp_server(smtp_receiver):
    deliver(smtp_receiver.apprise_url(to="ops@example.org"))

    [mail] = smtp_receiver.messages
    assert mail.subject == ALERT.title
    assert mail.recipients == ("ops@example.org",)
    assert "monitor@example.org" in mail.sender
    assert mail.text.strip() == ALERT.body


def test_failing_webhook_raises_without_secrets(webhook_receiver, caplog):
    webhook_receiver.status = 500
    url = webhook_receiver.apprise_url("hook", user="bot", password="s3cr3t-Passw0rd")

    with pytest.raises(DeliveryError) as raised:
        deliver(url, channel="chat")

    assert raised.value.channel == "chat"
    assert "500" in raised.value.reason
    assert len(webhook_receiver.received) == 1
    assert "s3cr3t-Passw0rd" not in str(raised.value)
    assert "s3cr3t-Passw0rd" not in caplog.text


def test_smtp_server_down_raises_then_delivers_once_it_is_back(smtp_receiver, caplog):
    url = smtp_receiver.apprise_url(user="alice", password="hunter2-mail-pass")
    smtp_receiver.stop()

    with pytest.raises(DeliveryError) as raised:
        deliver(url, channel="mail")

    assert raised.value.channel == "mail"
    assert raised.value.reason
    assert "hunter2-mail-pass" not in str(raised.value)
    assert "hunter2-mail-pass" not in caplog.text

    smtp_receiver.start()
    deliver(smtp_receiver.apprise_url(), channel="mail")
    assert [mail.subject for mail in smtp_receiver.messages] == [ALERT.title]


def test_silent_receiver_times_out_within_the_limit(silent_server):
    started = time.monotonic()

    with pytest.raises(DeliveryError) as raised:
        deliver(silent_server.apprise_url(), channel="chat", timeout_s=0.5)

    assert time.monotonic() - started < 3.0
    assert "0.5s" in raised.value.reason


def test_unusable_url_raises_without_echoing_it(caplog):
    url = "tgram://not-a-token-XYZZY-7781"

    with pytest.raises(DeliveryError) as raised:
        deliver(url, channel="chat")

    assert "cannot use" in raised.value.reason
    assert "XYZZY" not in str(raised.value)
    assert "XYZZY" not in caplog.text  # apprise itself logs unparseable URLs verbatim


def test_log_channel_writes_one_line(caplog):
    with caplog.at_level(logging.INFO, logger="monitor.deliver"):
        deliver("log://", channel="log")

    [record] = [r for r in caplog.records if r.name == "monitor.deliver"]
    message = record.getMessage()
    assert record.levelno == logging.INFO
    assert message.startswith("alert_logged channel=log title=")
    assert "\n" not in message
    assert "13,000 (+94%)" in message
    assert "über 13.000 Container" in message


@pytest.mark.parametrize(
    "url",
    [
        "json://127.0.0.1:8080/hook",
        "mailto://127.0.0.1:2525?from=monitor@example.org&to=ops@example.org&mode=insecure",
        f"tgram://{TELEGRAM_TOKEN}/12345",
        "ntfy://ntfy.sh/monitor-alerts",
        "log://",
    ],
    ids=["json", "mailto", "telegram", "ntfy", "log"],
)
def test_check_accepts_usable_urls(url):
    assert check_channel_url(url) is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nope://host/path", "nope://"),
        ("slack://", "slack://"),
        ("tgram://short-SECRETISH", "tgram://"),
        ("example.org/hook", "scheme://"),
    ],
    ids=["unknown-scheme", "missing-token", "bad-token", "no-scheme"],
)
def test_check_explains_unusable_urls(url, says):
    message = check_channel_url(url)

    assert message is not None
    assert says in message
    assert "SECRETISH" not in message


@pytest.mark.parametrize(
    ("url", "secrets", "name"),
    [
        (
            "json://bot:s3cr3t-Passw0rd@127.0.0.1:8080/hook",
            ["s3cr3t-Passw0rd"],
            "json://127.0.0.1:8080/hook",
        ),
        (
            f"tgram://{TELEGRAM_TOKEN}/12345",
            ["AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "123456789"],
            None,
        ),
        (
            "mailtos://alice:hunter2-mail@mail.example.org?to=ops@example.org",
            ["hunter2-mail"],
            None,
        ),
        (
            "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
            ["JHMHI8qBe7bk2ZwO5U711o3dV_js"],
            None,
        ),
    ],
    ids=["json-password", "telegram-token", "mail-password", "discord-token"],
)
def test_names_and_privacy_urls_hide_secrets(url, secrets, name):
    shown = privacy_url(url)
    derived = channel_name(url)

    for secret in secrets:
        assert secret not in shown
        assert secret not in derived
    assert derived.startswith(url.split("://")[0] + "://")
    assert channel_name(url) == derived  # stable
    if name is not None:
        assert derived == name


def test_channel_name_prefers_the_configured_name_and_keeps_rooms_apart():
    assert channel_name("json://127.0.0.1/hook", "team-chat") == "team-chat"
    assert channel_name("log://") == "log"
    assert channel_name("ntfy://ntfy.sh/alerts") != channel_name("ntfy://ntfy.sh/ops")


def test_privacy_url_of_an_unparseable_url_shows_only_the_scheme():
    assert privacy_url("tgram://abc-SECRET-def") == "tgram://****"
