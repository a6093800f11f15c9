"""Turn an article page into an `Article`: the only module that uses trafilatura.

trafilatura finds the main text (navigation, ads, footers and comments dropped), the
title, the date, the site name. It never downloads anything here: fetch.py does HTTP and
hands over the bytes. When a page yields no text, the caller may fall back to the feed's
own text with `article_from_entry`.

Language: the page's `<html lang>` (or `og:locale`), else `detect_language`, which reads
the script (Hangul, kana, Han, Cyrillic, Latin) and then counts common function words.
simplemma's detector is used only to separate two languages the function words cannot
tell apart: its dictionaries cost seconds and hundreds of MB to load (all ten candidate
languages: 12 s and about 1 GB, Polish alone 4.6 s and 430 MB), so the common case must
not need them.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime, time
from urllib.parse import urlsplit

import simplemma
import trafilatura

from monitor.errors import ExtractError
from monitor.records import Article, FeedEntry, clean_text

log = logging.getLogger(__name__)

# Precision over recall: a stray "related articles" line can carry a figure that
# would alert. FAST=True skips trafilatura's fallback extractors (readability, jusText).
# Measured on tests/data/pages: the same text, 4.9 ms either way on the German page,
# 2.6 -> 1.8 ms on the small English one. The fallbacks run only when the main
# extractor's result looks poor, which is where they recover text: not worth ~1 ms.
FAST = False
DATE_OPTIONS = {
    "extensive_search": False,  # only dates the page declares, not any date in its text
    "original_date": True,  # the publication date, not the last update
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}
SNIFF_BYTES = 4096  # a meta charset or html lang sits in the first few KB
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
HTML_LANG = re.compile(
    r"""<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?""", re.I
)
OG_LOCALE = re.compile(
    r"""<meta[^>]+property\s*=\s*["']og:locale["'][^>]+content\s*=\s*["']([A-Za-z]{2,3})""", re.I
)
LANGUAGE_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9-]*)?\s*$")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
MAX_YEAR = 2100  # a later page date is a typo or a placeholder: the feed's date is used
DETECT_SAMPLE_CHARS = 4000  # enough words to decide; detection cost stays flat on long texts
MIN_LETTERS = 20  # fewer letters than this is too little to say anything
MIN_FUNCTION_SHARE = 0.05  # news prose has 20-40% function words; below 5% we are unsure
MIN_FUNCTION_WORDS = 3  # one "un" in a list of names says nothing
CLEAR_LEAD = 1.3  # the best language must score this many times the second one

LATIN_LANGUAGES = ("de", "en", "fr", "es", "it", "pt", "nl", "pl")
CYRILLIC_LANGUAGES = ("ru", "uk")
SCRIPT_LANGUAGES = {"ko": "hangul", "ja": "kana", "zh": "han", "ru": "cyrillic", "uk": "cyrillic"}
FUNCTION_WORDS = {
    language: frozenset(words.split())
    for language, words in {
        "de": "der die das und ist nicht mit den von zu dem des ein eine einen auf für sich im "
        "auch es als wurde hat sind wird dass nach bei aus noch wie über oder sie er",
        "en": "the and of to in is that for it was on with as by are this be from has have at "
        "an which were said not but its their been would will",
        "fr": "le la les et des est une dans que pour pas qui sur au du avec par ce il sont "
        "été ont aux plus leur cette mais elle un",
        "es": "el la los las y que en un una es por con para del se al no lo más su fue como "
        "pero sus ha este esta entre",
        "it": "il la di che e non per un una sono del della con le gli è si al dei nel ha "
        "anche più alla delle ma questo",
        "pt": "o os as que em um uma do da dos das para com não por se é foi ao mais na no "
        "pelo pela como mas seu sua",
        "nl": "de het een en van is dat op te in niet met voor zijn die er aan ook werd "
        "heeft wordt naar bij om dan maar",
        "pl": "i w na z się nie do że to jest o jak po co ale przez od dla są jego był już "
        "oraz który także",
        "ru": "и в не на что с по как это из к у за от о он так но было для же был также "
        "его которые она были",
        "uk": "і в не на що з до як це у за від та й він але було для же також його які "
        "вона були про",
    }.items()
}
UKRAINIAN_LETTERS = frozenset("іїєґ")
RUSSIAN_LETTERS = frozenset("ыэъё")


def extract_article(
    html: str | bytes,
    *,
    url: str,
    entry: FeedEntry | None = None,
    feed_language: str | None = None,
    charset: str | None = None,
) -> Article:
    """The article in a page; ExtractError when the page holds no article text.

    `url` is the page's final URL; `charset` the one from the HTTP Content-Type, if any.
    """
    page = decode_html(html, charset) if isinstance(html, bytes) else html
    try:
        document = trafilatura.bare_extraction(
            page,
            url=url,
            fast=FAST,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            with_metadata=True,
            date_extraction_params=DATE_OPTIONS,
        )
    except (ValueError, TypeError, AttributeError, RecursionError) as e:
        raise ExtractError(url, f"the page cannot be read as HTML ({e})") from e
    text = _clean_text(getattr(document, "text", None) or "")
    if not text:
        raise ExtractError(url, "no article text found")
    title = clean_text(getattr(document, "title", None) or "").strip() or (
        entry.title if entry else ""
    )
    published = _page_date(getattr(document, "date", None), entry.published if entry else None)
    language = detect_language(text, page_language(page) or feed_language)
    sitename = clean_text(getattr(document, "sitename", None) or "").strip()
    return Article(
        url=url,
        title=title,
        text=text,
        published=published,
        language=language,
        outlet=sitename or outlet_from_url(url),
        source="page",
    )


def article_from_entry(entry: FeedEntry, *, feed_title: str, feed_language: str | None) -> Article:
    """The article as the feed itself carries it (content, else summary)."""
    url = entry.link or entry.id
    text = entry.content or entry.summary
    if not text.strip():
        raise ExtractError(url, "the feed entry carries no text")
    return Article(
        url=url,
        title=entry.title,
        text=text,
        published=entry.published,
        language=detect_language(text, feed_language),
        outlet=feed_title.strip() or outlet_from_url(url),
        source="feed",
    )


def outlet_from_url(url: str) -> str:
    """The host of a URL without "www."."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    return host.removeprefix("www.")


