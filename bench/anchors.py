"""What figure anchors cost: choosing the tracked figures of an article with and without anchors.

Prints, per language of `bench/data/<lang>.txt`, the engine's time for the article
(`extract_figures`, for scale) and the time `read_tracked_figures` takes for a watchlist of two
figures without anchors and with `near`/`exclude_near` terms, caches cleared before every run
(a first read of an unseen article).

    .venv/bin/python bench/anchors.py
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from monitor import anchors
from monitor.config import Watchlist
from monitor.figures import extract_figures
from monitor.match import match_topic
from monitor.records import Article
from monitor.track import read_tracked_figures

DATA = Path(__file__).parent / "data"
RUNS = 30
MATCH = {"any": ["the", "a", "der", "die", "le", "la"]}  # every article matches
NOUNS = ["people", "person", "container", "shell", "Menschen", "personne"]
PLAIN = {"rate": {"unit": "percent"}, "people": {"nouns": NOUNS}}
ANCHORED = {
    "rate": {
        "unit": "percent",
        "near": ["rate", "key rate", "Leitzins", "taux"],
        "exclude_near": ["wage", "inflation", "Lohn"],
        "range": [0, 20],
    },
    "people": {"nouns": NOUNS, "near": ["evacuate", "ship", "deliver"], "exclude_near": ["kill"]},
}


def per_article_ms(article: Article, figures: list, watchlist: Watchlist) -> float:
    match = match_topic(article, watchlist)
    assert match is not None
    started = time.perf_counter()
    for _ in range(RUNS):
        for cache in (anchors._occurrences, anchors._tokens, anchors._lemmas):
            cache.cache_clear()
        read_tracked_figures(article, match, figures, watchlist, now=datetime.now(UTC))
    return (time.perf_counter() - started) / RUNS * 1000


def main() -> None:
    plain = Watchlist.model_validate({"name": "plain", "match": MATCH, "figures": PLAIN})
    anchored = Watchlist.model_validate({"name": "anchored", "match": MATCH, "figures": ANCHORED})
    print("lang  chars  figures  extract_figures ms  tracked: plain ms  anchored ms")
    for lang in ("de", "en", "es", "fr", "it", "pt"):
        text = (DATA / f"{lang}.txt").read_text()
        article = Article(
            url="u", title="", text=text, published=None, language=lang, outlet="bench"
        )
        figures = extract_figures(text, lang)
        started = time.perf_counter()
        for run in range(RUNS):
            extract_figures(text + " " * (run + 1), lang)  # a new text: no cached sentences
        engine = (time.perf_counter() - started) / RUNS * 1000
        print(
            f"{lang:<4}  {len(text):>5}  {len(figures):>7}  {engine:>18.2f}  "
            f"{per_article_ms(article, figures, plain):>17.2f}  "
            f"{per_article_ms(article, figures, anchored):>11.2f}"
        )


if __name__ == "__main__":
    main()
