"""Property tests: babel formats a number in a locale (num2words spells it), we read it back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st
from num2words import num2words

from monitor.figures import extract_figures

# locale -> (engine language, sentence with {n} where the number stands, expected unit)
SENTENCES = {
    "de_DE": ("de", "Es wurden {n} Container gezählt.", "container"),
    "de_CH": ("de-CH", "Es wurden {n} Container gezählt.", "container"),
    "de_AT": ("de", "Es wurden {n} Container gezählt.", "container"),
    "en_US": ("en", "Officials counted {n} containers.", "container"),
    "en_GB": ("en", "Officials counted {n} containers.", "container"),
    "fr_FR": ("fr", "On a compté {n} conteneurs.", "conteneur"),
    "fr_CH": ("fr-CH", "On a compté {n} conteneurs.", "conteneur"),
    "es_ES": ("es", "Se contaron {n} contenedores.", "contenedor"),
    "es_MX": ("es-MX", "Se contaron {n} contenedores.", "contenedor"),
    "it_IT": ("it", "Sono stati contati {n} container.", "container"),
    "pt_BR": ("pt", "Foram contados {n} contêineres.", "contêiner"),
    "pt_PT": ("pt", "Foram contados {n} contentores.", "contentor"),
    "nl_NL": ("nl", "Er werden {n} containers geteld.", "container"),
    "pl_PL": ("pl", "Naliczono {n} kontenerów.", "kontener"),
    "ru_RU": ("ru", "Было насчитано {n} контейнеров.", "контейнер"),
    "uk_UA": ("uk", "Було нараховано {n} контейнерів.", "контейнер"),
    "ko_KR": ("ko", "컨테이너 {n}개가 운송됐다.", "컨테이너"),
    "ja_JP": ("ja", "コンテナ{n}個が運ばれた。", "コンテナ"),
    "zh_CN": ("zh", "共运送{n}个集装箱。", "集装箱"),
}
SPELLED = {
    "de": "Es wurden {n} Container gezählt.",
    "en": "Officials counted {n} containers.",
    "fr": "On a compté {n} conteneurs.",
    "es": "Se contaron {n} contenedores.",
    "it": "Sono stati contati {n} container.",
    "pt": "Foram contados {n} contêineres.",
    "nl": "Er werden {n} containers geteld.",
    "pl": "Naliczono {n} kontenerów.",
    "ru": "Было насчитано {n} контейнеров.",
    "uk": "Було нараховано {n} контейнерів.",
    "ja": "コンテナ{n}個が運ばれた。",
}
INTEGERS = st.integers(min_value=2, max_value=10**11)
DECIMALS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**7), places=2)


def read_back(sentence: str, lang: str) -> list[tuple[Decimal, str]]:
    return [(f.value, f.unit) for f in extract_figures(sentence, lang)]


@pytest.mark.parametrize("locale", sorted(SENTENCES))
@settings(max_examples=40, deadline=None)
@given(number=INTEGERS)
def test_babel_integers_read_back(locale: str, number: int) -> None:
    lang, template, unit = SENTENCES[locale]
    sentence = template.format(n=format_decimal(number, locale=locale))
    assert read_back(sentence, lang) == [(Decimal(number), unit)]


@pytest.mark.parametrize("locale", sorted(SENTENCES))
@settings(max_examples=40, deadline=None)
@given(number=DECIMALS)
def test_babel_decimals_read_back(locale: str, number: Decimal) -> None:
    lang, template, unit = SENTENCES[locale]
    sentence = template.format(n=format_decimal(number, locale=locale))
    assert read_back(sentence, lang) == [(number.normalize(), unit)]


@pytest.mark.parametrize("lang", sorted(SPELLED))
@settings(max_examples=40, deadline=None)
@given(number=st.integers(min_value=2, max_value=999_999_999))
def test_num2words_read_back(lang: str, number: int) -> None:
    if lang == "ja" and number < 11:
        number += 11  # a lone kanji digit is too ambiguous to read as a figure
    words = num2words(number, lang=lang)
    sentence = SPELLED[lang].format(n=words)
    assert [value for value, _ in read_back(sentence, lang)] == [Decimal(number)]


@pytest.mark.parametrize(
    ("locale", "number"),
    [("de_DE", 1500), ("en_US", 1500), ("fr_FR", 13000), ("uk_UA", 13000), ("de_CH", 13000)],
    ids=["de", "en", "fr-narrow-nbsp", "uk-nbsp", "de-ch-apostrophe"],
)
def test_babel_separators_examples(locale: str, number: int) -> None:
    lang, template, unit = SENTENCES[locale]
    sentence = template.format(n=format_decimal(number, locale=locale))
    assert read_back(sentence, lang) == [(Decimal(number), unit)]
