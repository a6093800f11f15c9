"""Functions the sandbox tests run inside a worker (a worker imports them by name)."""

from __future__ import annotations

import time


def spin(seconds: float) -> int:
    """Burn CPU for `seconds` (a parser stuck in a loop)."""
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        count += 1
    return count


def allocate(megabytes: int) -> int:
    """Hold `megabytes` of memory at once (a parser expanding a bomb)."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def echo(value: object) -> object:
    """Return `value` unchanged (the round trip alone)."""
    return value


def fail(message: str) -> None:
    """Raise an unexpected error (a bug inside a parser)."""
    raise KeyError(message)
