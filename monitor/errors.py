"""The project's own error types, one per boundary.

::

    MonitorError                    root: everything `monitor` raises on purpose
    ├── ConfigError                 a settings or watchlist file is wrong (exit 78)
    │   └── ConfigErrors            several ConfigError found in one pass
    ├── SourceError(url)            a feed or page could not be used
    │   ├── FetchError              HTTP, DNS, TLS, timeout, size cap, refused address
    │   │   └── AddressRefused      the host resolves to a non-public address
    │   ├── ParseError              the feed document cannot be read
    │   └── ExtractError            no article text in the page
    ├── StoreError                  the database cannot be opened, migrated or written
    └── DeliveryError(channel)      an alert channel refused or failed

Expected failures become data (error counts on the feed row, a pending delivery) and the
run moves on; only bugs escape as other exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_CONFIG = 78  # EX_CONFIG from sysexits.h; systemd does not restart-loop on it by default


class MonitorError(Exception):
    """Root of every error `monitor` raises on purpose."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where in a file a problem is (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"


class ConfigError(MonitorError):
    """A configuration file is wrong; the message names the file, line and column."""

    def __init__(self, message: str, position: Position | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{position}: {message}" if position else message)


class ConfigErrors(ConfigError):
    """Several configuration problems found in one pass."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class SourceError(MonitorError):
    """A feed or article URL could not be used.

    `transient`: the fault is this machine's or the network's (DNS, a worker that did not
    start), not the source's; it is retried within seconds, not after the poll interval.
    """

    def __init__(self, url: str, reason: str, *, transient: bool = False) -> None:
        self.url = url
        self.reason = reason
        self.transient = transient
        super().__init__(f"{url}: {reason}")


class FetchError(SourceError):
    """The HTTP request failed (network, status, limits)."""

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
        transient: bool = False,
    ) -> None:
        self.status = status
        self.retry_after_s = retry_after_s
        super().__init__(url, reason, transient=transient)

    @property
    def gone(self) -> bool:
        """True when the server says the resource is gone for good (410)."""
        return self.status == 410


class AddressRefused(FetchError):
    """The host resolves to an address the settings do not allow (SSRF guard)."""


class ParseError(SourceError):
    """The fetched document is not a feed that can be read."""


class ExtractError(SourceError):
    """The page holds no article text."""


class StoreError(MonitorError):
    """The database cannot be opened, migrated or written.

    `transient`: the database itself failed (locked, disk full, connection lost), not the
    data written; the same write may succeed in a few seconds.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        self.transient = transient
        super().__init__(message)


class DeliveryError(MonitorError):
    """A channel did not accept an alert."""

    def __init__(self, channel: str, reason: str) -> None:
        self.channel = channel
        self.reason = reason
        super().__init__(f"{channel}: {reason}")
