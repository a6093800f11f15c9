"""The figure scan grows linearly with the text (a script, not a test).

    .venv/bin/python bench/figures_scale.py            # 10 KB, 100 KB, 1 MB per shape
    .venv/bin/python bench/figures_scale.py --langs en de ru zh

Each article is built from bench/data/<lang>.txt (real news prose, typical figure density),
repeated to the size. Three shapes: "article" (paragraphs as written), "run-on" (every stop
and line break removed: one sentence of the whole size) and "dense" (nothing but numbers,
"1 2 3 …": the worst case a hostile feed can send). Printed: ms per KB and figures found
for each size; a scan that is linear shows the same ms/KB at every size. Target: 1 MB of
article text in under 1 s.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(ROOT))

from monitor.figures import extract_figures  # noqa: E402

SIZES_KB = (10, 100, 1024)
STOPS = re.compile(r"[.!?。！？\n]+")


def shapes(base: str) -> dict[str, Callable[[int], str]]:
    """Name -> a function giving a text of that many bytes (about: characters)."""
    run_on = STOPS.sub(" ", base)

    def repeat(unit: str) -> Callable[[int], str]:
        return lambda size: (unit * (size // max(1, len(unit)) + 1))[:size]

    return {
        "article": repeat(base + "\n\n"),
        "run-on": repeat(run_on + " "),
        "dense": repeat("".join(f"{n % 997} ships, " for n in range(1000))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--langs", nargs="+", default=["en", "de", "ru", "zh"])
    args = parser.parse_args()
    print(f"{'lang':<5}{'shape':<9}" + "".join(f"{f'{kb} KB':>24}" for kb in SIZES_KB))
    for lang in args.langs:
        base = (DATA / f"{lang}.txt").read_text("utf-8")
        extract_figures(base, lang)  # word lists and lemmas loaded before the clock
        for name, make in shapes(base).items():
            cells = []
            for kb in SIZES_KB:
                text = make(kb * 1024)
                start = time.perf_counter()
                found = extract_figures(text, lang)
                ms = (time.perf_counter() - start) * 1000
                cells.append(f"{ms / kb:6.2f} ms/KB {len(found):7d} fig")
            print(f"{lang:<5}{name:<9}" + "".join(f"{c:>24}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
