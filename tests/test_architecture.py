"""The fences of DESIGN.md: each library in its one module; stages never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "monitor"

# library → the modules (relative to monitor/) allowed to import it
FENCES = {
    "aiohttp": ("fetch.py",),
    "feedparser": ("parse.py",),
    "trafilatura": ("extract.py",),
    "apprise": ("deliver.py",),
    "sqlmodel": ("store/",),
    "sqlalchemy": ("store/",),
    "apscheduler": ("daemon/",),
    "jinja2": ("alert.py",),
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


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
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
