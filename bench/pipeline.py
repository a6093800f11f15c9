"""Benchmark: `monitor once` over N new articles served from loopback.

Serves one RSS feed with N entries (article pages in German and English built from the
seed story with varying figures) on 127.0.0.1, runs one full cycle on a fresh SQLite
database, then times the stages alone on the same pages to show where the time goes.

    .venv/bin/python bench/pipeline.py [--articles 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
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

from monitor.config import load_config  # noqa: E402
from monitor.extract import extract_article  # noqa: E402
from monitor.figures import extract_figures  # noqa: E402
from monitor.pipeline import run_cycle  # noqa: E402
from monitor.store import open_store  # noqa: E402

SEED = (ROOT / "tests" / "data" / "seed-nordkorea-container-de.txt").read_text()
ENGLISH = (
    "North Korea has sent more than {n:,} containers of weapons to Russia since mid-2022, a "
    "lawmaker said Wednesday. The shipments could contain some {m} million rounds of 152 mm "
    "artillery shells. In February, the defense minister said the North had shipped about "
    "6,700 containers to Russia. Pyongyang and Moscow have denied the arms trade. "
) * 3
FILLER = (
    "<nav>" + " | ".join(f"<a href='/s{i}'>Rubrik {i}</a>" for i in range(40)) + "</nav>"
    "<aside>"
    + "".join(f"<p>Lesen Sie auch: Meldung {i} des Tages</p>" for i in range(20))
    + "</aside>"
)


def page(i: int) -> bytes:
    if i % 2:
        text = ENGLISH.format(n=13000 + 100 * i, m=6 + i % 3)
        paragraphs, lang = text.split(". "), "en"
    else:
        text = SEED.replace("13.000", f"{13 + i % 7}.{i % 10}00")
        paragraphs, lang = text.split("\n"), "de"
    body = "".join(f"<p>{p}</p>" for p in paragraphs if p)
    published = datetime(2024, 10, 1, tzinfo=UTC) + timedelta(hours=i)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Story {i}</title>'
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        f'<meta property="og:site_name" content="Outlet {i % 5}"></head><body>{FILLER}'
        f"<article><h1>Story {i}</h1>{body}</article><footer>Impressum</footer></body></html>"
    ).encode()


def serve(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each small write waits ~40 ms for a delayed ACK

        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            kind = (
                "application/rss+xml" if self.path.endswith(".xml") else "text/html; charset=utf-8"
            )
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def feed(base: str, n: int) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}/a/{i}.html</link><guid>{base}/a/{i}.html</guid>"
        f"<pubDate>{format_datetime(datetime(2024, 10, 1, tzinfo=UTC) + timedelta(hours=i))}</pubDate></item>"
        for i in range(n)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    ).encode()


def write_config(directory: Path, feed_url: str, db: Path) -> None:
    (directory / "watchlists").mkdir(parents=True)
    (directory / "settings.yaml").write_text(
        f"database: sqlite:///{db}\nfetch: {{allow: [127.0.0.1]}}\npoll: {{backfill: 36500d}}\n"
        "log: {level: warning}\n"
    )
    (directory / "watchlists" / "nk.yaml").write_text(
        f"name: NK\nfeeds: [{feed_url}]\nmatch:\n  all: [[Nordkorea, North Korea], [Russland, Russia]]\n"
        "figures:\n  containers: {nouns: [Container]}\n  shells: {nouns: [Artilleriegeschoss, round]}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=4)
    args = parser.parse_args()
    pages = {f"/a/{i}.html": page(i) for i in range(args.articles)}
    server = serve(pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages["/feed.xml"] = feed(base, args.articles)

    cycles = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            write_config(Path(tmp) / "config", f"{base}/feed.xml", Path(tmp) / "m.db")
            config = load_config(Path(tmp) / "config")
            store = open_store(config.database_url())
            started = time.perf_counter()
            report = asyncio.run(run_cycle(config, store, due_only=False))
            cycles.append(time.perf_counter() - started)
            assert report.sources[0].articles == args.articles, report
            store.close()

    extract_s, figures_s = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        articles = [
            extract_article(body, url=f"{base}{path}")
            for path, body in pages.items()
            if path.startswith("/a/")
        ]
        extract_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        for article in articles:
            extract_figures(article.text, article.language)
        figures_s.append(time.perf_counter() - started)
    server.shutdown()

    cold = cycles[0]
    cycle = statistics.median(cycles[1:] or cycles)
    extract = statistics.median(extract_s)
    figures = statistics.median(figures_s)
    n = args.articles
    print(f"monitor once, {n} new articles from loopback:")
    print(f"  first cycle (cold: imports, lemma dictionaries) {cold:8.3f} s")
    print(f"  warm cycles, median of {max(1, args.repeat - 1)}:")
    print(
        f"  cycle                 {cycle:8.3f} s   {n / cycle:7.1f} articles/s   {cycle / n * 1000:6.1f} ms/article"
    )
    print(f"  trafilatura extract   {extract:8.3f} s   {extract / cycle:7.1%} of the cycle")
    print(
        f"  figures engine        {figures:8.3f} s   {figures / cycle:7.1%} of the cycle   {figures / extract:6.1%} of extraction"
    )
    print(
        f"  everything else       {cycle - extract - figures:8.3f} s   {(cycle - extract - figures) / cycle:7.1%} (HTTP, parse, match, SQL)"
    )


if __name__ == "__main__":
    main()
