"""`monitor check` and the JSON Schema that `monitor schema` ships agree on every rule.

One table of broken files (and good ones) goes through both: the schema through
`jsonschema`, the configuration loader that `monitor check` runs in-process for every case
and through the real CLI for the whole set at once. Rules that span files (a tag no
channel has, two watchlists of one name) and that compare two keys
(`poll.min_interval` ≤ `poll.max_interval`) are beyond a per-file schema and not listed.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from monitor.config import load_config, schema_documents
from monitor.errors import ConfigError

WATCHLIST: dict[str, Any] = {
    "name": "Agreement",
    "feeds": ["https://example.org/feed.xml"],
    "match": {"any": ["North Korea"]},
    "figures": {"containers": {"nouns": ["container"]}},
}


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # settings | watchlist
    change: dict[str, Any]  # dotted path → value (None deletes the key)


def _w(case_id: str, **change: Any) -> Case:
    return Case(case_id, "watchlist", {k.replace("__", "."): v for k, v in change.items()})


def _s(case_id: str, **change: Any) -> Case:
    return Case(case_id, "settings", {k.replace("__", "."): v for k, v in change.items()})


DELETE = object()

BROKEN = [
    _w("watchlist-unknown-key", treshold="5%"),
    _w("watchlist-name-missing", name=DELETE),
    _w("watchlist-name-number", name=12),
    _w("watchlist-match-missing", match=DELETE),
    _w("match-empty", match={}),
    _w("match-only-none", match={"none": ["x"]}),
    _w("match-unknown-key", match={"al": ["x"]}),
    _w("match-any-mapping", match={"any": {"a": 1}}),
    _w("feeds-not-list", feeds={"url": "https://example.org/"}),
    _w("feed-not-http", feeds=["ftp://example.org/feed"]),
    _w("feed-mapping-not-http", feeds=[{"url": "file:///etc/passwd"}]),
    _w("feed-unknown-key", feeds=[{"url": "https://example.org/", "intervall": "10m"}]),
    _w("feed-interval-no-unit", feeds=[{"url": "https://example.org/", "interval": "10 min"}]),
    _w("feed-interval-negative", feeds=[{"url": "https://example.org/", "interval": -5}]),
    _w("feed-url-missing", feeds=[{"interval": "10m"}]),
    _w("figure-nouns-missing", figures={"containers": {"label": "x"}}),
    _w("figure-nouns-empty", figures={"containers": {"nouns": []}}),
    _w("figure-unknown-key", figures__containers__treshold="5%"),
    _w("figure-threshold-words", figures__containers__threshold="five percent"),
    _w("figure-threshold-bool", figures__containers__threshold=True),
    _w("figure-threshold-unknown", figures__containers__threshold={"relativ": 0.05}),
    _w("figure-direction", figures__containers__direction="sideways"),
    _w("figure-min-sources-zero", figures__containers__min_sources=0),
    _w("figure-min-sources-text", figures__containers__min_sources="two"),
    _w("figure-cooldown-text", figures__containers__cooldown="an hour"),
    _w("figures-list", figures=["containers"]),
    _w("alert-on-first-text", alert_on_first="sometimes"),
    _w("notify-on-unknown", notify_on=["changes"]),
    _w("cooldown-no-number", cooldown="soon"),
    _w("digest-weekly", digest="weekly"),
    _w("digest-bad-hour", digest="daily 25:00"),
    _w("digest-bad-minute", digest="daily 08:75"),
    _w("routes-not-list", routes={"notify": ["chat"]}),
    _w("route-unknown-key", routes=[{"min_chnage": "50%"}]),
    _w("route-min-change-words", routes=[{"min_change": "big"}]),
    _w("template-unknown-key", template={"titel": "x"}),
    _w("template-title-list", template={"title": ["x"]}),
    _s("settings-unknown-key", databse="sqlite:///x.db"),
    _s("poll-unknown-key", poll__intervall="5m"),
    _s("poll-interval-words", poll__interval="often"),
    _s("poll-concurrency-zero", poll__concurrency=0),
    _s("poll-per-host-huge", poll__per_host=1000),
    _s("poll-adaptive-text", poll__adaptive="maybe"),
    _s("fetch-size-words", fetch__max_feed_size="big"),
    _s("log-level-unknown", log__level="verbose"),
    _s("log-format-unknown", log__format="xml"),
    _s("http-listen-no-port", http__listen="127.0.0.1"),
    _s("events-webhook-not-http", events__webhook="ftp://example.org/"),
    _s("channel-url-missing", channels=[{"tags": ["chat"]}]),
    _s("channel-unknown-key", channels=[{"url": "log://", "tag": ["chat"]}]),
    _s("delivery-attempts-zero", delivery__max_attempts=0),
    _s("channels-mapping", channels={"url": "log://"}),
]

GOOD = [
    _w("watchlist-minimal", figures=DELETE),
    _w(
        "watchlist-full",
        feeds=["https://example.org/a", {"url": "https://example.org/b", "interval": "10m"}],
        figures__containers__threshold={"relative": 0.05, "absolute": 500},
        digest="daily 18:30",
        routes=[{"min_change": "50%", "notify": "chat"}],
    ),
    _w("match-all-string", match={"all": "North Korea"}),
    _s(
        "settings-full",
        poll={"interval": "10m", "per_host": 4, "backfill": 0},
        log={"level": "DEBUG", "format": "json"},
        http={"listen": "[::1]:9464"},
        channels=[{"url": "log://", "tags": "log", "digest": "hourly"}],
    ),
    _s("settings-empty"),
]


def _document(case: Case) -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(WATCHLIST) if case.kind == "watchlist" else {}
    for dotted, value in case.change.items():
        *parents, last = dotted.split(".")
        node = document
        for part in parents:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return document


def write_case(directory: Path, case: Case, *, name: str | None = None) -> tuple[str, Path]:
    """Write the case's file into a configuration directory; (schema name, path)."""
    document = _document(case)
    if case.kind == "watchlist":
        if name is not None and isinstance(document.get("name"), str):
            document["name"] = name
        path = directory / "watchlists" / f"{case.id}.yaml"
    else:
        path = directory / "settings.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")  # JSON is YAML 1.2
    return case.kind, path


