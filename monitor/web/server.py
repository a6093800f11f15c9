"""The pages, /metrics and /healthz on one listener, served from a thread of their own.

The daemon's event loop polls feeds and pings the watchdog; drawing a page of 10,000 values
must not hold it up, so the web server runs its own event loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable

from aiohttp import web

from monitor.config import Config
from monitor.observe import StatusSource
from monitor.store import Store
from monitor.web.app import make_app
from monitor.web.site import Site

log = logging.getLogger(__name__)

START_TIMEOUT_S = 10.0


def split_listen(listen: str) -> tuple[str, int]:
    """ "127.0.0.1:9464" → ("127.0.0.1", 9464); "[::1]:80" → ("::1", 80)."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


class WebServer:
    """The daemon's listener: pages, `/metrics` and `/healthz` (the ObservabilityServer's
    interface: start, stop, address)."""

    def __init__(
        self,
        listen: str,
        source: StatusSource | None,
        *,
        store: Store,
        config_source: Callable[[], Config],
        token: str | None = None,
    ) -> None:
        self.host, self.port = split_listen(listen)
        self.site = Site(store, config_source, token=token)
        self.app = make_app(self.site, source)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._address = ""

    @property
    def address(self) -> str:
        return self._address

    def start(self) -> None:
        """Bind and serve in a daemon thread; OSError when the address is taken."""
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def begin() -> None:
            runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
            await runner.setup()
            site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
            try:
                await site.start()
            except BaseException:
                await runner.cleanup()
                raise
            self._runner = runner
            server = site._server  # the bound socket's real port, for port 0
            sockets = getattr(server, "sockets", None) or []
            host, port = sockets[0].getsockname()[:2] if sockets else (self.host, self.port)
            self._address = f"{host}:{port}"

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(begin())
            except BaseException as error:
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="web", daemon=True)
        self._thread.start()
        ready.wait(START_TIMEOUT_S)
        if failure:
            error = failure[0]
            raise error if isinstance(error, OSError) else OSError(str(error))
        log.info("http_listening address=%s paths=/,/metrics,/healthz", self.address)

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or runner is None or loop.is_closed():
            return
        future = asyncio.run_coroutine_threadsafe(runner.cleanup(), loop)
        try:
            future.result(timeout=5)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._runner = None


def serve_pages(site: Site, host: str, port: int, listen: str) -> int:
    """`monitor serve`: serve `site` on host:port until SIGINT or SIGTERM; the exit code."""

    async def main() -> int:
        runner = web.AppRunner(make_app(site), access_log=None, handle_signals=False)
        await runner.setup()
        tcp = web.TCPSite(runner, host, port)
        try:
            await tcp.start()
        except OSError as error:
            await runner.cleanup()
            print(f"error: cannot listen on {listen}: {error.strerror or error}", file=sys.stderr)
            return 1
        sockets = getattr(tcp._server, "sockets", None) or []
        bound = sockets[0].getsockname()[:2] if sockets else (host, port)
        shown = f"[{bound[0]}]" if ":" in str(bound[0]) else bound[0]
        print(f"serving http://{shown}:{bound[1]}/ (Ctrl-C stops)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await runner.cleanup()
        return 0

    return asyncio.run(main())
