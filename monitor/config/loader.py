"""Reading the configuration directory: YAML with positions, validation, `${NAME}` expansion.

Files are read with ruamel.yaml (YAML 1.2: `NO`, `on` and `010` stay strings; duplicate
keys, tags and aliases are errors) and validated by the models in `monitor.config.models`;
every problem is reported as `file:line:column: message`. `${NAME}` in any string is
replaced after parsing by the environment variable NAME, else by the systemd credential
`$CREDENTIALS_DIRECTORY/NAME`; a missing one is an error that names the variable, never a
value. Every expanded value, and every password or token written inside a URL
(`https://user:PASSWORD@…`, `?token=…`), is a secret of the `Config`: `monitor.logs` masks
them in every output, and the errors raised here are masked before they leave.

Files are bounded before they are parsed: at most MAX_FILE_BYTES, nesting at most
MAX_DEPTH levels (checked on the event stream, so a deep document costs nothing).
"""

from __future__ import annotations

import contextlib
import os
import re
import time as clock
import urllib.parse
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from monitor.config.messages import describe_problem
from monitor.config.models import Config, Settings, Watchlist
from monitor.errors import ConfigError, ConfigErrors, Position
from monitor.logs import mask, secret_forms

READ_ATTEMPTS = 3  # a file changing under us this often is being rewritten in a loop
MAX_FILE_BYTES = (
    1_000_000  # a watchlist is a page of YAML; anything larger is a mistake or an attack
)
MAX_DEPTH = 32  # a watchlist nests 5 levels; 20,000 nested brackets cost minutes of CPU
SECRET_PARAM = re.compile(r"(?i)(token|key|secret|password|passwd|pass|auth|sig|signature|code)$")
URL_SAFE = ":!$&'()*+,;="  # kept as written in a URL; ":" separates e.g. a Telegram token
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def default_directory() -> Path:
    """`$MONITOR_CONFIG`, else `./config`."""
    return Path(os.environ.get("MONITOR_CONFIG") or "config")


class ConfigUnsettled(ConfigError):
    """A configuration file is being written; read it again in `retry_in_s` seconds."""

    def __init__(self, message: str, position: Position, retry_in_s: float) -> None:
        self.retry_in_s = retry_in_s
        super().__init__(message, position)


def load_config(directory: Path | str | None = None, *, settle_s: float = 0.0) -> Config:
    """Read and validate a configuration directory; raise ConfigErrors listing every problem.

    A file that changes while it is read is read again; with `settle_s` (the daemon's
    reload), a file modified less than `settle_s` ago raises ConfigUnsettled, so an
    editor's half-written save is applied only once it is complete and stable.
    """
    directory = Path(directory) if directory is not None else default_directory()
    for _attempt in range(READ_ATTEMPTS):
        before = _snapshot(directory)
        if settle_s > 0:
            _refuse_unsettled(before, settle_s)
        config = _load_once(directory)
        if _snapshot(directory) == before:
            return config
    raise ConfigUnsettled(
        f"changed while being read, {READ_ATTEMPTS} times; is something still writing it?",
        Position(str(directory)),
        retry_in_s=max(settle_s, 1.0),
    )


def _snapshot(directory: Path) -> dict[Path, tuple[int, int]]:
    """Size and modification time of every file the configuration is read from."""
    watch_dir = directory / "watchlists"
    paths = [directory / "settings.yaml"]
    if watch_dir.is_dir():
        paths += [*watch_dir.glob("*.yaml"), *watch_dir.glob("*.yml")]
    found = {}
    for path in paths:
        with contextlib.suppress(OSError):
            stat = path.stat()
            found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def _refuse_unsettled(snapshot: dict[Path, tuple[int, int]], settle_s: float) -> None:
    now_ns = clock.time_ns()
    for path, (_size, mtime_ns) in sorted(snapshot.items()):
        age_s = (now_ns - mtime_ns) / 1e9
        if age_s < settle_s:
            raise ConfigUnsettled(
                f"modified {max(age_s, 0):.1f}s ago; applied once unchanged for {settle_s:g}s",
                Position(str(path)),
                retry_in_s=settle_s - max(age_s, 0),
            )


