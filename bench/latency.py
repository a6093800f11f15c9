"""Benchmark: new item published → alert received by a loopback webhook.

One feed on 127.0.0.1 and a webhook receiver (apprise `json://`) on 127.0.0.1. The feed's
first story sets the figure; then, trial after trial, a new story with a higher figure is
published and the poll that sees it runs as the daemon runs it (one long-lived HTTP client
and worker pool, `run_source` then `deliver_pending`). Latency is from the start of that
poll to the moment the webhook has the alert. Target (issue 7): p50 ≤ 100 ms, p90 ≤ 200 ms.

    .venv/bin/python bench/latency.py [--trials 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import page, serve  # noqa: E402  (bench/pipeline.py)

START = datetime(2024, 10, 1, tzinfo=UTC)


class Webhook(ThreadingHTTPServer):
    """Records the perf_counter time and body of every POST."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, object]] = []
        self.arrived = threading.Condition()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(handler) -> None:  # noqa: N805
                raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
                at = time.perf_counter()
                handler.send_response(200)
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                with self.arrived:
                    self.arrivals.append((at, json.loads(raw)))
                    self.arrived.notify_all()

            def log_message(handler, format: str, *args: object) -> None:  # noqa: N805
                return

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout_s: float = 10.0) -> float:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.arrivals) >= count, timeout_s):
                raise TimeoutError(f"alert {count} did not arrive within {timeout_s} s")
            return self.arrivals[count - 1][0]


def published(i: int) -> datetime:
    """Story `i`'s publication: two hours apart, past the default one-hour cooldown."""
    return START + timedelta(hours=2 * i)


def feed(base: str, numbers: list[int]) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}/a/{i}.html</link><guid>{base}/a/{i}.html</guid>"
        f"<pubDate>{format_datetime(published(i))}</pubDate></item>"
        for i in numbers
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Latency</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    ).encode()


def story(i: int) -> bytes:
    """An English story whose container count grows 10% a trial (each one is an alert)."""
    html = page(1).decode().replace("2024-10-01T01:00:00+00:00", published(i).isoformat())
    return (
        html.replace("13,100", f"{round(13100 * 1.1**i):,}")
        .replace("Story 1", f"Story {i}")
        .encode()
    )


async def trials(config_dir: Path, pages: dict[str, bytes], base: str, hook: Webhook, n: int):
    from monitor.config import load_config
    from monitor.pipeline import deliver_pending, http_client, run_source
    from monitor.store import open_store

    config = load_config(config_dir)
    store = open_store(config.database_url())
    plan = config.feeds()[0]
    latencies = []
    async with http_client(config) as client:
        pages["/feed.xml"] = feed(base, [0])
        await run_source(plan, config=config, store=store, client=client, now=START)  # first value
        for i in range(1, n + 2):
            pages[f"/a/{i}.html"] = story(i)
            pages["/feed.xml"] = feed(base, list(range(i + 1)))
            now = published(i) + timedelta(minutes=1)
            started = time.perf_counter()
            report = await run_source(plan, config=config, store=store, client=client, now=now)
            await deliver_pending(config, store, now=now)
            assert report.alerts == 1, report
            arrived = hook.wait_for(i)
            if i > 1:  # the first trial warms the worker pool and apprise
                latencies.append(arrived - started)
    store.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    args = parser.parse_args()
    pages: dict[str, bytes] = {"/a/0.html": story(0)}
    server = serve(pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    hook = Webhook()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "config"
        (directory / "watchlists").mkdir(parents=True)
        (directory / "settings.yaml").write_text(
            f"database: sqlite:///{tmp}/m.db\nfetch: {{allow: [127.0.0.1]}}\n"
            f"poll: {{backfill: 36500d}}\nlog: {{level: warning}}\n"
            f"channels:\n  - url: json://127.0.0.1:{hook.server_address[1]}/hook\n"
        )
        (directory / "watchlists" / "nk.yaml").write_text(
            f"name: NK\nfeeds: [{base}/feed.xml]\nmatch:\n  all: [[North Korea], [Russia]]\n"
            "figures:\n  containers: {nouns: [container]}\n"
        )
        latencies = asyncio.run(trials(directory, pages, base, hook, args.trials))
    server.shutdown()
    hook.shutdown()
    ms = sorted(x * 1000 for x in latencies)
    p50 = statistics.median(ms)
    p90 = ms[int(0.9 * (len(ms) - 1))]
    print(f"new item → alert at a loopback webhook, {len(ms)} trials (after one warm-up)")
    print(f"  p50 {p50:7.1f} ms   (target ≤ 100 ms)")
    print(f"  p90 {p90:7.1f} ms   (target ≤ 200 ms)")
    print(f"  min {ms[0]:7.1f} ms   max {ms[-1]:7.1f} ms")


if __name__ == "__main__":
    main()
