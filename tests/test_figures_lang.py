"""Table-driven cases per language: tests/data/figures/<lang>.txt (format in its README)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.figures import extract_figures
from monitor.records import Figure

DATA = Path(__file__).parent / "data" / "figures"
LANGUAGES = tuple(sorted(p.stem for p in DATA.glob("*.txt")))


@dataclass(frozen=True)
class Expected:
    """What a reader checks of one figure."""

    value: Decimal
    unit: str
    approx: bool = False
    bound: str | None = None
    time: str = "current"
    range: tuple[Decimal, Decimal] | None = None
    relation: str | None = None


def parse_expected(spec: str) -> list[Expected]:
    """`"13000 container min; 6700 container approx past"` -> two `Expected`."""
    figures = []
    for item in filter(None, (part.strip() for part in spec.split(";"))):
        value, unit, *flags = item.split()
        fields: dict = {
            "value": Decimal(value),
            "unit": "" if unit == "-" else unit.replace("_", " "),
        }
        for flag in flags:
            if flag == "approx":
                fields["approx"] = True
            elif flag in ("min", "max"):
                fields["bound"] = flag
            elif flag == "past":
                fields["time"] = "past"
            elif flag.startswith("range="):
                lo, hi = flag[6:].split("..")
                fields["range"] = (Decimal(lo), Decimal(hi))
            elif flag.startswith("rel="):
                fields["relation"] = flag[4:]
            else:
                raise ValueError(f"unknown flag {flag!r} in {spec!r}")
        figures.append(Expected(**fields))
    return figures


def load_cases(lang: str) -> list[tuple[str, str, list[Expected]]]:
    """The cases of one language file as (id, text, expected)."""
    cases = []
    for line in (DATA / f"{lang}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        case_id, text, spec = (
            (part.strip() for part in line.split(" | ", 2))
            if line.count(" | ") >= 2
            else (*line.split(" | ", 1), "")
        )
        cases.append((case_id.strip(), text.strip(), parse_expected(spec.strip(" |"))))
    return cases


def observed(figure: Figure) -> Expected:
    """The checked fields of an extracted figure."""
    return Expected(
        value=figure.value,
        unit=figure.unit,
        approx=figure.approx,
        bound=figure.bound,
        time=figure.time,
        range=figure.range,
        relation=figure.relation,
    )


def all_cases() -> list[tuple[str, str, str, list[Expected]]]:
    return [(lang, *case) for lang in LANGUAGES for case in load_cases(lang)]


CASES = all_cases()


@pytest.mark.parametrize(
    ("lang", "case_id", "text", "expected"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_case(lang: str, case_id: str, text: str, expected: list[Expected]) -> None:
    assert [observed(f) for f in extract_figures(text, lang)] == expected


@pytest.mark.parametrize("lang", ["de", "en", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk"])
def test_complete_languages_have_forty_cases(lang: str) -> None:
    assert len(load_cases(lang)) >= 40


def test_case_ids_are_unique() -> None:
    ids = [f"{c[0]}-{c[1]}" for c in CASES]
    assert len(ids) == len(set(ids))
