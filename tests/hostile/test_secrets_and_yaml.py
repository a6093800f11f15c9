"""Secrets never reach a log line, a stored error or a message; YAML is read as data only."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from monitor.cli import main
from monitor.config import ConfigUnsettled, load_config
from monitor.errors import ConfigError
from monitor.logs import configure_logging
from tests.fixtures.story import Story
from tests.hostile.conftest import bounded

SECRET = "p@ss/w0rd:S3cr3t! x"  # @, /, : and a space: it must be encoded inside a URL
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_PASSWORD", SECRET)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)


def leaks(text: str) -> list[str]:
    forms = {SECRET, quote(SECRET, safe=""), quote(SECRET, safe=":!$&'()*+,;="), TOKEN}
    forms |= {TOKEN.split(":")[1]}
    return [form for form in forms if form in text]


def write_settings(story: Story, channels: str) -> None:
    settings = story.config / "settings.yaml"
    text = settings.read_text().split("channels:")[0]
    rest = settings.read_text().split("fetch:")[1]
    settings.write_text(f"{text}channels:\n{channels}log:\n  level: debug\nfetch:{rest}")


def test_failing_channels_never_show_a_secret_at_debug_level(
    story: Story, secret_env, silent_server, capfd: pytest.CaptureFixture[str]
) -> None:
    hang = silent_server.apprise_url("hook").replace("json://", "json://user:${HOOK_PASSWORD}@")
    write_settings(
        story,
        f'  - url: "{hang}"\n    tags: [chat]\n'
        '  - url: "json://bot:${BOT_TOKEN}@127.0.0.1:9/hook"\n    tags: [email]\n'
        "delivery:\n  timeout: 1s\n",
    )
    assert main(["notify-test", "--config", str(story.config)]) == 1
    out, err = capfd.readouterr()
    assert "no answer within 1s" in out + err
    assert leaks(out + err) == []


def test_stored_delivery_errors_hold_no_secret(
    story: Story, secret_env, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.fixtures.story import publish_february, publish_seed

    write_settings(
        story,
        '  - url: "json://bot:${BOT_TOKEN}@127.0.0.1:9/${HOOK_PASSWORD}"\n'
        "    tags: [chat, email]\n",
    )
    publish_february(story)
    publish_seed(story)
    assert story.once() == 1  # the channel refuses: the alerts stay pending
    alerts = story.cli_json(capsys, "alerts")
    assert alerts, "the seed story produced no alert"
    assert leaks(str(alerts)) == []
    assert "refused" in str(alerts).lower() or "connect" in str(alerts).lower()


def test_a_traceback_carrying_a_secret_is_masked(capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging("debug", "logfmt", [SECRET])
    log = logging.getLogger("monitor.test")
    try:
        raise ValueError(f"could not log in with {quote(SECRET, safe='')}")
    except ValueError:
        log.exception("login_failed user=%s password=%s", "bot", SECRET)
    log.warning("stack_dump", stack_info=True, extra={})
    configure_logging("info", "logfmt", [])
    _out, err = capfd.readouterr()
    assert "event=login_failed" in err
    assert "traceback=" in err
    assert leaks(err) == []
    assert err.count("***") >= 2


def test_a_missing_secret_stops_start_up_naming_the_variable(
    story: Story, secret_env, capsys: pytest.CaptureFixture[str]
) -> None:
    write_settings(
        story,
        '  - url: "json://bot:${BOT_TOKEN}@127.0.0.1:9/${NOT_SET_ANYWHERE}"\n'
        "    tags: [chat, email]\n",
    )
    assert main(["check", "--config", str(story.config)]) != 0
    err = capsys.readouterr().err
    assert "${NOT_SET_ANYWHERE} is not set" in err
    assert "settings.yaml:" in err
    assert leaks(err) == []


# -- YAML ------------------------------------------------------------------------------

HOSTILE_YAML = {
    "python-object": (
        "name: x\nmatch:\n  any: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
        "YAML tags",
        (3, 8),
    ),
    "python-name": ("name: !!python/name:os.system\nmatch: {any: [a]}\n", "YAML tags", (1, 7)),
    "custom-tag": ("name: x\nmatch: {any: [!env HOME]}\n", "YAML tags", (2, 15)),
    "binary": ("name: !!binary aGk=\nmatch: {any: [a]}\n", "YAML tags", (1, 7)),
    "anchor": ("name: &n x\nmatch: {any: [*n]}\n", "anchors and aliases", (1, 7)),
    "duplicate-key": ("name: x\nname: y\nmatch: {any: [a]}\n", "duplicate", (2, 1)),
}


@pytest.mark.parametrize(
    ("text", "problem", "where"), HOSTILE_YAML.values(), ids=HOSTILE_YAML.keys()
)
def test_hostile_yaml_is_refused_with_its_position(
    tmp_path: Path, text: str, problem: str, where: tuple[int, int]
) -> None:
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "w.yaml").write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path)
    message = str(error.value)
    assert problem in message
    assert f"w.yaml:{where[0]}:{where[1]}" in message, message
    assert not Path("/tmp/pwned").exists()


def test_an_alias_bomb_is_refused_without_expanding(tmp_path: Path) -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for name, prev in zip("bcdefghi", "abcdefgh", strict=True):
        bomb += f"{name}: &{name} [{','.join(['*' + prev] * 9)}]\n"
    assert len(bomb) < 500  # 9^9 = 387 million strings once expanded
    (tmp_path / "settings.yaml").write_text(bomb)
    with bounded(time_s=1, memory_mb=10), pytest.raises(ConfigError, match="aliases"):
        load_config(tmp_path)


def test_a_file_over_1_mb_is_refused(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text("# padding\n" * 110_000)
    with pytest.raises(ConfigError, match="limit is 1000000"):
        load_config(tmp_path)


def test_norway_on_and_010_stay_strings(tmp_path: Path) -> None:
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "w.yaml").write_text(
        "name: NO\nmatch:\n  any: [NO, ON, yes, off, 010]\n"
    )
    watchlist = load_config(tmp_path).watchlists[0]
    assert watchlist.name == "NO"
    assert watchlist.match.any_of == ("NO", "ON", "yes", "off", "010")


def test_a_file_still_being_written_is_not_applied(tmp_path: Path) -> None:
    (tmp_path / "watchlists").mkdir()
    path = tmp_path / "watchlists" / "w.yaml"
    path.write_text("name: half\nmatch:\n  any: [a]\n")
    with pytest.raises(ConfigUnsettled, match="applied once unchanged for 1s") as error:
        load_config(tmp_path, settle_s=1.0)
    assert 0 < error.value.retry_in_s <= 1.0
    old = time.time() - 5
    os.utime(path, (old, old))
    assert load_config(tmp_path, settle_s=1.0).watchlists[0].name == "half"


# -- the daemon: reload waits for a complete file, logs removed watchlists ---------------------


def test_the_daemon_applies_a_half_written_watchlist_only_once_complete(
    story: Story, tmp_path: Path
) -> None:
    log_path = tmp_path / "daemon.log"
    with log_path.open("w") as log_file:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(story.config)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(log_path, "event=daemon_ready", 60)
        second = story.config / "watchlists" / "second.yaml"
        second.write_text("name: Second topic\nmatch:\n")  # an editor's first write
        daemon.send_signal(signal.SIGHUP)
        # The daemon must see the half-written file first (order, not a sleep: a busy
        # machine may take longer than any fixed pause to handle the signal).
        wait_for(log_path, "event=config_unsettled", 10)
        second.write_text("name: Second topic\nmatch:\n  any: [Korea]\n")
        wait_for(log_path, "feeds=1 watchlists=2", 10)
        assert "event=config_unsettled" in log_path.read_text()
        assert "event=config_invalid" not in log_path.read_text()

        (story.config / "watchlists" / "north-korea.yaml").unlink()
        time.sleep(1.1)
        daemon.send_signal(signal.SIGHUP)
        wait_for(log_path, "event=watchlist_removed topic='North Korean arms deliveries", 10)
        wait_for(log_path, "event=feed_unscheduled", 5)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def wait_for(path: Path, text: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in path.read_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {text!r} within {timeout_s}s:\n{path.read_text()}")
        time.sleep(0.05)
