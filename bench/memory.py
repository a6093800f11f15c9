"""Benchmark: peak memory of the whole daemon with 10,000 feeds and 100,000 stored articles.

A database is filled with 100,000 articles (about 2 KB of text each), a loopback farm serves
10,000 feeds × 50 items (bench/feeds.py's), and `monitor run` (the real daemon, as systemd
starts it) polls every feed once. The resident memory of the daemon and all its worker
processes is sampled every 50 ms, summed over the process tree, until every feed has been
polled. Target (issue 7): peak ≤ 250 MB.

Two sums are printed: RSS (the issue's figure) counts a page shared by several processes
(the interpreter and libraries mapped by the daemon and each worker) once per process; PSS
(proportional set size, /proc/PID/smaps_rollup) divides each shared page among the
processes that map it, so the PSS sum is what the daemon costs the machine.

    .venv/bin/python bench/memory.py [--feeds 10000] [--articles 100000]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from feeds import start_farm  # noqa: E402  (bench/feeds.py)

TEXT = "Nordkorea hat nach Angaben aus Seoul weitere Container nach Russland geschickt. " * 26


def fill_articles(db: Path, count: int) -> None:
    """Create the schema with monitor itself, then add `count` articles in one transaction."""
    from monitor.store import open_store

    open_store(f"sqlite:///{db}").close()
    with sqlite3.connect(db) as connection:
        connection.executemany(
            "INSERT INTO article (url, title, outlet, published, language, text, source,"
            " fetched_at) VALUES (?, ?, ?, ?, 'de', ?, 'page', ?)",
            (
                (
                    f"https://news{i % 500}.example/{i}.html",
                    f"Story {i}",
                    f"news{i % 500}.example",
                    f"2024-{1 + i % 12:02d}-01 00:00:00.000000",
                    f"{TEXT} ({i})",
                    f"2024-{1 + i % 12:02d}-01 00:05:00.000000",
                )
                for i in range(count)
            ),
        )


def tree_memory_kb(pid: int) -> tuple[int, int, int]:
    """(summed RSS KB, summed PSS KB, number of processes) of `pid` and its descendants."""
    rss = pss = count = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
        count += 1
        todo.extend(int(child) for child in children)
    return rss, pss, count


def polled(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            row = connection.execute(
                "SELECT count(*) FROM feed WHERE last_polled_at IS NOT NULL"
            ).fetchone()
            return int(row[0])
    except sqlite3.Error:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait at most")
    args = parser.parse_args()
    farm, base = start_farm(50)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "m.db"
            started = time.perf_counter()
            fill_articles(db, args.articles)
            size_mb = db.stat().st_size / 1e6
            print(f"database: {args.articles:,} articles, {size_mb:.0f} MB", flush=True)
            directory = Path(tmp) / "config"
            (directory / "watchlists").mkdir(parents=True)
            (directory / "settings.yaml").write_text(
                f"database: sqlite:///{db}\nfetch: {{allow: [127.0.0.1]}}\n"
                "poll: {concurrency: 64, per_host: 64}\nlog: {level: warning}\n"
            )
            feeds = "".join(f"  - {base}/feed/{n}.xml\n" for n in range(args.feeds))
            (directory / "watchlists" / "farm.yaml").write_text(
                f"name: farm\nfeeds:\n{feeds}match: {{any: [nothing-matches-this]}}\n"
            )
            daemon = subprocess.Popen(
                [sys.executable, "-m", "monitor", "run", "--config", str(directory)],
                env={**os.environ, "NOTIFY_SOCKET": ""},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            peak_kb = peak_pss_kb = peak_main_kb = processes = done = 0
            started = time.perf_counter()
            samples = 0
            try:
                while time.perf_counter() - started < args.timeout:
                    total, pss, count = tree_memory_kb(daemon.pid)
                    peak_kb, processes = max(peak_kb, total), max(processes, count)
                    peak_pss_kb = max(peak_pss_kb, pss)
                    peak_main_kb = max(peak_main_kb, tree_rss_kb_single(daemon.pid))
                    samples += 1
                    if samples % 20 == 0:
                        done = polled(db)
                        if done >= args.feeds or daemon.poll() is not None:
                            break
                    time.sleep(0.05)
            finally:
                elapsed = time.perf_counter() - started
                done = polled(db)
                daemon.send_signal(signal.SIGTERM)
                stopping = time.perf_counter()
                try:
                    daemon.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait()
                stop_s = time.perf_counter() - stopping
    finally:
        farm.terminate()
        farm.wait()
    print(f"monitor run: {done:,} of {args.feeds:,} feeds polled in {elapsed:.0f} s", end="")
    print("" if done >= args.feeds else " (stopped at --timeout: the peak so far)")
    tree = f"daemon and its {processes - 1} worker processes"
    print(f"  peak RSS, {tree}: {peak_kb / 1024:6.0f} MB")
    print(f"  peak PSS, {tree}: {peak_pss_kb / 1024:6.0f} MB  (shared pages counted once)")
    print(f"  peak RSS, daemon process alone:{' ' * (len(tree) - 20)}{peak_main_kb / 1024:6.0f} MB")
    print("  target: ≤ 250 MB for the whole daemon")
    print(f"  SIGTERM to exit: {stop_s:.1f} s" + (" (killed after 120 s)" if stop_s >= 120 else ""))


def tree_rss_kb_single(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
    )


if __name__ == "__main__":
    main()
