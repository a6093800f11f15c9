"""The figure scan as the pipeline runs it: in a sandbox worker, within a size cap.

    figures, scanned = scan_figures(text, language)     # run_sandboxed(ExtractError, url, …)

An article's text is the stranger's: its size and its shape decide what the scan costs
(measured before issue 11: 76 KB of text took 2 s, 304 KB 30 s). So the pipeline never
scans in its own event loop; a sandbox worker does, under the sandbox's time limit (an
overrun fails that entry, which is then poisoned with the reason), and the text is cut at
MAX_SCAN_CHARS first: news reports hold their figures in the first few thousand words.
"""

from __future__ import annotations

from monitor.figures import extract_figures
from monitor.records import Figure

MAX_SCAN_CHARS = 100_000  # characters scanned per article: a long report is 30,000


def scan_figures(
    text: str, language: str | None, durations: bool = False
) -> tuple[tuple[Figure, ...], int]:
    """The figures in `text` (its first MAX_SCAN_CHARS, cut at a line end); chars scanned.
    Spans of time count with `durations` (a watchlist tracks one)."""
    if len(text) > MAX_SCAN_CHARS:
        cut = text.rfind("\n", 0, MAX_SCAN_CHARS)
        text = text[: cut if cut > MAX_SCAN_CHARS // 2 else MAX_SCAN_CHARS]
    return tuple(extract_figures(text, language, durations=durations)), len(text)
