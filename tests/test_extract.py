"""extract.py on article pages in tests/data/pages/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import ExtractError
from monitor.extract import (
    article_from_entry,
    decode_html,
    detect_language,
    extract_article,
    outlet_from_url,
    page_language,
)
from monitor.records import FeedEntry

DATA = Path(__file__).parent / "data"
PAGES = DATA / "pages"
GERMAN_PAGE = PAGES / "ukrinform-nordkorea-de.html"
GERMAN_URL = (
    "https://www.ukrinform.example/rubric-ato/3914250-nordkorea-verdoppelt-waffenlieferungen.html"
)
UKRAINIAN = "Північна Корея відправила до Росії понад 13 тисяч контейнерів з боєприпасами."
SEED = (DATA / "seed-nordkorea-container-de.txt").read_text(encoding="utf-8").splitlines()


def entry(**fields: object) -> FeedEntry:
    values: dict[str, object] = {
        "id": "e1",
        "link": "https://news.example/a/1",
        "title": "Feed title",
        "published": datetime(2024, 10, 9, 10, 35, tzinfo=UTC),
        "summary": "",
        "content": "",
    }
    values.update(fields)
    return FeedEntry(**values)  # type: ignore[arg-type]


# -- a realistic German news page ----------------------------------------------------


@pytest.fixture(scope="module")
def german_article():
    return extract_article(GERMAN_PAGE.read_bytes(), url=GERMAN_URL, charset="utf-8")


def test_every_seed_paragraph_is_in_the_text(german_article):
    lines = german_article.text.split("\n")
    for paragraph in SEED[1:]:
        assert paragraph in lines


def test_navigation_ads_and_footer_are_not_in_the_text(german_article):
    for boilerplate in (
        "Wirtschaft",  # menu
        "Startseite",  # breadcrumbs
        "Mallorca",  # ad before the article
        "Festgeld",  # ad inside the article
        "Cookies",  # consent banner
        "Lesen Sie auch",  # related links
        "Drohnenangriffe",
        "Newsletter",
        "Alle Rechte vorbehalten",  # footer
        "dataLayer",  # script
    ):
        assert boilerplate not in german_article.text


def test_figures_sentences_survive_intact(german_article):
    assert "Nordkorea hat über 13.000 Container nach Russland geschickt" in german_article.text
    assert "etwa 6.700 Container nach Russland geschickt habe" in german_article.text


def test_german_page_metadata(german_article):
    assert german_article.title == SEED[0]
    assert german_article.published == datetime(2024, 10, 9, 10, 35, tzinfo=UTC)
    assert german_article.language == "de"
    assert german_article.outlet == "Ukrinform"
    assert german_article.url == GERMAN_URL
    assert german_article.source == "page"


def test_page_date_wins_over_entry_date():
    article = extract_article(
        GERMAN_PAGE.read_text(encoding="utf-8"),
        url=GERMAN_URL,
        entry=entry(published=datetime(2024, 10, 10, 8, 0, tzinfo=UTC)),
    )
    assert article.published == datetime(2024, 10, 9, 10, 35, tzinfo=UTC)


def test_page_language_wins_over_feed_language():
    article = extract_article(GERMAN_PAGE.read_bytes(), url=GERMAN_URL, feed_language="en")
    assert article.language == "de"


# -- a plain page: legacy charset, no metadata ---------------------------------------


ENGLISH_PAGE = PAGES / "seoul-review-en-cp1252.html"
ENGLISH_URL = "https://www.seoulreview.example/story/1"


def test_meta_charset_decodes_a_cp1252_page():
    article = extract_article(ENGLISH_PAGE.read_bytes(), url=ENGLISH_URL)
    assert "South Korea’s defence minister" in article.text
    assert "“The factories are running at full capacity,” he said." in article.text
    assert "Home | World" not in article.text


def test_without_site_name_the_outlet_is_the_host():
    article = extract_article(ENGLISH_PAGE.read_bytes(), url=ENGLISH_URL)
    assert article.outlet == "seoulreview.example"
    assert article.title == "Shells and containers: what Seoul says"


def test_detected_language_when_the_page_declares_none():
    article = extract_article(ENGLISH_PAGE.read_bytes(), url=ENGLISH_URL)
    assert article.language == "en"


def test_page_day_with_feed_time_keeps_the_feed_time():
    published = datetime(2024, 2, 27, 1, 21, tzinfo=UTC)
    article = extract_article(
        ENGLISH_PAGE.read_bytes(), url=ENGLISH_URL, entry=entry(published=published)
    )
    assert article.published == published


def test_page_day_alone_is_midnight_utc():
    article = extract_article(ENGLISH_PAGE.read_bytes(), url=ENGLISH_URL)
    assert article.published == datetime(2024, 2, 27, tzinfo=UTC)


def test_entry_title_and_date_when_the_page_has_none():
    html = (
        "<html><body><div>"
        + "".join(f"<p>{line}</p>" for line in SEED[1:4])
        + "</div></body></html>"
    )
    published = datetime(2024, 10, 9, 10, 35, tzinfo=UTC)
    article = extract_article(
        html,
        url="https://ukrinform.example/x",
        entry=entry(title="Aus dem Feed", published=published),
    )
    assert article.title == "Aus dem Feed"
    assert article.published == published
    assert article.outlet == "ukrinform.example"
    assert article.language == "de"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ((PAGES / "cookie-wall.html").read_bytes(), "no article text found"),
        (b"", "no article text found"),
        (b"\x00\x01\x02binary", "no article text found|cannot be read"),
    ],
    ids=["cookie-wall", "empty", "binary"],
)
def test_page_without_text_is_an_extract_error(html, reason):
    with pytest.raises(ExtractError, match=reason) as caught:
        extract_article(html, url="https://news.example/a/1")
    assert caught.value.url == "https://news.example/a/1"


# -- decoding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "charset", "text"),
    [
        ("<p>Grüße</p>".encode("iso-8859-1"), "ISO-8859-1", "<p>Grüße</p>"),
        ("<p>Grüße</p>".encode(), "utf-8", "<p>Grüße</p>"),
        ("<p>Привет</p>".encode("koi8-r"), "koi8-r", "<p>Привет</p>"),
        ('<meta charset="windows-1251"><p>Київ</p>'.encode("cp1251"), None,
         '<meta charset="windows-1251"><p>Київ</p>'),
        ("<p>Grüße</p>".encode(), None, "<p>Grüße</p>"),
        ("<p>Grüße – “x”</p>".encode("cp1252"), None, "<p>Grüße – “x”</p>"),
        (b"\xef\xbb\xbf<p>BOM</p>", "iso-8859-1", "<p>BOM</p>"),
        ("<p>Grüße</p>".encode(), "no-such-codec", "<p>Grüße</p>"),
    ],
    ids=["header-latin1", "header-utf8", "header-koi8r", "meta-cp1251", "sniff-utf8",
         "fallback-cp1252", "bom-wins", "unknown-charset"],
)  # fmt: skip
def test_decode_html(body, charset, text):
    assert decode_html(body, charset) == text


def test_http_charset_decodes_page_bytes():
    html = (
        "<html><body><article>"
        + "".join(f"<p>{line}</p>" for line in SEED[1:4])
        + "</article></body></html>"
    )
    article = extract_article(html.encode("iso-8859-1"), url=GERMAN_URL, charset="iso-8859-1")
    assert "Nordkorea hat über 13.000 Container" in article.text


@pytest.mark.parametrize(
    ("html", "language"),
    [
        ('<html lang="de-DE">', "de"),
        ("<html class='no-js' lang='uk'>", "uk"),
        ('<html><head><meta property="og:locale" content="ko_KR">', "ko"),
        ("<html>", None),
    ],
    ids=["lang-region", "lang-quoted", "og-locale", "none"],
)
def test_page_language(html, language):
    assert page_language(html) == language


@pytest.mark.parametrize(
    ("url", "outlet"),
    [
        ("https://www.ukrinform.example/a", "ukrinform.example"),
        ("https://en.wire.example/view/1", "en.wire.example"),
        ("http://WWW.Example.COM./x", "example.com"),
    ],
)
def test_outlet_from_url(url, outlet):
    assert outlet_from_url(url) == outlet


# -- the feed fallback ---------------------------------------------------------------


def test_article_from_entry_uses_content():
    article = article_from_entry(
        entry(content="\n".join(SEED[1:3]), summary="Kurz."),
        feed_title="Ukrinform – Nachrichten",
        feed_language="de-DE",
    )
    assert article.text == "\n".join(SEED[1:3])
    assert article.source == "feed"
    assert article.title == "Feed title"
    assert article.url == "https://news.example/a/1"
    assert article.outlet == "Ukrinform – Nachrichten"
    assert article.language == "de"
    assert article.published == datetime(2024, 10, 9, 10, 35, tzinfo=UTC)


def test_article_from_entry_falls_back_to_summary_and_detects_language():
    article = article_from_entry(
        entry(link=None, id="urn:x:1", summary=SEED[1]), feed_title="", feed_language=None
    )
    assert article.text == SEED[1]
    assert article.language == "de"
    assert article.url == "urn:x:1"


def test_article_from_entry_outlet_from_link_without_feed_title():
    article = article_from_entry(
        entry(link="https://www.wire.example/view/1", summary="x"),
        feed_title=" ",
        feed_language="ko",
    )
    assert article.outlet == "wire.example"


def test_article_from_empty_entry_is_an_extract_error():
    with pytest.raises(ExtractError, match="carries no text"):
        article_from_entry(entry(), feed_title="t", feed_language="de")


# -- language detection --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (SEED[1], "de"),
        ("North Korea has sent more than 13,000 containers of munitions to Russia, "
         "the ministry said on Wednesday, double the figure given in February.", "en"),
        ("Северная Корея отправила в Россию более 13 тысяч контейнеров с боеприпасами, "
         "сообщило министерство обороны Южной Кореи.", "ru"),
        ("Північна Корея відправила до Росії понад 13 тисяч контейнерів з боєприпасами, "
         "повідомило міністерство оборони Південної Кореї.", "uk"),
        ("북한이 러시아에 컨테이너 1만3천여 개를 보낸 것으로 파악됐다. "
         "포탄 600만 발 분량이다.", "ko"),
        ("北朝鮮はロシアに1万3000個以上のコンテナを送ったと国防省が明らかにした。", "ja"),
        ("朝鲜已向俄罗斯运送了超过一万三千个集装箱，国防部表示。"
         "这些集装箱可能装有数百万枚炮弹。", "zh"),
        ("La Corée du Nord a envoyé plus de 13 000 conteneurs en Russie, selon le ministère "
         "de la Défense, qui parle d'une aide massive.", "fr"),
        ("Korea Północna wysłała do Rosji ponad 13 tysięcy kontenerów z amunicją, "
         "podało ministerstwo, które jest zaniepokojone.", "pl"),
        ("Noord-Korea heeft meer dan 13.000 containers naar Rusland gestuurd, aldus het "
         "ministerie van defensie in een verklaring die op woensdag werd gepubliceerd.", "nl"),
    ],
    ids=["de", "en", "ru", "uk", "ko", "ja", "zh", "fr", "pl", "nl"],
)  # fmt: skip
def test_detect_language(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "hint", "language"),
    [
        ("Some English text that is long enough to be read.", "de-DE", "de"),
        ("Some English text that is long enough to be read.", "EN_us", "en"),
        ("short", "uk", "uk"),
        ("북한이 러시아에 컨테이너 1만3천여 개를 보낸 것으로 파악됐다.", "en", "ko"),
        (UKRAINIAN, "ru", "ru"),
        (UKRAINIAN, "de", "uk"),
        ("Der Text ist deutsch, und es ist nicht viel mehr dazu zu sagen.", "not a tag!", "de"),
    ],
    ids=["region-dropped", "underscore-case", "short-text", "script-overrides-latin-hint",
         "cyrillic-hint-kept", "cyrillic-overrides-latin-hint", "bad-hint-ignored"],
)  # fmt: skip
def test_detect_language_with_hint(text, hint, language):
    assert detect_language(text, hint) == language


@pytest.mark.parametrize(
    "text",
    ["OK", "13.000 / 6.700 — 152 mm", "Kim Jong-un, Wladimir Putin, Pjöngjang, Najin, Yonhap"],
    ids=["too-short", "numbers", "names-only"],
)
def test_detect_language_is_none_when_unsure(text):
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Como se explica que ayer Pedro viajara para Madrid por tren, como siempre, "
         "no se sabe todavía.", "es"),
        ("Como se explica que ontem Pedro viajou para Lisboa por comboio, como sempre, "
         "não se sabe ainda.", "pt"),
    ],
    ids=["es", "pt"],
)  # fmt: skip
def test_function_word_tie_is_broken_by_simplemma(text, language, caplog):
    # Both texts use only function words Spanish and Portuguese share.
    with caplog.at_level("DEBUG", logger="monitor.extract"):
        assert detect_language(text) == language
    assert "language_tie_break" in caplog.text
