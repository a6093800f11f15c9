"""`/metrics` and `/healthz`: a real server on loopback, scraped and parsed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor import observe
from monitor.observe import ObservabilityServer
from monitor.status import DaemonState, FeedOverview, Status, TrackedValue

NOW = datetime.now(UTC)


def feed(url: str, **changes: object) -> FeedOverview:
    values: dict = {
        "url": url,
        "topics": ("Topic",),
        "next_check_at": NOW + timedelta(minutes=10),
        "last_polled_at": NOW,
        "error_count": 0,
        "last_error": None,
        "retired": False,
        "failing_since": None,
        "location": None,
    }
    values.update(changes)
    return FeedOverview(**values)


STATUS = Status(
    at=NOW,
    feeds=(
        feed("https://a.example/feed"),
        feed("https://b.example/feed", next_check_at=NOW - timedelta(minutes=1), error_count=3),
        feed("https://c.example/feed", retired=True),
    ),
    pending_alerts=2,
    figures=(
        TrackedValue(
            topic="North Korean arms deliveries to Russia",
            figure="containers",
            label="Containers shipped to Russia",
            value=Decimal("13000"),
            published=NOW,
        ),
    ),
)


@pytest.fixture
def server():
    holder: dict = {"daemon": DaemonState(pid=1, started_at=NOW, updated_at=datetime.now(UTC))}
    instance = ObservabilityServer("127.0.0.1:0", lambda: (STATUS, holder["daemon"]))
    instance.start()
    instance.holder = holder  # type: ignore[attr-defined]
    yield instance
    instance.stop()


def get(server: ObservabilityServer, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"http://{server.address}{path}", timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_are_prometheus_text_with_counters_and_state_gauges(server):
    before = samples(get(server, "/metrics")[2])
    observe.count_poll("ok", 0.3)
    observe.count_fetch(200)
    observe.count_fetch(304)
    observe.count_delivery("json", sent=True)
    with observe.time_stage("fetch"):
        pass

    status, content_type, text = get(server, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    after = samples(text)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0.0)

    assert delta("monitor_feeds_polled_total", status="ok") == 1
    assert delta("monitor_fetch_results_total", status="200") == 1
    assert delta("monitor_fetch_results_total", status="304") == 1
    assert delta("monitor_alerts_sent_total", channel="json") == 1
    assert delta("monitor_cycle_seconds_count") == 1
    assert delta("monitor_stage_seconds_count", stage="fetch") == 1
    assert after[("monitor_feeds", (("state", "active"),))] == 2
    assert after[("monitor_feeds", (("state", "retired"),))] == 1
    assert after[("monitor_feeds_due", ())] == 1
    assert after[("monitor_feeds_failing", ())] == 1
    assert after[("monitor_alerts_pending", ())] == 2
    tracked = (
        "monitor_tracked_figure_value",
        (
            ("figure", "containers"),
            ("label", "Containers shipped to Russia"),
            ("topic", "North Korean arms deliveries to Russia"),
        ),
    )
    assert after[tracked] == 13000
    assert after[("monitor_config_ok", ())] == 1


def test_healthz_reports_config_state_and_a_stalled_loop(server):
    status, content_type, body = get(server, "/healthz")
    assert (status, content_type) == (200, "application/json")
    assert json.loads(body)["status"] == "ok"

    error = "config/watchlists/nk.yaml:3:5: unknown key 'fedds'"
    server.holder["daemon"] = DaemonState(
        pid=1,
        started_at=NOW,
        updated_at=datetime.now(UTC),
        config_ok=False,
        config_error=error,
    )
    status, _, body = get(server, "/healthz")
    document = json.loads(body)
    assert status == 200  # still working, on the last good configuration
    assert document["status"] == "degraded"
    assert document["config"] == {"state": "error", "error": error, "loaded_at": None}

    server.holder["daemon"] = DaemonState(
        pid=1, started_at=NOW, updated_at=datetime.now(UTC) - timedelta(minutes=5)
    )
    status, _, body = get(server, "/healthz")
    assert status == 503
    assert json.loads(body)["status"] == "unhealthy"
    assert get(server, "/nothing")[0] == 404
