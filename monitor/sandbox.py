"""Run parse and extract in worker processes with a time and a memory limit.

Feeds and pages come from strangers, and their parsers can be driven into minutes of work
and gigabytes of memory (measured: trafilatura spends 16 s and 506 MB on 5 MB of markup;
feedparser's fallback parser expands an entity bomb to 4.8 GB). So the pipeline calls them
through a `Sandbox`::

    feed = await run_sandboxed(ParseError, fetched.final_url, parse_feed, fetched)

- A worker is a fresh `python -m monitor.sandbox` process (no fork of a threaded daemon,
  no re-import of the caller's main module) that imports the stages
  once, caps its own address space with `RLIMIT_AS` (its size after imports plus
  `memory_mb`) and then serves calls one at a time over a pipe. Workers are reused; the
  pool holds one per CPU core and starts them on demand.
- A call that overruns its time is answered at once with `error(url, "took longer than
  Ns")`; its worker is killed with SIGKILL and replaced on the next call. A call that runs
  out of memory gets `error(url, "needed more than N MB")` and its worker exits.
- The caller's own errors (ParseError, ExtractError) come back as themselves; any other
  exception inside a worker becomes `error(url, "… failed: …")`, logged with its traceback:
  a hostile document must never take the daemon down.
- Workers die with the process that started them (`PR_SET_PDEATHSIG`), even on `kill -9`.
- Memory goes back: after a call that grew the worker's heap by TRIM_ABOVE_MB it returns the
  freed pages to the system (`malloc_trim`); a worker still larger than `recycle_mb` after
  that (a parser's cache, a language dictionary) is replaced, as is one after
  MAX_CALLS_PER_WORKER calls. A worker parsing feeds stays near its size after imports
  (measured: 42 MB after 1,500 farm feeds, 46 MB after 800 article pages).

Every input goes through a worker: a small document is no proof of a cheap one (a few KB
of nested markup or entities can be pathological), and a call costs well under a
millisecond of overhead on top of pickling the body.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import importlib
import logging
import os
import pickle
import resource
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from monitor.errors import SourceError

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIME_S = 20.0  # a 1 MB news page takes trafilatura about 2 s; 10x that is an attack
DEFAULT_MEMORY_MB = 512  # feedparser on a 10 MB feed peaks near 200 MB above its baseline
MAX_CALLS_PER_WORKER = 1000  # recycle: parsers keep caches, the heap never shrinks
DEFAULT_RECYCLE_MB = 150  # resident size after a call (and a trim) that retires a worker
TRIM_ABOVE_MB = 16  # growth over the worker's size after imports worth a malloc_trim
PRELOAD = ("monitor.parse", "monitor.extract", "monitor.scan")  # imported once per worker
PR_SET_PDEATHSIG = 1
START_TIMEOUT_S = 60.0  # a worker importing trafilatura on a loaded machine


@dataclass(frozen=True, slots=True, kw_only=True)
class SandboxLimits:
    """What one call may cost: wall time in seconds, memory in MB above the worker's baseline.

    `recycle_mb`: a worker whose resident size stays above this after a call is replaced.
    """

    time_s: float = DEFAULT_TIME_S
    memory_mb: int = DEFAULT_MEMORY_MB
    recycle_mb: int = DEFAULT_RECYCLE_MB


class WorkerCrashed(Exception):
    """A worker exited without an answer (killed, or out of memory in C code)."""


# -- the worker side -------------------------------------------------------------------


def _serve(conn: Connection, memory_mb: int, preload: tuple[str, ...], parent: int) -> None:
    """The worker process: import, cap memory, then answer calls until the pipe closes."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the daemon, which stops us
    # The daemon logs each call's outcome; a parser's own chatter stays here, unformatted
    # lines from the last-resort handler would break the one-line-per-event log.
    logging.getLogger().addHandler(logging.NullHandler())
    for name in preload:
        importlib.import_module(name)
    _cap_memory(memory_mb)
    trim = _malloc_trim()
    trim_above_mb = _rss_mb()[0] + TRIM_ABOVE_MB
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task = conn.recv_bytes()
        except (EOFError, OSError):
            return
        reply = _answer(task)
        del task  # the document, before a trim
        rss_mb, peak_mb = _rss_mb()
        if trim is not None and rss_mb > trim_above_mb:
            trim(0)  # hand the freed heap back; the reply tells the size that stays
            rss_mb, peak_mb = _rss_mb()
            trim_above_mb = rss_mb + TRIM_ABOVE_MB  # not again for a cache that stays
        reply = (*reply, peak_mb, rss_mb)
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", peak_mb, rss_mb))
        if reply[0] == "memory":
            return  # the heap is fragmented to its cap; a fresh worker starts small


