"""Benchmark and accuracy of the figures engine (a script, not a test).

    .venv/bin/python bench/figures.py              # throughput and share of trafilatura
    .venv/bin/python bench/figures.py --accuracy   # precision/recall per language too

Throughput: for every language, article-length texts (~5 KB) are built from the sentences
of tests/data/figures/<lang>.txt (denser in numbers than real news, so a pessimistic
load) interleaved with plain prose, wrapped as simple HTML pages. trafilatura extracts
each page; the engine reads the extracted text. Target: the engine costs under 5% of
trafilatura's extraction time on the same articles.
"""

from __future__ import annotations

import argparse
import html
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from monitor.figures import extract_figures  # noqa: E402
from tests.test_figures_lang import LANGUAGES, Expected, load_cases, observed  # noqa: E402

ARTICLE_CHARS = 5000
ARTICLES = 8  # per language
REPEAT = 3  # timing runs; the best counts


def build_articles(lang: str) -> list[str]:
    """Article-length texts made of the language's case sentences."""
    sentences = [text for _, text, _ in load_cases(lang)]
    articles = []
    k = 0
    for _ in range(ARTICLES):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < ARTICLE_CHARS:
            parts.append(sentences[k % len(sentences)])
            k += 1
        articles.append(" ".join(parts))
    return articles


def as_html(text: str, n: int, *, chrome: bool) -> str:
    """A news page around `text` (paragraphs of ~3 sentences); `chrome` adds the menus,
    teasers, scripts and footer that real news pages carry around the article."""
    words = text.split(". ")
    paragraphs = [". ".join(words[i : i + 3]) for i in range(0, len(words), 3)]
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    extra = head = ""
    if chrome:
        links = "".join(f"<li><a href='/section/{i}'>Section {i}</a></li>" for i in range(60))
        teasers = "".join(
            f"<div class='teaser'><a href='/story/{i}'><h3>Related story {i}</h3></a>"
            f"<p>Short teaser text for another story number {i}.</p></div>"
            for i in range(25)
        )
        head = "<script>" + "var a=1;" * 400 + "</script><style>" + ".c{x:y}" * 300 + "</style>"
        extra = f"<aside>{teasers}</aside><footer><ul>{links}</ul>© Example News</footer>"
        body = f"<nav><ul>{links}</ul></nav><main><article><h1>Article {n}</h1>{body}</article>"
        return f"<html><head><title>Article {n}</title>{head}</head><body>{body}{extra}</main></body></html>"
    return (
        f"<html><head><title>Article {n}</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>Article {n}</h1>{body}</article>"
        f"<footer>© Example News</footer></body></html>"
    )


def best_time(fn, repeat: int = REPEAT) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def throughput() -> None:
    print(
        f"{'lang':<5} {'KB':>5} {'figures':>7} {'engine KB/s':>11} {'ms/article':>10} "
        f"{'trafil. ms':>10} {'share':>6} {'page+chrome ms':>14} {'share':>6}"
    )
    totals = [0.0, 0.0, 0.0]
    for lang in LANGUAGES:
        articles = build_articles(lang)
        bare = [as_html(t, i, chrome=False) for i, t in enumerate(articles)]
        full = [as_html(t, i, chrome=True) for i, t in enumerate(articles)]
        texts = [trafilatura.extract(p) or "" for p in bare]
        extract_figures(texts[0], lang)  # warm-up: word lists compiled, lemmas loaded
        size_kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
        count = sum(len(extract_figures(t, lang)) for t in texts)
        engine = best_time(lambda texts=texts, lang=lang: [extract_figures(t, lang) for t in texts])
        traf = best_time(lambda pages=bare: [trafilatura.extract(p) for p in pages])
        traf_full = best_time(lambda pages=full: [trafilatura.extract(p) for p in pages])
        for i, v in enumerate((engine, traf, traf_full)):
            totals[i] += v
        n = len(texts)
        print(
            f"{lang:<5} {size_kb:>5.0f} {count:>7} {size_kb / engine:>11.0f} "
            f"{1000 * engine / n:>10.2f} {1000 * traf / n:>10.2f} {100 * engine / traf:>5.0f}% "
            f"{1000 * traf_full / n:>14.2f} {100 * engine / traf_full:>5.0f}%"
        )
    engine, traf, traf_full = totals
    print(
        f"all: engine costs {100 * engine / traf:.0f}% of trafilatura on bare pages, "
        f"{100 * engine / traf_full:.0f}% on pages with site chrome"
    )


def accuracy() -> None:
    """Precision/recall of (value, unit) per language on the test cases; qualifier scores."""
    print(
        f"\n{'lang':<5} {'cases':>5} {'P':>6} {'R':>6} {'F1':>6} {'qualif.':>8} "
        f"{'past/cur':>9} {'traps':>6}"
    )
    totals = [0, 0, 0, 0, 0, 0, 0, 0, 0]
    for lang in LANGUAGES:
        tp = fp = fn = qual_ok = time_ok = traps = trap_hits = 0
        cases = load_cases(lang)
        for _, text, expected in cases:
            got = [observed(f) for f in extract_figures(text, lang)]
            if not expected:
                traps += 1
                trap_hits += bool(got)
            pending: list[Expected] = list(expected)
            for g in got:
                match = next((e for e in pending if _same(e, g)), None)
                if match is None:
                    fp += 1
                    continue
                pending.remove(match)
                tp += 1
                qual_ok += (g.approx, g.bound, g.range) == (match.approx, match.bound, match.range)
                time_ok += g.time == match.time
            fn += len(pending)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(
            f"{lang:<5} {len(cases):>5} {p:>6.3f} {r:>6.3f} {f1:>6.3f} "
            f"{qual_ok / max(tp, 1):>8.3f} {time_ok / max(tp, 1):>9.3f} "
            f"{trap_hits}/{traps:>3}"
        )
        for i, v in enumerate((tp, fp, fn, qual_ok, time_ok, traps, trap_hits, len(cases), 0)):
            totals[i] += v
    tp, fp, fn, qual_ok, time_ok, traps, trap_hits, n, _ = totals
    p, r = tp / (tp + fp), tp / (tp + fn)
    print(
        f"{'all':<5} {n:>5} {p:>6.3f} {r:>6.3f} {2 * p * r / (p + r):>6.3f} "
        f"{qual_ok / tp:>8.3f} {time_ok / tp:>9.3f} {trap_hits}/{traps:>3}"
    )


def _same(e: Expected, g: Expected) -> bool:
    return Decimal(e.value) == Decimal(g.value) and e.unit == g.unit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accuracy", action="store_true", help="also score the test cases")
    args = parser.parse_args()
    throughput()
    if args.accuracy:
        accuracy()


if __name__ == "__main__":
    main()
