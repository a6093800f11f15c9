"""The figures API contract, the seed story in German and English, and the CLI view."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import monitor.figures
from monitor.figures import extract_figures, figure_to_dict, find_figures
from monitor.figures.__main__ import main
from monitor.figures.lang import LANGUAGES, detect_language, load_language, normalise_code
from monitor.records import Figure

SEED = Path(__file__).parent / "data" / "seed-nordkorea-container-de.txt"
ENGLISH_REPORT = (
    "North Korea doubles arms shipments to Russia\n"
    "North Korea has shipped more than 13,000 containers to Russia since August 2023, up from "
    "about 6,700 in February, South Korea's defence intelligence agency said on Wednesday. "
    "The shipments could contain as many as 6 million rounds of 152 mm artillery ammunition. "
    "Pyongyang has also sent 122 mm shells, the report said, and support has flowed since "
    "mid-2022. Defence Minister Shin Won-sik had said in February 2024 that the North had "
    "shipped about 6,700 containers, which could hold about 3 million shells."
)


def summary(figures: list[Figure]) -> list[tuple]:
    return [(f.value, f.unit, f.approx, f.bound, f.time) for f in figures]


def test_seed_document_comes_out_exactly() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert summary(extract_figures(text, "de")) == [
        (Decimal(13000), "container", False, "min", "current"),
        (Decimal(6000000), "artilleriegeschoss", True, None, "current"),
        (Decimal(6700), "container", True, None, "past"),
        (Decimal(3000000), "artilleriegeschoss", True, None, "past"),
    ]


def test_seed_document_spans_point_at_the_words() -> None:
    text = SEED.read_text(encoding="utf-8")
    figures = extract_figures(text, "de")
    assert [f.text for f in figures] == [
        "über 13.000",
        "etwa 6 Millionen",
        "etwa 6.700",
        "etwa 3 Millionen",
    ]
    for f in figures:
        assert text[f.span[0] : f.span[1]] == f.text
        assert f.unit_span is not None
        assert f.sentence_span is not None
        assert text[f.sentence_span[0] : f.sentence_span[1]] == f.sentence
        assert f.sentence_span[0] <= f.span[0] < f.span[1] <= f.sentence_span[1]
    assert text[slice(*figures[1].unit_span)] == "Artilleriegeschosse"


def test_seed_document_language_detected() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert detect_language(text) == "de"
    assert summary(extract_figures(text)) == summary(extract_figures(text, "de"))


def test_english_report_of_the_story() -> None:
    assert summary(extract_figures(ENGLISH_REPORT, "en")) == [
        (Decimal(13000), "container", False, "min", "current"),
        (Decimal(6700), "container", True, None, "past"),
        (Decimal(6000000), "round", False, "max", "current"),
        (Decimal(6700), "container", True, None, "past"),
        (Decimal(3000000), "shell", True, None, "past"),
    ]


def test_english_past_value_carries_its_date() -> None:
    figures = extract_figures(ENGLISH_REPORT, "en")
    assert figures[1].date == "in February"


def test_relation_is_exposed_for_the_alert() -> None:
    (figure,) = extract_figures("Shipments doubled to 13,000 containers.", "en")
    assert figure.relation == "double"
    assert figure.value == Decimal(13000)


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("Es wurden 1.500 Soldaten verlegt.", "de", Decimal(1500)),
        ("Es wurden 1,500 Soldaten verlegt.", "de", Decimal("1.5")),
        ("Officials moved 1,500 soldiers.", "en", Decimal(1500)),
        ("Officials moved 1.500 soldiers.", "en", Decimal("1.5")),
        ("Официальные лица: 1,5 тыс. солдат.", None, Decimal(1500)),
        ("Es wurden 1.500 Soldaten und 2,5 Millionen Granaten geliefert.", None, Decimal(1500)),
    ],
    ids=["de-dot", "de-comma", "en-comma", "en-dot", "unknown-cyrillic", "unknown-german"],
)
def test_ambiguous_separators_resolve_by_language(
    text: str, lang: str | None, value: Decimal
) -> None:
    assert extract_figures(text, lang)[0].value == value


def test_unknown_language_still_reads_unambiguous_forms() -> None:
    figures = extract_figures("13 000 | 6,7 | 1.234.567,5 | 2,345,678.5", None)
    assert [f.value for f in figures] == [
        Decimal(13000),
        Decimal("6.7"),
        Decimal("1234567.5"),
        Decimal("2345678.5"),
    ]


def test_unsupported_language_code_falls_back_to_detection() -> None:
    figures = extract_figures("Es wurden über 13.000 Container geschickt.", "xx")
    assert summary(figures) == [(Decimal(13000), "container", False, "min", "current")]


def test_figures_come_in_text_order_with_exact_values() -> None:
    text = "Russland verlor 40 Flugzeuge, 300 Panzer und 2,5 Millionen Granaten."
    figures = extract_figures(text, "de")
    assert [f.span[0] for f in figures] == sorted(f.span[0] for f in figures)
    assert all(isinstance(f.value, Decimal) for f in figures)
    assert [str(f.value) for f in figures] == ["40", "300", "2500000"]


def test_find_figures_is_the_same_function() -> None:
    assert find_figures is extract_figures
    assert monitor.figures.__all__ == ["extract_figures", "figure_to_dict", "find_figures"]


def test_empty_and_figureless_text() -> None:
    assert extract_figures("", "de") == []
    assert extract_figures("Kein einziger Wert steht hier.", "de") == []


def test_figure_to_dict_is_json_ready() -> None:
    (figure,) = extract_figures("Zwischen 5.000 und 6.000 Soldaten.", "de")
    doc = json.loads(json.dumps(figure_to_dict(figure)))
    assert doc["value"] == "5000"
    assert doc["range"] == ["5000", "6000"]
    assert doc["unit"] == "soldat"
    assert doc["span"] == [0, 24]


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_language_module_loads(code: str) -> None:
    lang = load_language(code)
    assert lang.code == code
    assert lang.decimal in (",", ".")


@pytest.mark.parametrize(
    ("given", "code"),
    [("de-AT", "de"), ("DE", "de"), ("pt_BR", "pt"), ("ua", "uk"), ("", None), ("xx", None)],
    ids=["region", "upper", "underscore", "alias", "empty", "unknown"],
)
def test_language_codes_are_normalised(given: str, code: str | None) -> None:
    assert normalise_code(given) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Nordkorea hat über 13.000 Container nach Russland geschickt.", "de"),
        ("North Korea has shipped more than 13,000 containers to Russia.", "en"),
        ("La Corée du Nord a envoyé plus de 13 000 conteneurs en Russie avec des armes.", "fr"),
        ("Corea del Norte ha enviado más de 13.000 contenedores a Rusia para la guerra.", "es"),
        ("La Corea del Nord ha inviato oltre 13.000 container nella Russia per la guerra.", "it"),
        ("A Coreia do Norte enviou mais de 13.000 contêineres para a Rússia com armas.", "pt"),
        ("Noord-Korea heeft meer dan 13.000 containers naar Rusland gestuurd met wapens.", "nl"),
        (
            "Korea Północna wysłała do Rosji ponad 13 tys. kontenerów z bronią, według wywiadu.",
            "pl",
        ),
        ("Северная Корея отправила в Россию более 13 тысяч контейнеров.", "ru"),
        ("Північна Корея відправила до Росії понад 13 тисяч контейнерів.", "uk"),
        ("북한은 러시아에 컨테이너 1만3천여 개를 보냈다.", "ko"),
        ("北朝鮮はロシアにコンテナ約1万3000個を送った。", "ja"),
        ("朝鲜已向俄罗斯运送了超过1.3万个集装箱。", "zh"),
    ],
    ids=["de", "en", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk", "ko", "ja", "zh"],
)
def test_language_is_detected_from_script_and_words(text: str, code: str) -> None:
    assert detect_language(text) == code


def test_engine_imports_no_other_stage() -> None:
    allowed = {"monitor.records", "monitor.errors", "monitor.config", "monitor.words"}
    package = Path(monitor.figures.__file__).parent
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                name = node.module
            elif isinstance(node, ast.Import):
                name = node.names[0].name
            else:
                continue
            if name.startswith("monitor.") and not name.startswith("monitor.figures"):
                assert name in allowed, f"{path.name} imports {name}"
            assert not name.startswith(("aiohttp", "feedparser", "trafilatura", "sqlmodel"))


def test_cli_prints_json_with_qualifiers_and_spans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "article.txt"
    article.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    assert main([str(article), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["lang"] == "de"
    assert [(f["value"], f["unit"], f["time"]) for f in doc["figures"]] == [
        ("13000", "container", "current"),
        ("6000000", "artilleriegeschoss", "current"),
        ("6700", "container", "past"),
        ("3000000", "artilleriegeschoss", "past"),
    ]
    assert doc["figures"][0]["bound"] == "min"
    assert doc["figures"][0]["span"] == [83, 94]


def test_cli_table_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Fast 1.000 Raketen wurden abgefeuert.", encoding="utf-8")
    assert main([str(article), "--lang", "de"]) == 0
    line = capsys.readouterr().out.strip()
    assert "1000" in line
    assert "rakete" in line
    assert "approx, max, current" in line
    assert main([str(tmp_path / "missing.txt")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_cli_runs_as_a_module(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Rund 600 Panzer wurden zerstört.", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "monitor.figures", str(article), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)["figures"][0]["unit"] == "panzer"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Es waren 1.7976931348623157e+308 Container.", []),
        ("Es waren 10^400 Container.", []),
        ("Es waren 0x1F Container.", []),
        ("Die Temperatur fiel auf -5 Grad.", [("-5", "grad", "-5")]),
        ("Das BIP sank um −3,5 Prozent.", [("-3.5", "percent", "−3,5 Prozent")]),
        ("Es waren 5-6 Tausend Container.", [("5000", "container", "5-6 Tausend")]),
        ("Der T-72 kam mit 200 Panzern.", [("200", "panzer", "200")]),
    ],
    ids=["e-notation", "power", "hex", "negative", "negative-percent", "range-dash", "model-dash"],
)
def test_notation_and_signs(text: str, expected: list[tuple[str, str, str]]) -> None:
    found = [(str(f.value), f.unit, f.text) for f in extract_figures(text, "de")]
    assert found == expected


def test_reading_other_articles_in_between_changes_nothing() -> None:
    # The engine remembers per article which rare phrases occur ("call", "or more") and per
    # language the phrases before numbers: an article read again must come out the same.
    phone = "More than 300 troops, 500 drones or more, 40 tanks. For help call 911."
    plain = "Officials counted 13,000 containers and about 6,700 in February."
    first = [figure_to_dict(f) for f in extract_figures(phone, "en")]
    assert [(f["value"], f["unit"], f["bound"]) for f in first] == [
        ("300", "troop", "min"),
        ("500", "drone", "min"),
        ("40", "tank", None),
    ]
    for _ in range(3):
        extract_figures(plain, "en")
        assert [figure_to_dict(f) for f in extract_figures(phone, "en")] == first
    assert [f.value for f in extract_figures(plain, "en")] == [Decimal(13000), Decimal(6700)]
