"""Deliver alerts through apprise, one channel URL at a time.

Every channel gets its own `apprise.Apprise` so its outcome is recorded on its own
delivery row. apprise's `False` (or an exception, or no answer within `timeout_s`)
becomes a `DeliveryError` whose reason is what apprise logged, with every secret part of
the channel URL masked. Channel URLs appear in logs and errors only in apprise's privacy
form (`url(privacy=True)`).

`log://` is handled here, not by apprise (which has no such service): it writes the alert
as one log line, so a fresh install delivers somewhere without any secret.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import warnings
from urllib.parse import unquote, urlsplit

import apprise

with warnings.catch_warnings():
    # apprise's PGP helper imports the stdlib's deprecated imghdr when the e-mail plugin loads
    warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
    import apprise.utils.pgp

from monitor.config import Channel, Config
from monitor.errors import DeliveryError
from monitor.records import Alert

log = logging.getLogger(__name__)

LOG_SCHEME = "log"
# Services that show an e-mail: they get the alert's HTML body. Chat services get the text,
# which reads the same everywhere (Telegram or Slack would mangle arbitrary HTML).
HTML_SCHEMES = frozenset({"mailto", "mailtos", "ses", "sendgrid", "mailgun", "sparkpost", "resend"})
# Chat services that turn text into pings or links: what each one is sent defused.
# apprise's Discord plugin sends `allow_mentions` only with its own ping= option, never an
# empty one, so @everyone is defused in the text itself (a zero-width space after the "@").
ZWSP = "\u200b"
EVERYONE = re.compile(r"@(?=(?:everyone|here|channel|all|group)\b)", re.IGNORECASE)
ANY_MENTION = re.compile(r"@(?=\w)")  # Mattermost, Rocket.Chat: @name pings its owner
TOKEN_OPEN = re.compile(r"<(?=[@#!&/:a-z])", re.IGNORECASE)  # <@id>, <!channel>, <url|text>
MARKDOWN_LINK = re.compile(r"[\[\]]")  # [shown](elsewhere): a disguised link
CHAT_RULES: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "discord": ((EVERYONE, "@" + ZWSP), (TOKEN_OPEN, "<" + ZWSP), (MARKDOWN_LINK, r"\\\g<0>")),
    "slack": ((EVERYONE, "@" + ZWSP), (TOKEN_OPEN, "<" + ZWSP)),
    "mmost": ((ANY_MENTION, "@" + ZWSP), (MARKDOWN_LINK, r"\\\g<0>")),
    "rocket": ((ANY_MENTION, "@" + ZWSP), (MARKDOWN_LINK, r"\\\g<0>")),
}
CHAT_RULES |= {
    "mmosts": CHAT_RULES["mmost"],
    "rockets": CHAT_RULES["rocket"],
    "msteams": CHAT_RULES["slack"],
}
MASK = "****"
MIN_SECRET_CHARS = 3  # shorter URL parts ("a", "1") are too common to mask in messages

_apprise_log = logging.getLogger("apprise")
_apprise_log.setLevel(logging.WARNING)  # apprise logs tokens and payloads at DEBUG

_captured: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "apprise_messages", default=None
)


class _RedactSecrets(logging.Filter):
    """Mask known channel secrets in apprise's own records, and collect them when asked.

    apprise writes an unparseable URL verbatim at ERROR; this filter sits on its logger,
    so the journal and the captured reasons both get the masked text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        sink = _captured.get()
        if sink is not None and record.levelno >= logging.WARNING:
            sink.append(masked)
        return True


_apprise_log.addFilter(_RedactSecrets())


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _is_log_channel(url: str) -> bool:
    return _scheme(url.strip()) == LOG_SCHEME


def _url_parts(url: str) -> set[str]:
    parts = {url}
    password = urlsplit(url).password if "://" in url else None
    if password:
        parts.update({password, unquote(password)})
    for part in re.split(r"[/:@?&=#,;+\s]+", url.split("://", 1)[-1]):
        parts.update({part, unquote(part)})
    return {part for part in parts if len(part) >= MIN_SECRET_CHARS}


class _Secrets:
    """The parts of every channel URL seen that must not be shown, per URL."""

    def __init__(self) -> None:
        self.by_url: dict[str, frozenset[str]] = {}
        self.masked: tuple[str, ...] = ()  # their union, longest first; rebound, never mutated

    def remember(self, url: str, shown: str | None) -> None:
        """Mask the parts of `url` its privacy form `shown` hides (every part when None)."""
        parts = _url_parts(url)
        if shown is not None:
            visible = shown.lower()
            parts = {part for part in parts if part.lower() not in visible}
        self.by_url[url] = frozenset(parts)
        union = set().union(*self.by_url.values())
        self.masked = tuple(sorted(union, key=len, reverse=True))


_secrets = _Secrets()


def _mask(text: str) -> str:
    for secret in _secrets.masked:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _build(url: str) -> tuple[apprise.plugins.NotifyBase | None, list[str]]:
    """The apprise service for `url` (None if it cannot be built) and why not.

    Until apprise has shown which parts of the URL are public, all of them are masked:
    it logs rejected tokens, and whole unparseable URLs, as it reads them.
    """
    if url not in _secrets.by_url:
        _secrets.remember(url, None)
    messages: list[str] = []
    token = _captured.set(messages)
    try:
        service = apprise.Apprise.instantiate(url)
    finally:
        _captured.reset(token)
    _secrets.remember(url, None if service is None else str(service.url(privacy=True)))
    return service, [_mask(message) for message in dict.fromkeys(messages)]


