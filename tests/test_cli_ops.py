"""Operations as the README shows them: read-only commands find the service's state, the
config watcher survives a root-only credentials folder, `status` works with a broken config.

Every command runs as a real subprocess (`python -m monitor`), the daemon included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
WATCHLIST = """\
name: {name}
feeds: []
match:
  any: [Nordkorea]
"""


def monitor(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    if "STATE_DIRECTORY" not in (env or {}):
        environment.pop("STATE_DIRECTORY", None)
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environment,
        cwd=cwd,
    )


def write_config(directory: Path, settings: str = "") -> Path:
    (directory / "watchlists").mkdir(parents=True, exist_ok=True)
    (directory / "settings.yaml").write_text(settings)
    (directory / "watchlists" / "nk.yaml").write_text(WATCHLIST.format(name="NK"))
    return directory


def test_status_finds_the_state_directory_of_the_systemd_unit(tmp_path: Path) -> None:
    """`sudo monitor status --config /etc/monitor` reads the unit's StateDirectory=."""
    config = write_config(tmp_path / "etc-monitor")
    units = tmp_path / "units"
    units.mkdir()
    name = f"monitor-test-{os.getpid()}-{tmp_path.name}"
    (units / "monitor.service").write_text(
        "[Unit]\nDescription=monitor\n[Service]\nType=notify\n"
        f"ExecStart=/opt/monitor/.venv/bin/monitor run --config {config}\n"
        f"StateDirectory={name}\n"
    )
    (units / "other.service").write_text("[Service]\nExecStart=/bin/true\nStateDirectory=other\n")
    shell = tmp_path / "somewhere"
    shell.mkdir()
    done = monitor(
        "status", "--config", str(config), env={"SYSTEMD_UNIT_PATH": str(units)}, cwd=shell
    )
    assert done.returncode == 3, done.stderr  # not running
    assert f"no database at /var/lib/{name}/monitor.db" in done.stderr
    assert f"from {units / 'monitor.service'}" in done.stderr
    assert "daemon:   not running" in done.stdout
    # Nothing was created: neither ./var in the shell's directory nor the unit's directory.
    assert list(shell.iterdir()) == []
    assert not Path("/var/lib", name).exists()


def test_read_only_commands_never_create_a_database(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config")
    shell = tmp_path / "shell"
    shell.mkdir()
    for command in (["status"], ["figures"], ["alerts"], ["events"]):
        done = monitor(*command, "--config", str(config), cwd=shell)
        assert done.returncode in (0, 3), done.stderr
        assert "no database at var/monitor.db" in done.stderr, command
    assert list(shell.iterdir()) == []


def test_read_only_commands_read_the_state_directory_the_daemon_used(tmp_path: Path) -> None:
    """`monitor once` under $STATE_DIRECTORY, then `figures` with it and with the setting."""
    config = write_config(tmp_path / "config")
    state = tmp_path / "state"
    state.mkdir()
    assert (
        monitor("once", "--config", str(config), env={"STATE_DIRECTORY": str(state)}).returncode
        == 0
    )
    assert (state / "monitor.db").exists()
    done = monitor("alerts", "--config", str(config), env={"STATE_DIRECTORY": str(state)})
    assert done.returncode == 0
    assert "no database" not in done.stderr
    (config / "settings.yaml").write_text(f"state_directory: {state}\n")
    done = monitor("figures", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 0
    assert "no database" not in done.stderr
    assert not (tmp_path / "var").exists()


def _without_root_powers() -> list[str]:
    """A prefix that takes root's power to read any directory (the service has none)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux) to drop CAP_DAC_*")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def _wait_for(path: Path, text: str, timeout_s: float, *, after: int = 0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        output = path.read_text()
        if text in output[after:]:
            return output
        time.sleep(0.1)
    raise AssertionError(f"no {text!r} within {timeout_s}s:\n{path.read_text()}")


@pytest.mark.slow
def test_the_daemon_watches_its_config_beside_a_root_only_credentials_folder(
    tmp_path: Path,
) -> None:
    """The README's `install -d -m 0700 /etc/monitor/credentials` must not stop the watcher;
    `monitor status` with a broken settings.yaml still shows the running daemon."""
    state = tmp_path / "state"
    config = write_config(tmp_path / "config", f"state_directory: {state}\n")
    credentials = config / "credentials"
    credentials.mkdir()
    (credentials / "telegram-token").write_text("123456:secret")
    credentials.chmod(0o000)  # as the root-only folder looks to the service's user
    log_path = tmp_path / "daemon.log"
    env = {**os.environ}
    env.pop("STATE_DIRECTORY", None)
    env.pop("NOTIFY_SOCKET", None)
    with log_path.open("w") as log_file:
        daemon = subprocess.Popen(
            [
                *_without_root_powers(),
                sys.executable,
                "-m",
                "monitor",
                "run",
                "--config",
                str(config),
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        _wait_for(log_path, "event=daemon_ready", 60)
        mark = len(log_path.read_text())
        time.sleep(1.5)  # the watcher is armed right after ready
        (config / "watchlists" / "second.yaml").write_text(WATCHLIST.format(name="Second"))
        output = _wait_for(log_path, "reason=file_changed", 30, after=mark)
        assert "config_watch_unavailable" not in output
        _wait_for(log_path, "watchlists=2", 30, after=mark)

        # A broken edit: the daemon keeps running, and status says both.
        (config / "settings.yaml").write_text(f"state_directory: {state}\npoll:\n  intervall: 5m\n")
        _wait_for(log_path, "event=config_invalid", 30, after=mark)
        time.sleep(2.5)  # the state file is rewritten with the heartbeat
        done = monitor("status", "--config", str(config), cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"daemon:   running, pid {daemon.pid}" in done.stdout
        assert "config:   ERROR, running on the last good configuration" in done.stdout
        assert "configuration on disk: ERROR" in done.stdout
        assert "unknown key 'poll.intervall'; did you mean 'interval'" in done.stdout
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        credentials.chmod(0o700)  # so pytest can clean up
    assert daemon.returncode == 0, log_path.read_text()
