"""Which figure mentions in an article count for which tracked figure.

A mention counts for a tracked figure when its counted noun matches one of the figure's
`nouns` (any language, any inflection) in an article that matches the topic: the article
decides, since news often names the topic only by pronoun in the sentence with the number.
When an article gives several current values for one figure, the one nearest the topic's
terms wins (an article may cover several subjects), and a number in digits beats a vague
word ("Tausende", "hundreds"). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from monitor.config import Watchlist
from monitor.records import Article, Figure, FigureReading, Observation, TopicMatch
from monitor.words import fold, same_word

MIN_COMPOUND = (
    5  # "Artilleriegeschoss" counts for the noun "Geschoss", "ss" would count for nothing
)
# Month names as papers write them when they date an earlier value ("im Februar", "in
# February", "у лютому", "в феврале", "2월"): a prefix of each month, per language.
MONTH_PREFIXES = (
    ("jan", "jän", "janv", "январ", "січ", "styczn"),
    ("feb", "févr", "феврал", "лют", "lut"),
    ("mar", "mär", "mars", "март", "берез", "marz"),
    ("apr", "avr", "апрел", "квіт", "kwie"),
    ("may", "mai", "мая", "май", "трав", "maj"),
    ("jun", "juin", "июн", "черв", "czerw"),
    ("jul", "juil", "июл", "лип", "lip"),
    ("aug", "août", "август", "серп", "sierp"),
    ("sep", "сентя", "верес", "wrze"),
    ("oct", "okt", "октя", "жовт", "paźdz"),
    ("nov", "ноя", "листоп", "listop"),
    ("dec", "dez", "déc", "декаб", "груд", "grud"),
)
YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
KOREAN_MONTH = re.compile(r"(\d{1,2})\s*월")
WORD = re.compile(r"\w+", re.UNICODE)


def read_tracked_figures(
    article: Article,
    topic: TopicMatch,
    figures: Sequence[Figure],
    watchlist: Watchlist,
    *,
    now: datetime,
) -> list[FigureReading]:
    """One reading per tracked figure the article mentions."""
    readings: list[FigureReading] = []
    published = article.published or now
    for key, tracked in watchlist.figures.items():
        mentions = [f for f in figures if unit_matches(f.unit, tracked.nouns, article.language)]
        if not mentions:
            continue
        current = [f for f in mentions if f.time == "current"]
        best = (
            min(current, key=lambda f: (_vague(f), _distance(f, topic), f.span[0]))
            if current
            else None
        )
        past: dict[object, Observation] = {}
        for mention in mentions:
            if mention.time == "past":
                past.setdefault(
                    mention.value,
                    _observe(
                        mention,
                        article=article,
                        watchlist=watchlist,
                        key=key,
                        published=published,
                        now=now,
                    ),
                )
        readings.append(
            FigureReading(
                topic=watchlist.name,
                figure=key,
                current=_observe(
                    best,
                    article=article,
                    watchlist=watchlist,
                    key=key,
                    published=published,
                    now=now,
                )
                if best
                else None,
                past=tuple(past.values()),
            )
        )
    return readings


def unit_matches(unit: str, nouns: Sequence[str], lang: str | None) -> bool:
    """True when the counted noun `unit` is one of `nouns`, inflected or compounded."""
    if not unit:
        return False
    for noun in nouns:
        if same_word(unit, noun, lang):
            return True
        folded = fold(noun)
        if len(folded) >= MIN_COMPOUND and unit.endswith(folded):
            return True
    return False


def resolve_date(text: str | None, published: datetime) -> datetime | None:
    """The first day of the month a text like "im Februar" or "in February 2024" names.

    Without a year the month is the latest one not after `published` (an article of
    October citing "February" means this year's; one of January citing "December", last
    year's). None when the text names no month.
    """
    if not text:
        return None
    month = _month_of(text)
    if month is None:
        return None
    year_match = YEAR.search(text)
    if year_match:
        year = int(year_match.group(1))
    else:
        year = published.year if month <= published.month else published.year - 1
    return datetime(year, month, 1, tzinfo=UTC)


def _month_of(text: str) -> int | None:
    korean = KOREAN_MONTH.search(text)
    if korean and 1 <= int(korean.group(1)) <= 12:
        return int(korean.group(1))
    for word in WORD.findall(text.casefold()):
        for index, prefixes in enumerate(MONTH_PREFIXES, start=1):
            if len(word) >= 3 and any(word.startswith(prefix) for prefix in prefixes):
                return index
    return None


def _vague(figure: Figure) -> bool:
    # "Tausende Container", "hundreds of shells": a figure written without a digit and
    # approximate says "many"; any figure in digits is the better reading.
    return figure.approx and not any(ch.isdigit() for ch in figure.text)


def _distance(figure: Figure, topic: TopicMatch) -> int:
    start, end = figure.span
    distances = [max(s - end, start - e, 0) for s, e in topic.positions if s >= 0]
    return min(distances, default=1_000_000)


def _observe(
    figure: Figure,
    *,
    article: Article,
    watchlist: Watchlist,
    key: str,
    published: datetime,
    now: datetime,
) -> Observation:
    return Observation(
        topic=watchlist.name,
        figure=key,
        value=figure.value,
        approx=figure.approx,
        bound=figure.bound,
        time=figure.time,
        article_url=article.url,
        article_title=article.title,
        outlet=article.outlet,
        published=published,
        sentence=figure.sentence or figure.text,
        observed_at=now,
        low=figure.range[0] if figure.range else None,
        high=figure.range[1] if figure.range else None,
        as_of=resolve_date(figure.date, published) if figure.time == "past" else None,
    )
