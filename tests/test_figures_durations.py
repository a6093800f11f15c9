"""Spans of time as figures, and the classes found on NewsQuant (issue 12).

A span of time ("19 years in prison", "waits of 14 hours") is a figure only when asked for
(`extract_figures(..., durations=True)`); the pipeline asks when a matched watchlist tracks a
unit of time. A span that dates something ("three years ago") never is. End to end: a
watchlist on A&E waiting times alerts on 9 → 14 hours, and on nothing else in the articles.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from monitor.figures import extract_figures, is_time_unit
from tests.fixtures.story import DATA, Story


def values(text: str, lang: str, **options: bool) -> list[tuple[Decimal, str, str]]:
    return [(f.value, f.unit, f.time) for f in extract_figures(text, lang, **options)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("He was sentenced to 19 years in prison.", "en", [(Decimal(19), "year", "current")]),
        ("Er wurde zu 19 Jahren Haft verurteilt.", "de", [(Decimal(19), "jahr", "current")]),
        ("Il a été condamné à 12 ans de prison.", "fr", [(Decimal(12), "an", "current")]),
        (
            "Patients waited 14 hours, up from 9 hours.",
            "en",
            [(Decimal(14), "hour", "current"), (Decimal(9), "hour", "past")],
        ),
    ],
)
def test_a_span_of_time_is_a_figure_when_asked(
    text: str, lang: str, expected: list[tuple[Decimal, str, str]]
) -> None:
    assert values(text, lang, durations=True) == expected
    assert values(text, lang) == []  # the default (the figures API as before): no spans


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Three years ago the plant closed.", "en"),
        ("Vor drei Jahren wurde das Werk geschlossen.", "de"),
        ("Два года назад завод закрыли.", "ru"),
    ],
)
def test_a_span_that_dates_something_is_never_a_figure(text: str, lang: str) -> None:
    assert values(text, lang, durations=True) == []


def test_time_units_are_known_in_every_language() -> None:
    assert all(is_time_unit(w) for w in ("years", "Stunden", "heures", "дней", "godzin"))
    assert not any(is_time_unit(w) for w in ("people", "Container", "percent", ""))


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("The robots measure 15.5 cm across.", "en", [(Decimal("15.5"), "cm")]),
        ("Sea levels could rise 30 cm by 2100.", "en", [(Decimal(30), "cm")]),
        ("In der Nacht fielen 20 Zentimeter Schnee.", "de", [(Decimal(20), "zentimeter")]),
        (
            "Screen sizes remain 5.4 inches and 6.1 inches.",
            "en",
            [(Decimal("5.4"), "inch"), (Decimal("6.1"), "inch")],
        ),
    ],
)
def test_a_length_is_a_figure(text: str, lang: str, expected: list[tuple[Decimal, str]]) -> None:
    assert [(f.value, f.unit) for f in extract_figures(text, lang)] == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The package includes 155mm artillery rounds.", "en"),
        ("Die Haubitze verschießt Granaten im Kaliber 155 mm.", "de"),
        ("Le canon tire des obus de 155 mm.", "fr"),
    ],
)
def test_a_calibre_beside_a_weapon_is_no_figure(text: str, lang: str) -> None:
    assert extract_figures(text, lang) == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Last year the deficit increased by $43.6 billion to $419.2 billion.", "en"),
        ("In 2023, exports rose by 12% to 310,000 tonnes.", "en"),
    ],
)
def test_the_size_of_a_change_is_no_earlier_value(text: str, lang: str) -> None:
    assert [f.time for f in extract_figures(text, lang)] == ["current", "current"]


def test_one_counts_with_a_unit_and_not_as_a_pronoun() -> None:
    assert values("Jobs for men grew by one per cent.", "en") == [
        (Decimal(1), "percent", "current")
    ]
    assert values("One academic told the authors she had left.", "en") == []
    assert values("One of Germany's smallest wine regions.", "en") == []


WAITS_WATCHLIST = """\
name: Gelnau hospital
feeds:
  - {feed}
match:
  any: [Gelnau]
figures:
  wait:
    label: A&E wait for a bed
    nouns: [hours]
    near: [wait]
