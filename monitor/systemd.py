"""systemd integration: the sd_notify protocol over `$NOTIFY_SOCKET` (no libsystemd needed).

One datagram per call, `KEY=value` lines joined by newlines, to the AF_UNIX datagram socket
named by `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace). The send never
blocks: the event loop that sends WATCHDOG=1 must not stall on a reader that fell behind.

`notify("READY=1")` once the configuration and the database are checked, `notify("STOPPING=1")`
on SIGTERM, `notify("WATCHDOG=1")` from the event loop while it is healthy. Outside systemd
(no `$NOTIFY_SOCKET`) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket

from monitor.logs import redact

log = logging.getLogger(__name__)


def notify(*lines: str) -> bool:
    """Send `KEY=value` lines to systemd; True when a notification socket took them."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace socket
        address = "\0" + address[1:]
    message = redact("\n".join(lines)).encode()  # STATUS= carries errors and URLs
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            # Never block the event loop: a reader that stopped reading loses a message,
            # the daemon does not freeze on a full socket queue.
            sock.setblocking(False)
            sock.connect(address)
            sock.send(message)
    except OSError as error:
        log.warning("sd_notify_failed socket=%s error=%s", address, error.strerror or error)
        return False
    return True


def watchdog_interval_s() -> float | None:
    """Half the watchdog timeout systemd set for this process (`$WATCHDOG_USEC`), or None."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) / 2_000_000
    except ValueError:
        return None
