"""`monitor schema`: the JSON Schema editors use, generated from the validating models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from monitor.cli import main
from monitor.config import read_yaml

CONFIG = Path(__file__).parent.parent / "config"


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("schema")
    assert main(["schema", "--output", str(out)]) == 0
    documents = {
        name: json.loads((out / f"{name}.schema.json").read_text())
        for name in ("settings", "watchlist")
    }
    for document in documents.values():
        jsonschema.Draft202012Validator.check_schema(document)
    return documents


def plain(path: Path) -> object:
    return json.loads(json.dumps(read_yaml(path)))


def errors(schema: dict, document: object) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return sorted(error.message for error in validator.iter_errors(document))


def test_the_bundled_configuration_validates(schemas):
    assert errors(schemas["settings"], plain(CONFIG / "settings.yaml")) == []
    for path in sorted((CONFIG / "watchlists").glob("*.yaml")):
        assert errors(schemas["watchlist"], plain(path)) == [], path


def test_the_schema_catches_what_an_editor_should_underline(schemas):
    watchlist = {
        "name": "Topic",
        "feeds": [
            "https://example.org/feed.xml",
            {"url": "https://example.org/b", "interval": "10m"},
        ],
        "match": {"all": [["Nordkorea", "North Korea"], "Russland"]},
        "figures": {"containers": {"nouns": "Container", "threshold": "5%"}},
    }
    assert errors(schemas["watchlist"], watchlist) == []
    watchlist["figures"]["containers"]["treshold"] = "5%"
    assert errors(schemas["watchlist"], watchlist) == [
        "Additional properties are not allowed ('treshold' was unexpected)"
    ]
    settings = {"poll": {"interval": "15 minutes"}, "http": {"listen": "127.0.0.1:9464"}}
    assert len(errors(schemas["settings"], settings)) == 1
    assert errors(schemas["settings"], {"poll": {"interval": "15m", "max_interval": 3600}}) == []


def test_defaults_are_shown_as_the_yaml_writes_them(schemas):
    poll = schemas["settings"]["$defs"]["PollSettings"]["properties"]
    assert poll["interval"]["default"] == "15m"
    assert poll["max_interval"]["default"] == "6h"


def test_one_schema_prints_to_stdout(capsys):
    assert main(["schema", "watchlist"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["title"] == "monitor watchlist (watchlists/*.yaml)"
    assert "match" in document["required"]