def _answer(task: bytes) -> tuple[Any, ...]:
    """Run one pickled call; its outcome as a reply (without the memory figures)."""
    try:
        function, args, kwargs = pickle.loads(task)
        return ("ok", function(*args, **kwargs))
    except SourceError as error:
        return ("error", type(error), error.url, error.reason)
    except MemoryError:
        return ("memory",)
    except RecursionError:
        return ("crash", "RecursionError: the document is nested too deeply", "")
    except Exception as error:
        return ("crash", f"{type(error).__name__}: {error}", traceback.format_exc())


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)  # the parent died before the signal was armed


def _cap_memory(memory_mb: int) -> None:
    baseline = _virtual_size()
    limit = baseline + memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _virtual_size() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _rss_mb() -> tuple[float, float]:
    """(resident MB now, peak resident MB) of this process."""
    # VmHWM belongs to this process image; ru_maxrss survives exec and would report the
    # size of the parent at the moment it forked the worker.
    found: dict[str, float] = {}
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii") as status,
    ):
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line[:5]] = int(line.split()[1]) / 1024
    peak = found.get("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return found.get("VmRSS", peak), peak


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None elsewhere (musl, macOS)."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


# -- the parent side -------------------------------------------------------------------


class _Worker:
    def __init__(self, process: subprocess.Popen[bytes], conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.calls = 0
        self.rss_mb = 0.0  # resident size after its last call

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(OSError):
            self.conn.close()
        # Reap it so no zombie is left; SIGKILL makes this quick.
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1.0)


class Sandbox:
    """A pool of worker processes for untrusted work; safe to share across event loops."""

    def __init__(self, limits: SandboxLimits | None = None, *, workers: int | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self.size = workers or _cores()
        self.peak_rss_mb = 0.0  # the largest worker peak reported so far
        self._idle: list[_Worker] = []
        self._count = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def run(
        self,
        error: type[SourceError],
        url: str,
        function: Callable[..., T],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> T:
        """`function(*args, **kwargs)` in a worker; `error(url, …)` on overrun or crash.

        `function` must be importable by name (a module-level function).
        """
        limit_s = self.limits.time_s
        what = getattr(function, "__name__", "call")
        try:
            worker = await self._acquire()
        except WorkerCrashed as crash:  # this machine's fault, not the document's: retry soon
            log.warning("sandbox_worker_start_failed call=%s url=%s reason=%s", what, url, crash)
            raise error(
                url, f"{what} could not start a sandbox worker ({crash})", transient=True
            ) from None
        keep = False
        started = time.perf_counter()
        try:
            reply = await self._call(worker, (function, args, kwargs), limit_s)
            keep = reply[0] not in ("memory",)
        except TimeoutError:
            log.warning("sandbox_overrun call=%s url=%s time_s=%g", what, url, limit_s)
            raise error(url, f"{what} took longer than {limit_s:g}s (sandbox time limit)") from None
        except WorkerCrashed as crash:
            log.warning("sandbox_worker_died call=%s url=%s reason=%s", what, url, crash)
            raise error(
                url, f"{what} needed more than {self.limits.memory_mb} MB or crashed ({crash})"
            ) from None
        finally:
            self._release(worker, keep=keep)
        kind, *rest = reply
        peak = rest[-2]
        self.peak_rss_mb = max(self.peak_rss_mb, peak)
        log.debug(
            "sandbox_call call=%s url=%s ms=%.1f worker_peak_mb=%.0f worker_mb=%.0f",
            what,
            url,
            (time.perf_counter() - started) * 1000,
            peak,
            rest[-1],
        )
        if kind == "ok":
            return rest[0]
        if kind == "error":
            cls, error_url, reason = rest[:3]
            raise cls(error_url, reason)
        if kind == "memory":
            log.warning(
                "sandbox_out_of_memory call=%s url=%s memory_mb=%d",
                what,
                url,
                self.limits.memory_mb,
            )
            raise error(
                url, f"{what} needed more than {self.limits.memory_mb} MB (sandbox memory limit)"
            )
        message, trace = rest[:2]
        log.error(
            "sandbox_call_failed call=%s url=%s error=%r traceback=%r", what, url, message, trace
        )
        raise error(url, f"{what} failed on this document: {message}")

    async def warm(self) -> None:
        """Start every worker now instead of at the first calls (a daemon's steady state)."""
        starting = []
        while self._count < self.size:
            self._count += 1
            starting.append(self._start())
        for started in await asyncio.gather(*starting, return_exceptions=True):
            if isinstance(started, _Worker):
                self._idle.append(started)
            else:
                self._count -= 1
                log.warning("sandbox_warm_failed error=%r", started)
        self._wake()

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped when their call returns)."""
        idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
            self._count -= 1

    async def _call(
        self, worker: _Worker, task: tuple[Any, ...], limit_s: float
    ) -> tuple[Any, ...]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        try:
            worker.conn.send(task)
        except (OSError, ValueError) as e:
            raise WorkerCrashed(f"worker gone before the call: {e}") from e
        await _readable(worker.conn, deadline - loop.time())
        try:
            reply: tuple[Any, ...] = worker.conn.recv()
        except (EOFError, OSError) as e:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=1.0)
            raise WorkerCrashed(_exit_reason(worker.process.returncode)) from e
        except Exception as e:  # an answer this process cannot unpickle
            # Workers start from the code on disk: after an upgrade under a running daemon
            # the two may not speak the same records until the daemon restarts.
            log.error("sandbox_reply_unreadable error=%r hint=restart_the_daemon_after_upgrades", e)
            raise WorkerCrashed(
                f"its answer could not be read ({type(e).__name__}: {e}); if monitor was "
                "upgraded while running, restart it"
            ) from e
        worker.calls += 1
        worker.rss_mb = reply[-1]
        return reply

    async def _acquire(self) -> _Worker:
        while True:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                worker.kill()
                self._count -= 1
            if self._count < self.size:
                self._count += 1
                try:
                    return await self._start()
                except BaseException:
                    self._count -= 1
                    self._wake()
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)

    def _release(self, worker: _Worker, *, keep: bool) -> None:
        if worker.rss_mb > self.limits.recycle_mb:
            log.info(
                "sandbox_worker_recycled pid=%d rss_mb=%.0f recycle_mb=%d",
                worker.process.pid,
                worker.rss_mb,
                self.limits.recycle_mb,
            )
            keep = False
        if keep and worker.alive and worker.calls < MAX_CALLS_PER_WORKER:
            self._idle.append(worker)
        else:
            worker.kill()
            self._count -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                with contextlib.suppress(RuntimeError):  # its event loop is gone
                    waiter.set_result(None)
                    return

    async def _start(self) -> _Worker:
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "monitor.sandbox",
            str(theirs.fileno()),
            str(self.limits.memory_mb),
            str(os.getpid()),
        ]
        try:
            process = subprocess.Popen(
                command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, close_fds=True
            )
        except OSError as e:  # no memory, no process slot left
            ours.close()
            raise WorkerCrashed(f"sandbox worker did not start: {e!r}") from e
        finally:
            theirs.close()
        parent_conn = Connection(ours.detach())
        worker = _Worker(process, parent_conn)
        started = time.perf_counter()
        try:
            await _readable(parent_conn, START_TIMEOUT_S)
            _ready, pid = parent_conn.recv()
        except (TimeoutError, EOFError, OSError, ValueError, pickle.UnpicklingError) as e:
            worker.kill()
            raise WorkerCrashed(f"sandbox worker did not start: {e!r}") from e
        log.debug(
            "sandbox_worker_started pid=%d ms=%.0f memory_mb=%d",
            pid,
            (time.perf_counter() - started) * 1000,
            self.limits.memory_mb,
        )
        return worker


async def _readable(conn: Connection, timeout_s: float) -> None:
    """Wait until `conn` has data (or EOF) without blocking the event loop."""
    if conn.poll():
        return
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        async with asyncio.timeout(max(timeout_s, 0.0)):
            await ready
    finally:
        loop.remove_reader(fd)


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "worker stopped answering"
    if exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"worker killed by {signal.Signals(-exitcode).name}"
        return f"worker killed by signal {-exitcode}"
    return f"worker exited with status {exitcode}"


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


_shared: dict[str, Sandbox] = {}


def shared_sandbox() -> Sandbox:
    """The process-wide sandbox the pipeline uses (created on first use)."""
    if "default" not in _shared:
        _shared["default"] = Sandbox()
        atexit.register(_shared["default"].close)
    return _shared["default"]


async def run_sandboxed(
    error: type[SourceError], url: str, function: Callable[..., T], /, *args: Any, **kwargs: Any
) -> T:
    """`function(*args, **kwargs)` in the shared sandbox (see `Sandbox.run`)."""
    return await shared_sandbox().run(error, url, function, *args, **kwargs)


def main(argv: list[str]) -> None:
    """`python -m monitor.sandbox FD MEMORY_MB PARENT_PID`: one worker (started by `Sandbox`)."""
    fd, memory_mb, parent = (int(arg) for arg in argv)
    _serve(Connection(fd), memory_mb, PRELOAD, parent)


if __name__ == "__main__":
    main(sys.argv[1:])