def _load_once(directory: Path | str | None = None) -> Config:
    directory = Path(directory) if directory is not None else default_directory()
    if not directory.is_dir():
        raise ConfigError(
            f"configuration directory {directory} does not exist; "
            "pass --config DIR or set MONITOR_CONFIG"
        )
    errors: list[ConfigError] = []
    secrets: list[str] = []
    settings_path = directory / "settings.yaml"
    settings = Settings()
    if settings_path.exists():
        loaded = _load_model(settings_path, Settings, errors, secrets)
        if isinstance(loaded, Settings):
            settings = loaded
    watchlists: list[Watchlist] = []
    seen_names: dict[str, Path] = {}
    watch_dir = directory / "watchlists"
    paths = (
        sorted([*watch_dir.glob("*.yaml"), *watch_dir.glob("*.yml")]) if watch_dir.is_dir() else []
    )
    for path in paths:
        watchlist = _load_model(path, Watchlist, errors, secrets)
        if not isinstance(watchlist, Watchlist):
            continue
        if watchlist.name in seen_names:
            errors.append(
                ConfigError(
                    f"watchlist name {watchlist.name!r} is already used by "
                    f"{seen_names[watchlist.name]}",
                    Position(str(path)),
                )
            )
            continue
        seen_names[watchlist.name] = path
        watchlists.append(watchlist)
    _check_tags(settings, watchlists, errors, directory)
    if errors:
        # pydantic quotes the offending value: an expanded secret must not ride along.
        forms = secret_forms(secrets)
        raise ConfigErrors([ConfigError(mask(e.message, forms), e.position) for e in errors])
    return Config(
        directory=directory,
        settings=settings,
        watchlists=tuple(watchlists),
        secrets=tuple(sorted(set(secrets), key=len, reverse=True)),
    )


def _check_tags(
    settings: Settings, watchlists: list[Watchlist], errors: list[ConfigError], directory: Path
) -> None:
    known = {tag for channel in settings.channels for tag in channel.tags}
    for watchlist in watchlists:
        for tag in watchlist.notify:
            if tag not in known:
                errors.append(
                    ConfigError(
                        f"watchlist {watchlist.name!r} notifies tag {tag!r}, but no channel in "
                        f"settings.yaml has it (known tags: {', '.join(sorted(known)) or 'none'})",
                        Position(str(directory / "watchlists")),
                    )
                )


def load_watchlist(path: Path) -> Watchlist:
    """Read one watchlist file on its own (`monitor backtest`); raise ConfigErrors."""
    errors: list[ConfigError] = []
    loaded = _load_model(path, Watchlist, errors, [])
    if errors or not isinstance(loaded, Watchlist):
        raise ConfigErrors(errors or [ConfigError("not a watchlist", Position(str(path)))])
    return loaded


def _load_model(
    path: Path,
    model: type[BaseModel],
    errors: list[ConfigError],
    secrets: list[str],
) -> BaseModel | None:
    try:
        document = read_yaml(path)
    except ConfigError as error:
        errors.append(error)
        return None
    if document is None:
        document = CommentedMap()
    if not isinstance(document, dict):
        errors.append(
            ConfigError("expected a mapping of keys to values", Position(str(path), 1, 1))
        )
        return None
    expanded, expand_errors = _expand(document, path, secrets)
    errors.extend(expand_errors)
    if expand_errors:
        return None
    try:
        return model.model_validate(expanded)
    except ValidationError as error:
        for problem in error.errors():
            loc = tuple(problem["loc"])
            errors.append(
                ConfigError(
                    _describe(problem, loc, model),
                    _position(document, loc, path, at_key=problem["type"] == "extra_forbidden"),
                )
            )
        return None


def _describe(problem: Any, loc: tuple[Any, ...], model: type[BaseModel]) -> str:
    parts = tuple(part for part in loc if not _is_model_tag(part))
    where = ".".join(str(part) for part in parts) or "file"
    return describe_problem(problem, where, model, parts)


def _is_model_tag(part: object) -> bool:
    # pydantic adds union member names ("str", "function-before[...]") into locations
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float"})


