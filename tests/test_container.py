"""The container recipe and the lock file: what can be checked without a container engine.

No engine runs on the test machine, so the `Containerfile` is read instruction by
instruction (non-root user, state in a volume, the lock file installed with hashes, a
HEALTHCHECK on /healthz), its HEALTHCHECK command is run against a real daemon's /healthz,
and `requirements.lock` is checked to pin every dependency pyproject.toml declares.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parent.parent


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Containerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", path.read_text())
    result = []
    for raw in joined.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), " ".join(rest.split())))
    return result


def final_stage() -> list[tuple[str, str]]:
    steps = instructions(ROOT / "Containerfile")
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def test_the_image_runs_as_a_user_created_for_it() -> None:
    stage = final_stage()
    users = [arguments for word, arguments in stage if word == "USER"]
    assert users, "no USER: the image would run as root"
    assert users[-1] not in {"root", "0", "0:0"}
    name = users[-1].split(":")[0]
    assert any(word == "RUN" and re.search(rf"useradd .*\b{name}\b", a) for word, a in stage)
    # Everything after USER runs unprivileged: no RUN may follow it.
    after = stage[[word for word, _ in stage].index("USER") :]
    assert all(word != "RUN" for word, _ in after)


def test_the_state_directory_is_a_volume_the_daemon_uses() -> None:
    stage = final_stage()
    env = " ".join(arguments for word, arguments in stage if word == "ENV")
    state = re.search(r"STATE_DIRECTORY=(\S+)", env)
    assert state, "STATE_DIRECTORY is not set: the database would land in ./var"
    volumes = " ".join(arguments for word, arguments in stage if word == "VOLUME")
    assert state.group(1) in json.loads(volumes)
    assert any(
        word == "RUN" and "install -d -o monitor -g monitor" in a and state.group(1) in a
        for word, a in stage
    ), "the state directory must belong to the service's user"


def test_dependencies_are_installed_from_the_lock_file_with_hashes() -> None:
    runs = [a for word, a in instructions(ROOT / "Containerfile") if word == "RUN"]
    assert any("--require-hashes -r requirements.lock" in run for run in runs)
    assert any("pip install" in run and "--no-deps ." in run for run in runs)
    copies = [a for word, a in instructions(ROOT / "Containerfile") if word == "COPY"]
    assert any("requirements.lock" in copy.split() for copy in copies)


def locked() -> dict[str, tuple[Version, int]]:
    """Package → (pinned version, number of hashes) from requirements.lock."""
    text = re.sub(r"\\\n", " ", (ROOT / "requirements.lock").read_text())
    pins = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)(.*)$", line)
        if match:
            pins[canonicalize_name(match.group(1))] = (
                Version(match.group(2)),
                match.group(3).count("--hash=sha256:"),
            )
    return pins


def test_every_dependency_of_pyproject_is_pinned_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    declared += [Requirement(r) for r in project["optional-dependencies"]["postgres"]]
    pins = locked()
    assert pins, "requirements.lock pins nothing"
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in requirements.lock"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{requirement.name}=={version} does not satisfy pyproject's {requirement}"
        )
        assert hashes >= 1, f"{requirement.name} has no hash"
    # Extras are resolved too: simplemma[marisa-trie] needs marisa-trie.
    assert "marisa-trie" in pins
    assert all(hashes >= 1 for _, hashes in pins.values())


def _healthcheck_command() -> list[str]:
    healthcheck = next(a for word, a in final_stage() if word == "HEALTHCHECK")
    command = json.loads(healthcheck[healthcheck.index("CMD ") + 4 :])
    assert "/healthz" in " ".join(command)
    return command


def test_the_healthcheck_asks_the_port_the_image_listens_on() -> None:
    url = re.search(r"http://[\d.]+:(\d+)/healthz", " ".join(_healthcheck_command()))
    assert url
    listen = next(a for word, a in final_stage() if word == "RUN" and "listen:" in a)
    assert re.search(rf"listen: [\d.]+:{url.group(1)}\b", listen)
    assert f"EXPOSE {url.group(1)}" in [f"{w} {a}" for w, a in final_stage()]


def test_the_healthcheck_passes_on_a_running_daemon_and_fails_without_one(tmp_path: Path) -> None:
    """The HEALTHCHECK's own command, run against a real daemon's /healthz."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "config"
    (config / "watchlists").mkdir(parents=True)
    (config / "settings.yaml").write_text(f"http:\n  listen: 127.0.0.1:{port}\n")
    command = [
        sys.executable if word == "python" else word.replace(":9464/", f":{port}/")
        for word in _healthcheck_command()
    ]
    env = {**os.environ, "STATE_DIRECTORY": str(tmp_path / "state")}
    env.pop("NOTIFY_SOCKET", None)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "no /healthz within 60s"
                time.sleep(0.2)
        assert subprocess.run(command, timeout=30, check=False).returncode == 0
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    done = subprocess.run(command, timeout=30, check=False, capture_output=True)
    assert done.returncode != 0
