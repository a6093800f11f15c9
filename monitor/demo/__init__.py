"""`monitor demo`: the seed story replayed offline.

A feed on 127.0.0.1 first holds a February report (about 6,700 containers, about 3 million
shells); one cycle records those figures. Then the feed adds the October report that the
count doubled (over 13,000 containers, about 6 million shells); the second cycle prints the
alerts `monitor` would send. A throw-away database, no network, no configuration.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path

from monitor.config import load_config
from monitor.logs import configure_logging
from monitor.pipeline import run_cycle
from monitor.store import open_store

STORIES = (
    (
        "february",
        "Seoul: Nordkorea schickte etwa 6.700 Container nach Russland",
        datetime(2024, 2, 27, 8, 30, tzinfo=UTC),
    ),
    (
        "seed",
        "Nordkorea verdoppelt Waffenlieferungen an Russland für Ukraine-Krieg",
        datetime(2024, 10, 9, 14, 5, tzinfo=UTC),
    ),
)

WATCHLIST = """\
name: North Korean arms deliveries to Russia
feeds:
  - url: {feed}
match:
  all:
    - [Nordkorea, North Korea, Pjöngjang, Pyongyang, 북한, КНДР, Північна Корея]
    - [Russland, Russia, Moskau, 러시아, Россия, Росія]
figures:
  containers:
    label: Containers shipped to Russia
    nouns: [Container, container, 컨테이너, контейнер]
  shells:
    label: 152 mm artillery shells
    nouns: [Artilleriegeschoss, shell, round, 포탄, снаряд]
"""

SETTINGS = """\
database: sqlite:///{database}
fetch:
  allow: [127.0.0.1]     # the demo feed is on loopback, which is refused by default
poll:
  backfill: 36500d       # the story is from 2024: read it, although it is old
log:
  level: warning
"""


class _DemoFeed:
    """A loopback web server with an RSS feed whose items the demo adds one by one."""

    def __init__(self) -> None:
        self.published: list[str] = []
        pages = {
            name: files("monitor.demo").joinpath(f"{name}.html").read_bytes()
            for name, _, _ in STORIES
        }
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/feed.xml":
                    body, kind = feed.rss().encode(), "application/rss+xml"
                elif self.path.startswith("/articles/") and self.path[10:-5] in feed.published:
                    body, kind = pages[self.path[10:-5]], "text/html; charset=utf-8"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def rss(self) -> str:
        items = "".join(
            f"<item><title>{title}</title><link>{self.base}/articles/{name}.html</link>"
            f"<guid>{self.base}/articles/{name}.html</guid>"
            f"<pubDate>{format_datetime(date)}</pubDate></item>"
            for name, title, date in STORIES
            if name in self.published
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Demo</title><link>{self.base}/</link><language>de</language>{items}"
            "</channel></rss>"
        )

    def __enter__(self) -> _DemoFeed:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def run_demo() -> int:
    """Replay the seed story and print the alerts; 0 when the expected alert appeared."""
    configure_logging("warning")
    with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp, _DemoFeed() as feed:
        directory = Path(tmp) / "config"
        (directory / "watchlists").mkdir(parents=True)
        (directory / "settings.yaml").write_text(SETTINGS.format(database=Path(tmp) / "demo.db"))
        (directory / "watchlists" / "north-korea.yaml").write_text(
            WATCHLIST.format(feed=f"{feed.base}/feed.xml")
        )
        config = load_config(directory)
        store = open_store(config.database_url())
        try:
            print(f"demo feed: {feed.base}/feed.xml")
            for step, (name, title, date) in enumerate(STORIES, start=1):
                feed.published.append(name)
                report = asyncio.run(run_cycle(config, store, due_only=False))
                source = report.sources[0]
                print(
                    f"cycle {step}: new article {date:%Y-%m-%d} “{title}” → "
                    f"{source.observations} figures recorded, {source.alerts} alerts"
                )
            alerts = store.alert_list(limit=10)
            for figure in store.observations(limit=10):
                print(
                    f"  history: {figure.figure:<10} {figure.value:>12,}  ({figure.time}, "
                    f"{figure.outlet}, {figure.published:%Y-%m-%d})"
                )
        finally:
            store.close()
    print()
    for alert, _ in reversed(alerts):
        print(alert.title)
        print(alert.body)
        print()
    return 0 if alerts else 1
