"""The figures engine: the numbers an article reports, with their counted nouns.

`extract_figures(text, lang)` (alias `find_figures`) returns every `Figure` of a text in
text order: the value (exact `Decimal`), the counted noun or unit as a lower-case lemma,
qualifiers (approx, min/max bound, range), whether the text cites the value as an earlier
one (`time="past"`), the date it attaches, and any multiple it states ("doubled").

How it works, module by module:

- `lang/` — one data module per language: magnitude words, number words, qualifiers,
  time cues, id words, noun rules. Adding a language is adding a file.
- `patterns` — a language's lists compiled into regexes once per process.
- `numerals` — digits with locale separators, CJK numerals, spelled numbers.
- `exclusions` — years, dates, times, calibres, model names, ids: not figures.
- `nouns` — the counted noun after (or, in CJK, before) the number, lemmatised.
- `engine` — the single scan that assembles drafts; `timing` — sentence-level passes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from monitor.figures.engine import Draft, minus_start, scan_text
from monitor.figures.lang import decimal_of, detect_language, normalise_code, time_unit_words
from monitor.figures.patterns import compile_language
from monitor.figures.sentences import number_lines, split_sentences
from monitor.figures.timing import settle
from monitor.records import Figure

__all__ = ["extract_figures", "figure_to_dict", "find_figures"]

FALLBACK_LANGUAGE = "en"  # word lists used when a text's language cannot be told


def extract_figures(text: str, lang: str | None = None, *, durations: bool = False) -> list[Figure]:
    """Every figure `text` reports, in text order.

    `lang` is an ISO 639-1 code ("de"), optionally with a region ("es-MX", "de-CH": their
    decimal point differs); None (or an unknown code) detects the language from the text.
    Spans of time ("19 years in prison", "a wait of 14 hours") are figures only with
    `durations=True`, counted in their unit of time ("year", "hour"); a span that dates
    something ("three years ago", "vor drei Jahren") never is.
    """
    if not text:
        return []
    code = normalise_code(lang) or detect_language(text)
    p = compile_language(code or FALLBACK_LANGUAGE)
    decimal = decimal_of(lang, p.lang.decimal, text) if code else None
    found = scan_text(text, p, decimal, durations=durations)
    # only the lines that hold figures (and the line before each) are split and read
    lines = number_lines(text, [d.num_start for d in found.drafts])
    sentences = split_sentences(text, p.months, p.lang.ordinal_dot, lines)
    settle(text, found.drafts, found.years, sentences, p, lines=lines)
    return [_figure(text, d, sentences.span(d.num_start)) for d in found.drafts]


find_figures = extract_figures


def is_time_unit(word: str) -> bool:
    """Whether `word` is a unit of time in a supported language ("years", "Stunden", "дней")."""
    return word.strip().lower() in time_unit_words()


def _figure(text: str, d: Draft, sentence: tuple[int, int]) -> Figure:
    # "-3,5 Prozent", "−5 Grad": a minus sign belongs to the figure; a negative count is
    # nonsense that the compare stage holds back instead of alerting.
    minus = minus_start(text, d.num_start) if d.kind == "num" else None
    negative = minus is not None
    start = min(d.start, minus) if minus is not None else d.start
    return Figure(
        value=-d.value if negative else d.value,
        unit=d.unit,
        approx=d.approx,
        bound="min" if d.bound == "min" else "max" if d.bound == "max" else None,
        range=d.range,
        time="past" if d.past and not d.current else "current",
        span=(start, d.end),
        text=text[start : d.end],
        unit_span=d.unit_span,
        sentence=text[sentence[0] : sentence[1]],
        sentence_span=sentence,
        date=d.date,
        relation=d.relation,
    )


def figure_to_dict(figure: Figure) -> dict[str, Any]:
    """A JSON-ready view of a figure (Decimals as strings, spans as lists)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        return value

    return {name: plain(getattr(figure, name)) for name in Figure.__dataclass_fields__}