# -- decoding ------------------------------------------------------------------------


def decode_html(body: bytes, charset: str | None = None) -> str:
    """Page bytes as text: HTTP charset, else BOM, else meta charset, else UTF-8 or cp1252."""
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    for candidate in (charset, _meta_charset(body)):
        codec = _codec(candidate)
        if codec:
            return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _meta_charset(body: bytes) -> str | None:
    match = META_CHARSET.search(body[:SNIFF_BYTES])
    return match.group(1).decode("ascii") if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    # Browsers read "latin-1" and "ascii" pages as windows-1252; so do their authors.
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def page_language(html: str) -> str | None:
    """The language the page declares (`<html lang>`, else `og:locale`), ISO 639-1."""
    head = html[:SNIFF_BYTES]
    match = HTML_LANG.search(head) or OG_LOCALE.search(head)
    return match.group(1).lower() if match else None


# -- text and dates ------------------------------------------------------------------


def _clean_text(text: str) -> str:
    lines = (" ".join(line.split()) for line in clean_text(text).splitlines())
    return "\n".join(line for line in lines if line)


def _page_date(value: str | None, entry_published: datetime | None) -> datetime | None:
    """The page's date as aware UTC; the entry's when the page gives only the same day."""
    if not value:
        return entry_published
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        log.debug("page_date_unreadable value=%s", value)
        return entry_published
    if when.tzinfo is None:
        same_day = entry_published is not None and entry_published.date() == when.date()
        if same_day and when.time() == time(0):
            return entry_published  # the page knows the day, the feed the hour
        when = when.replace(tzinfo=UTC)
    try:
        when = when.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-12:00 is past datetime.max in UTC
        when = datetime.max.replace(tzinfo=UTC)
    if when.year > MAX_YEAR:
        log.debug("page_date_implausible value=%s", value)
        return entry_published
    return when


# -- language ------------------------------------------------------------------------


def detect_language(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of the text's language: the hint if given, else detected; None if unsure.

    A hint is normalised ("de-DE" -> "de") and wins unless the text's script rules it
    out (a page marked "en" whose text is Hangul is Korean).
    """
    sample = text[:DETECT_SAMPLE_CHARS]
    script = _dominant_script(sample)
    hinted = _normalise_language(hint)
    if hinted and (script in (None, "latin") or SCRIPT_LANGUAGES.get(hinted) == script):
        return hinted
    if script == "hangul":
        return "ko"
    if script == "kana":
        return "ja"
    if script == "han":
        return "zh"
    if script == "cyrillic":
        return _cyrillic_language(sample)
    if script == "latin":
        return _by_function_words(sample, LATIN_LANGUAGES)
    return hinted


def _normalise_language(tag: str | None) -> str | None:
    match = LANGUAGE_TAG.match(tag or "")
    return match.group(1).lower() if match else None


def _dominant_script(text: str) -> str | None:
    counts: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            counts[_script(char)] += 1
    letters = sum(counts.values())
    if letters < MIN_LETTERS:
        return None
    if counts["kana"] > letters * 0.05:
        return "kana"  # Japanese mixes kana with Han; any real share of kana decides
    script, count = max(counts.items(), key=lambda item: item[1])
    return script if count >= letters * 0.5 else None


def _script(char: str) -> str:
    code = ord(char)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3040 <= code <= 0x30FF:
        return "kana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
        return "han"
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if code < 0x0250 or unicodedata.name(char, "").startswith("LATIN"):
        return "latin"
    return "other"


def _cyrillic_language(sample: str) -> str | None:
    letters = Counter(
        char for char in sample.lower() if char in UKRAINIAN_LETTERS | RUSSIAN_LETTERS
    )
    ukrainian = sum(letters[c] for c in UKRAINIAN_LETTERS)
    russian = sum(letters[c] for c in RUSSIAN_LETTERS)
    if ukrainian > russian * 3 and ukrainian >= 2:
        return "uk"
    if russian > ukrainian * 3 and russian >= 2:
        return "ru"
    return _by_function_words(sample, CYRILLIC_LANGUAGES)


def _by_function_words(sample: str, languages: tuple[str, ...]) -> str | None:
    words = [word.lower() for word in WORD.findall(sample)]
    if not words:
        return None
    scores = {lang: sum(word in FUNCTION_WORDS[lang] for word in words) for lang in languages}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, best_score), (second, second_score) = ranked[0], ranked[1]
    if best_score < max(MIN_FUNCTION_WORDS, len(words) * MIN_FUNCTION_SHARE):
        return None
    if best_score >= second_score * CLEAR_LEAD:
        return best
    return _tie_break(sample, (best, second))


def _tie_break(sample: str, languages: tuple[str, str]) -> str | None:
    """simplemma's dictionary-based detector, for two languages the counts cannot split."""
    ranked = simplemma.langdetect(sample, lang=languages, low_memory=True)  # no dicts held
    language, share = ranked[0]
    if language == "unk" or share < 0.5 or (len(ranked) > 1 and ranked[1][1] == share):
        return None
    log.debug("language_tie_break candidates=%s chose=%s share=%.2f", languages, language, share)
    return language
