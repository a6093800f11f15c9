"""Benchmark: sharing feed polls between instances, monitor's feed leases against procrastinate.

Issue 7 asks several `monitor` instances to share work through PostgreSQL on a proven
mechanism, procrastinate or leases claimed with `SELECT … FOR UPDATE SKIP LOCKED`, measured.
This measures, on one PostgreSQL server in one run, what coordinating one feed poll costs:

- monitor: `Store.claim_feed` + `Store.release_feed` (monitor/store/leases.py) around a no-op
  poll, by 1 and 2 claimer processes racing over the same N feeds in the same order (as two
  daemons do: both schedule every feed from its stored next check). The claimer that gets a
  feed first polls it; the other's claim fails (skipped) or comes after the release and finds
  it polled (a shared marker stands in for the stored next check). Every feed is polled once.
- procrastinate: one job per feed poll, deferred with `lock` and `queueing_lock` set to the
  feed URL (a feed is never queued twice nor polled twice at once), fetched and finished by
  a worker (concurrency 1, `delete_jobs="successful"` so the table does not grow by N rows an
  interval) running a no-op task. With 2 instances each defers every feed (the second
  defer of a feed fails with AlreadyEnqueued, the dedup) and each runs a worker.
- lease SQL, bare (1 instance): monitor's claim and release statements sent by bare
  psycopg, the lease mechanism's own cost without SQLAlchemy's Session.

Figures: ms/poll is the database work of all instances divided by the polls (busy time,
lost claims and refused defers included); p50/p90 of one poll (monitor: claim + release;
procrastinate: defer + the worker's cycle from one job's start to the next, i.e. fetch,
start event, finish); polls/s over the wall time of a round (procrastinate: defer phase +
drain phase, each across instances). Rounds alternate between the two tools, after one
uncounted warm-up round each.

Then an instance dies (SIGKILL) in the middle of a poll, and the time until another instance
polls that feed is measured: monitor with the daemon's lease time (6 s, renewed every 2 s),
holder on this host (its pid is gone: at once) and on another host (the expiry);
procrastinate with the same 2 s heartbeat and 6 s stall timeout and a retrier, a periodic
task every second that retries `get_stalled_jobs` (procrastinate retries nothing by itself),
once as is and once with the feed's next poll deferred before the retry. Last, a feed found
due by a second instance while its job runs: is it polled twice?

procrastinate runs in its own throw-away virtualenv (bench/.peers-procrastinate, created on
first use) as a subprocess; the project does not depend on it. Both tools get a fresh
schema (`bench_leases_monitor`, `bench_leases_procrastinate`) in the given database, dropped
afterwards; without --database a throw-away server is started (Debian's `postgresql`).

    .venv/bin/python bench/leases.py [--database postgresql+psycopg://user@host:port/db]
                                     [--feeds 1000] [--rounds 3] [--claimers 1,2]
                                     [--skip-death]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / ".peers-procrastinate"
M_SCHEMA = "bench_leases_monitor"
P_SCHEMA = "bench_leases_procrastinate"
HEARTBEAT_S = 2.0  # the daemon's LEASE_BEAT_S; procrastinate's worker gets the same
STALLED_S = 6.0  # the daemon's LEASE_TTL; procrastinate's stall timeout gets the same
STALLED = timedelta(seconds=STALLED_S)

# The procrastinate side: one process is one instance (deferrer + worker). Commands arrive
# on stdin, one a line; answers leave on stdout as JSON lines.
PEER = textwrap.dedent(
    """
    import asyncio, contextlib, json, logging, os, signal, sys, time
    import procrastinate
    from procrastinate import exceptions

    logging.getLogger("procrastinate").setLevel(logging.ERROR)  # "App in __main__": by design

    conninfo, role = sys.argv[1], sys.argv[2]
    heartbeat, stalled = float(sys.argv[3]), float(sys.argv[4])
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=4)
    )
    starts = []
    seen = {}
    runs = {}
    again = []

    async def defer_one(feed):
        try:
            await poll.configure(lock=feed, queueing_lock=feed).defer_async(feed=feed)
            return True
        except exceptions.AlreadyEnqueued:
            return False

    @app.task(name="poll")
    async def poll(feed):
        if role == "victim":
            print(json.dumps({"fetched": time.perf_counter()}), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        starts.append(time.perf_counter())
        seen.setdefault(feed, time.perf_counter())
        runs[feed] = runs.get(feed, 0) + 1
        if role == "overlap" and runs[feed] == 1:
            # Another instance's scheduler finds the feed due while this poll runs.
            again.append(await defer_one(feed))

    async def retry_stalled(timestamp):
        # procrastinate retries no stalled job by itself: this is the user's part.
        for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled):
            await app.job_manager.retry_job(job)

    if role == "survivor":  # every second (the 6th cron field is seconds)
        logging.getLogger("procrastinate").setLevel(logging.CRITICAL)  # a failing retry
        task = app.task(name="retry_stalled", queue="maintenance")(retry_stalled)
        app.periodic(cron="* * * * * *")(task)

    def say(value):
        print(json.dumps(value), flush=True)

    async def defer(feeds):
        latencies, refused = [], 0
        begun = time.perf_counter()
        for feed in feeds:
            started = time.perf_counter()
            refused += not await defer_one(feed)
            latencies.append(time.perf_counter() - started)
        return {"begun": begun, "ended": time.perf_counter(), "latencies": latencies,
                "refused": refused}

    async def drain():
        starts.clear()
        begun = time.perf_counter()
        await app.run_worker_async(
            concurrency=1, wait=False, delete_jobs="successful",
            install_signal_handlers=False, queues=["default"],
        )
        return {"begun": begun, "ended": time.perf_counter(), "starts": list(starts)}

    async def serve(feed, timeout):
        # A long-running worker (the daemon's), until `feed` was polled here or time is up.
        worker = asyncio.create_task(app.run_worker_async(
            concurrency=1, wait=True, install_signal_handlers=False,
            update_heartbeat_interval=heartbeat, stalled_worker_timeout=stalled,
            fetch_job_polling_interval=1.0,
            queues=["default", "maintenance"] if role == "survivor" else ["default"],
        ))
        deadline = time.perf_counter() + timeout
        while feed not in seen and not worker.done() and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        return {"polled": seen.get(feed)}

    async def main():
        async with app.open_async():
            say({"ready": True})
            loop = asyncio.get_running_loop()
            while line := await loop.run_in_executor(None, sys.stdin.readline):
                command, _, rest = line.strip().partition(" ")
                if command == "schema":
                    await app.schema_manager.apply_schema_async()
                    say({"ok": True})
                elif command == "defer":
                    say(await defer(json.loads(rest)))
                elif command == "drain":
                    say(await drain())
                elif command == "serve":
                    timeout, _, feed = rest.partition(" ")
                    say(await serve(feed, float(timeout)))
                elif command == "overlap":
                    await defer_one(rest)
                    await drain()
                    say({"runs": runs.get(rest, 0), "accepted": again == [True]})
                else:
                    break

    asyncio.run(main())
    """
)


# ---------------------------------------------------------------------------------------
# PostgreSQL: the given database, or a throw-away server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def throwaway_server() -> Iterator[str]:
    """Start PostgreSQL on loopback in a temporary directory (as scripts/test does)."""
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if p.parts[-3].isdigit()),
        key=lambda p: int(p.parts[-3]),
    )
    if not found:
        raise SystemExit("no --database given and no PostgreSQL server binaries installed")
    pg_bin = found[-1].parent
    directory = Path(tempfile.mkdtemp(prefix="monitor-bench-pg."))
    port = free_port()
    as_pg: list[str] = []
    if os.getuid() == 0:
        if subprocess.run(["id", "postgres"], check=False, capture_output=True).returncode:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
        shutil.chown(directory, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    data = directory / "data"
    initdb = [str(pg_bin / "initdb"), "--pgdata", str(data), "--auth", "trust", "-U", "monitor"]
    subprocess.run(
        [*as_pg, *initdb],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off"
    pg_ctl = [str(pg_bin / "pg_ctl"), "--pgdata", str(data)]
    subprocess.run(
        [*as_pg, *pg_ctl, "--log", str(directory / "log"), "--wait", "--options", options, "start"],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    try:
        subprocess.run(
            [
                *as_pg,
                str(pg_bin / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                f"{port}",
                "-Umonitor",
                "bench",
            ],
            check=True,
        )
        yield f"postgresql+psycopg://monitor@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            [*as_pg, *pg_ctl, "--mode", "immediate", "stop"], check=False, capture_output=True
        )
        shutil.rmtree(directory, ignore_errors=True)


def libpq_url(url: str, schema: str | None = None) -> str:
    """The SQLAlchemy URL as a libpq URI, optionally with `schema` first on the search path."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    text = parsed.render_as_string(hide_password=False)
    if schema:
        text += ("&" if "?" in text else "?") + "options=" + quote(f"-csearch_path={schema}")
    return text


