"""The configuration directory: `settings.yaml` and `watchlists/*.yaml`.

Files are read with ruamel.yaml (YAML 1.2: `NO`, `on` and `010` stay strings, duplicate
keys are errors) and validated by pydantic models; every problem is reported as
`file:line:column: message`. `${NAME}` in any string is replaced after parsing by the
environment variable NAME, else by the systemd credential `$CREDENTIALS_DIRECTORY/NAME`;
a missing one is an error that names the variable, never a value.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from monitor.errors import ConfigError, ConfigErrors, Position

MAX_FILE_BYTES = (
    1_000_000  # a watchlist is a page of YAML; anything larger is a mistake or an attack
)
URL_SAFE = ":!$&'()*+,;="  # kept as written in a URL; ":" separates e.g. a Telegram token
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
DURATION_UNITS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
    None: 1,
}
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$", re.IGNORECASE)
SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    None: 1,
}


def parse_duration(value: object) -> timedelta:
    """Read `15m`, `30s`, `1h`, `3d` or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration is a number with a unit, e.g. 15m, 30s, 1h or 3d")
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    match = DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration; write e.g. 15m, 30s, 1h or 3d")
    return timedelta(seconds=float(match.group(1)) * DURATION_UNITS[match.group(2)])


def parse_size(value: object) -> int:
    """Read `5MB`, `512KiB` or a number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = SIZE.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a size; write e.g. 5MB or 512KiB")
    unit = match.group(2).lower() if match.group(2) else None
    return int(float(match.group(1)) * SIZE_UNITS[unit])


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]


class Threshold(BaseModel):
    """How much a figure must move to alert: relative (`5%`) and/or absolute (`500`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    relative: Decimal | None = None  # 0.05 for 5%
    absolute: Decimal | None = None

    @model_validator(mode="before")
    @classmethod
    def read_shorthand(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("a threshold is a percentage (5%) or an absolute number (500)")
        if isinstance(value, int | float | Decimal):
            return {"absolute": Decimal(str(value))}
        if isinstance(value, str):
            text = value.strip()
            try:
                if text.endswith("%"):
                    return {"relative": Decimal(text[:-1].strip()) / 100}
                return {"absolute": Decimal(text)}
            except InvalidOperation:
                raise ValueError(
                    f"{value!r} is not a threshold; write a percentage (5%) or a number (500)"
                ) from None
        return value

    def passed_by(self, old: Decimal, new: Decimal) -> bool:
        """True when the move from `old` to `new` is at least this threshold."""
        delta = abs(new - old)
        if self.absolute is not None and delta < self.absolute:
            return False
        if self.relative is not None:
            if old == 0:
                return delta > 0
            if delta / abs(old) < self.relative:
                return False
        return delta > 0


DEFAULT_THRESHOLD = Threshold(relative=Decimal("0.05"))


class Channel(BaseModel):
    """An alert channel: an apprise URL and the tags that route alerts to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str
    tags: tuple[str, ...] = ()
    name: str | None = None  # shown in logs and `monitor alerts`; defaults to the URL scheme

    @field_validator("tags", mode="before")
    @classmethod
    def one_tag_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class PollSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    interval: Duration = timedelta(minutes=15)
    jitter: Duration = timedelta(seconds=30)
    backfill: Duration = timedelta(
        days=3
    )  # entries older than this on a feed's first poll are skipped
    concurrency: int = Field(default=8, ge=1, le=256)
    per_host: int = Field(default=2, ge=1, le=64)


class FetchSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    allow_private_networks: bool = False
    allow: tuple[str, ...] = ()  # hosts, IPs or CIDR networks let through the private-address guard
    timeout: Duration = timedelta(seconds=20)
    max_feed_size: Size = 10_000_000
    max_page_size: Size = 5_000_000
    user_agent: str = "monitor/0.1 (+https://github.com/monitor-news/monitor)"


class DeliverySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    timeout: Duration = timedelta(seconds=30)
    retry_after: Duration = timedelta(minutes=1)  # first retry; doubles up to max_retry_after
    max_retry_after: Duration = timedelta(hours=1)


class LogSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    level: str = "info"
    format: str = "logfmt"  # or "json"

    @field_validator("level")
    @classmethod
    def known_level(cls, value: str) -> str:
        if value.lower() not in {"debug", "info", "warning", "error"}:
            raise ValueError("level is one of debug, info, warning, error")
        return value.lower()

    @field_validator("format")
    @classmethod
    def known_format(cls, value: str) -> str:
        if value not in {"logfmt", "json"}:
            raise ValueError("format is logfmt or json")
        return value


class Settings(BaseModel):
    """`settings.yaml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    database: str | None = None  # SQLAlchemy URL; default: sqlite file in the state directory
    state_directory: str | None = None  # default: $STATE_DIRECTORY, else ./var
    channels: tuple[Channel, ...] = ()
    poll: PollSettings = PollSettings()
    fetch: FetchSettings = FetchSettings()
    delivery: DeliverySettings = DeliverySettings()
    log: LogSettings = LogSettings()


class FeedRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str
    interval: Duration | None = None

    @model_validator(mode="before")
    @classmethod
    def bare_url(cls, value: object) -> object:
        return {"url": value} if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


def _terms(value: object) -> object:
    items = [value] if not isinstance(value, list | tuple) else value
    return [_as_written(item) for item in items]


def _as_written(item: object) -> object:
    # A term is text even when YAML reads a number: `010` stays "010", `2231` is "2231".
    if isinstance(item, bool) or not isinstance(item, int | float):
        return item
    width = getattr(item, "_width", None)
    if isinstance(item, int) and width:
        return f"{item:0{width}d}"
    return str(item)


Terms = Annotated[tuple[str, ...], BeforeValidator(_terms)]


class MatchQuery(BaseModel):
    """`all`: every group must match (any term of a group); `any`: one term; `none`: no term."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    all_of: tuple[Terms, ...] = Field(default=(), alias="all")
    any_of: Terms = Field(default=(), alias="any")
    none_of: Terms = Field(default=(), alias="none")

    @field_validator("all_of", mode="before")
    @classmethod
    def groups(cls, value: object) -> object:
        if isinstance(value, str):
            return [[value]]
        return value

    @model_validator(mode="after")
    def not_empty(self) -> MatchQuery:
        if not self.all_of and not self.any_of:
            raise ValueError("match needs at least one term under 'all' or 'any'")
        return self


class TrackedFigure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    label: str | None = None
    nouns: Terms
    threshold: Threshold = DEFAULT_THRESHOLD

    @field_validator("nouns")
    @classmethod
    def some_nouns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a tracked figure needs at least one noun")
        return value


class Watchlist(BaseModel):
    """`watchlists/<name>.yaml`: one topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    feeds: tuple[FeedRef, ...] = ()
    match: MatchQuery
    figures: dict[str, TrackedFigure] = {}
    notify: Terms = ()  # channel tags; empty means every channel
    alert_on_first: bool = False

    def label_of(self, figure: str) -> str:
        tracked = self.figures[figure]
        return tracked.label or figure


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedPlan:
    """One feed URL and the watchlists that read it."""

    url: str
    interval: timedelta
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """A validated configuration directory."""

    directory: Path
    settings: Settings
    watchlists: tuple[Watchlist, ...]
    secrets: tuple[str, ...] = ()  # every value expanded from ${...}, for log redaction

    def watchlist(self, name: str) -> Watchlist:
        for watchlist in self.watchlists:
            if watchlist.name == name:
                return watchlist
        raise KeyError(name)

    def feeds(self) -> tuple[FeedPlan, ...]:
        """Every distinct feed URL, with the shortest interval any watchlist asks for."""
        plans: dict[str, tuple[timedelta, list[str]]] = {}
        for watchlist in self.watchlists:
            for feed in watchlist.feeds:
                interval = feed.interval or self.settings.poll.interval
                known = plans.get(feed.url)
                if known is None:
                    plans[feed.url] = (interval, [watchlist.name])
                else:
                    known[1].append(watchlist.name)
                    plans[feed.url] = (min(known[0], interval), known[1])
        return tuple(
            FeedPlan(url=url, interval=interval, topics=tuple(topics))
            for url, (interval, topics) in plans.items()
        )

    def state_directory(self) -> Path:
        configured = self.settings.state_directory or os.environ.get("STATE_DIRECTORY")
        if configured:
            # systemd may pass several directories separated by ':'; the first is ours
            return Path(configured.split(":")[0])
        return Path("var")

    def database_url(self) -> str:
        if self.settings.database:
            return self.settings.database
        return f"sqlite:///{self.state_directory() / 'monitor.db'}"


def default_directory() -> Path:
    """`$MONITOR_CONFIG`, else `./config`."""
    return Path(os.environ.get("MONITOR_CONFIG") or "config")


def load_config(directory: Path | str | None = None) -> Config:
    """Read and validate a configuration directory; raise ConfigErrors listing every problem."""
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
        raise ConfigErrors(errors)
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
                    _describe(problem, loc),
                    _position(document, loc, path, at_key=problem["type"] == "extra_forbidden"),
                )
            )
        return None


def _describe(problem: Any, loc: tuple[Any, ...]) -> str:
    where = ".".join(str(part) for part in loc if not _is_model_tag(part)) or "file"
    if problem["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    if problem["type"] == "missing":
        return f"{where}: required key is missing"
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def _is_model_tag(part: object) -> bool:
    # pydantic adds union member names ("str", "function-before[...]") into locations
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float"})


def read_yaml(path: Path) -> Any:
    """Parse one YAML file with positions kept; raise ConfigError with file:line:column."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", Position(str(path))) from error
    if size > MAX_FILE_BYTES:
        raise ConfigError(
            f"file is {size} bytes; the limit is {MAX_FILE_BYTES}", Position(str(path))
        )
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read as UTF-8: {error}", Position(str(path))) from error
    try:
        document = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = error.problem or error.context or "invalid YAML"
        raise ConfigError(f"YAML syntax: {problem}", Position(str(path), line, column)) from error
    except YAMLError as error:
        raise ConfigError(f"YAML: {error}", Position(str(path))) from error
    _refuse_aliases(document, path)
    return document


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
            return expand_string(value, position, in_url=key == "url" and "://" in value)
        return value

    return walk(node, None, None), errors


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


def iter_channels(config: Config, tags: tuple[str, ...]) -> Iterator[Channel]:
    """Channels that carry any of `tags` (all channels when `tags` is empty)."""
    for channel in config.settings.channels:
        if not tags or set(tags) & set(channel.tags):
            yield channel
