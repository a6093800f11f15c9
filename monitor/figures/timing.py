"""Sentence-level passes over the drafts: past or current, dates, relations, elided nouns.

A figure is past when a cue right at it says so ("up from", "noch", "contre", "에서"), when
its sentence reports an earlier state ("damals", "previously", "hatte … mitgeteilt") and
its own clause does not say "now", or when a date in its clause points back ("im Februar",
"last year", "у січні", "지난 2월", a year before the latest year the text names). A date
after "seit", "since" or "as of" dates a current value instead.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Any

from monitor.figures.engine import Draft
from monitor.figures.nouns import find_noun_after, lemmatize
from monitor.figures.patterns import Patterns
from monitor.figures.sentences import Lines, Sentences, clause_bounds

KO_NUMBER_OF = re.compile(r"([가-힣]{2,})\s*(?:수|규모|숫자)(?:가|는|도)?\s")
MONTH_DIGITS = re.compile(r"\d{1,2}(?=\s*[월月])")
WORD_AFTER = re.compile(r"\s+(\w+)\s+([^\W\d_]{3,})")
PREPOSITION = re.compile(r"(\b[^\W\d_]{1,5}\s+)$")
SINCE_WINDOW = 25  # characters before a date searched for "seit", "since", "as of"
NOW_REACH = 25  # characters before a newer value searched for "now", "тепер", "agora"
MONTH_PREFIXES = frozenset(["mid", "mitte", "de"])  # "since mid-August 2023", "de agosto"
_Span = tuple[Any, ...]  # (start, end, ...) of a phrase found once per text
BESIDE = 30  # characters: "5,3 %, algo por debajo del 6,7% de marzo" compares the two
OLDER_YEARS = 10**6  # moves a year older than the text's latest below every month and year
RIGHT_AFTER = re.compile(r"[\s\u00a0%]*(?:[^\W\d_]{1,4}[\s\u00a0]+){0,2}")
SHORT_CLAUSE = 5  # words: a clause this short holding a date is an adverbial for the next


def settle(
    text: str,
    drafts: list[Draft],
    years: list[tuple[int, int, int]],
    sentences: Sentences,
    p: Patterns,
    *,
    lines: Lines | None = None,
) -> None:
    """Fill in time, date, relation and elided units of `drafts` (in place); `lines`: the
    stretches of `text` that hold them (see `number_lines`), else the whole text.

    `years` holds the years the scan set aside; a year of 0 marks an "ago" phrase
    ("vor zwei Jahren", "il y a deux ans", "два года назад"), which always points back.
    """
    _elided(text, drafts, sentences, p, lines or ((0, len(text)),))
    by_sentence: dict[int, list[Draft]] = {}
    for d in drafts:
        by_sentence.setdefault(sentences.index(d.num_start), []).append(d)
    latest_year = max((y for _, _, y in years if y), default=None)
    for index, group in by_sentence.items():
        span = sentences.spans[index]
        _sentence_cues(text, span, group, p)
        _dates(text, span, group, years=years, latest_year=latest_year, p=p)
        _relations(text, span, group, p)
    _fronted_months(drafts, sentences)
    for d in drafts:
        if d.delta:
            d.past = False  # "rose by $43.6 billion to …": the size of the change, not a level


def _sentence_cues(text: str, span: tuple[int, int], group: list[Draft], p: Patterns) -> None:
    start, end = span
    cue = (p.past_words is not None and p.past_words.search(text, start, end)) or (
        p.past_pattern is not None and p.past_pattern.search(text, start, end)
    )
    if not cue:
        return
    before = [d for d in group if d.end <= cue.start()]
    if (
        before
        and _after_time_word(text, cue.start(), p)
        and not text[before[-1].end : cue.start()].count(",")
    ):
        # "… wobec 540 tys. miesiąc wcześniej": "a month earlier" dates the figure right
        # before it, not the sentence
        before[-1].past = before[-1].past or not before[-1].current
        return
    # The cue reaches back to earlier clauses only when no figure follows it: "Damals
    # hatte er mitgeteilt, dass … 6.700" vs "2022 wurden 738.819 geboren, zwölf Jahre
    # zuvor waren es 677.947".
    cue_clause = clause_bounds(text, span, cue.start())[0]
    later = [d for d in group if d.num_start >= cue_clause]
    for d in later or group:
        if d.current:
            continue
        lo, hi = clause_bounds(text, span, d.num_start)
        if _says_now(text, lo, hi, p):
            continue
        ends = [e.end for e in group if e.end <= d.num_start]
        if ends and _says_now(text, max(ends), d.num_start, p):
            continue  # "Раніше … у 3 млн, тепер — у 5 млн": "now" between the two figures
        d.past = True


TIME_WORD_BEFORE = re.compile(r"([^\W\d_]+)\s+$")


def _after_time_word(text: str, pos: int, p: Patterns) -> bool:
    """Whether a unit of time stands right before `pos` ("miesiąc wcześniej", "a year
    earlier", "ein Jahr zuvor")."""
    m = TIME_WORD_BEFORE.search(text, max(0, pos - 20), pos)
    return m is not None and m.group(1).lower() in p.durations


def _dates(
    text: str,
    span: tuple[int, int],
    group: list[Draft],
    *,
    years: list[tuple[int, int, int]],
    latest_year: int | None,
    p: Patterns,
) -> None:
    """Date the figures of a sentence and decide which dates make them past.

    A date alone says when a value held, not that it is an earlier one ("sold 232 million
    last year", "im Oktober 38.512 Neuzulassungen"): it makes a figure past only when the
    same sentence sets a newer value of the same unit beside it (undated, or dated later).
    An "ago" phrase and a year before the latest year the text names point back on their own.
    """
    start, end = span
    found: list[tuple[int, int, int | None]] = []
    for ms, me in _find_dates(text, start, end, p):
        date = text[ms:me]
        if p.lang.code == "en" and not date[:1].isupper() and date.lower() in p.months:
            continue  # "may", "march" as words
        written = " ".join(date.lower().split())
        fronted = len(text[start:ms].split()) <= 1
        # "last year", "im Vorjahr" and a month that opens the sentence ("Im Februar waren
        # es 6.700", "У січні … 16 тисяч") cite an earlier state; a month inside the
        # sentence only says when ("meldete im Oktober 38.512")
        strong = written in p.past_dates
        if strong and _compared(text, ms, me, p):
            continue  # "15% more than a year earlier": the basis of a change, no value
        found.append((ms, me, 0 if strong else FRONTED if fronted else None))
    found.extend((s, e, y) for s, e, y in years if start <= s < end)
    taken: set[int] = set()
    dated: dict[int, tuple[float, bool]] = {}  # id(draft) -> (order of its date, strong)
    latest: set[int] = set()  # drafts dated by the latest year the text names
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
        d = _dated_figure(text, near, s, e)
        window = text[max(lo, s - SINCE_WINDOW) : s]
        words = window.split()
        while words and ((w := words[-1].lower().rstrip(".,")) in p.months or w in MONTH_PREFIXES):
            words.pop()  # "since August 2023": the cue stands before the month
        bare = " ".join(words) + " " if words else ""
        cue = p.left.last(bare)
        since = cue is not None and "since" in cue[1]
        if id(d) not in taken:
            prep = PREPOSITION.search(window)
            d.date = text[s - len(prep.group(1)) if prep else s : e].strip()
            taken.add(id(d))
        dlo, dhi = clause_bounds(text, span, d.num_start)
        now = _says_now(text, dlo, dhi, p)
        if since or d.current or now:
            continue
        if year == 0:
            d.past = True
            dated[id(d)] = (float("-inf"), True)
            continue
        if year == FRONTED:
            d.fronted = _month_order(text[s:e], p)
        known = year if year is not None and year > 0 else None
        if known is not None and latest_year is not None and known < latest_year:
            # older than another year of the text: past beside a newer value, and two older
            # years keep their order ("de 23,1 % en 2018 à 10 % en 2019", the text in 2020)
            order = float(known * 12 + 12 - OLDER_YEARS)
        else:
            order = float(known * 12 + 12) if known else _month_order(text[s:e], p)
            if known:
                latest.add(id(d))
        if id(d) not in dated or order > dated[id(d)][0]:
            dated[id(d)] = (order, False)
    for d in group:
        entry = dated.get(id(d))
        if entry is None or entry[1]:
            continue
        for other in group:
            if other is d or other.past or not _same_unit(d, other):
                continue
            if id(d) in latest:
                # the latest year may be this one or a coming one ("1,1% nel 2025"): only a
                # value the text says holds now is newer ("У 2021 році … 200 млрд, тепер — 180")
                olo, ohi = clause_bounds(text, span, other.num_start)
                olo = max(span[0], min(olo, other.num_start - NOW_REACH))  # "тепер — 180 млрд"
                if not _says_now(text, olo, ohi, p):
                    continue
                d.past = True
                break
            if (
                id(other) not in dated
                and other.num_start < d.num_start
                and d.start - other.end > BESIDE
            ):
                continue  # an undated value well before it is no newer one of the same thing
            if id(other) not in dated or dated[id(other)][0] > entry[0]:
                d.past = True  # NaN (a month not told) compares as neither later nor earlier
                break


def _dated_figure(text: str, near: list[Draft], s: int, e: int) -> Draft:
    """The figure a date dates: the one it follows with at most a preposition between ("23,1 %
    en 2018 à 10 % en 2019": 2018 dates 23,1 %), else the nearest."""
    for d in near:
        if d.end <= s and RIGHT_AFTER.fullmatch(text, d.end, s):
            return d
    return min(near, key=lambda d: min(abs(d.num_start - e), abs(s - d.end)))


def _find_dates(text: str, start: int, end: int, p: Patterns) -> list[tuple[int, int]]:
    """The spans of the date phrases in text[start:end]."""
    if p.dates is None:
        return []
    if p.dates_after_gap is None or start == 0:
        return [m.span() for m in p.dates.finditer(text, start, end)]
    # led by the non-word character before the phrase: from the character before `start`
    return [m.span("date") for m in p.dates_after_gap.finditer(text, start - 1, end)]


def _says_now(text: str, start: int, end: int, p: Patterns) -> bool:
    """Whether text[start:end] says "now", "jetzt", "тепер"."""
    words = p.current_words
    return words is not None and bool(words.search(text, start, end))


def _compared(text: str, start: int, end: int, p: Patterns) -> bool:
    if p.versus is not None and p.versus.search(text, max(0, start - 25), start):
        return True
    return p.versus_after is not None and p.versus_after.search(text, end, end + 4) is not None


FRONTED = -1  # a month that opens its sentence ("Im Februar waren es 6.700")


def _fronted_months(drafts: list[Draft], sentences: Sentences) -> None:
    """A value under a month that opens its sentence is an earlier one when the text gives a
    newer value of its unit in another sentence: undated, or under a later month ("13.000
    Container … Im Februar waren es 6.700"). Alone ("Im November stiegen die Exporte auf
    500 Tonnen"), it is the month's current value."""
    for d in drafts:
        if d.fronted is None or d.past or d.current:
            continue
        here = sentences.index(d.num_start)
        for other in drafts:
            if other is d or other.past or sentences.index(other.num_start) == here:
                continue
            if not (d.unit and other.unit == d.unit):
                continue
            if other.fronted is None or other.fronted > d.fronted:
                d.past = True
                break


def _same_unit(a: Draft, b: Draft) -> bool:
    return not a.unit or not b.unit or a.unit == b.unit


def _month_order(written: str, p: Patterns) -> float:
    """The month a date names (1-12), NaN when it names none or several."""
    digits = MONTH_DIGITS.search(written)
    if digits:
        return float(digits.group())
    best, month = 2, None
    for word in re.findall(r"[^\W\d_]+", written.lower()):
        for name, number in p.month_numbers.items():
            n = 0
            while n < min(len(word), len(name)) and word[n] == name[n]:
                n += 1
            if n > best:
                best, month = n, number
    return float(month) if month is not None else float("nan")


def _relations(text: str, span: tuple[int, int], group: list[Draft], p: Patterns) -> None:
    if p.relations is None:
        return
    for m in p.relations.finditer(text, *span):
        word = " ".join(m.group().lower().split())
        relation = next((v for k, v in p.relation_table.items() if word.startswith(k)), None)
        if relation is None:
            continue
        current = [d for d in group if not d.past] or group
        d = min(current, key=lambda d: min(abs(d.num_start - m.end()), abs(m.start() - d.end)))
        d.relation = relation


def _elided(
    text: str, drafts: list[Draft], sentences: Sentences, p: Patterns, lines: Lines
) -> None:
    # One pass: the drafts that may lend their noun are remembered as the scan goes, so a
    # sentence of thousands of numbers costs no more per number than a short one.
    cjk = p.lang.noun_style in ("ko", "ja", "zh")
    named: dict[str | None, tuple[Draft, int]] = {}  # the last noun (per counter in CJK)
    shared: tuple[Draft, int] | None = None  # the last scaled currency amount
    finds = _Finds(text, p, lines)
    for i, d in enumerate(drafts):
        here = sentences.index(d.num_start)
        if not (d.unit or d.measured):
            _elide(text, d, drafts[i + 1] if i + 1 < len(drafts) else None, p)
            if not d.unit:
                lender = named.get(d.counter if cjk else None)
                if (
                    lender is not None
                    and lender[1] >= here - 1
                    and not _other_cell(text, lender[0], d)
                ):
                    d.unit = lender[0].unit
            if not d.unit and d.scaled and shared is not None and shared[1] == here:
                d.unit, d.measured = shared[0].unit, True  # "50,5 milliards d'euros, contre 47,2"
            if not d.unit:
                d.unit = finds.noun(d, here, sentences, cjk=cjk)
        if d.unit and not d.measured:
            named[d.counter if cjk else None] = (d, here)
        if d.measured and d.scaled and d.unit not in NO_SHARE:
            shared = (d, here)


CELL_REACH = 2000  # characters between a lender and a figure searched for a table cell bar


def _other_cell(text: str, lender: Draft, d: Draft) -> bool:
    """Whether a table cell bar ("| 370 € | ja | 1,7 |") stands between the two: a grade in
    one column counts nothing of the price or the model name in another."""
    return text.find("|", lender.end, min(d.start, lender.end + CELL_REACH)) >= 0


def _elide(text: str, d: Draft, nxt: Draft | None, p: Patterns) -> None:
    if nxt is not None and nxt.unit and not nxt.measured and p.lang.noun_style not in CJK:
        gap = text[d.end : nxt.start].split()
        if len(gap) == 1 and len(gap[0]) <= 5 and gap[0].isalpha():
            d.unit = nxt.unit  # "23 von 28 Drohnen", "400 of the 600 troops"


CJK = frozenset(["ko", "ja", "zh"])


class _Finds:
    """The phrases that name an elided noun, found once per text and looked up by position."""

    def __init__(self, text: str, p: Patterns, lines: Lines) -> None:
        self.text, self.p, self.lines = text, p, lines
        self._number_of: list[tuple[int, int]] | None = None
        self._ko: list[tuple[int, int, str]] | None = None
        self._subjects: list[tuple[int, int, str]] | None = None

    def noun(self, d: Draft, here: int, sentences: Sentences, *, cjk: bool) -> str:
        text, p = self.text, self.p
        unit = ""
        if p.number_of is not None and not cjk:
            if self._number_of is None:
                self._number_of = [
                    m.span() for lo, hi in self.lines for m in p.number_of.finditer(text, lo, hi)
                ]
            lo = sentences.spans[max(0, here - 1)][0]
            last = _last_before(self._number_of, lo, d.num_start)
            if last is not None:
                found = find_noun_after(text, last[1], p)
                if found is not None:
                    unit = found[0]  # the last "number of …" before the figure
        if not unit and cjk and p.lang.code == "ko":
            if self._ko is None:
                self._ko = [
                    (m.start(), m.end(), m.group(1))
                    for lo, hi in self.lines
                    for m in KO_NUMBER_OF.finditer(text, lo, hi)
                ]
            first = _first_after(self._ko, sentences.spans[here][0], d.num_start)
            if first is not None:
                unit = first[2]  # "컨테이너 수가 … 1만3천 개"
        if not unit and p.subject_articles and not d.measured:
            unit = self._subject_noun(d, sentences.spans[here][0])
        if not unit and d.counter:
            unit = d.counter
        return unit

    def _subject_noun(self, d: Draft, sentence_start: int) -> str:
        """The plural subject that a noun-less figure counts: "sono circa 6.000 i soldati",
        "i disoccupati sono scesi a 1,56 milioni" (languages that mark it with an article)."""
        text, p = self.text, self.p
        after = WORD_AFTER.match(text, d.end)
        if after and after.group(1).lower() in p.subject_articles:
            word = after.group(2)
            if word.lower() not in p.stopwords:
                return lemmatize(word, p.lang.code)
        if self._subjects is None:
            assert p.article_noun is not None  # languages with subject articles have one
            self._subjects = [
                (m.start(), m.end(2), m.group(2))
                for lo, hi in self.lines
                for m in p.article_noun.finditer(text, lo, hi)
                if m.group(2).lower() not in p.stopwords
            ]
        last = _last_before(self._subjects, sentence_start, d.num_start)
        return lemmatize(last[2], p.lang.code) if last else ""


def _last_before(spans: Sequence[_Span], lo: int, hi: int) -> _Span | None:
    """The last of `spans` (sorted by start) that lies within [lo, hi)."""
    k = bisect.bisect_right(spans, (hi,)) - 1
    while k >= 0 and spans[k][1] > hi:
        k -= 1
    return spans[k] if k >= 0 and spans[k][0] >= lo else None


def _first_after(spans: Sequence[_Span], lo: int, hi: int) -> _Span | None:
    """The first of `spans` (sorted by start) that lies within [lo, hi)."""
    k = bisect.bisect_left(spans, (lo,))
    return spans[k] if k < len(spans) and spans[k][1] <= hi else None


NO_SHARE = frozenset(["percent", "percentage point", "permille"])
