"""A month that opens a sentence dates its value; it makes the value an earlier one only when
the text gives a newer value of the same unit (the seed: "13.000 … Im Februar waren es
6.700"). A monthly statistic on its own is that month's current value, and alerts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitor.figures import extract_figures


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("In November, exports rose to 500 tonnes.", "en"),
        ("Im November stiegen die Exporte auf 500 Tonnen.", "de"),
        ("En novembre, les exportations ont atteint 500 tonnes.", "fr"),
    ],
)
def test_a_monthly_figure_alone_is_current(text: str, lang: str) -> None:
    [figure] = extract_figures(text, lang)
    assert (figure.value, figure.time) == (Decimal(500), "current")
    assert figure.date is not None


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Pyongyang has now sent 13,000 containers. In February, it was 6,700 containers.",
            "en",
            [(Decimal(13000), "current"), (Decimal(6700), "past")],
        ),
        (
            "Im Oktober waren es 480 Tonnen. Im November stiegen die Exporte auf 500 Tonnen.",
            "de",
            [(Decimal(480), "past"), (Decimal(500), "current")],
        ),
    ],
)
def test_a_month_before_a_newer_value_of_its_unit_is_past(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert [(f.value, f.time) for f in extract_figures(text, lang)] == expected


def test_another_unit_does_not_make_a_month_past() -> None:
    text = "The ministry counts 40 shelters. In November, 500 people were evacuated."
    assert [(f.value, f.time) for f in extract_figures(text, "en")] == [
        (Decimal(40), "current"),
        (Decimal(500), "current"),
    ]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Stoxx 50 -1.3%, FTSE -0.6%.", "en", [Decimal("-1.3"), Decimal("-0.6")]),
        ("Der DAX schloss bei –2,5 %.", "de", [Decimal("-2.5")]),
        ("Der Gewinn – 5 Millionen Euro – war hoch.", "de", [Decimal(5000000)]),
    ],
)
def test_a_minus_sign_typeset_as_a_dash_or_after_an_index(
    text: str, lang: str, expected: list[Decimal]
) -> None:
    assert [f.value for f in extract_figures(text, lang)] == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "The trust opened the new wing three years ago and employs 1,200 nurses.",
            "en",
            [(Decimal(1200), "current")],
        ),
        (
            "Two years ago the plant employed 800 people and now it employs 1,200.",
            "en",
            [(Decimal(800), "past"), (Decimal(1200), "current")],
        ),
        (
            "Vor zwei Jahren waren es 800 Mitarbeiter und heute sind es 1.200.",
            "de",
            [(Decimal(800), "past"), (Decimal(1200), "current")],
        ),
    ],
)
def test_an_ago_phrase_dates_its_own_clause(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert [(f.value, f.time) for f in extract_figures(text, lang)] == expected