def with_schema(url: str, schema: str) -> str:
    """The SQLAlchemy URL with `schema` first on the search path (psycopg `options`)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def reset_schemas(url: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        for schema in (M_SCHEMA, P_SCHEMA):
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            if create:
                connection.execute(f"CREATE SCHEMA {schema}")


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(libpq_url(url)) as connection:
        row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"


def schema_objects(url: str, schema: str) -> dict[str, int]:
    """What a tool created in its schema: tables, functions, triggers, types, indexes."""
    import psycopg

    queries = {
        "tables": "SELECT count(*) FROM pg_tables WHERE schemaname = %s",
        "functions": "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = "
        "p.pronamespace WHERE n.nspname = %s",
        "triggers": "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal",
        "types": "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE n.nspname = %s AND t.typtype IN ('e', 'c') AND NOT EXISTS (SELECT 1 FROM "
        "pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')",
        "indexes": "SELECT count(*) FROM pg_indexes WHERE schemaname = %s",
    }
    with psycopg.connect(libpq_url(url)) as connection:
        counts = {}
        for name, query in queries.items():
            row = connection.execute(query, (schema,)).fetchone()
            counts[name] = int(row[0]) if row else 0
        return counts


# ---------------------------------------------------------------------------------------
# monitor: claimer processes


LOST, ALREADY_POLLED, POLLED = 0, 1, 2


def claimer(url: str, feeds: list[str], done: Any, pipe: Connection) -> None:
    """One instance: on each "go", claim/poll/release every feed in order; report timings."""
    sys.path.insert(0, str(ROOT))
    from monitor.daemon import LEASE_TTL
    from monitor.store import open_store
    from monitor.store.leases import instance_id

    store = open_store(url)
    me = instance_id()
    pipe.send("ready")
    while pipe.recv() == "go":
        timings: list[tuple[float, int]] = []
        begun = time.perf_counter()
        for number, feed in enumerate(feeds):
            started = time.perf_counter()
            if not store.claim_feed(feed, me, datetime.now(UTC), LEASE_TTL):
                timings.append((time.perf_counter() - started, LOST))
                continue
            outcome = ALREADY_POLLED
            if not done[number]:  # the stored next check, in the daemon
                done[number] = 1
                outcome = POLLED
            store.release_feed(feed, me)
            timings.append((time.perf_counter() - started, outcome))
        pipe.send((begun, time.perf_counter(), timings))
    store.close()


@dataclass
class Round:
    wall: float
    busy: float
    latencies: list[float]
    wasted: int = 0
    parts: tuple[float, float] = (0.0, 0.0)  # procrastinate: median defer, median cycle


@dataclass
class Figures:
    rounds: list[Round] = field(default_factory=list)

    def add(self, result: Round) -> None:
        self.rounds.append(result)

    def wall(self) -> float:
        return statistics.median(r.wall for r in self.rounds)

    def busy(self) -> float:
        return statistics.median(r.busy for r in self.rounds)

    def percentile(self, share: float) -> float:
        values = sorted(v for r in self.rounds for v in r.latencies)
        return values[min(len(values) - 1, int(share * len(values)))]

    def wasted(self) -> int:
        return round(statistics.median(r.wasted for r in self.rounds))

    def parts(self) -> tuple[float, float]:
        return (
            statistics.median(r.parts[0] for r in self.rounds),
            statistics.median(r.parts[1] for r in self.rounds),
        )


class MonitorSide:
    def __init__(self, url: str, feeds: list[str], claimers: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.feeds = feeds
        self.done = context.Array("b", len(feeds), lock=False)
        self.pipes: list[Connection] = []
        self.processes = []
        for _ in range(claimers):
            mine, theirs = context.Pipe()
            process = context.Process(target=claimer, args=(url, feeds, self.done, theirs))
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)
        for pipe in self.pipes:
            assert pipe.recv() == "ready"

    def round(self) -> Round:
        for number in range(len(self.feeds)):
            self.done[number] = 0
        for pipe in self.pipes:
            pipe.send("go")
        results = [pipe.recv() for pipe in self.pipes]
        polled = [dt for _, _, timings in results for dt, outcome in timings if outcome == POLLED]
        assert len(polled) == len(self.feeds), f"{len(polled)} polls of {len(self.feeds)} feeds"
        return Round(
            wall=max(end for _, end, _ in results) - min(begun for begun, _, _ in results),
            busy=sum(dt for _, _, timings in results for dt, _ in timings),
            latencies=polled,
            wasted=sum(outcome != POLLED for _, _, timings in results for _, outcome in timings),
        )

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send("stop")
        for process in self.processes:
            process.join(timeout=30)


def bare_round(conninfo: str, feeds: list[str]) -> Round:
    """The statements of one claim and one release, sent by bare psycopg: the SQL's own cost.

    The same transactions as `claim_feed`/`release_feed` (monitor/store/leases.py) without
    SQLAlchemy's Session; the floor for the lease mechanism, not what the daemon runs.
    """
    import psycopg

    me = "bench:0:bare"
    latencies: list[float] = []
    with psycopg.connect(conninfo) as connection:
        begun = time.perf_counter()
        for feed in feeds:
            started = time.perf_counter()
            with connection.transaction():
                connection.execute(
                    "INSERT INTO feed_lease (feed_url, holder, claimed_until) "
                    "VALUES (%s, NULL, NULL) ON CONFLICT (feed_url) DO NOTHING",
                    (feed,),
                )
                connection.execute("SELECT holder FROM feed_lease WHERE feed_url = %s", (feed,))
                row = connection.execute(
                    "SELECT feed_url FROM feed_lease WHERE feed_url = %s AND (holder IS NULL "
                    "OR holder = %s OR claimed_until IS NULL OR claimed_until < %s) "
                    "FOR UPDATE SKIP LOCKED",
                    (feed, me, datetime.now(UTC)),
                ).fetchone()
                assert row is not None
                connection.execute(
                    "UPDATE feed_lease SET holder = %s, claimed_until = %s WHERE feed_url = %s",
                    (me, datetime.now(UTC) + STALLED, feed),
                )
            with connection.transaction():
                connection.execute(
                    "UPDATE feed_lease SET holder = NULL, claimed_until = NULL "
                    "WHERE feed_url = %s AND holder = %s",
                    (feed, me),
                )
            latencies.append(time.perf_counter() - started)
        wall = time.perf_counter() - begun
    return Round(wall=wall, busy=wall, latencies=latencies)


# ---------------------------------------------------------------------------------------
# procrastinate: peer processes in their own virtualenv


def ensure_peers() -> Path:
    python = PEERS / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "procrastinate"], check=True)
    return python


def peer_version() -> str:
    python = ensure_peers()
    script = "import importlib.metadata as m; print(m.version('procrastinate'))"
    return subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()


class Peer:
    """One procrastinate instance (a deferrer and a worker) in a subprocess."""

    def __init__(self, conninfo: str, role: str = "instance") -> None:
        self.process = subprocess.Popen(
            [str(ensure_peers()), "-c", PEER, conninfo, role, str(HEARTBEAT_S), str(STALLED_S)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read().get("ready")

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"procrastinate peer exited ({self.process.wait()})")
        result: dict[str, Any] = json.loads(line)
        return result

    def ask(self, line: str) -> dict[str, Any]:
        self.send(line)
        return self.read()

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(BrokenPipeError):
                self.send("stop")
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class ProcrastinateSide:
    def __init__(self, conninfo: str, feeds: list[str], instances: int) -> None:
        self.feeds = feeds
        self.peers = [Peer(conninfo) for _ in range(instances)]

    def round(self) -> Round:
        listed = json.dumps(self.feeds)
        for peer in self.peers:
            peer.send(f"defer {listed}")
        deferred = [peer.read() for peer in self.peers]
        for peer in self.peers:
            peer.send("drain")
        drained = [peer.read() for peer in self.peers]
        jobs = sum(len(d["starts"]) for d in drained)
        assert jobs == len(self.feeds), f"{jobs} jobs run for {len(self.feeds)} feeds"
        refused = sum(d["refused"] for d in deferred)
        defer_wall = max(d["ended"] for d in deferred) - min(d["begun"] for d in deferred)
        drain_wall = max(d["ended"] for d in drained) - min(d["begun"] for d in drained)
        busy = sum(d["ended"] - d["begun"] for d in deferred + drained)
        defers = statistics.median(v for d in deferred for v in d["latencies"])
        cycles = [
            b - a for d in drained for a, b in zip(d["starts"], d["starts"][1:], strict=False)
        ]
        # One poll: a defer (the median one) plus a worker cycle.
        return Round(
            wall=defer_wall + drain_wall,
            busy=busy,
            latencies=[defers + cycle for cycle in cycles],
            wasted=refused,
            parts=(defers, statistics.median(cycles)),
        )

    def close(self) -> None:
        for peer in self.peers:
            peer.close()


# ---------------------------------------------------------------------------------------
# death: how long until a killed instance's feed is polled by another


def lease_victim(url: str, feed: str, holder: str | None) -> None:
    """Claim the feed's lease (as `holder`, default this process), then die holding it."""
    sys.path.insert(0, str(ROOT))
    from monitor.daemon import LEASE_TTL
    from monitor.store import open_store
    from monitor.store.leases import instance_id

    holder = holder or instance_id()
    store = open_store(url)
    assert store.claim_feed(feed, holder, datetime.now(UTC), LEASE_TTL)
    os.kill(os.getpid(), signal.SIGKILL)


