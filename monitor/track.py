"""Which figure mentions in an article count for which tracked figure.

A mention counts for a tracked figure when its counted noun matches one of the figure's
`nouns` (any language, any inflection) and its unit the figure's `unit`, in an article that
matches the topic: the article decides, since news often names the topic only by pronoun in
the sentence with the number. Anchors narrow it down: `min`/`max`, `near` and
`exclude_near` terms in the mention's sentence (`choose_figures`). When an article gives
several current values for one figure, a number in digits beats a vague word ("Tausende",
"hundreds"), then the nearest `near` term, then the nearest topic term (an article may
cover several subjects). `choose_figures` keeps every reason, for `--explain`. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from monitor.anchors import nearest_term
from monitor.config import TrackedFigure, Watchlist
from monitor.records import (
    Article,
    CandidateVerdict,
    Figure,
    FigureCandidate,
    FigureChoice,
    FigureReading,
    Observation,
    TopicMatch,
)
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
# How a current mention ranks for a tracked figure, smallest first: vague word, nearness of
# its nearest `near` term (clause marks, words), distance to a topic term, position.
Rank = tuple[bool, tuple[int, int], int, int]


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
    for choice in choose_figures(article, topic, figures, watchlist):
        key = choice.figure
        weighed = [c for c in choice.candidates if c.verdict != "unit"]
        if not weighed:
            continue
        best = choice.winner
        past: dict[object, Observation] = {}
        for candidate in choice.candidates:
            if candidate.verdict == "past":
                past.setdefault(
                    candidate.figure.value,
                    _observe(
                        candidate.figure,
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
                unit=watchlist.figures[key].measure,
            )
        )
    return readings


def choose_figures(
    article: Article, topic: TopicMatch, figures: Sequence[Figure], watchlist: Watchlist
) -> list[FigureChoice]:
    """For each tracked figure, every mention weighed for it and why it won or lost.

    A mention is weighed when its unit fits (`unit`, `nouns`); it loses when its value is
    outside `min`/`max`, when no `near` term stands in its sentence, or when an
    `exclude_near` term — or a `near` term of another figure of the watchlist — stands
    nearer to it than its nearest `near` term (`monitor.anchors` defines nearness). Of the
    current mentions left, the winner is the first by: a number in digits over a vague word,
    the nearer `near` term, the nearer topic term, the earlier position. Past mentions that
    pass fill the history.
    """
    return [
        _choose(article, topic, figures, watchlist, key=key, tracked=tracked)
        for key, tracked in watchlist.figures.items()
    ]


def _choose(
    article: Article,
    topic: TopicMatch,
    figures: Sequence[Figure],
    watchlist: Watchlist,
    *,
    key: str,
    tracked: TrackedFigure,
) -> FigureChoice:
    lang = article.language
    rivals = [
        (other, term)
        for other, rival in watchlist.figures.items()
        if other != key
        for term in rival.near
    ]
    verdicts: list[tuple[Figure, CandidateVerdict, str, list[str]]] = []
    ranked: list[tuple[Rank, int]] = []
    for figure in figures:
        fits = _unit_fits(figure, tracked, lang)
        if fits is None:
            wanted = " or ".join(filter(None, [tracked.unit, *tracked.nouns]))
            verdicts.append((figure, "unit", f"unit {figure.unit or '-'!r}, not {wanted}", []))
            continue
        facts = [fits]
        lost = _anchors_lost(article.text, figure, tracked, rivals=rivals, lang=lang, facts=facts)
        if lost:
            verdicts.append((figure, "lost", lost, facts))
            continue
        if figure.time == "past":
            facts.append("cited as an earlier value")
            verdicts.append((figure, "past", "an earlier value: history, not compared", facts))
            continue
        near = nearest_term(article.text, figure, tracked.near, lang)
        vague = _vague(figure)
        if vague:
            facts.append("a vague word, not a number in digits")
        if figure.approx and not vague:
            facts.append("approximate")
        if figure.bound:
            facts.append("at least" if figure.bound == "min" else "at most")
        distance = _distance(figure, topic)
        facts.append(
            f"{distance} characters from the topic term"
            if distance < 1_000_000
            else "no topic term in the text"
        )
        rank = (vague, near.rank if near else (0, 0), distance, figure.span[0])
        ranked.append((rank, len(verdicts)))
        verdicts.append((figure, "lost", "", facts))
    if ranked:
        best_rank, best_index = min(ranked)
        winner = verdicts[best_index]
        verdicts[best_index] = (winner[0], "won", _won(sorted(r for r, _ in ranked)), winner[3])
        for loser_rank, index in ranked:
            if index != best_index:
                figure, _, _, facts = verdicts[index]
                why = _lost_to(loser_rank, best_rank, winner[0])
                verdicts[index] = (figure, "lost", why, facts)
    return FigureChoice(
        topic=watchlist.name,
        figure=key,
        anchors=describe_anchors(tracked),
        candidates=tuple(
            FigureCandidate(figure=figure, verdict=verdict, why=why, facts=tuple(facts))
            for figure, verdict, why, facts in verdicts
        ),
    )


def describe_anchors(tracked: TrackedFigure) -> str:
    """What a tracked figure asks of a mention, as the watchlist says it."""
    parts = []
    if tracked.unit:
        parts.append(f"unit {tracked.unit}")
    if tracked.nouns:
        parts.append(f"nouns {', '.join(tracked.nouns)}")
    if tracked.near:
        parts.append(f"near {', '.join(tracked.near)}")
    if tracked.exclude_near:
        parts.append(f"exclude_near {', '.join(tracked.exclude_near)}")
    low, high = tracked.bounds
    if low is not None or high is not None:
        parts.append(f"range {_bounds(tracked)}")
    return "; ".join(parts)


def _unit_fits(figure: Figure, tracked: TrackedFigure, lang: str | None) -> str | None:
    # What made the unit fit, or None when it does not.
    found = []
    if tracked.unit is not None:
        if figure.unit != tracked.unit and not unit_matches(figure.unit, (tracked.unit,), lang):
            return None
        found.append(f"unit {figure.unit}")
    if tracked.nouns:
        noun = next((n for n in tracked.nouns if unit_matches(figure.unit, (n,), lang)), None)
        if noun is None:
            return None
        found.append(f"noun {figure.unit!r} is {noun!r}")
    return ", ".join(found)


def _anchors_lost(
    text: str,
    figure: Figure,
    tracked: TrackedFigure,
    *,
    rivals: Sequence[tuple[str, str]],
    lang: str | None,
    facts: list[str],
) -> str:
    # The reason the mention loses on its own (range, near, exclude_near), else "".
    low, high = tracked.bounds
    if (low is not None and figure.value < low) or (high is not None and figure.value > high):
        return f"{figure.value} is outside the range {_bounds(tracked)}"
    if low is not None or high is not None:
        facts.append(f"within the range {_bounds(tracked)}")
    near = nearest_term(text, figure, tracked.near, lang)
    if tracked.near:
        if near is None:
            return "no near term in its sentence"
        facts.append(f"near {near.describe()}")
    excluded = nearest_term(text, figure, tracked.exclude_near, lang)
    rival = None
    for other, term in rivals:
        found = nearest_term(text, figure, (term,), lang)
        if found and (rival is None or found.rank < rival[1].rank):
            rival = (other, found)
    if excluded:
        facts.append(f"exclude_near {excluded.describe()}")
    if rival:
        facts.append(f"{rival[1].describe()}, a near term of {rival[0]!r}")
    if excluded and (near is None or excluded.rank < near.rank):
        return (
            f"exclude_near {excluded.describe()} is nearer than {near.describe()}"
            if near
            else f"exclude_near {excluded.describe()} in its sentence"
        )
    if rival and (near is None or rival[1].rank < near.rank):
        return f"{rival[1].describe()}, a near term of {rival[0]!r}, is nearer"
    return ""


# What tells two ranked mentions apart, by the first part of their Rank that differs.
WON_BECAUSE = (
    "a number in digits, the next one a vague word",
    "its near term is the nearest",
    "the nearest to the topic's terms",
    "as near as the next one, and earlier in the text",
)
LOST_BECAUSE = (
    "a vague word loses to a number in digits",
    "its near term is farther",
    "farther from the topic's terms",
    "as near, and later in the text",
)


def _won(ranks: Sequence[Rank]) -> str:
    if len(ranks) == 1:
        return "the only current mention that passes"
    because = WON_BECAUSE[_decided_by(ranks[0], ranks[1])]
    return f"first of {len(ranks)} current mentions that pass: {because}"


def _lost_to(rank: Rank, best: Rank, winner: Figure) -> str:
    part = _decided_by(rank, best)
    why = f"lost to {winner.text!r}: {LOST_BECAUSE[part]}"
    return f"{why} ({rank[2]} against {best[2]} characters)" if part == 2 else why


def _decided_by(rank: Rank, other: Rank) -> int:
    return next((part for part in range(3) if rank[part] != other[part]), 3)


def _bounds(tracked: TrackedFigure) -> str:
    low, high = tracked.bounds
    return f"{'' if low is None else low}..{'' if high is None else high}"


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
