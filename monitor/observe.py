"""Observability: Prometheus metrics and the loopback endpoint that serves them.

The only module that uses prometheus-client. The pipeline counts what happens
(`count_poll`, `count_fetch`, `time_stage`, …); gauges that describe state (feeds due,
pending alerts, each tracked figure's current value, configuration state) are read at
scrape time from a `Status` and a `DaemonState` the daemon hands in, so they are never stale.

`settings.yaml: http: {listen: 127.0.0.1:9464}` starts a small threaded HTTP server:

    /metrics   Prometheus text format
    /healthz   JSON: configuration state, last successful poll, heartbeat; 200 when the
               event loop beat within HEALTHY_HEARTBEAT_S, else 503
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from monitor.logs import redact
from monitor.status import DaemonState, Status

log = logging.getLogger(__name__)

HEALTHY_HEARTBEAT_S = 60.0  # the loop beats every few seconds; a minute of silence is a stall
LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

REGISTRY = CollectorRegistry(auto_describe=True)
FEEDS_POLLED = Counter(
    "monitor_feeds_polled",
    "Feed polls by outcome (ok, not_modified, failed, retired).",
    ["status"],
    registry=REGISTRY,
)
FETCH_RESULTS = Counter(
    "monitor_fetch_results",
    "Feed fetches by HTTP status, or the kind of failure when there was none.",
    ["status"],
    registry=REGISTRY,
)
ARTICLES = Counter("monitor_articles_processed", "Articles read and recorded.", registry=REGISTRY)
ARTICLES_MATCHED = Counter(
    "monitor_articles_matched", "Article-topic matches.", ["topic"], registry=REGISTRY
)
FIGURES = Counter(
    "monitor_figures_found",
    "Current values of tracked figures read from articles.",
    ["topic", "figure"],
    registry=REGISTRY,
)
CHANGES = Counter(
    "monitor_changes_detected", "Tracked figure changes that alert.", ["topic"], registry=REGISTRY
)
ALERTS_SENT = Counter(
    "monitor_alerts_sent", "Alert deliveries accepted, by channel.", ["channel"], registry=REGISTRY
)
ALERTS_FAILED = Counter(
    "monitor_alerts_failed", "Alert delivery attempts that failed.", ["channel"], registry=REGISTRY
)
CYCLE_SECONDS = Histogram(
    "monitor_cycle_seconds",
    "One feed's poll, from fetch to stored findings.",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
STAGE_SECONDS = Histogram(
    "monitor_stage_seconds",
    "Time in each pipeline stage.",
    ["stage"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)


def count_poll(status: str, seconds: float) -> None:
    """One feed was polled with this outcome, taking `seconds`."""
    FEEDS_POLLED.labels(status=status).inc()
    CYCLE_SECONDS.observe(seconds)


def count_fetch(status: int | str) -> None:
    """A feed fetch ended with this HTTP status (or failure kind: timeout, refused, …)."""
    FETCH_RESULTS.labels(status=str(status)).inc()


def count_article(matched_topics: tuple[str, ...] = ()) -> None:
    ARTICLES.inc()
    for topic in matched_topics:
        ARTICLES_MATCHED.labels(topic=topic).inc()


def count_figure(topic: str, figure: str) -> None:
    FIGURES.labels(topic=topic, figure=figure).inc()


def count_change(topic: str) -> None:
    CHANGES.labels(topic=topic).inc()


def count_delivery(channel: str, *, sent: bool) -> None:
    (ALERTS_SENT if sent else ALERTS_FAILED).labels(channel=channel).inc()


@contextlib.contextmanager
def time_stage(stage: str) -> Iterator[None]:
    """`with time_stage("fetch"):` adds the block's duration to monitor_stage_seconds."""
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage=stage).observe(time.perf_counter() - started)


StatusSource = Callable[[], tuple[Status | None, DaemonState | None]]


