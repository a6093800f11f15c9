"""Benchmark and accuracy of the figures engine (a script, not a test).

    .venv/bin/python bench/figures.py               # throughput and share of trafilatura
    .venv/bin/python bench/figures.py --heldout     # scores on the held-out set too
    .venv/bin/python bench/figures.py --accuracy    # scores on the table cases too
    .venv/bin/python bench/figures.py --engine DIR  # time another checkout's monitor/ (before/after)

Throughput: bench/data/<lang>.txt holds one news article per language (1-3.5 KB, a title line
then paragraphs, typical figure density). Each is wrapped in a news page with the chrome real
sites carry (head with meta and JSON-LD, analytics scripts, navigation, teasers, sidebar, cookie
banner, footer: ~100 KB of HTML). trafilatura extracts each page; the engine reads the extracted
text. Target: the engine costs under 5% of trafilatura's extraction time on the same articles.
"Cold" is the first call in a fresh process for a language (word lists compiled, the lemma
dictionary of that language loaded): paid once per language per process, not per article.
"New nouns" is the first read of the article in a process already warm for its language: what
a daemon pays for an article whose nouns it has not seen (the warm columns hide lemma lookups
behind their cache).
"""

from __future__ import annotations

import argparse
import html
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
ROOT_TESTS = ROOT / "tests"
REPEAT = 5  # timing runs; the best counts
ROUNDS = 20  # engine calls per timing run (one article is too quick to time alone)


def load_articles() -> dict[str, tuple[str, list[str]]]:
    """lang -> (title, paragraphs) of bench/data/<lang>.txt."""
    articles = {}
    for path in sorted(DATA.glob("*.txt")):
        title, *paragraphs = [line for line in path.read_text("utf-8").splitlines() if line]
        articles[path.stem] = (title, paragraphs)
    return articles


def as_page(lang: str, title: str, paragraphs: list[str]) -> str:
    """A news page around the article, with the chrome a real news site carries."""
    esc = html.escape
    words = " ".join(paragraphs).split()
    teaser = [" ".join(words[i : i + 12]) for i in range(0, min(len(words), 600), 12)]
    head = (
        f"<meta charset='utf-8'><title>{esc(title)} | Example News</title>"
        + "".join(f"<meta property='og:{k}' content='{esc(title)}'>" for k in ("title", "desc"))
        + "".join(f"<link rel='preload' href='/static/font{i}.woff2' as='font'>" for i in range(8))
        + "<script type='application/ld+json'>"
        + '{"@context":"https://schema.org","@type":"NewsArticle","headline":"'
        + esc(title)
        + '","author":{"@type":"Person","name":"Staff"},"datePublished":"2024-10-09T08:00:00Z"}'
        + "</script>"
        + "<script>"
        + "".join(
            f"window.dataLayer=window.dataLayer||[];dataLayer.push({{e:'v{i}'}});"
            for i in range(300)
        )
        + "</script><style>"
        + "".join(f".c{i}{{margin:{i}px;padding:0;font:14px/1.4 sans-serif}}" for i in range(400))
        + "</style>"
    )
    menu = "".join(
        f"<li><a href='/section/{i}'>{esc(teaser[i % len(teaser)][:24])}</a>"
        f"<ul>{''.join(f'<li><a href=/s/{i}/{j}>Topic {i}.{j}</a></li>' for j in range(6))}</ul></li>"
        for i in range(24)
    )
    teasers = "".join(
        f"<div class='teaser'><a href='/story/{i}'><img src='/img/{i}.jpg' alt=''>"
        f"<h3>{esc(teaser[i % len(teaser)])}</h3></a><p>{esc(teaser[(i + 3) % len(teaser)])}</p>"
        f"<span class='meta'>2024-10-0{i % 9 + 1}</span></div>"
        for i in range(30)
    )
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    footer = "".join(f"<li><a href='/about/{i}'>Link {i}</a></li>" for i in range(80))
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head>{head}</head><body>"
        f"<div class='cookie'><p>We use cookies to improve your experience.</p>"
        f"<button>Accept</button></div><header><nav><ul>{menu}</ul></nav></header>"
        f"<main><article><h1>{esc(title)}</h1><p class='byline'>By Staff, 9 October 2024</p>"
        f"{body}<div class='share'><a href='#'>Share</a><a href='#'>Print</a></div></article>"
        f"<aside><h2>Most read</h2>{teasers}</aside></main>"
        f"<section class='related'>{teasers}</section>"
        f"<footer><ul>{footer}</ul><p>© Example News 2024</p></footer>"
        "<script src='/static/app.js'></script></body></html>"
    )