def monitor_pickup(url: str, holder: str | None) -> float:
    """Seconds from the holder's death until another instance's claim of its feed succeeds."""
    sys.path.insert(0, str(ROOT))
    from monitor.daemon import LEASE_TTL
    from monitor.store import open_store
    from monitor.store.leases import instance_id

    feed = f"http://dead.example/{holder or 'here'}"
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=lease_victim, args=(url, feed, holder))
    process.start()
    process.join()
    died = time.perf_counter()
    me = instance_id()
    with open_store(url) as store:
        while not store.claim_feed(feed, me, datetime.now(UTC), LEASE_TTL):
            time.sleep(0.05)
            if time.perf_counter() - died > 60:
                return float("inf")
        return time.perf_counter() - died


def procrastinate_pickup(conninfo: str, *, deferred_again: bool = False) -> float:
    """Seconds from a worker's death mid-job until another instance runs that feed's job.

    `deferred_again`: the feed's next poll is deferred before the stalled job is retried
    (accepted: the queueing lock covers queued jobs only); inf when never polled.
    """
    feed = f"http://dead.example/procrastinate-{int(deferred_again)}"
    survivor = Peer(conninfo, "survivor")
    victim = Peer(conninfo, "victim")
    try:
        victim.ask(f"defer {json.dumps([feed])}")
        victim.send(f"serve 60 {feed}")
        victim.read()  # "fetched", then the process kills itself
        victim.process.wait()
        died = time.perf_counter()
        if deferred_again:
            survivor.ask(f"defer {json.dumps([feed])}")
        polled = survivor.ask(f"serve {STALLED_S + 10} {feed}")["polled"]
        return float(polled - died) if polled else float("inf")
    finally:
        victim.close()
        survivor.close()