class StateCollector(Collector):
    """Gauges read at scrape time: feeds, due, failing, pending alerts, tracked values."""

    def __init__(self, source: StatusSource) -> None:
        self.source = source

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            status, daemon = self.source()
        except Exception:
            log.exception("metrics_status_failed")
            return
        if status is not None:
            feeds = GaugeMetricFamily(
                "monitor_feeds", "Configured feeds by state.", labels=["state"]
            )
            feeds.add_metric(["active"], len(status.feeds) - len(status.retired))
            feeds.add_metric(["retired"], len(status.retired))
            yield feeds
            yield GaugeMetricFamily(
                "monitor_feeds_due", "Feeds due for a poll.", value=len(status.due)
            )
            yield GaugeMetricFamily(
                "monitor_feeds_failing", "Feeds whose last poll failed.", value=len(status.failing)
            )
            yield GaugeMetricFamily(
                "monitor_alerts_pending", "Alert deliveries waiting.", value=status.pending_alerts
            )
            tracked = GaugeMetricFamily(
                "monitor_tracked_figure_value",
                "The latest current value of each tracked figure.",
                labels=["topic", "figure", "label"],
            )
            for value in status.figures:
                tracked.add_metric([value.topic, value.figure, value.label], float(value.value))
            yield tracked
        if daemon is not None:
            yield GaugeMetricFamily(
                "monitor_config_ok",
                "1 when the configuration on disk is valid; 0: running on the last good one.",
                value=1 if daemon.config_ok else 0,
            )
            yield GaugeMetricFamily(
                "monitor_start_time_seconds",
                "When the daemon started.",
                value=daemon.started_at.timestamp(),
            )
            if daemon.last_success_at is not None:
                yield GaugeMetricFamily(
                    "monitor_last_success_timestamp_seconds",
                    "When a poll last worked.",
                    value=daemon.last_success_at.timestamp(),
                )


def health_document(daemon: DaemonState | None, now: datetime) -> tuple[int, dict[str, object]]:
    """The `/healthz` answer: (HTTP status, JSON document)."""
    if daemon is None:
        return 503, {"status": "starting"}
    heartbeat_age = (now - daemon.updated_at).total_seconds()
    healthy = heartbeat_age <= HEALTHY_HEARTBEAT_S and not daemon.stopping
    state = "ok" if healthy and daemon.config_ok else "degraded" if healthy else "unhealthy"
    return (200 if healthy else 503), {
        "status": state,
        "config": {
            "state": "ok" if daemon.config_ok else "error",
            "error": daemon.config_error,
            "loaded_at": _iso(daemon.config_loaded_at),
        },
        "last_successful_poll": _iso(daemon.last_success_at),
        "last_error": daemon.last_error,
        "heartbeat_age_s": round(heartbeat_age, 3),
        "started_at": _iso(daemon.started_at),
        "pid": daemon.pid,
    }


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def metrics_page(source: StatusSource) -> Callable[[], tuple[str, bytes]]:
    """A function answering a scrape: (content type, Prometheus text with secrets masked)."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_Forward(REGISTRY))
    registry.register(StateCollector(source))

    def page() -> tuple[str, bytes]:
        return CONTENT_TYPE_LATEST, redact(generate_latest(registry).decode()).encode()

    return page


class ObservabilityServer:
    """`/metrics` and `/healthz` on a loopback address, served from a thread."""

    def __init__(self, listen: str, source: StatusSource) -> None:
        host, _, port = listen.rpartition(":")
        self.host = host.strip("[]")
        self.port = int(port)
        self.source = source
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_Forward(REGISTRY))
        self.registry.register(StateCollector(source))
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> None:
        """Bind and serve in a daemon thread; OSError when the address is taken."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == "/metrics":
                    body = generate_latest(owner.registry)
                    self._answer(200, CONTENT_TYPE_LATEST, body)
                elif path in ("/healthz", "/health"):
                    _, daemon = owner.source()
                    code, document = health_document(daemon, datetime.now(UTC))
                    self._answer(code, "application/json", json.dumps(document).encode())
                else:
                    self._answer(404, "text/plain", b"try /metrics or /healthz\n")

            def _answer(self, code: int, content_type: str, body: bytes) -> None:
                body = redact(body.decode()).encode()  # a secret in a label or error
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("http_request request=%r", format % args)

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="observe", daemon=True)
        self._thread.start()
        log.info("http_listening address=%s paths=/metrics,/healthz", self.address)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _Forward(Collector):
    """Exposes the module's counters and histograms in the server's own registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[object]:  # type: ignore[override]
        yield from self.registry.collect()
