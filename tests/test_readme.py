"""The README's configuration examples work as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import read_yaml

README = (Path(__file__).parent.parent / "README.md").read_text()
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", README, re.DOTALL)
WATCHLISTS = [block for block in YAML_BLOCKS if block.startswith("name:")]
ENV = {
    "TELEGRAM_TOKEN": "123456:ABCdef",
    "TELEGRAM_CHAT": "-1001",
    "SMTP_USER": "desk",
    "SMTP_PASSWORD": "secret word",
    "PGPASSWORD": "pg",
}


def test_the_readme_has_examples() -> None:
    assert len(WATCHLISTS) >= 1
    assert any(block.startswith("database:") for block in YAML_BLOCKS)


@pytest.mark.parametrize("block", range(len(YAML_BLOCKS)), ids=lambda i: f"yaml-{i}")
def test_every_yaml_example_is_valid_yaml(block: int, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(YAML_BLOCKS[block])
    read_yaml(path)  # raises ConfigError with file:line:column


@pytest.mark.parametrize("block", range(len(WATCHLISTS)), ids=lambda i: f"watchlist-{i}")
def test_watchlist_examples_pass_check(
    block: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    settings = next(b for b in YAML_BLOCKS if b.startswith("database:"))
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "settings.yaml").write_text(settings.replace("/var/lib/monitor", str(tmp_path)))
    (tmp_path / "watchlists" / "example.yaml").write_text(WATCHLISTS[block])
    assert main(["check", "--config", str(tmp_path)]) == 0, capsys.readouterr().err
