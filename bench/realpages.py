"""Benchmark: the figures engine on real news pages judged by hand (tests/data/realpages/).

Prints, per language and overall, value precision/recall (the number is right) and "fully
right" precision/recall (value, counted noun or unit, qualifiers and past/current all right),
then the misses, false reports and partly wrong figures by class. Targets (issue 12): fully
right precision and recall >= 0.92.

With `--trafilatura DIR` (a checkout of adbar/trafilatura; nothing is downloaded) it also times
trafilatura's extraction of the same pages' HTML against the figure scan of the extracted text
and prints the scan's share of extraction time, on the sample and on all pages of
trafilatura's tests/cache/ (target: under 5%).

    .venv/bin/python bench/realpages.py [--trafilatura DIR] [--list]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.figures import extract_figures  # noqa: E402
from tests.test_figures_realpages import REALPAGES, Tally, classes, score_all  # noqa: E402

TARGET = 0.92


def _row(name: str, t: Tally) -> None:
    print(
        f"{name:<5} {t.judged:>6} {t.reported:>8} {t.value_precision:>7.3f} {t.value_recall:>7.3f}"
        f" {t.fully_precision:>7.3f} {t.fully_recall:>7.3f}"
    )


def accuracy(listing: bool) -> None:
    tallies = score_all()
    print(
        f"{'lang':<5} {'judged':>6} {'reported':>8} {'val P':>7} {'val R':>7} {'full P':>7} {'full R':>7}"
    )
    for lang in sorted(k for k in tallies if k != "all"):
        _row(lang, tallies[lang])
    total = tallies["all"]
    _row("all", total)
    print(
        f"target: fully right P and R >= {TARGET} — "
        f"{'met' if min(total.fully_precision, total.fully_recall) >= TARGET else 'not met'}"
    )
    for title, items in (
        ("misses", total.misses),
        ("false reports", total.false_reports),
        ("right value, wrong part", total.partly_wrong),
    ):
        counts = classes(items)
        print(
            f"\n{title}: {sum(counts.values())} — "
            + ", ".join(f"{c} {n}" for c, n in counts.most_common())
        )
        if listing:
            for cls, what in sorted(items):
                print(f"  [{cls}] {what}")


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()  # CPU time: what other processes run counts less
        fn()
        times.append(time.process_time() - start)
    return min(times)


def _first_read(text: str, code: str, runs: Iterator[int]) -> None:
    """The scan of an article the engine has not read before, as the daemon reads each
    article once: one more trailing space per run makes the text new to caches keyed by it."""
    extract_figures(text + " " * next(runs), code)


def share(checkout: Path) -> None:
    """The scan's share of extraction time: against bare `trafilatura.extract` (default
    options) and against monitor's own extract stage (`extract_article`: precision mode,
    metadata, no tables), each on the text that extraction gives."""
    import trafilatura

    from monitor.errors import ExtractError
    from monitor.extract import extract_article
    from monitor.figures.lang import detect_language

    meta = json.loads((REALPAGES / "pages.json").read_text("utf-8"))
    sample = [(checkout / m["source"], m["lang"]) for m in meta]
    cache = [(p, None) for p in sorted((checkout / "tests" / "cache").glob("*.html"))]
    print()
    for name, pages in (("the sample's pages", sample), ("all of tests/cache", cache)):
        traf = scan = kb = stage = stage_scan = 0.0
        count = 0
        for path, lang in pages:
            html = path.read_bytes()
            text = trafilatura.extract(html) or ""
            if not text:
                continue
            code = lang or detect_language(text) or "en"
            extract_figures(text, code)  # warm: word lists and lemmas of this language
            traf += best(partial(trafilatura.extract, html), 3)
            scan += best(partial(_first_read, text, code, itertools.count(1)), 5)
            kb += len(text.encode("utf-8")) / 1024
            count += 1
            url = f"https://{path.stem}/"
            try:
                article = extract_article(html, url=url)
            except ExtractError:
                continue
            stage += best(partial(extract_article, html, url=url), 3)
            stage_scan += best(
                partial(_first_read, article.text, article.language or code, itertools.count(1)), 5
            )
        print(
            f"{name}: {count} pages, {kb:.0f} KB of text; trafilatura {1000 * traf / count:.1f} ms"
            f" per page, figure scan {1000 * scan / count:.2f} ms ({1000 * scan / kb:.2f} ms/KB):"
            f" {100 * scan / traf:.1f}% of extraction time (target < 5%); against monitor's"
            f" extract stage {100 * stage_scan / stage:.1f}%"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trafilatura", type=Path, help="a checkout of adbar/trafilatura")
    parser.add_argument("--list", action="store_true", help="list every miss and false report")
    args = parser.parse_args()
    accuracy(args.list)
    if args.trafilatura:
        share(args.trafilatura)


if __name__ == "__main__":
    main()
