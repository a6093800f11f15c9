"""Topic matching: does an article speak about a watched topic?

A watchlist's `match` query has three parts, each a list of terms (a term may be several
words, matched as a phrase): `all` — every group must have a term in the article; `any` —
at least one term; `none` — no term. Words compare case- and inflection-insensitively in
any language (`monitor.words.same_word`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

from monitor.config import MatchQuery, Watchlist
from monitor.records import Article, TopicMatch
from monitor.words import TokenIndex, find_phrase, tokenize


def match_topic(article: Article, watchlist: Watchlist) -> TopicMatch | None:
    """The topic match of `article` against `watchlist`, or None when it does not match."""
    document = f"{article.title}\n{article.text}" if article.title else article.text
    tokens = TokenIndex(tokenize(document))
    found = match_query(tokens, watchlist.match, article.language)
    if found is None:
        return None
    offset = len(article.title) + 1 if article.title else 0
    terms = tuple(dict.fromkeys(term for term, _ in found))
    # Positions are reported in `article.text` coordinates; hits in the title are kept at -1.
    positions = tuple(
        sorted(
            {
                (start - offset, end - offset) if start >= offset else (-1, -1)
                for _, (start, end) in found
            }
        )
    )
    return TopicMatch(topic=watchlist.name, terms=terms, positions=positions)


def match_query(
    tokens: TokenIndex, query: MatchQuery, lang: str | None
) -> list[tuple[str, tuple[int, int]]] | None:
    """Every (term, span) the query found, or None when the query does not hold."""
    if _first_hit(tokens, query.none_of, lang):
        return None
    found: list[tuple[str, tuple[int, int]]] = []
    for group in query.all_of:
        hits = _hits(tokens, group, lang)
        if not hits:
            return None
        found.extend(hits)
    if query.any_of:
        hits = _hits(tokens, query.any_of, lang)
        if not hits:
            return None
        found.extend(hits)
    return found


def _hits(
    tokens: TokenIndex, terms: Iterable[str], lang: str | None
) -> list[tuple[str, tuple[int, int]]]:
    return [(term, span) for term in terms for span in find_phrase(tokens, term, lang)]


def _first_hit(tokens: TokenIndex, terms: Iterable[str], lang: str | None) -> bool:
    return any(find_phrase(tokens, term, lang) for term in terms)
