"""Candidates: where numbers may stand, found by fast scans and merged in text order.

Digit runs are found with a plain `[0-9]+` scan (fast in C); only at those places are the
full patterns tried (skip stretches, digit strings with separators, CJK numerals). Spelled
and vague numbers come from one alternation over the lower-cased text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.figures.numerals import CJK_NUMERAL, DIGITS, SKIP_DIGITS, SKIP_IBAN, SKIP_OPENED
from monitor.figures.patterns import CURRENCY_SYMBOLS, NUMERAL_ONES, Patterns, alternation

DIGIT_RUN = re.compile(r"[0-9０-９]+")
KANJI_RUN = re.compile(rf"[{CJK_NUMERAL}]{{2,}}")
LONE_MAGNITUDE = re.compile(rf"(?<![{CJK_NUMERAL}])[百千万萬](?![{CJK_NUMERAL}])")
SKIP_OPENERS = "+("
SKIP_OPENED_AT = re.compile(SKIP_OPENED)
SKIP_IBAN_AT = re.compile(SKIP_IBAN)
SKIP_DIGITS_AT = re.compile(SKIP_DIGITS)
# "USD10m", "RM79", "US$5", "$A20": a currency code glued to the digits; the digit scan
# refuses digits after letters (model names, ids), so these are read apart
CODES = [c for c in CURRENCY_SYMBOLS if c[0].isalpha() or c[-1].isalpha() or c[-1] == "$"]
CODE_BEFORE = re.compile(rf"(?<![^\W\d_])(?:{alternation(CODES)})$", re.IGNORECASE)
CODE_REACH = 4  # characters of the longest glued code ("usd", "hk$")
DIGITS_AFTER_CODE = re.compile(DIGITS[DIGITS.index(")") + 1 :])


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stretch of text that may be a number: kind is "num", "cjk", "words" or "vague"."""

    start: int
    end: int
    kind: str
    raw: str


def find_candidates(text: str, p: Patterns) -> list[Candidate]:
    """Every number candidate of `text`, in text order, none overlapping."""
    found: list[Candidate] = []
    consumed = 0
    for run in DIGIT_RUN.finditer(text):
        s = run.start()
        if s < consumed:
            continue
        share = _fraction_at(text, s, p)
        if share is not None:
            found.append(share)
            consumed = share.end
            continue
        skip = _skip_at(text, s, p)
        if skip is not None:
            consumed = skip
            continue
        m = p.cjk.match(text, s) if p.cjk is not None else None
        kind = "cjk"
        if m is None:
            m, kind = p.num.match(text, s), "num"
        if m is None and s and text[s - 1].isalpha() and _code_before(text, s):
            m = DIGITS_AFTER_CODE.match(text, s)
        if (
            m is None
            and _leading_point(text, s, p)
            and text[run.end() : run.end() + 1] not in (".", ",")
        ):
            found.append(Candidate(s - 1, run.end(), "num", "." + run.group()))  # ".001 per cent"
            consumed = run.end()
            continue
        if m is None:
            consumed = run.end()
            continue
        found.append(Candidate(m.start(), m.end(), kind, m.group()))
        consumed = m.end()
    if p.cjk is not None and p.lang.noun_style in ("ja", "zh"):
        found.extend(
            Candidate(m.start(), m.end(), "cjk", m.group()) for m in KANJI_RUN.finditer(text)
        )
        if p.counters is not None:  # "千個", "百发": a lone magnitude counts with a counter
            found.extend(
                Candidate(m.start(), m.end(), "cjk", m.group())
                for m in LONE_MAGNITUDE.finditer(text)
                if p.counters.match(text, m.end())
            )
    if p.words is not None:
        lower = text.lower()
        scan = (p.words, lower) if len(lower) == len(text) else (p.words_folded, text)
        assert scan[0] is not None
        ones = _lone_ones(p)
        for m in scan[0].finditer(" " + scan[1]):  # the space leads a number at the start
            kind = m.lastgroup or "words"
            start, end = m.start(kind) - 1, m.end(kind) - 1
            raw = text[start:end]
            if kind == "words" and raw.lower() in ones:
                continue  # "a", "ein", "une" alone: an article, never a figure (most matches)
            found.extend(_split_joined(text, Candidate(start, end, kind, raw), p))
    found.sort(key=lambda c: c.start)
    merged: list[Candidate] = []
    end = 0
    for c in found:
        if c.start >= end:
            merged.append(c)
            end = c.end
    return merged


