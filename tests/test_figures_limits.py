"""Hostile sizes: the scan grows linearly with the text, and no number breaks what follows it.

Speed figures live in bench/figures_scale.py; these tests assert outcomes, with time bounds
far above the quiet-machine figure (a quadratic scan would miss them by minutes).
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.figures import extract_figures
from monitor.records import Figure

ARTICLE = Path(__file__).resolve().parent.parent / "bench" / "data" / "en.txt"
STORED_CHARS = 64  # the store keeps a value as text in varchar(64)


def stored(figure: Figure) -> list[str]:
    values = [figure.value, *(figure.range or ())]
    return [str(v) for v in values]


def test_a_megabyte_article_yields_every_copy_of_its_figures() -> None:
    one = ARTICLE.read_text("utf-8") + "\n\n"
    copies = 1024 * 1024 // len(one) + 1
    per_copy = extract_figures(one, "en")
    found = extract_figures(one * copies, "en")
    assert len(found) == copies * len(per_copy)
    assert [f.value for f in found[-len(per_copy) :]] == [f.value for f in per_copy]


def test_a_run_on_sentence_of_numbers_is_read_in_bounded_time() -> None:
    # 300 KB of "17 ships, 18 ships, …" without a full stop: one "sentence" of 30,000
    # figures took hours when every figure looked back over its whole sentence
    text = "".join(f"{n % 997} ships, " for n in range(30_000))
    start = time.perf_counter()
    found = extract_figures(text, "en")
    assert time.perf_counter() - start < 60
    assert len(found) == 30_000
    assert found[-1].unit == "ship"
    assert found[-1].value == Decimal(29_999 % 997)
    assert max(len(f.sentence) for f in found) <= 1000


@pytest.mark.parametrize(
    "text",
    [
        "1" * 4501,
        "The total was " + "1" * 4501 + " euros.",
        "Le total atteint " + "1 000 " * 900 + "euros.",
        "1" + "兆" * 400,
        "一" + "兆" * 400 + "円",
        "They counted " + "thousand " * 400 + "stars.",
        "a" * 20_000,
        "Revenue was " + "9" * 30 + " billion dollars.",
    ],
    ids=["digits", "digits-in-text", "grouped", "cho", "kanji-cho", "words", "letters", "scaled"],
)
def test_huge_numbers_are_no_figures_and_break_nothing(text: str) -> None:
    for figure in extract_figures(text):
        assert all(len(v) <= STORED_CHARS for v in stored(figure))
        assert abs(figure.value) < Decimal(10) ** 40


def test_large_real_amounts_are_still_read() -> None:
    found = extract_figures(
        "Debt reached $34.5 trillion; the won figure was 1,234,567,890,123,456 won.", "en"
    )
    assert [(f.value, f.unit) for f in found] == [
        (Decimal("34500000000000"), "usd"),
        (Decimal("1234567890123456"), "krw"),
    ]
