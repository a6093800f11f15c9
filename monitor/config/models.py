"""The configuration's shape: pydantic models of `settings.yaml` and `watchlists/*.yaml`.

The same models validate the files (`monitor.config.loader`) and describe them as JSON
Schema (`monitor schema`).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from monitor.numbers import check_locale

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


MAX_DURATION = timedelta(days=36500)  # 100 years: anything longer is a typo (and overflows dates)


def parse_duration(value: object) -> timedelta:
    """Read `15m`, `30s`, `1h`, `3d` or a number of seconds: 0 to 100 years (36500d)."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise ValueError("a duration is a number with a unit, e.g. 15m, 30s, 1h or 3d")
    elif isinstance(value, int | float):
        seconds = float(value)
    else:
        match = DURATION.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration; write e.g. 15m, 30s, 1h or 3d")
        seconds = float(match.group(1)) * DURATION_UNITS[match.group(2)]
    if math.isnan(seconds):
        raise ValueError(f"{value!r} is not a duration; write e.g. 15m, 30s, 1h or 3d")
    if seconds < 0:
        raise ValueError(f"{value!r} is negative; a duration is 0 or more, e.g. 15m")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"{value!r} is longer than the longest duration allowed, 36500d")
    return timedelta(seconds=seconds)


def _show(duration: timedelta) -> str:
    seconds = duration.total_seconds()
    for unit in ("d", "h", "m", "s"):
        size = DURATION_UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _within(low: timedelta, high: timedelta) -> Callable[[timedelta], timedelta]:
    """A check that a setting's duration lies between `low` and `high` (inclusive)."""

    def check(value: timedelta) -> timedelta:
        if not low <= value <= high:
            raise ValueError(
                f"{_show(value)} is out of range: write a duration from {_show(low)} "
                f"to {_show(high)}"
            )
        return value

    return check