def _privacy(url: str) -> str | None:
    if _is_log_channel(url):
        return f"{LOG_SCHEME}://"
    service, _messages = _build(url)
    return None if service is None else str(service.url(privacy=True))


def privacy_url(url: str) -> str:
    """apprise's privacy form of the URL (secrets masked); `scheme://****` if it cannot parse it."""
    return _privacy(url) or f"{_scheme(url) or 'unknown'}://{MASK}"


def channel_name(url: str, name: str | None = None) -> str:
    """A stable, secret-free name for a channel: `name`, else scheme://host[:port][/path].

    Host and path come from apprise's privacy form, where tokens are already masked, so
    two chat rooms on one server stay apart (`ntfy://ntfy.sh/alerts`, `ntfy://ntfy.sh/ops`).
    """
    if name:
        return name
    if _is_log_channel(url):
        return LOG_SCHEME
    shown = urlsplit(privacy_url(url))
    host = shown.hostname or shown.netloc.rsplit("@", 1)[-1]
    try:
        port = shown.port
    except ValueError:
        port = None
    where = f"{host}:{port}" if port else host
    return f"{shown.scheme}://{where}{shown.path.rstrip('/')}"


def check_channel_url(url: str) -> str | None:
    """None when the URL names a usable channel, else what is wrong (for `monitor check`)."""
    if _is_log_channel(url):
        return None
    service, messages = _build(url)
    if service is not None:
        return None
    scheme = _scheme(url)
    if not scheme:
        return "not a channel URL: write scheme://…, e.g. mailto://, json://, tgram:// or log://"
    reasons = "; ".join(messages) or "apprise does not recognise it"
    return f"apprise cannot use this {scheme}:// URL: {reasons}"


async def deliver_alert(
    alert: Alert,
    channel_url: str,
    *,
    channel: str,
    timeout_s: float,
    body_format: str | None = None,
) -> None:
    """Send `alert` to one channel; raise DeliveryError when it is not accepted.

    The body goes as HTML to e-mail channels when the alert has one, else as plain text
    (`body_format` forces one of "text" or "html").
    """
    if _is_log_channel(channel_url):
        log.info(
            "alert_logged channel=%s title=%s body=%s",
            channel,
            _quote(alert.title),
            _quote(alert.body),
        )
        return
    title, body, body_format = rendered_for(alert, channel_url, body_format)
    notify_format = apprise.NotifyFormat(body_format)
    service, messages = _build(channel_url)
    if service is None:
        why = "; ".join(messages) or "unknown service"
        raise DeliveryError(channel, f"apprise cannot use the channel URL: {why}")
    # Bound apprise's own sockets too, so no worker thread outlives the timeout by long.
    service.socket_connect_timeout = min(service.socket_connect_timeout, timeout_s)
    service.socket_read_timeout = min(service.socket_read_timeout, timeout_s)
    notifier = apprise.Apprise()
    notifier.add(service)
    try:
        async with asyncio.timeout(timeout_s):
            result = await notifier.async_notify(
                title=title, body=body, body_format=notify_format, timeout=timeout_s
            )
    except TimeoutError as error:
        raise DeliveryError(channel, f"no answer within {timeout_s:g}s") from error
    except Exception as error:  # apprise catches plugin errors itself; this is its own failure
        raise DeliveryError(
            channel, f"apprise failed: {_mask(str(error)) or type(error).__name__}"
        ) from error
    with result:
        if result:
            log.debug("alert_sent alert=%s channel=%s", alert.key, channel)
            return
        reasons = [
            _mask(entry.message)
            for entry in result.logs()
            if entry.level in {"WARNING", "ERROR", "CRITICAL"}
        ]
        status = result.status.name.lower()
    if status == "timeout":
        reasons.insert(0, f"no answer within {timeout_s:g}s")
    raise DeliveryError(channel, "; ".join(dict.fromkeys(reasons)) or f"apprise reported {status}")


def rendered_for(
    alert: Alert, channel_url: str, body_format: str | None = None
) -> tuple[str, str, str]:
    """Title, body and format that `channel_url` is sent: HTML for e-mail, chat text defused.

    Chat services get the text with mentions (`@everyone`, `@channel`, `<!here>`, `<@id>`)
    and disguised links (`[bank.example](https://evil.example)`) made inert (CHAT_RULES).
    """
    scheme = _scheme(channel_url.strip())
    if body_format is None:
        body_format = "html" if alert.html and scheme in HTML_SCHEMES else "text"
    body = alert.html if body_format == "html" and alert.html else alert.body
    return defuse_chat(alert.title, scheme), defuse_chat(body, scheme), body_format


def defuse_chat(text: str, scheme: str) -> str:
    """`text` with what `scheme`'s chat service would ping or link made inert."""
    for pattern, replacement in CHAT_RULES.get(scheme, ()):
        text = pattern.sub(replacement, text)
    return text


def _quote(text: str) -> str:
    # One log line per alert: newlines and quotes escaped, non-ASCII kept readable.
    return json.dumps(text, ensure_ascii=False)


def named_channels(config: Config) -> dict[str, Channel]:
    """Every configured channel by its `channel_name`, in settings order: computed once per
    configuration by its callers (the daemon at each reload, a cycle at its start)."""
    return {channel_name(c.url, c.name): c for c in config.settings.channels}
