"""Classes of error found on real news pages (tests/data/realpages/), each with several
sentences of its own: the engine is fixed per class, never per sentence of the sample."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitor.figures import extract_figures


def values_units(text: str, lang: str) -> list[tuple[Decimal, str]]:
    return [(f.value, f.unit) for f in extract_figures(text, lang)]


# --- a line break or a table cell ends the search for the counted noun -----------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "| Modell | Preis | Note |\n| Alpha Komfort | 370 € | 1,7 |\n"
            "| Beta Plus | 350 € | 2,1 |",
            "de",
            [
                (Decimal(370), "eur"),
                (Decimal("1.7"), ""),
                (Decimal(350), "eur"),
                (Decimal("2.1"), ""),
            ],
        ),
        (
            "| Team | Points |\n| Rovers | 42 |\n| United | 38 |",
            "en",
            [(Decimal(42), ""), (Decimal(38), "")],
        ),
        (
            "Besucher im Juli: 12.400\nParkplätze wurden erweitert.",
            "de",
            [(Decimal(12400), "")],
        ),
        (
            "Votos a favor: 215\nDiputados ausentes en la sesión.",
            "es",
            [(Decimal(215), "")],
        ),
    ],
)
def test_noun_never_comes_from_the_next_line_or_cell(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, lang) == expected


def test_noun_on_the_same_line_still_counts() -> None:
    assert values_units("| 18 Kindersitze im Test |", "de") == [(Decimal(18), "kindersitz")]