def parse_size(value: object) -> int:
    """Read `5MB`, `512KiB` or a number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = SIZE.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a size; write e.g. 5MB or 512KiB")
    unit = match.group(2).lower() if match.group(2) else None
    return int(float(match.group(1)) * SIZE_UNITS[unit])


# The JSON Schema (`monitor schema`) describes what the YAML may say, not the parsed type.
DURATION_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)?\s*$"},
        {"type": "number", "minimum": 0},
    ],
    "description": "a duration: 30s, 15m, 1h, 3d (or seconds)",
}
SIZE_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*([KMG]i?B|B)?\s*$"},
        {"type": "integer", "minimum": 0},
    ],
    "description": "a size: 5MB, 512KiB (or bytes)",
}
TERMS_SCHEMA = {
    "anyOf": [
        {"type": ["string", "number"]},
        {"type": "array", "items": {"type": ["string", "number"]}},
    ]
}
NOUNS_SCHEMA: dict[str, Any] = {  # as TERMS_SCHEMA, but a list needs at least one noun
    "anyOf": [
        {"type": ["string", "number"]},
        {"type": "array", "items": {"type": ["string", "number"]}, "minItems": 1},
    ]
}
NONEMPTY: dict[str, Any] = {"type": "array", "minItems": 1}
HTTP_URL = r"^https?://[^\s/]+"
HOST_PORT = r"^(\[[0-9a-fA-F:.]+\]|[^\s:\[\]]+):\d{1,5}$"
Duration = Annotated[timedelta, BeforeValidator(parse_duration), WithJsonSchema(DURATION_SCHEMA)]
# Bounds per kind of setting: a poll interval of -60 or 0 would poll in a loop, a timeout
# of a week never fires, a retry after 0s hammers a channel.
_DURATION = (BeforeValidator(parse_duration), WithJsonSchema(DURATION_SCHEMA))
PollInterval = Annotated[
    timedelta, *_DURATION, AfterValidator(_within(timedelta(seconds=1), timedelta(days=30)))
]
Timeout = Annotated[
    timedelta, *_DURATION, AfterValidator(_within(timedelta(seconds=0.1), timedelta(hours=1)))
]
RetryDelay = Annotated[
    timedelta, *_DURATION, AfterValidator(_within(timedelta(seconds=1), timedelta(days=30)))
]
Jitter = Annotated[timedelta, *_DURATION, AfterValidator(_within(timedelta(0), timedelta(days=1)))]
Size = Annotated[int, BeforeValidator(parse_size), WithJsonSchema(SIZE_SCHEMA)]


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

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        shorthand = {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%?\s*$"}
        return {
            "anyOf": [shorthand, {"type": "number"}, handler(core_schema)],
            "description": "relative (5%) or absolute (500)",
        }


DEFAULT_THRESHOLD = Threshold(relative=Decimal("0.05"))
Direction = Literal["up", "down", "any"]
DIGEST_AT = re.compile(r"^\s*(hourly|daily)(?:\s+(?:at\s+)?(\d{1,2}):(\d{2}))?\s*$")


class DigestSchedule(BaseModel):
    """When a digest goes out: `hourly` (on the hour) or `daily` / `daily 18:30` (UTC)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    every: Literal["hourly", "daily"]
    at: time = time(8, 0)  # daily: the time of day (UTC); hourly: its minute

    @model_validator(mode="before")
    @classmethod
    def read_shorthand(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        match = DIGEST_AT.match(value)
        if not match:
            raise ValueError(
                f"{value!r} is not a digest schedule; write hourly, daily or daily 18:30"
            )
        every, hour, minute = match.groups()
        if hour is None:
            return {"every": every, "at": time(0, 0) if every == "hourly" else time(8, 0)}
        if int(hour) > 23 or int(minute) > 59:
            raise ValueError(f"{value!r}: the time of day is HH:MM, 00:00 to 23:59")
        return {"every": every, "at": time(int(hour), int(minute))}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        shorthand = {
            "type": "string",
            "pattern": r"^\s*(hourly|daily)(\s+(at\s+)?([01]?\d|2[0-3]):[0-5]\d)?\s*$",
        }
        return {
            "anyOf": [shorthand, handler(core_schema)],
            "description": "hourly, daily, daily 18:30",
        }

    def next_after(self, moment: datetime) -> datetime:
        """The first digest time strictly after `moment` (UTC)."""
        moment = moment.astimezone(UTC)
        if self.every == "hourly":
            candidate = moment.replace(minute=self.at.minute, second=0, microsecond=0)
            step = timedelta(hours=1)
        else:
            candidate = moment.replace(
                hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0
            )
            step = timedelta(days=1)
        while candidate <= moment:
            candidate += step
        return candidate


class Route(BaseModel):
    """Where a change goes: the first route whose `min_change` it passes decides."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min_change: Threshold | None = None  # 50% or 500; absent: every change
    notify: Terms | None = None  # channel tags; absent: the watchlist's notify
    digest: DigestSchedule | None = None  # absent: at once (unless the channel takes digests)


class AlertTemplate(BaseModel):
    """Jinja2 templates (sandboxed) over the alert fields; an absent part keeps the default."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    title: str | None = None
    body: str | None = None
    html: str | None = None


class Channel(BaseModel):
    """An alert channel: an apprise URL and the tags that route alerts to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str
    tags: Annotated[tuple[str, ...], WithJsonSchema(TERMS_SCHEMA)] = ()
    name: str | None = None  # shown in logs and `monitor alerts`; defaults to the URL scheme
    digest: DigestSchedule | None = None  # this channel takes digests instead of single alerts

    @field_validator("tags", mode="before")
    @classmethod
    def one_tag_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class PollSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    interval: PollInterval = timedelta(minutes=15)
    jitter: Jitter = timedelta(seconds=30)
    backfill: Duration = timedelta(
        days=3
    )  # entries older than this on a feed's first poll are skipped
    concurrency: int = Field(default=8, ge=1, le=256)
    per_host: int = Field(default=2, ge=1, le=64)
    # Adaptive scheduling: the interval follows the feed's publishing rate (the mean gap
    # between its entries of the last week), kept between min_interval and max_interval.
    adaptive: bool = True
    min_interval: PollInterval = timedelta(minutes=5)
    max_interval: PollInterval = timedelta(hours=6)
    max_backoff: PollInterval = timedelta(hours=6)  # the longest wait after repeated errors

    @model_validator(mode="after")
    def ordered_bounds(self) -> PollSettings:
        if self.min_interval > self.max_interval:
            raise ValueError("poll.min_interval must not be longer than poll.max_interval")
        return self


class NoticeSettings(BaseModel):
    """Notices about sources: one "down since" after this long failing, one "recovered"."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    source_down_after: Duration = timedelta(hours=1)
    enabled: bool = True


class HttpSettings(BaseModel):
    """The optional observability endpoint: `/metrics` and `/healthz`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    # host:port, e.g. 127.0.0.1:9464; absent: no endpoint
    listen: str | None = Field(default=None, json_schema_extra={"pattern": HOST_PORT})
    # where people reach the pages (behind a proxy): alerts link to a figure's page under it
    public_url: str | None = Field(default=None, json_schema_extra={"pattern": HTTP_URL})
    # lets a person correct values on the pages from another host (else loopback only)
    token: str | None = Field(default=None, min_length=16)

    @field_validator("public_url")
    @classmethod
    def http_public_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(HTTP_URL, value):
            raise ValueError(f"{value!r} is not an http(s) URL, e.g. https://monitor.example.org")
        return value

    @field_validator("listen")
    @classmethod
    def host_port(cls, value: str | None) -> str | None:
        if value is not None and not re.match(HOST_PORT, value):
            raise ValueError(f"{value!r} is not host:port, e.g. 127.0.0.1:9464")
        return value


class EventSettings(BaseModel):
    """The event stream: how long events are kept, and an optional webhook sink."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    keep: RetryDelay = timedelta(days=90)
    # every event is POSTed here as JSON
    webhook: str | None = Field(default=None, json_schema_extra={"pattern": HTTP_URL})

    @field_validator("webhook")
    @classmethod
    def http_webhook(cls, value: str | None) -> str | None:
        if value is not None and not re.match(HTTP_URL, value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class FetchSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    allow_private_networks: bool = False
    allow: tuple[str, ...] = ()  # hosts, IPs or CIDR networks let through the private-address guard
    timeout: Timeout = timedelta(seconds=20)
    max_feed_size: Size = 10_000_000
    max_page_size: Size = 5_000_000
    user_agent: str = "monitor/0.1 (+https://github.com/monitor-news/monitor)"


class DeliverySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    timeout: Timeout = timedelta(seconds=30)
    retry_after: RetryDelay = timedelta(minutes=1)  # first retry; doubles up to max_retry_after
    max_retry_after: RetryDelay = timedelta(hours=1)
    max_attempts: int = Field(default=10, ge=1)  # then the delivery is failed and a notice sent


LOG_LEVELS = ("debug", "info", "warning", "error")


def _any_case(words: tuple[str, ...]) -> str:
    # JSON Schema patterns have no flags: `DEBUG` and `Info` are levels too.
    spelled = ("".join(f"[{c}{c.upper()}]" for c in word) for word in words)
    return f"^({'|'.join(spelled)})$"


class LogSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    level: str = Field(default="info", json_schema_extra={"pattern": _any_case(LOG_LEVELS)})
    format: str = Field(default="logfmt", json_schema_extra={"enum": ["logfmt", "json"]})

    @field_validator("level")
    @classmethod
    def known_level(cls, value: str) -> str:
        if value.lower() not in LOG_LEVELS:
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
    notices: NoticeSettings = NoticeSettings()
    http: HttpSettings = HttpSettings()
    events: EventSettings = EventSettings()


class FeedRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str = Field(json_schema_extra={"pattern": HTTP_URL})
    interval: PollInterval | None = None

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        return {"anyOf": [{"type": "string", "pattern": HTTP_URL}, handler(core_schema)]}

    @model_validator(mode="before")
    @classmethod
    def bare_url(cls, value: object) -> object:
        return {"url": value} if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def http_url(cls, value: str) -> str:
        if not re.match(HTTP_URL, value):
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


Terms = Annotated[tuple[str, ...], BeforeValidator(_terms), WithJsonSchema(TERMS_SCHEMA)]


class MatchQuery(BaseModel):
    """`all`: every group must match (any term of a group); `any`: one term; `none`: no term."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={  # not_empty, for editors: a term under `all` or `any`
            "anyOf": [
                {
                    "required": ["all"],
                    "properties": {"all": {"anyOf": [{"type": "string"}, NONEMPTY]}},
                },
                {"required": ["any"], "properties": {"any": NOUNS_SCHEMA}},
            ]
        },
    )
    all_of: Annotated[
        tuple[Terms, ...],
        WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": TERMS_SCHEMA}]}),
    ] = Field(default=(), alias="all")
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


# What `unit:` may say for the units the figures engine names by code (`Figure.unit`).
UNIT_ALIASES = {
    "percent": ("%", "percent", "per cent", "pct", "prozent", "pourcent", "por ciento", "процент"),
    "usd": ("usd", "$", "us$", "dollar", "dollars"),
    "eur": ("eur", "€", "euro", "euros"),
    "gbp": ("gbp", "£", "pound", "pounds"),
    "jpy": ("jpy", "¥", "yen"),
}
UNIT_OF = {alias: code for code, aliases in UNIT_ALIASES.items() for alias in aliases}


def _unit(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = " ".join(value.split()).casefold()
    if not text:
        raise ValueError("unit is empty; write e.g. percent, usd or a counted noun")
    return UNIT_OF.get(text, text)


def _bound(value: object) -> object:
    # YAML reads 4.5 as a float: take the number as written, not its binary neighbour.
    if isinstance(value, float):
        return Decimal(str(value))
    return value


Bound = Annotated[Decimal, BeforeValidator(_bound)]


class TrackedFigure(BaseModel):
    """A figure a watchlist tracks, and the anchors that pick its mention in an article."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"anyOf": [{"required": ["nouns"]}, {"required": ["unit"]}]},
    )
    label: str | None = None
    nouns: Annotated[Terms, WithJsonSchema(NOUNS_SCHEMA)] = ()  # the counted noun: any of these
    threshold: Threshold = DEFAULT_THRESHOLD
    direction: Direction = "any"  # up, down or any: which moves alert
    min_sources: int = Field(default=1, ge=1)  # independent outlets that must agree first
    cooldown: Duration | None = None  # default: the watchlist's cooldown
    # Anchors (README "Figure anchors"): terms that must stand near the number in its
    # sentence, terms that must not stand nearer than those, its unit, its plausible values.
    near: Terms = Field(
        default=(), description="one of these terms must stand in the mention's sentence"
    )
    exclude_near: Terms = Field(
        default=(),
        description="a mention loses when one of these stands nearer to it than a near term",
    )
    unit: Annotated[
        str | None,
        BeforeValidator(_unit),
        Field(description="percent, usd, eur, gbp, jpy, or a counted noun"),
    ] = None
    min_value: Bound | None = Field(default=None, alias="min", description="lowest value")
    max_value: Bound | None = Field(default=None, alias="max", description="highest value")
    value_range: tuple[Bound, Bound] | None = Field(
        default=None, alias="range", description="[lowest, highest]; or min and max"
    )

    @field_validator("nouns", "near", "exclude_near")
    @classmethod
    def no_empty_term(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for term in value:
            if not term.strip():
                raise ValueError("an empty term matches nothing; remove it or write a word")
        return value

    @field_validator("exclude_near")
    @classmethod
    def not_also_near(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        near = {fold_term(term) for term in info.data.get("near", ())}
        both = sorted(near & {fold_term(term) for term in value})
        if both:
            raise ValueError(f"{both[0]!r} is both in near and in exclude_near")
        return value

    @field_validator("value_range", mode="before")
    @classmethod
    def low_and_high(cls, value: object) -> object:
        if value is not None and (not isinstance(value, list | tuple) or len(value) != 2):
            raise ValueError("range is two numbers, [low, high], e.g. range: [0, 20]")
        return value

    @field_validator("value_range")
    @classmethod
    def range_in_order(
        cls, value: tuple[Decimal, Decimal] | None, info: ValidationInfo
    ) -> tuple[Decimal, Decimal] | None:
        if value is None:
            return value
        if info.data.get("min_value") is not None or info.data.get("max_value") is not None:
            raise ValueError("write either range: [low, high] or min/max, not both")
        if value[0] > value[1]:
            raise ValueError(f"the lowest value {value[0]} is above the highest {value[1]}")
        return value

    @model_validator(mode="after")
    def anchored(self) -> TrackedFigure:
        if "nouns" in self.model_fields_set and not self.nouns:
            raise ValueError(
                "nouns: [] names nothing; a tracked figure needs at least one noun, or a unit"
            )
        if not self.nouns and self.unit is None:
            raise ValueError("a tracked figure needs at least one noun, or a unit")
        low, high = self.min_value, self.max_value
        if low is not None and high is not None and low > high:
            raise ValueError(f"min {low} is above max {high}")
        return self

    @property
    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """The plausible values: (lowest, highest), None where open."""
        if self.value_range is not None:
            return self.value_range
        return self.min_value, self.max_value

    @property
    def measure(self) -> str:
        """The unit the figure is measured in ("percent" for rates), else ""."""
        if self.unit is not None:
            return self.unit if self.unit in UNIT_ALIASES else ""
        codes = {UNIT_OF.get(fold_term(noun)) for noun in self.nouns}
        return (codes.pop() or "") if len(codes) == 1 else ""


def fold_term(term: str) -> str:
    """A term as configs compare it: case-folded, spaces collapsed."""
    return " ".join(term.split()).casefold()


class Watchlist(BaseModel):
    """`watchlists/<name>.yaml`: one topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    feeds: tuple[FeedRef, ...] = ()
    pages: tuple[FeedRef, ...] = ()  # plain pages to watch: read again whenever they change
    match: MatchQuery
    figures: dict[str, TrackedFigure] = {}
    notify: Terms = ()  # channel tags; empty means every channel
    alert_on_first: bool = False
    notify_on: tuple[Literal["change", "match"], ...] = ("change",)
    routes: tuple[Route, ...] = ()
    digest: DigestSchedule | None = None  # every alert of this topic waits for a digest
    cooldown: Duration = timedelta(hours=1)  # one alert per figure within this time
    template: AlertTemplate | None = None
    locale: str | None = None  # numbers in alerts and pages as this locale writes them: de, en

    @field_validator("locale")
    @classmethod
    def known_locale(cls, value: str | None) -> str | None:
        return None if value is None else check_locale(value)

    def label_of(self, figure: str) -> str:
        tracked = self.figures[figure]
        return tracked.label or figure


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedPlan:
    """One feed URL and the watchlists that read it."""

    url: str
    interval: timedelta
    topics: tuple[str, ...]
    pinned: bool = False  # a watchlist gives this feed its own `interval:`
    page: bool = False  # a plain page (`pages:`), not a feed: one article, read when it changes


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """A validated configuration directory."""

    directory: Path
    settings: Settings
    watchlists: tuple[Watchlist, ...]
    secrets: tuple[str, ...] = ()  # every value expanded from ${...}, for log redaction
    # Derived once: the daemon asks for a feed's plan on every poll, with 10,000 feeds.
    _plans: dict[str, FeedPlan] | None = field(default=None, init=False, repr=False, compare=False)
    _by_name: dict[str, Watchlist] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def watchlist(self, name: str) -> Watchlist:
        if self._by_name is None:
            object.__setattr__(self, "_by_name", {w.name: w for w in self.watchlists})
        assert self._by_name is not None
        return self._by_name[name]

    def feeds(self) -> tuple[FeedPlan, ...]:
        """Every distinct feed URL, with the shortest interval any watchlist asks for."""
        return tuple(self._feed_plans().values())

    def feed_plan(self, url: str) -> FeedPlan | None:
        """The plan of one feed URL, or None when no watchlist reads it."""
        return self._feed_plans().get(url)

    def _feed_plans(self) -> dict[str, FeedPlan]:
        if self._plans is None:
            object.__setattr__(self, "_plans", self._compute_plans())
        assert self._plans is not None
        return self._plans

    def _compute_plans(self) -> dict[str, FeedPlan]:
        plans: dict[str, tuple[timedelta, list[str]]] = {}
        pinned: set[str] = set()
        pages = {page.url for watchlist in self.watchlists for page in watchlist.pages}
        for watchlist in self.watchlists:
            for feed in (*watchlist.feeds, *watchlist.pages):
                interval = feed.interval or self.settings.poll.interval
                if feed.interval is not None:
                    pinned.add(feed.url)
                known = plans.get(feed.url)
                if known is None:
                    plans[feed.url] = (interval, [watchlist.name])
                else:
                    known[1].append(watchlist.name)
                    plans[feed.url] = (min(known[0], interval), known[1])
        return {
            url: FeedPlan(
                url=url,
                interval=interval,
                topics=tuple(topics),
                pinned=url in pinned,
                page=url in pages,
            )
            for url, (interval, topics) in plans.items()
        }

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


def schema_documents() -> dict[str, dict[str, Any]]:
    """The JSON Schemas of `settings.yaml` and of a watchlist, from the validating models."""
    documents: dict[str, dict[str, Any]] = {}
    for name, model, title in (
        ("settings", Settings, "monitor settings.yaml"),
        ("watchlist", Watchlist, "monitor watchlist (watchlists/*.yaml)"),
    ):
        schema = _humane_defaults(model.model_json_schema(by_alias=True, mode="validation"))
        documents[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://monitor.invalid/schema/{name}.schema.json",
            **schema,
            "title": title,
        }
    return documents


def _humane_defaults(node: Any) -> Any:
    # pydantic writes a timedelta default as ISO 8601 ("PT15M"); show it as the YAML would.
    if isinstance(node, list):
        return [_humane_defaults(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _humane_defaults(value) for key, value in node.items()}
    default = node.get("default")
    if node.get("description") == DURATION_SCHEMA["description"] and isinstance(default, str):
        seconds = TypeAdapter(timedelta).validate_python(default).total_seconds()
        for unit in ("w", "d", "h", "m", "s"):
            size = DURATION_UNITS[unit]
            if seconds >= size and seconds % size == 0:
                node["default"] = f"{int(seconds // size)}{unit}"
                break
    return node


def digest_minutes(config: Config) -> str:
    """The minutes of the hour at which some digest is due, as a cron field ("0" at least)."""
    schedules = [c.digest for c in config.settings.channels]
    for watchlist in config.watchlists:
        schedules += [watchlist.digest, *(route.digest for route in watchlist.routes)]
    minutes = {0} | {schedule.at.minute for schedule in schedules if schedule is not None}
    return ",".join(str(minute) for minute in sorted(minutes))


def iter_channels(config: Config, tags: tuple[str, ...]) -> Iterator[Channel]:
    """Channels that carry any of `tags` (all channels when `tags` is empty)."""
    for channel in config.settings.channels:
        if not tags or set(tags) & set(channel.tags):
            yield channel