def _schema_accepts(kind: str, path: Path) -> bool:
    document = YAML(typ="safe", pure=True).load(path.read_text()) or {}
    return jsonschema.Draft202012Validator(schema_documents()[kind]).is_valid(document)


def _loader_accepts(directory: Path) -> bool:
    try:
        load_config(directory)
    except ConfigError:
        return False
    return True


def test_the_table_has_fifty_broken_files() -> None:
    assert len(BROKEN) >= 50
    assert len({case.id for case in BROKEN + GOOD}) == len(BROKEN) + len(GOOD)


@pytest.mark.parametrize("case", BROKEN, ids=[case.id for case in BROKEN])
def test_schema_and_check_both_reject(case: Case, tmp_path: Path) -> None:
    kind, path = write_case(tmp_path, case)
    assert not _schema_accepts(kind, path), "the JSON Schema accepts it"
    assert not _loader_accepts(tmp_path), "monitor check accepts it"


@pytest.mark.parametrize("case", GOOD, ids=[case.id for case in GOOD])
def test_schema_and_check_both_accept(case: Case, tmp_path: Path) -> None:
    kind, path = write_case(tmp_path, case)
    assert _schema_accepts(kind, path), "the JSON Schema rejects it"
    assert _loader_accepts(tmp_path), "monitor check rejects it"


def test_monitor_check_names_every_broken_watchlist(tmp_path: Path) -> None:
    """The real CLI, once over a directory of every broken watchlist: each file is reported."""
    broken = [case for case in BROKEN if case.kind == "watchlist"]
    for index, case in enumerate(broken):
        write_case(tmp_path, case, name=f"Agreement {index}")
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    reported = {Path(line.split(":")[0]).stem for line in done.stderr.splitlines() if ":" in line}
    assert {case.id for case in broken} <= reported, done.stderr
    assert "did you mean 'threshold'?" in done.stderr
    assert "unknown key 'routes.0.min_chnage'; did you mean 'min_change'?" in done.stderr
