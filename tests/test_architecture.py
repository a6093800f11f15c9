"""The house's walls, read from the imports (ast): libraries fenced into their one module,
stages that never import each other, only the orchestrator and the decider combining
stages, no import running upward across the layers, and a test file for every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "monitor"
TESTS = Path(__file__).parent

# library → the modules (relative to monitor/) allowed to import it
FENCES = {
    "aiohttp": ("fetch.py", "web/"),
    "feedparser": ("parse.py",),
    "trafilatura": ("extract.py",),
    "apprise": ("deliver.py",),
    "sqlmodel": ("store/",),
    "sqlalchemy": ("store/",),
    "apscheduler": ("daemon/",),
    "jinja2": ("alert.py", "web/"),
    "watchfiles": ("daemon/",),
    "prometheus_client": ("observe.py",),
}
STAGES = (
    "fetch",
    "parse",
    "extract",
    "match",
    "figures",
    "track",
    "compare",
    "alert",
    "deliver",
    "store",
)
# The modules that may import several stages, and why.
COMBINERS = {
    "pipeline.py": "the orchestrator: calls the stages in order for each feed",
    "findings.py": "the decider: match, track, compare and alert for one article",
    "outbox.py": "sends: builds a channel's message (alert), sends it (deliver), marks it (store)",
    "web/site.py": "the pages: read the store, show values as the alerts write them (alert)",
}
# Bottom to top: a module imports from its own layer or the ones below, never above.
LAYERS = (
    (
        "foundation",
        {
            "__init__",
            "errors",
            "records",
            "logs",
            "words",
            "config",
            "statedir",
            "systemd",
            "sandbox",
            "cadence",
            "numbers",
        },
    ),
    (
        "stages",
        {
            "fetch",
            "parse",
            "extract",
            "match",
            "figures",
            "scan",
            "anchors",
            "track",
            "cluster",
            "compare",
            "alert",
            "deliver",
            "store",
        },
    ),
    ("state", {"status", "observe", "eventstream", "outages", "web"}),
    ("decider", {"findings"}),
    ("services", {"outbox", "backtest", "pipeline"}),
    ("entry points", {"daemon", "cli", "demo", "__main__"}),
)
LAYER_OF = {name: index for index, (_, names) in enumerate(LAYERS) for name in names}
# Modules tested through a test file named after another module, and which.
COVERED_BY = {
    "__init__.py": "test_cli.py (--version)",
    "__main__.py": "test_cli.py (python -m monitor)",
    "alert.py": "test_compare.py (formatting), test_rules.py (templates, routing)",
    "cluster.py": "test_rules.py (independent outlets)",
    "errors.py": "every test of an error message",
    "logs.py": "hostile/test_masking.py",
    "records.py": "every test: the records between the stages",
    "sandbox.py": "test_sandbox_memory.py, hostile/",
    "scan.py": "test_figures_limits.py",
    "statedir.py": "test_container.py",
    "status.py": "test_cli_ops.py (monitor status), test_observe.py",
    "track.py": "test_anchors.py, test_rules.py (dates)",
    "words.py": "test_match.py, test_lemma_cache.py",
    "outages.py": "test_pipeline.py (source down, moved, retired notices)",
    "config/": "test_config.py, test_config_agreement.py",
    "figures/": "test_figures*.py",
    "store/": "test_store.py, test_scaleout_leases.py",
    "daemon/": "test_daemon.py, test_daemon_queue.py, test_reload_interval.py",
    "cli/": "test_cli.py, test_cli_ops.py",
    "demo/": "test_end_to_end.py",
    "numbers.py": "test_web.py (numbers in the watchlist's locale)",
    "web/": "test_web.py, test_web_browser.py",
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "monitor":  # `from monitor import observe`
                names.update(f"monitor.{alias.name}" for alias in node.names)
    return names


def unit_of(path: Path) -> str:
    """The module or package (directly under monitor/) that `path` belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def monitor_units(path: Path) -> set[str]:
    """The units of monitor/ that `path` imports (its own excluded)."""
    units = set()
    for name in imports_of(path):
        parts = name.split(".")
        if parts[0] != "monitor":
            continue
        unit = parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).exists() else None
        unit = unit or (
            parts[1] if len(parts) > 1 and (PACKAGE / f"{parts[1]}.py").exists() else None
        )
        units.add(unit or "__init__")
    units.discard(unit_of(path))
    return units


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
IDS = [str(p.relative_to(PACKAGE)) for p in MODULES]


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_libraries_stay_in_their_module(path: Path) -> None:
    relative = str(path.relative_to(PACKAGE))
    for name in imports_of(path):
        library = name.split(".")[0]
        allowed = FENCES.get(library)
        if allowed is not None:
            assert relative.startswith(allowed), (
                f"{relative} imports {library}, fenced into {allowed}"
            )