def read_yaml(path: Path) -> Any:
    """Parse one YAML file with positions kept; raise ConfigError with file:line:column."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", Position(str(path), 1, 1)) from error
    if size > MAX_FILE_BYTES:
        raise ConfigError(
            f"file is {size} bytes; the limit is {MAX_FILE_BYTES}", Position(str(path), 1, 1)
        )
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", Position(str(path), 1, 1)) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        at = Position(
            str(path),
            before.count(b"\n") + 1,
            len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1,
        )
        raise ConfigError(
            f"not UTF-8: byte 0x{data[error.start]:02x} cannot be decoded; save the file as UTF-8",
            at,
        ) from error
    try:
        _refuse_tags_and_aliases(yaml, text, path)
        document = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        problem = error.problem or error.context or "invalid YAML"
        raise ConfigError(f"YAML syntax: {problem}", Position(str(path), line, column)) from error
    except YAMLError as error:
        raise ConfigError(f"YAML: {error}", Position(str(path), 1, 1)) from error
    _refuse_aliases(document, path)
    return document


def _refuse_tags_and_aliases(yaml: YAML, text: str, path: Path) -> None:
    # Checked on the event stream, before anything is built: an alias bomb is never
    # expanded, `!!python/…` or any other explicit tag never reaches a constructor, and a
    # deeply nested document is refused at its first level too many.
    depth = 0
    for event in yaml.parse(text):
        mark = event.start_mark
        where = Position(str(path), mark.line + 1, mark.column + 1)
        if isinstance(event, MappingStartEvent | SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(
                    f"nested more than {MAX_DEPTH} levels deep; a configuration file needs "
                    "a handful",
                    where,
                )
        elif isinstance(event, MappingEndEvent | SequenceEndEvent):
            depth -= 1
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise ConfigError("YAML anchors and aliases (&name, *name) are not allowed", where)
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise ConfigError(
                f"YAML tags ({tag}) are not allowed: write plain values, quoted if needed", where
            )


def _refuse_aliases(node: Any, path: Path, seen: set[int] | None = None) -> None:
    # An alias makes two places share one object; a YAML "billion laughs" needs them.
    seen = set() if seen is None else seen
    if isinstance(node, dict | list):
        if id(node) in seen:
            raise ConfigError("YAML aliases (*name) are not allowed here", Position(str(path)))
        seen.add(id(node))
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            _refuse_aliases(child, path, seen)


def _expand(node: Any, path: Path, secrets: list[str]) -> tuple[Any, list[ConfigError]]:
    errors: list[ConfigError] = []

    def expand_string(text: str, position: Position, *, in_url: bool) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            value = lookup_secret(name)
            if value is None:
                errors.append(
                    ConfigError(
                        f"${{{name}}} is not set: export {name} or add a systemd credential {name}",
                        position,
                    )
                )
                return ""
            secrets.append(value)
            if in_url:
                # A password with "@", "/" or a space would break the URL around it;
                # apprise decodes the percent-escapes again.
                value = urllib.parse.quote(value, safe=URL_SAFE)
                secrets.append(value)
            return value

        return ENV_REFERENCE.sub(replace, text)

    def walk(value: Any, parent: Any, key: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, value, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, value, i) for i, v in enumerate(value)]
        if isinstance(value, str) and "${" in value:
            position = _value_position(parent, key, path)
            value = expand_string(value, position, in_url=key == "url" and "://" in value)
        if isinstance(value, str) and "://" in value:
            secrets.extend(url_secrets(value))
        return value

    return walk(node, None, None), errors


def url_secrets(url: str) -> list[str]:
    """The password and the token-like query values (`token=`, `key=`, …) written in `url`."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        found = [parts.password] if parts.password else []
    except ValueError:
        return []
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=False):
        if SECRET_PARAM.search(name):
            found.append(value)
    for value in list(found):
        found.append(urllib.parse.unquote(value))
    return found


def lookup_secret(name: str) -> str | None:
    """The environment variable `name`, else the systemd credential file of that name."""
    if name in os.environ:
        return os.environ[name]
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials:
        candidate = Path(credentials) / name
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8").strip()
    return None


def _value_position(parent: Any, key: Any, path: Path) -> Position:
    try:
        if isinstance(parent, CommentedMap):
            line, column = parent.lc.value(key)
            return Position(str(path), line + 1, column + 1)
        if isinstance(parent, CommentedSeq):
            line, column = parent.lc.item(key)
            return Position(str(path), line + 1, column + 1)
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return Position(str(path))


def _position(document: Any, loc: tuple[Any, ...], path: Path, *, at_key: bool = False) -> Position:
    """Map a pydantic error location onto the YAML node it came from: the value, or its key."""
    node = document
    best = Position(str(path), 1, 1)
    parts = [part for part in loc if not _is_model_tag(part)]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if isinstance(node, CommentedMap):
            if part not in node:
                break
            try:
                line, column = node.lc.key(part) if at_key or not last else node.lc.value(part)
                best = Position(str(path), line + 1, column + 1)
            except (KeyError, TypeError):
                pass
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            try:
                line, column = node.lc.item(part)
                best = Position(str(path), line + 1, column + 1)
            except (KeyError, IndexError, TypeError):
                pass
            node = node[part]
        else:
            break
    return best
