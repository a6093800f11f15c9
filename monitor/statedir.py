"""Where the running service keeps its state, for the commands that only read it.

`monitor status`, `figures`, `alerts`, `events` and `backtest` read the database and the
daemon's state file of the service that runs with the same configuration directory. They
find its state directory the way the service does, in this order:

1. `state_directory` in settings.yaml;
2. `$STATE_DIRECTORY` (set by systemd for the service, and by whoever exports it);
3. the systemd unit that runs `monitor run --config DIR` for this DIR: its
   `StateDirectory=` (relative to /var/lib, as systemd reads it);
4. `./var`, the default of a `monitor run` from a shell.

A read-only command never creates a database: when the SQLite file is not where the
service would keep it, the command answers from an empty one in memory and says on
stderr where it looked and why.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from monitor.config import Config

UNIT_DIRECTORIES = (  # where systemd looks for units, most specific first
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
)
SYSTEMD_STATE_ROOT = Path("/var/lib")


@dataclass(frozen=True, slots=True, kw_only=True)
class StateDirectory:
    """A state directory and where it was found."""

    path: Path
    source: str  # "settings", "$STATE_DIRECTORY", the unit file's path, or "default"


def find_state_directory(config: Config) -> StateDirectory:
    """The state directory of the service running with `config` (see the module docstring)."""
    if config.settings.state_directory:
        return StateDirectory(path=config.state_directory(), source="settings")
    if os.environ.get("STATE_DIRECTORY"):
        return StateDirectory(path=config.state_directory(), source="$STATE_DIRECTORY")
    found = unit_state_directory(config.directory)
    if found is not None:
        return found
    return StateDirectory(path=config.state_directory(), source="default")


def unit_state_directory(config_dir: Path) -> StateDirectory | None:
    """`StateDirectory=` of the systemd unit that runs `monitor run --config config_dir`."""
    wanted = config_dir.resolve()
    search = os.environ.get("SYSTEMD_UNIT_PATH")  # systemd's own override of the search path
    directories = search.split(":") if search else UNIT_DIRECTORIES
    for directory in directories:
        try:
            units = sorted(Path(directory).glob("*.service"))
        except OSError:
            continue
        for unit in units:
            settings = _service_settings(unit)
            if _runs_monitor_with(settings.get("ExecStart", []), wanted):
                names = " ".join(settings.get("StateDirectory", [])).split()
                if names:
                    return StateDirectory(path=SYSTEMD_STATE_ROOT / names[0], source=str(unit))
    return None


def _service_settings(unit: Path) -> dict[str, list[str]]:
    """Key → values of the unit's [Service] section, drop-ins (`unit.d/*.conf`) included."""
    settings: dict[str, list[str]] = {}
    for path in (unit, *sorted(Path(f"{unit}.d").glob("*.conf"))):
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        section = None
        for raw in lines:
            line = raw.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and "=" in line and not line.startswith(("#", ";")):
                key, _, value = line.partition("=")
                settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def _runs_monitor_with(exec_starts: list[str], config_dir: Path) -> bool:
    for command in exec_starts:
        try:
            words = shlex.split(command.lstrip("-@:+!"))
        except ValueError:
            continue
        if not words or not Path(words[0]).name.startswith("monitor") or "run" not in words:
            continue
        for index, word in enumerate(words):
            given = None
            if word == "--config" and index + 1 < len(words):
                given = words[index + 1]
            elif word.startswith("--config="):
                given = word.partition("=")[2]
            if given is not None and Path(given).resolve() == config_dir:
                return True
    return False


def service_config(config: Config) -> tuple[Config, str | None]:
    """`config` pointed at the service's state, and a note when its database is not there.

    A read-only command must not create an empty database and report on it: when the
    service's SQLite file does not exist, the returned config reads an empty database in
    memory and the note says where the file was looked for and what to do.
    """
    found = find_state_directory(config)
    located = config
    if found.source != "default":  # else the state file stays beside a configured database
        settings = config.settings.model_copy(update={"state_directory": str(found.path)})
        located = replace(config, settings=settings)
    url = located.database_url()
    if not url.startswith("sqlite:///") or ":memory:" in url or "mode=memory" in url:
        return located, None
    database = Path(url.removeprefix("sqlite:///").split("?")[0])
    if database.exists():
        return located, None
    where = "the default" if found.source == "default" else f"from {found.source}"
    reason = "cannot read it" if _unreadable(database.parent) else "there is none"
    hint = (
        "start the daemon first, or set state_directory in settings.yaml (or "
        "$STATE_DIRECTORY) to where the service keeps its state"
        if found.source == "default"
        else "run the command as the service's user or root (sudo)"
    )
    note = f"no database at {database} (state directory {found.path}, {where}): {reason}; {hint}"
    empty = located.settings.model_copy(update={"database": "sqlite:///:memory:"})
    return replace(located, settings=empty), note


def _unreadable(directory: Path) -> bool:
    try:
        os.listdir(directory)
    except PermissionError:
        return True
    except OSError:
        return False
    return False
