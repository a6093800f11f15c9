"""Sentence-level passes over the drafts: past or current, dates, relations, elided nouns.

A figure is past when a cue right at it says so ("up from", "noch", "contre", "에서"), when
its sentence reports an earlier state ("damals", "previously", "hatte … mitgeteilt") and
its own clause does not say "now", or when a date in its clause points back ("im Februar",
"last year", "у січні", "지난 2월", a year before the latest year the text names). A date
after "seit", "since" or "as of" dates a current value instead.
"""

from __future__ import annotations

import re

from monitor.figures.engine import Draft
from monitor.figures.nouns import find_noun_after
from monitor.figures.patterns import Patterns
from monitor.figures.sentences import Sentences, clause_bounds

KO_NUMBER_OF = re.compile(r"([가-힣]{2,})\s*(?:수|규모|숫자)(?:가|는|도)?\s")
PREPOSITION = re.compile(r"(\b[^\W\d_]{1,5}\s+)$")
SINCE_WINDOW = 25  # characters before a date searched for "seit", "since", "as of"
SHORT_CLAUSE = 4  # words: a clause this short holding a date is an adverbial for the next


def settle(
    text: str,
    drafts: list[Draft],
    years: list[tuple[int, int, int]],
    sentences: Sentences,
    p: Patterns,
) -> None:
    """Fill in time, date, relation and elided units of `drafts` (in place)."""
    by_sentence: dict[int, list[Draft]] = {}
    for d in drafts:
        by_sentence.setdefault(sentences.index(d.num_start), []).append(d)
    latest_year = max((y for _, _, y in years), default=None)
    for index, group in by_sentence.items():
        span = sentences.spans[index]
        _sentence_cues(text, span, group, p)
        _dates(text, span, group, years=years, latest_year=latest_year, p=p)
        _relations(text, span, group, p)
    _elided(text, drafts, sentences, p)


def _sentence_cues(text: str, span: tuple[int, int], group: list[Draft], p: Patterns) -> None:
    start, end = span
    cue = (p.past_words is not None and p.past_words.search(text, start, end)) or (
        p.past_pattern is not None and p.past_pattern.search(text, start, end)
    )
    if not cue:
        return
    for d in group:
        if d.current:
            continue
        lo, hi = clause_bounds(text, span, d.num_start)
        if p.current_words is not None and p.current_words.search(text, lo, hi):
            continue
        d.past = True


def _dates(
    text: str,
    span: tuple[int, int],
    group: list[Draft],
    *,
    years: list[tuple[int, int, int]],
    latest_year: int | None,
    p: Patterns,
) -> None:
    start, end = span
    found: list[tuple[int, int, int | None]] = []
    if p.dates is not None:
        for m in p.dates.finditer(text, start, end):
            if (
                p.lang.code == "en"
                and not m.group()[:1].isupper()
                and m.group().lower() in (p.months)
            ):
                continue  # "may", "march" as words
            found.append((m.start(), m.end(), None))
    found.extend((s, e, y) for s, e, y in years if start <= s < end)
    taken: set[int] = set()
    for s, e, year in sorted(found):
        if any(d.num_start <= s < d.end for d in group):
            continue
        lo, hi = clause_bounds(text, span, s)
        near = [d for d in group if lo <= d.num_start < hi]
        if not near and len(text[lo:hi].split()) <= SHORT_CLAUSE:
            # "L'an dernier, 4 000 drones …": a date standing alone dates the next clause
            near = [d for d in group if d.num_start >= hi][:1]
        if not near:
            continue
        d = min(near, key=lambda d: min(abs(d.num_start - e), abs(s - d.end)))
        window = text[max(lo, s - SINCE_WINDOW) : s]
        words = window.split()
        while words and words[-1].lower().rstrip(".,") in p.months | {"mid", "mitte", "de"}:
            words.pop()  # "since August 2023": the cue stands before the month
        bare = " ".join(words) + " " if words else ""
        cue = p.left.last(bare)
        since = cue is not None and "since" in cue[1]
        if id(d) not in taken:
            prep = PREPOSITION.search(window)
            d.date = text[s - len(prep.group(1)) if prep else s : e].strip()
            taken.add(id(d))
        dlo, dhi = clause_bounds(text, span, d.num_start)
        now = p.current_words is not None and p.current_words.search(text, dlo, dhi)
        if since or d.current or now:
            continue
        if year is not None and (latest_year is None or year >= latest_year):
            continue
        d.past = True


def _relations(text: str, span: tuple[int, int], group: list[Draft], p: Patterns) -> None:
    if p.relations is None:
        return
    for m in p.relations.finditer(text, *span):
        word = re.sub(r"\s+", " ", m.group().lower())
        relation = next((v for k, v in p.relation_table.items() if word.startswith(k)), None)
        if relation is None:
            continue
        current = [d for d in group if not d.past] or group
        d = min(current, key=lambda d: min(abs(d.num_start - m.end()), abs(m.start() - d.end)))
        d.relation = relation


def _elided(text: str, drafts: list[Draft], sentences: Sentences, p: Patterns) -> None:
    cjk = p.lang.noun_style in ("ko", "ja", "zh")
    for i, d in enumerate(drafts):
        if d.unit or d.measured:
            continue
        here = sentences.index(d.num_start)
        for prev in reversed(drafts[:i]):
            if sentences.index(prev.num_start) < here - 1:
                break
            if prev.unit and not prev.measured and (not cjk or prev.counter == d.counter):
                d.unit = prev.unit
                break
        if not d.unit and p.number_of is not None and not cjk:
            lo = sentences.spans[max(0, here - 1)][0]
            named = None
            for match in p.number_of.finditer(text, lo, d.num_start):
                named = match  # the last "number of …" before the figure
            if named is not None:
                found = find_noun_after(text, named.end(), p)
                if found is not None:
                    d.unit = found[0]
        if not d.unit and cjk:
            named_ko = KO_NUMBER_OF.search(text, sentences.spans[here][0], d.num_start)
            if named_ko and p.lang.code == "ko":
                d.unit = named_ko.group(1)  # "컨테이너 수가 … 1만3천 개"
        if not d.unit and d.counter:
            d.unit = d.counter
