"""Logging: one line per event, key=value (logfmt) or JSON, secrets redacted.

Messages are written as `event key=value ...` (`log.info("feed_polled source=%s new=%d", …)`);
the formatter turns them into `level=info logger=monitor.pipeline event=feed_polled source=…`.
No timestamps: journald adds its own. Every configured secret (as written and URL-encoded)
is replaced by `***` in every line, tracebacks included, and control characters are escaped
(`\\n`, `\\u001b`): a feed id holding a newline cannot forge a second log line.

The same two rules cover everything else `monitor` writes: `redact` for stored errors, the
event stream and `/metrics`, and `SafeStream` around the CLI's stdout and stderr, so neither
a secret nor a terminal escape sequence from an article reaches a terminal.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import urllib.parse
from collections.abc import Iterable
from typing import Any

REDACTED = "***"
MIN_SECRET = 4  # shorter values ("1", "yes") would redact half the log
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: what moves a
# terminal's cursor, rewrites its title or starts a new line where a reader expects none.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # keeps \t, \n
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str, pattern: re.Pattern[str] = CONTROLS) -> str:
    """`text` with control characters written as escapes (`\\n`, `\\u001b`), JSON-compatible."""
    return pattern.sub(
        lambda match: _SHORT_ESCAPES.get(match.group(), f"\\u{ord(match.group()):04x}"), text
    )


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Every form a secret may be written in (as is, URL-encoded), longest first."""
    variants = set()
    for secret in secrets:
        if len(secret) >= MIN_SECRET:
            variants.add(secret)
            variants.add(urllib.parse.quote(secret, safe=""))
            variants.add(urllib.parse.quote_plus(secret))
    return tuple(sorted(variants, key=len, reverse=True))


def mask(text: str, forms: tuple[str, ...]) -> str:
    """`text` with each of `forms` (from `secret_forms`) replaced by `***`."""
    for secret in forms:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Masks configured secrets in the rendered message of every record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = ()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        self.secrets = secret_forms(secrets)

    def redact(self, text: str) -> str:
        return mask(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.redact(record.getMessage())
            record.args = None
            if record.exc_info:
                record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
            elif record.exc_text:
                record.exc_text = self.redact(record.exc_text)
            if record.stack_info:
                record.stack_info = self.redact(record.stack_info)
        return True


class LogfmtFormatter(logging.Formatter):
    """`level=info logger=monitor.fetch event=… key=value …`."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        event, _, rest = message.partition(" ")
        event = escape_controls(event)
        line = f"level={record.levelname.lower()} logger={record.name} event={event}"
        if rest:
            line += f" {escape_controls(rest)}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += " traceback=" + json.dumps(record.exc_text)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: level, logger, event, and the rest of the message."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        event, _, rest = message.partition(" ")
        data = {"level": record.levelname.lower(), "logger": record.name, "event": event}
        if rest:
            data["detail"] = rest
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["traceback"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time of the event, not at set-up."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        return


_filter = RedactingFilter()


def configure_logging(
    level: str = "info", fmt: str = "logfmt", secrets: Iterable[str] = ()
) -> None:
    """Send every log line to stderr in `fmt`, at `level`, with `secrets` masked."""
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    _filter.update(secrets)
    handler.addFilter(_filter)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "monitor_handler", False):
            root.removeHandler(old)
    handler.monitor_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Third-party chatter below WARNING says nothing an operator acts on, and apprise
    # writes tokens into its DEBUG lines.
    for noisy in (
        "apprise",
        "trafilatura",
        "htmldate",
        "courlan",
        "apscheduler",
        "aiohttp",
        "asyncio",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def redact(text: str) -> str:
    """`text` with every configured secret masked (for stored error messages and CLI output)."""
    return _filter.redact(text)


class SafeStream:
    """A text stream that masks secrets and escapes terminal controls in what is written.

    The CLI wraps stdout and stderr in it: tables, JSON and errors alike pass through, so a
    secret in a feed URL or an escape sequence in an article title never reaches the
    terminal. Newlines and tabs pass; JSON output stays valid (escapes are `\\u001b`).
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(escape_controls(redact(text), TERMINAL_CONTROLS))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