notify: [chat]
"""


def test_a_watchlist_on_waiting_times_alerts_on_the_hours(
    story: Story, webhook_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    for old in (story.config / "watchlists").glob("*.yaml"):
        old.unlink()
    (story.config / "watchlists" / "hospital.yaml").write_text(
        WAITS_WATCHLIST.format(feed=story.server.url("/feed.xml"))
    )
    pages = (
        ("waits-march-en.html", "Patients wait up to 9 hours", datetime(2024, 3, 4, 7, tzinfo=UTC)),
        ("waits-april-en.html", "A&E waits reach 14 hours", datetime(2024, 4, 2, 7, tzinfo=UTC)),
    )
    for page, title, published in pages:
        html = (DATA / "durations" / page).read_text()
        story.publish(f"/news/{page}", title, html, published)
        assert story.once() == 0
    titles = [post.body["title"] for post in webhook_receiver.received]
    assert titles == ["Gelnau hospital — A&E wait for a bed: 9 → 14 (+56%)"]
    # neither "three years ago", the chief's 6 years nor the nurse's 22 years was stored
    history = story.cli_json(capsys, "figures")
    assert sorted(o["value"] for o in history) == [9, 14]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("The nozzle is 1.5mm wide.", "en", [(Decimal("1.5"), "mm")]),
        (
            "The skeleton is 121ft long and weighs 45lb.",
            "en",
            [(Decimal(121), "ft"), (Decimal(45), "lb")],
        ),
        ("Die Schicht ist 5-10mm dick.", "de", [(Decimal(5), "mm")]),
    ],
)
def test_a_unit_glued_to_its_number(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert [(f.value, f.unit) for f in extract_figures(text, lang)] == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Half the condos have sold.", Decimal("0.5")),
        ("It employs 600 people, almost half of them in California.", Decimal("0.5")),
        ("One fourth of the population is vaccinated.", Decimal("0.25")),
        ("A fifth of the members voted against.", Decimal("0.2")),
    ],
)
def test_a_share_written_as_a_word(text: str, value: Decimal) -> None:
    assert value in [f.value for f in extract_figures(text, "en")]


@pytest.mark.parametrize(
    "text",
    [
        "In the second half of the season the club scored twice.",
        "They cut the budget in half.",
        "Between 1600 and 1900 world temperatures dropped.",
        "Coastal regions could be under water by 2120, scientists warn.",
    ],
)
def test_no_share_or_year_is_reported(text: str) -> None:
    assert extract_figures(text, "en") == []


def test_an_old_year_range_of_a_measure_stays_a_measure() -> None:
    [figure] = extract_figures("Das Erdöl lagert in 1500 bis 3000 m Tiefe.", "de")
    assert (figure.value, figure.unit, figure.range) == (
        Decimal(1500),
        "m",
        (Decimal(1500), Decimal(3000)),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One fluid ounce is 1/16 of a pint.", [Decimal("0.0625")]),
        ("Add 1⁄32 of a quart and 1/2 pound of flour.", [Decimal("0.03125"), Decimal("0.5")]),
    ],
)
def test_a_share_written_with_a_slash(text: str, expected: list[Decimal]) -> None:
    assert [f.value for f in extract_figures(text, "en")] == expected


@pytest.mark.parametrize("text", ["The shop is open 24/7.", "On 1/2 Jan. the vote was held."])
def test_a_slash_that_is_no_share(text: str) -> None:
    assert extract_figures(text, "en") == []


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("The 65-year-old was sentenced on Monday.", "en", (Decimal(65), "year")),
        ("Her 18 month-old daughter was unharmed.", "en", (Decimal(18), "month")),
        ("Der 45-Jährige wurde verurteilt.", "de", (Decimal(45), "jahr")),
    ],
)
def test_an_age_is_a_span_of_time_when_asked(
    text: str, lang: str, expected: tuple[Decimal, str]
) -> None:
    assert [(f.value, f.unit) for f in extract_figures(text, lang, durations=True)] == [expected]
    assert extract_figures(text, lang) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Five more people died overnight.", [(Decimal(5), "people")]),
        ("With eight more picks the team rebuilt.", [(Decimal(8), "pick")]),
        ("Five more than last year.", []),
    ],
)
def test_more_before_the_counted_noun(text: str, expected: list[tuple[Decimal, str]]) -> None:
    assert [(f.value, f.unit) for f in extract_figures(text, "en")] == expected


def test_minutes_written_min_are_a_span_of_time() -> None:
    text = "Cook it for 3min, then rest it 25 – 40 min."
    assert extract_figures(text, "en") == []
    assert [(f.value, f.unit) for f in extract_figures(text, "en", durations=True)] == [
        (Decimal(3), "min"),
        (Decimal(25), "min"),
    ]


def test_a_span_of_time_lends_its_unit_to_no_other_number() -> None:
    text = "Patients now wait 14 hours, the trust said, as a flu wave filled 30 of its wards."
    assert [(f.value, f.unit) for f in extract_figures(text, "en", durations=True)] == [
        (Decimal(14), "hour"),
        (Decimal(30), ""),
    ]