@pytest.mark.parametrize(
    "stage", [s for s in STAGES if (PACKAGE / f"{s}.py").exists() or (PACKAGE / s).is_dir()]
)
def test_stages_never_import_each_other(stage: str) -> None:
    paths = (
        [PACKAGE / f"{stage}.py"]
        if (PACKAGE / f"{stage}.py").exists()
        else sorted((PACKAGE / stage).rglob("*.py"))
    )
    for path in paths:
        for name in imports_of(path):
            parts = name.split(".")
            if parts[0] == "monitor" and len(parts) > 1 and parts[1] in STAGES:
                assert parts[1] == stage, (
                    f"{path.relative_to(PACKAGE)} (stage {stage}) imports stage {parts[1]}"
                )


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_only_the_orchestrator_and_the_decider_combine_stages(path: Path) -> None:
    relative = str(path.relative_to(PACKAGE))
    stages = sorted(monitor_units(path) & set(STAGES))
    if relative in COMBINERS:
        return
    assert len(stages) <= 1, (
        f"{relative} imports the stages {stages}: only {sorted(COMBINERS)} combine stages; "
        "call the one that does (pipeline, findings or outbox) instead"
    )


def test_the_decider_reads_and_sends_nothing() -> None:
    """History and channel names are handed in: the decider imports neither store nor deliver."""
    units = monitor_units(PACKAGE / "findings.py")
    assert not units & {"store", "deliver", "outbox", "pipeline", "eventstream"}, units


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_no_import_runs_upward(path: Path) -> None:
    relative = str(path.relative_to(PACKAGE))
    mine = unit_of(path)
    assert mine in LAYER_OF, f"{relative}: put {mine!r} in one of the LAYERS of this test"
    for unit in monitor_units(path):
        assert unit in LAYER_OF, f"{relative} imports {unit!r}, which is in none of the LAYERS"
        assert LAYER_OF[unit] <= LAYER_OF[mine], (
            f"{relative} ({LAYERS[LAYER_OF[mine]][0]}) imports {unit} "
            f"({LAYERS[LAYER_OF[unit]][0]}), a layer above it"
        )


@pytest.mark.parametrize(
    "unit",
    sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists())
    ),
)
def test_every_module_has_a_test_file_of_its_name(unit: str) -> None:
    name = unit.removesuffix("/").removesuffix(".py")
    own = TESTS / f"test_{name}.py"
    assert own.exists() or unit in COVERED_BY, (
        f"monitor/{unit} has no tests/test_{name}.py: add one, or name the test file that "
        "covers it in COVERED_BY"
    )
    if unit in COVERED_BY:
        named = [w for w in COVERED_BY[unit].replace(",", " ").split() if w.endswith(".py")]
        for file in named:
            if "*" in file:
                assert list(TESTS.glob(file)), f"{unit}: no test file matches {file}"
            else:
                assert (TESTS / file).exists(), f"{unit}: {file} does not exist"