def job_states(conninfo: str, feed: str) -> list[str]:
    """The statuses of the feed's procrastinate jobs, oldest first."""
    import psycopg

    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT status FROM procrastinate_jobs WHERE args->>'feed' = %s ORDER BY id", (feed,)
        ).fetchall()
        return [str(row[0]) for row in rows]


# ---------------------------------------------------------------------------------------


def run(url: str, args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from monitor.daemon import LEASE_BEAT_S, LEASE_TTL
    from monitor.store import open_store

    version = peer_version()
    reset_schemas(url, create=True)
    m_url = with_schema(url, M_SCHEMA)
    m_conninfo = libpq_url(url, M_SCHEMA)
    p_conninfo = libpq_url(url, P_SCHEMA)
    try:
        open_store(m_url).close()  # the schema (migrations), as the first daemon does
        setup = Peer(p_conninfo)
        setup.ask("schema")
        setup.close()
        feeds = [f"http://feeds.example/{n}.xml" for n in range(args.feeds)]
        print(
            f"PostgreSQL {server_version(url)}, {args.feeds} feeds, {args.rounds} rounds "
            f"(median), procrastinate {version}"
        )
        print(
            f"{'tool':<16}{'inst':>5}{'polls/s':>9}{'ms/poll':>9}{'p50 ms':>8}{'p90 ms':>8}"
            f"{'wasted':>8}{'ms ×':>7}{'polls/s ×':>10}"
        )
        for count in [int(c) for c in args.claimers.split(",")]:
            monitor, peers, bare = Figures(), Figures(), Figures()
            m_side = MonitorSide(m_url, feeds, count)
            p_side = ProcrastinateSide(p_conninfo, feeds, count)
            try:
                m_side.round()  # warm-up, not counted: lease rows, pools, statement caches
                p_side.round()
                for _ in range(args.rounds):
                    monitor.add(m_side.round())
                    peers.add(p_side.round())
                    if count == 1:
                        bare.add(bare_round(m_conninfo, feeds))
            finally:
                m_side.close()
                p_side.close()
            n = len(feeds)
            m_ms, p_ms = monitor.busy() / n * 1000, peers.busy() / n * 1000
            rows = [("monitor leases", monitor), ("procrastinate", peers)]
            if bare.rounds:
                rows.insert(1, ("lease SQL, bare", bare))
            for name, figures in rows:
                ms = figures.busy() / n * 1000
                print(
                    f"{name:<16}{count:>5}{n / figures.wall():9.0f}{ms:9.2f}"
                    f"{figures.percentile(0.5) * 1000:8.2f}{figures.percentile(0.9) * 1000:8.2f}"
                    f"{figures.wasted():>8}",
                    end="",
                )
                if figures is peers:
                    print(f"{p_ms / m_ms:6.1f}×{peers.wall() / monitor.wall():9.1f}×")
                else:
                    print()
            defer, cycle = peers.parts()
            print(
                f"{'':<21}procrastinate p50 = defer {defer * 1000:.2f} ms + worker cycle "
                f"{cycle * 1000:.2f} ms"
            )
        print(
            "ms/poll: database work of all instances ÷ polls; wasted: lost claims / refused "
            "defers;\n×: procrastinate's ms/poll ÷ monitor's, monitor's polls/s ÷ "
            "procrastinate's;\nlease SQL, bare: monitor's claim and release statements "
            "through bare psycopg (no SQLAlchemy)"
        )
        m_objects = schema_objects(url, M_SCHEMA)
        p_objects = schema_objects(url, P_SCHEMA)
        print("\nschema (all of monitor's, leases are 2 of its tables) vs procrastinate's:")
        for name in m_objects:
            print(f"  {name:<10}{m_objects[name]:>4}{p_objects[name]:>6}")
        if not args.skip_death:
            print(
                f"\nan instance killed (SIGKILL) mid-poll; seconds until another polls its "
                f"feed\n(lease {LEASE_TTL.total_seconds():.0f} s renewed every "
                f"{LEASE_BEAT_S:.0f} s; procrastinate heartbeat {HEARTBEAT_S:.0f} s, stalled "
                f"after {STALLED_S:.0f} s, retrier every 1 s):"
            )
            print(f"  monitor, same host      {monitor_pickup(m_url, None):6.2f}")
            print(f"  monitor, other host     {monitor_pickup(m_url, 'elsewhere:1:bench'):6.2f}")
            print(f"  procrastinate           {procrastinate_pickup(p_conninfo):6.2f}")
            again = procrastinate_pickup(p_conninfo, deferred_again=True)
            states = ", ".join(job_states(p_conninfo, "http://dead.example/procrastinate-1"))
            print(
                f"  procrastinate, deferred {again:6.2f}   (the feed's next poll deferred before "
                f"the retry: retry_job\n{'':<34}hits the queueing lock (UniqueViolation); the "
                f"feed's jobs stay: {states})"
            )
            overlap = Peer(p_conninfo, "overlap")
            result = overlap.ask("overlap http://twice.example/feed.xml")
            overlap.close()
            print(
                "\na feed found due by another instance while its poll runs: monitor's claim is "
                "skipped or\nfinds the next check stored (polls per feed in the rounds above: 1); "
                f"procrastinate's defer\nis {'accepted' if result['accepted'] else 'refused'} "
                f"(the queueing lock covers queued jobs only): polled {result['runs']}×"
            )
    finally:
        reset_schemas(url, create=False)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", help="postgresql+psycopg://…; default: a throw-away server")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--claimers", default="1,2", help="instance counts, comma-separated")
    parser.add_argument("--skip-death", action="store_true")
    args = parser.parse_args(argv)
    if args.database:
        run(args.database, args)
    else:
        with throwaway_server() as url:
            run(url, args)


if __name__ == "__main__":
    main()