JOINED_BELOW = 20  # "twenty-one", "vingt et un", "hundred and five" join; "two and three" not


def _split_joined(text: str, c: Candidate, p: Patterns) -> list[Candidate]:
    """Spelled numbers joined by "and", "y", "et" after a unit ("between two and three
    hundred", "entre dos y tres mil") are two numbers; after tens or a scale they are one."""
    if c.kind != "words" or p.joiner is None:
        return [c]
    for j in p.joiner.finditer(c.raw):
        before = c.raw[: j.start()].split()
        value = p.words_table.get(before[-1].lower()) if before else None
        if value is not None and value < JOINED_BELOW:
            first = Candidate(c.start, c.start + j.start(), c.kind, c.raw[: j.start()])
            rest = Candidate(c.start + j.end(), c.end, c.kind, c.raw[j.end() :])
            return [first, *_split_joined(text, rest, p)]
    return [c]


def _leading_point(text: str, s: int, p: Patterns) -> bool:
    """A decimal written without its zero (".001 per cent", "a .500 record")."""
    return p.lang.decimal == "." and s >= 2 and text[s - 1] == "." and text[s - 2] in " \u00a0(~"


_ONES: dict[str, frozenset[str]] = {}


def _lone_ones(p: Patterns) -> frozenset[str]:
    """The one-word number words worth 1 ("a", "ein", "une"): alone they are articles."""
    ones = _ONES.get(p.lang.code)
    if ones is None:
        ones = _ONES[p.lang.code] = frozenset(
            w for w, v in p.words_table.items() if v == 1 and w.isalpha() and w not in NUMERAL_ONES
        )
    return ones


def _code_before(text: str, s: int) -> bool:
    return CODE_BEFORE.search(text[max(0, s - CODE_REACH - 1) : s]) is not None


# "1/2 pound", "1⁄32 of a quart": a share written with a slash, before a word
FRACTION_AT = re.compile(r"([1-9]\d?)[/⁄]([1-9]\d{0,2})(?=\s+([^\W\d_]+))")
DENOMINATORS = frozenset([2, 3, 4, 5, 8, 10, 16, 32, 64, 100, 128])


def _fraction_at(text: str, s: int, p: Patterns) -> Candidate | None:
    if s and (text[s - 1] in "/⁄.,-" or text[s - 1].isdigit()):
        return None
    m = FRACTION_AT.match(text, s)
    if m is None or text[m.end() : m.end() + 1] in "/⁄":
        return None
    numerator, denominator = int(m.group(1)), int(m.group(2))
    if denominator not in DENOMINATORS or numerator >= denominator:
        return None
    word = m.group(3).lower()
    if word != "of" and (word in p.month_keys or word in p.stopwords):
        return None  # "1/2 Jan." is a date, "1/2 today" a score
    return Candidate(m.start(), m.end(), "fraction", m.group())


def _skip_at(text: str, s: int, p: Patterns) -> int | None:
    """The end of a phone number, IBAN, time or date that starts at or just before `s`."""
    if s >= 2 and text[s - 2 : s].isupper() and text[s - 2 : s].isalpha():
        m = SKIP_IBAN_AT.match(text, s - 2)
        if m:
            return m.end()
    if s >= 1 and text[s - 1] in SKIP_OPENERS:
        m = SKIP_OPENED_AT.match(text, s - 1)
        if m:
            return m.end()
    m = SKIP_DIGITS_AT.match(text, s)
    return m.end() if m else None
