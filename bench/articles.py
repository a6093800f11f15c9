"""Benchmark: new articles through monitor's whole per-article path, against bare trafilatura.

N new articles (real-looking news pages of ~80 KB in German, English, French, Spanish and
Ukrainian: scripts, styles, menus, teasers, footer, the story in <article>) are served from 127.0.0.1 through F
feeds, by a server in its own process (in this one it would hold the GIL the daemon's event
loop needs, which no real news site does). One warm `run_cycle` on a fresh SQLite database
takes every article through fetch, extract, match, figures, compare and store (the work the
daemon does for a burst of news). In the same run, bare `trafilatura.extract` reads the same
pages in a process pool of 2 — the physical limit of the extraction step on this machine.
Target (issue 7): monitor's sustained throughput ≥ 0.6× that pool's. Also printed: the CPU
time per article of monitor's main process and of its extraction workers (wall-clock
figures move with whatever else the machine runs; CPU time much less).

    .venv/bin/python bench/articles.py [--articles 200] [--feeds 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import as_page  # noqa: E402  (bench/figures.py: a news page with site chrome)
from pipeline import ENGLISH, SEED, serve  # noqa: E402  (bench/pipeline.py)

STORIES = {
    "fr": "La Corée du Nord a envoyé plus de {n} conteneurs d'armes à la Russie depuis 2022, "
    "a déclaré un député mercredi. Les livraisons pourraient contenir {m} millions d'obus. "
    "En février, le ministre de la Défense avait parlé d'environ 6 700 conteneurs. ",
    "es": "Corea del Norte ha enviado más de {n} contenedores de armas a Rusia desde 2022, "
    "dijo un diputado el miércoles. Los envíos podrían contener {m} millones de proyectiles. "
    "En febrero, el ministro de Defensa habló de unos 6.700 contenedores. ",
    "uk": "Північна Корея відправила до Росії понад {n} контейнерів зі зброєю з 2022 року, "
    "заявив депутат у середу. У поставках може бути {m} мільйонів снарядів. "
    "У лютому міністр оборони говорив про приблизно 6 700 контейнерів. ",
}


def article_page(i: int) -> bytes:
    """Page `i`: a story in one of five languages, its figure varying, in ~80 KB of site chrome."""
    lang = ("de", "en", "fr", "es", "uk")[i % 5]
    if lang == "de":
        title, *paragraphs = SEED.replace("13.000", f"{13 + i % 7}.{i % 10}00").split("\n")
    else:
        template = ENGLISH if lang == "en" else STORIES[lang] * 3
        value = f"{13000 + 100 * i:,}"
        if lang != "en":
            value = value.replace(",", "." if lang == "es" else " ")
        text = template.format(n=value if lang != "en" else 13000 + 100 * i, m=6 + i % 3)
        title, paragraphs = f"Story {i}", [p.strip() + "." for p in text.split(". ") if p.strip()]
    return as_page(lang, title, [p for p in paragraphs if p]).encode()


def feed_body(base: str, numbers: list[int]) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}/a/{i}.html</link><guid>{base}/a/{i}.html</guid>"
        f"<pubDate>{format_datetime(datetime(2024, 10, 1, tzinfo=UTC) + timedelta(hours=i))}</pubDate></item>"
        for i in numbers
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    ).encode()


def write_config(directory: Path, feed_urls: list[str], db: Path) -> None:
    (directory / "watchlists").mkdir(parents=True)
    (directory / "settings.yaml").write_text(
        f"database: sqlite:///{db}\nfetch: {{allow: [127.0.0.1]}}\npoll: {{backfill: 36500d}}\n"
        "log: {level: warning}\n"
    )
    feeds = "".join(f"  - {url}\n" for url in feed_urls)
    (directory / "watchlists" / "nk.yaml").write_text(
        f"name: NK\nfeeds:\n{feeds}match:\n  any: [Nordkorea, North Korea, Corée du Nord, "
        "Corea del Norte, Північна Корея]\n"
        "figures:\n  containers: {nouns: [Container, conteneur, contenedor, контейнер]}\n"
    )


def bare_extract(html: bytes) -> int:
    import trafilatura

    return len(trafilatura.extract(html.decode("utf-8")) or "")


def run_monitor(feed_urls: list[str], n: int, site: int) -> tuple[float, float, float]:
    """One cycle: (seconds, main-process CPU seconds, worker CPU seconds); `site`: its pid."""
    from monitor.config import load_config
    from monitor.pipeline import run_cycle
    from monitor.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        write_config(Path(tmp) / "config", feed_urls, Path(tmp) / "m.db")
        config = load_config(Path(tmp) / "config")
        store = open_store(config.database_url())
        workers = children_cpu(but=site)
        cpu, started = time.process_time(), time.perf_counter()
        report = asyncio.run(run_cycle(config, store, due_only=False))
        elapsed = time.perf_counter() - started
        cpu, workers = time.process_time() - cpu, children_cpu(but=site) - workers
        articles = sum(s.articles for s in report.sources)
        assert articles == n, [s for s in report.sources if s.status != "ok"] or articles
        assert sum(s.matched for s in report.sources) == n, "every article should match"
        store.close()
    return elapsed, cpu, workers


def children_cpu(*, but: int) -> float:
    """CPU seconds used so far by this process's live children but one (monitor's workers)."""
    total, me, tick = 0.0, os.getpid(), os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and stat.parent.name != str(but):  # ppid; utime, stime
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def serve_pages(n: int, feeds: int, conn: Connection) -> None:
    """The loopback site, in a process of its own: articles and feeds until told to stop."""
    pages = {f"/a/{i}.html": article_page(i) for i in range(n)}
    server = serve(pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for f in range(feeds):
        pages[f"/feed{f}.xml"] = feed_body(base, list(range(f, n, feeds)))
    conn.send(base)
    conn.recv()
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--feeds", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.articles
    conn, child_conn = multiprocessing.Pipe()
    site = multiprocessing.get_context("spawn").Process(
        target=serve_pages, args=(n, args.feeds, child_conn), daemon=True
    )
    site.start()
    base, pid = conn.recv(), site.pid or 0
    feed_urls = [f"{base}/feed{f}.xml" for f in range(args.feeds)]

    # warm-up: imports, worker processes, lemma dictionaries
    run_monitor(feed_urls, n, pid)
    runs = [run_monitor(feed_urls, n, pid) for _ in range(args.repeat)]
    monitor_s = [elapsed for elapsed, _, _ in runs]

    bodies = [article_page(i) for i in range(n)]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(bare_extract, bodies[:20]))  # warm-up: both workers import trafilatura
        bare_s = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            assert all(list(pool.map(bare_extract, bodies, chunksize=4)))
            bare_s.append(time.perf_counter() - started)
    conn.send("stop")
    site.join(timeout=5)

    m, b = statistics.median(monitor_s), statistics.median(bare_s)
    main_ms = statistics.median(cpu for _, cpu, _ in runs) / n * 1000
    workers_ms = statistics.median(workers for _, _, workers in runs) / n * 1000
    print(
        f"{n} new articles (de/en/fr/es/uk) from {args.feeds} loopback feeds, median of {args.repeat}"
    )
    print(f"{'':38}{'seconds':>9}{'articles/s':>12}{'ms/article':>12}")
    print(f"{'monitor cycle (fetch … store)':38}{m:9.2f}{n / m:12.1f}{m / n * 1000:12.2f}")
    print(f"{'bare trafilatura.extract, pool of 2':38}{b:9.2f}{n / b:12.1f}{b / n * 1000:12.2f}")
    print(f"ratio monitor/bare: {b / m:.2f}×  (target ≥ 0.6×)")
    print(f"monitor CPU per article: main process {main_ms:.2f} ms, workers {workers_ms:.2f} ms")


if __name__ == "__main__":
    main()