def best_time(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def cold_ms(lang: str, text_path: Path) -> tuple[float, float]:
    """In a fresh process: the first call for a language (ms), and the first read of this
    article once the language is warm (other text read first; the article's nouns unseen)."""
    warm = ROOT_TESTS / "data" / "figures" / "heldout" / f"{lang}.txt"
    code = (
        "import time;from pathlib import Path;"
        "from monitor.figures import extract_figures;"
        f"t=Path({str(text_path)!r}).read_text();w=Path({str(warm)!r}).read_text();"
        f"s=time.perf_counter();extract_figures(w,{lang!r});a=time.perf_counter()-s;"
        f"s=time.perf_counter();extract_figures(t,{lang!r});b=time.perf_counter()-s;"
        "print(a*1000,b*1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    first, fresh = out.stdout.split()
    return float(first), float(fresh)


def throughput() -> None:
    import trafilatura

    from monitor.figures import extract_figures

    print(
        f"{'lang':<5} {'text KB':>7} {'page KB':>7} {'figures':>7} {'engine KB/s':>11} "
        f"{'engine ms':>9} {'trafil. ms':>10} {'share':>6} {'cold ms':>8} {'new nouns ms':>12}"
    )
    totals = [0.0, 0.0, 0.0]
    tmp = Path("/tmp/bench-figures")
    tmp.mkdir(exist_ok=True)
    for lang, (title, paragraphs) in load_articles().items():
        page = as_page(lang, title, paragraphs)
        text = trafilatura.extract(page) or ""
        (tmp / f"{lang}.txt").write_text(text, "utf-8")
        cold, fresh = cold_ms(lang, tmp / f"{lang}.txt")
        count = len(extract_figures(text, lang))
        kb = len(text.encode("utf-8")) / 1024
        engine = best_time(
            lambda text=text, lang=lang: [extract_figures(text, lang) for _ in range(ROUNDS)]
        )
        engine /= ROUNDS
        traf = best_time(lambda page=page: trafilatura.extract(page), repeat=3)
        totals[0] += engine
        totals[1] += traf
        totals[2] += kb
        print(
            f"{lang:<5} {kb:>7.1f} {len(page) / 1024:>7.0f} {count:>7} {kb / engine:>11.0f} "
            f"{1000 * engine:>9.2f} {1000 * traf:>10.1f} {100 * engine / traf:>5.1f}% {cold:>8.0f}"
            f" {fresh:>12.1f}"
        )
    engine, traf, kb = totals
    print(
        f"all: {kb / engine:.0f} KB/s; the engine costs {100 * engine / traf:.1f}% of "
        f"trafilatura's extraction time on the same pages"
    )


def heldout() -> None:
    """Precision/recall per language on tests/data/figures/heldout (frozen, held out)."""
    from tests.test_figures_heldout import HELDOUT_LANGUAGES, Score, score_language

    print(
        f"\nheld-out set\n{'lang':<5} {'cases':>5} {'P':>6} {'R':>6} {'F1':>6} {'qualif.':>8} "
        f"{'past/cur':>9} {'non-figures reported':>21}"
    )
    total = Score()
    for lang in HELDOUT_LANGUAGES:
        s = score_language(lang)
        total.add(s)
        _row(lang, s)
    _row("all", total)


def _row(name: str, s: object) -> None:
    from tests.test_figures_heldout import Score

    assert isinstance(s, Score)
    print(
        f"{name:<5} {s.cases:>5} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f} "
        f"{s.qualifier_accuracy:>8.3f} {s.time_accuracy:>9.3f} "
        f"{s.not_figures_reported:>9}/{s.not_figures:<4} ({100 * s.not_figure_rate:.1f}%)"
    )


def accuracy() -> None:
    """Precision/recall on the table cases of tests/data/figures (tuned on: not independent)."""
    from decimal import Decimal

    from monitor.figures import extract_figures
    from tests.test_figures_lang import LANGUAGES, load_cases, observed

    print(f"\ntable cases (the engine was tuned on these)\n{'lang':<5} {'cases':>5} {'F1':>6}")
    for lang in LANGUAGES:
        tp = fp = fn = 0
        cases = load_cases(lang)
        for _, text, expected in cases:
            pending = [(Decimal(e.value), e.unit) for e in expected]
            for g in map(observed, extract_figures(text, lang)):
                key = (Decimal(g.value), g.unit)
                if key in pending:
                    pending.remove(key)
                    tp += 1
                else:
                    fp += 1
            fn += len(pending)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
        print(f"{lang:<5} {len(cases):>5} {f1:>6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--heldout", action="store_true", help="score the held-out set")
    parser.add_argument("--accuracy", action="store_true", help="score the table cases")
    parser.add_argument("--engine", type=Path, help="a directory holding another monitor/")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.engine:
        sys.path.insert(0, str(args.engine.resolve()))
    globals()["ROOT"] = args.engine.resolve() if args.engine else ROOT
    import monitor.figures

    print(f"engine: {Path(monitor.figures.__file__).parent}")
    throughput()
    if args.heldout:
        heldout()
    if args.accuracy:
        accuracy()


if __name__ == "__main__":
    main()
