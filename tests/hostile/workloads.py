"""Functions the sandbox tests run inside a worker (a worker imports them by name)."""

from __future__ import annotations

import os
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


_KEPT: list[object] = []


def churn(megabytes: int) -> int:
    """Allocate `megabytes` in 2 KB pieces and free them, one piece kept (a parse's garbage).

    The kept piece sits at the top of the heap, so only a trim gives the rest back.
    """
    pieces = [bytes(2048) for _ in range(megabytes * 512)]
    _KEPT.append(pieces[-1])
    return len(pieces)


def hoard(megabytes: int) -> int:
    """Keep `megabytes` in a module-level cache (a parser's cache that never shrinks)."""
    _KEPT.append(bytearray(megabytes * 1024 * 1024))
    return os.getpid()


def pid() -> int:
    """The worker's process id."""
    return os.getpid()


def _gone_after_an_upgrade() -> None:
    raise AttributeError("module 'monitor.records' has no attribute '_feed_entry'")


class AnswerFromOtherCode:
    """Pickles in the worker, cannot be unpickled by the daemon (code changed under it)."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return _gone_after_an_upgrade, ()


def answer_from_other_code() -> AnswerFromOtherCode:
    """An answer the daemon cannot read, as after `pip install -U` under a running daemon."""
    return AnswerFromOtherCode()
