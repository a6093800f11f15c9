"""Configuration: the documented shape loads; every mistake names file, line and column."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import Threshold, load_config
from monitor.errors import ConfigError
from tests.fixtures.story import WATCHLIST

REPO = Path(__file__).parent.parent

ISSUE_SETTINGS = """\
database: sqlite:///{db}
channels:
  - url: "tgram://${{TELEGRAM_TOKEN}}/${{TELEGRAM_CHAT}}"
    tags: [chat]
  - url: "mailtos://${{SMTP_USER}}:${{SMTP_PASSWORD}}@mail.example.org?to=desk@example.org"
    tags: [email]
poll:
  interval: 15m
fetch:
  allow_private_networks: false
"""

# The watchlist of the foundation issue, as users copy it.
ISSUE_WATCHLIST = WATCHLIST.format(feed="https://example.org/world.rss")

SECRETS = {
    "TELEGRAM_TOKEN": "123456:ABCdefGHIjkl",
    "TELEGRAM_CHAT": "-100200300",
    "SMTP_USER": "desk",
    "SMTP_PASSWORD": "p@ss word/!",
}


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    directory = tmp_path / "config"
    (directory / "watchlists").mkdir(parents=True)
    (directory / "settings.yaml").write_text(ISSUE_SETTINGS.format(db=tmp_path / "m.db"))
    (directory / "watchlists" / "nk.yaml").write_text(ISSUE_WATCHLIST)
    return directory


def test_the_documented_shape_loads(config_dir: Path) -> None:
    config = load_config(config_dir)
    watchlist = config.watchlist("North Korean arms deliveries to Russia")
    assert watchlist.feeds[0].interval == timedelta(minutes=10)
    assert watchlist.match.all_of[1][0] == "Russland"
    assert watchlist.match.none_of == ("Hamburger Hafen",)
    assert watchlist.figures["containers"].threshold == Threshold(relative=Decimal("0.05"))
    assert watchlist.figures["shells"].threshold.relative == Decimal("0.05")  # the default
    assert config.settings.channels[0].url == "tgram://123456:ABCdefGHIjkl/-100200300"
    assert "p@ss word/!" in config.secrets
    # Expanded into a URL, a secret is percent-encoded so that "@" and "/" keep their place.
    assert config.settings.channels[1].url.startswith("mailtos://desk:p%40ss%20word%2F!@mail.")
    assert config.feeds()[0].interval == timedelta(minutes=10)
    assert config.settings.poll.interval == timedelta(minutes=15)


def test_check_accepts_the_documented_shape(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--config", str(config_dir)]) == 0
    assert "1 watchlists, 1 feeds, 2 channels" in capsys.readouterr().out


def test_check_accepts_the_bundled_default_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config", str(REPO / "config")]) == 0


def test_check_reports_a_yaml_syntax_error_with_position(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_dir / "watchlists" / "nk.yaml"
    path.write_text(
        ISSUE_WATCHLIST.replace("  none: [Hamburger Hafen]", "  none: [Hamburger Hafen")
    )
    assert main(["check", "--config", str(config_dir)]) == 1
    err = capsys.readouterr().err
    # The unclosed "[" on line 9 runs into "figures:" on line 10, where the parser stops.
    assert f"{path}:10:8: YAML syntax: expected ',' or ']', but got ':'" in err


def test_check_reports_an_unknown_key_with_position(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_dir / "watchlists" / "nk.yaml"
    path.write_text(ISSUE_WATCHLIST.replace("    threshold: 5%", "    treshold: 5%"))
    assert main(["check", "--config", str(config_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:14:5: unknown key 'figures.containers.treshold'" in err


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (("interval: 10m", "interval: soon"), ":4:15: feeds.0.interval: 'soon' is not a duration"),
        (
            ("threshold: 5%", "threshold: lots"),
            ":14:16: figures.containers.threshold: 'lots' is not a threshold",
        ),
        (("url: https://example.org/world.rss", "url: ftp://example.org/x"), ":3:10: feeds.0.url:"),
        (
            ("name: North Korean arms deliveries to Russia\n", ""),
            ":1:1: name: required key is missing",
        ),
        (("notify: [chat, email]", "notify: [chat, pager]"), "no channel in settings.yaml has it"),
    ],
    ids=["duration", "threshold", "url-scheme", "missing-name", "unknown-tag"],
)
def test_check_reports_bad_values(
    config_dir: Path, capsys: pytest.CaptureFixture[str], replace: tuple[str, str], expected: str
) -> None:
    path = config_dir / "watchlists" / "nk.yaml"
    path.write_text(ISSUE_WATCHLIST.replace(*replace))
    assert main(["check", "--config", str(config_dir)]) == 1
    assert expected in capsys.readouterr().err


def test_a_missing_variable_is_named_never_a_value(
    config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTP_PASSWORD")
    assert main(["check", "--config", str(config_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{config_dir / 'settings.yaml'}:5:" in err
    assert "${SMTP_PASSWORD} is not set" in err
    assert SECRETS["SMTP_USER"] + ":" not in err


def test_systemd_credentials_fill_variables(
    config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_TOKEN")
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "TELEGRAM_TOKEN").write_text("999:fromcredential\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    config = load_config(config_dir)
    assert config.settings.channels[0].url == "tgram://999:fromcredential/-100200300"


def test_yaml_1_2_keeps_norway_a_string_and_refuses_duplicates(config_dir: Path) -> None:
    path = config_dir / "watchlists" / "nk.yaml"
    path.write_text(ISSUE_WATCHLIST.replace("none: [Hamburger Hafen]", "none: [NO, 010]"))
    assert load_config(config_dir).watchlists[0].match.none_of == ("NO", "010")
    path.write_text(ISSUE_WATCHLIST + "name: again\n")
    with pytest.raises(ConfigError, match=r"nk.yaml:\d+:\d+: YAML syntax"):
        load_config(config_dir)


def test_missing_directory_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pass --config DIR or set MONITOR_CONFIG"):
        load_config(tmp_path / "nowhere")


def test_the_readme_example_config_is_the_bundled_one(tmp_path: Path) -> None:
    copy = tmp_path / "config"
    shutil.copytree(REPO / "config", copy)
    config = load_config(copy)
    assert [w.name for w in config.watchlists] == ["North Korean arms deliveries to Russia"]
    assert config.database_url().startswith("sqlite:///")
