"""Topic matching: all/any/none groups, case- and inflection-insensitive, in any language."""

from __future__ import annotations

import pytest

from monitor.config import Watchlist
from monitor.match import match_topic
from monitor.records import Article
from monitor.words import same_word

WATCHLIST = Watchlist.model_validate(
    {
        "name": "NK arms",
        "match": {
            "all": [
                ["Nordkorea", "North Korea", "Pjöngjang", "북한", "КНДР", "Північна Корея"],
                ["Russland", "Russia", "Moskau", "러시아", "Россия", "Росія"],
            ],
            "none": ["Hamburger Hafen"],
        },
        "figures": {"containers": {"nouns": ["Container"]}},
    }
)


def article(text: str, title: str = "", lang: str | None = None) -> Article:
    return Article(
        url="https://example.org/a",
        title=title,
        text=text,
        published=None,
        language=lang,
        outlet="x",
    )


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Nordkoreas Lieferungen an Russland nehmen zu.", "de"),
        ("Waffen aus Pjöngjang für Russlands Armee.", "de"),
        ("North Korea shipped containers to Russia.", "en"),
        ("NORTH KOREAN arms reach RUSSIAN ports.", "en"),
        ("북한은 러시아에 컨테이너를 보냈다.", "ko"),
        ("КНДР отправила в Россию контейнеры.", "ru"),
        ("Північної Кореї постачання до Росії зросли.", "uk"),
    ],
    ids=[
        "de-genitive",
        "de-genitive-2",
        "en",
        "en-adjective-caps",
        "ko-particles",
        "ru-case",
        "uk-case",
    ],
)
def test_matches_inflected_terms_in_any_language(text: str, lang: str) -> None:
    found = match_topic(article(text, lang=lang), WATCHLIST)
    assert found is not None
    assert found.topic == "NK arms"
    assert len(found.terms) >= 2


@pytest.mark.parametrize(
    "text",
    [
        "Nordkorea testet eine Rakete.",  # one group only
        "Russland und China verhandeln.",
        "Nordkorea liefert über den Hamburger Hafen nach Russland.",  # a `none` term
        "Nordkoreanische Köche lieben Russischen Zupfkuchen.",  # compounds are other words
    ],
    ids=["only-north-korea", "only-russia", "none-term", "unrelated-compounds"],
)
def test_does_not_match(text: str) -> None:
    assert match_topic(article(text, lang="de"), WATCHLIST) is None


def test_title_counts_and_positions_point_into_the_text() -> None:
    text = "Die Lieferungen nach Russland haben sich verdoppelt."
    found = match_topic(article(text, title="Nordkorea: neue Zahlen", lang="de"), WATCHLIST)
    assert found is not None
    spans = [span for span in found.positions if span[0] >= 0]
    assert [text[s:e] for s, e in spans] == ["Russland"]


@pytest.mark.parametrize(
    ("token", "term", "same"),
    [
        ("Containern", "Container", True),
        ("контейнеров", "контейнер", True),
        ("shells", "shell", True),
        ("shelter", "shell", False),
        ("roundtable", "round", False),
        ("Кореї", "Корея", True),
        ("북한군", "북한", True),
    ],
    ids=str,
)
def test_same_word(token: str, term: str, same: bool) -> None:
    assert same_word(token, term) is same
