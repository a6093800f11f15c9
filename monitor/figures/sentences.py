"""Sentences and clauses: the scopes in which qualifiers, time cues and relations apply."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

# A full stop after one of these does not end a sentence.
_ABBREVIATIONS_WORDS = (
    "ca mio mrd tsd nr bzw vgl z.b u.a d.h dr mr mrs ms st no vs etc inc ltd co jr sr gen "
    "col lt sgt prof art abs bd s p pp ff approx est dept gov sen rep corp fig tel str ggf "
    "usw тыс млн млрд г гг т.е т.д им ул ст руб грн стор р п пп рис mln mld tys zł ok m.in "
    "mme mlle env av dr sra sr núm pág cf jan feb febr mar apr jun jul aug sep sept okt oct "
    "nov dez dec"
)
ABBREVIATIONS = frozenset(_ABBREVIATIONS_WORDS.split())
# "[.!?]+…" spelled out per mark: alternatives that start with a literal let `re` jump
# from mark to mark instead of trying the pattern at every character.
MAX_SENTENCE = 1000  # characters: a longer "sentence" is cut at spaces (see `_cut`)
_CLOSE = r"[.!?]*[\"'»”’)\]]*(?=\s)"
BOUNDARY = re.compile(rf"\.{_CLOSE}|!{_CLOSE}|\?{_CLOSE}|。[。！？]*|！[。！？]*|？[。！？]*|\n")
CLOSERS = "\"'»”’)]"
MARKS = ".!?…"
NEXT_WORD = re.compile(r"\s*([\w]+)")
CLAUSE = re.compile(
    r"[;:()\[\]–—]|,(?!\d)|，|、|\s-\s"
    r"|\bdass\b|\bthat\b|\bque\b|\bчто\b|\bщо\b"  # a clause that reports
    r"|\band\b|\bund\b|\bet\b"  # a clause joined by "and": "three years ago and employs …"
)


@dataclass(frozen=True, slots=True)
class Sentences:
    """The sentence spans of a text, searchable by position."""

    spans: tuple[tuple[int, int], ...]
    starts: tuple[int, ...]

    def index(self, pos: int) -> int:
        """The number of the sentence that holds character `pos`."""
        return max(0, bisect.bisect_right(self.starts, pos) - 1)

    def span(self, pos: int) -> tuple[int, int]:
        """The span of the sentence that holds character `pos`."""
        return self.spans[self.index(pos)]


Lines = tuple[tuple[int, int], ...]


def number_lines(text: str, positions: list[int]) -> Lines:
    """The lines of `text` (each with its line break) that hold one of `positions` (sorted),
    each with the non-blank line before it, merged: the only stretches of an article that
    the sentence passes read. No sentence crosses a line break, so a line is split the
    same alone as within the whole text, and the line before keeps "the sentence before"
    what it is for a figure at the start of its line."""
    lines: list[tuple[int, int]] = []
    end = -1
    for pos in positions:
        if pos < end:
            continue
        lo = text.rfind("\n", 0, pos) + 1
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl + 1
        before = lo - 1
        while before > 0:
            prev = text.rfind("\n", 0, before) + 1
            if text[prev:before].strip():
                lo = prev
                break
            before = prev - 1
        if lines and lo <= lines[-1][1]:
            lines[-1] = (lines[-1][0], end)
        else:
            lines.append((lo, end))
    return tuple(lines)


def split_sentences(
    text: str, months: frozenset[str], ordinal_dot: bool, lines: Lines | None = None
) -> Sentences:
    """Split `text` (or only its `lines`) into sentences, keeping "ca.", "Mio." and
    "9. Oktober" inside."""
    spans: list[tuple[int, int]] = []
    for lo, hi in lines if lines is not None else ((0, len(text)),):
        _split(text, (lo, hi), months, ordinal_dot, spans)
    if not spans:
        spans.append((0, len(text)))
    if any(e - s > MAX_SENTENCE for s, e in spans):
        spans = [piece for span in spans for piece in _cut(text, span)]
    return Sentences(tuple(spans), tuple(s for s, _ in spans))


def _split(
    text: str,
    line: tuple[int, int],
    months: frozenset[str],
    ordinal_dot: bool,
    spans: list[tuple[int, int]],
) -> None:
    lo, hi = line
    start = lo
    for m in BOUNDARY.finditer(text, lo, hi):
        end = m.end()
        if m.group().startswith("."):
            word = _last_word(text, max(start, m.start() - 20), m.end())
            following = NEXT_WORD.match(text, end)
            nxt = following.group(1) if following else ""
            if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
            if (
                ordinal_dot
                and word.isdigit()
                and len(word) <= 2
                and (nxt.lower() in months or nxt[:1].islower())
            ):
                continue
        if text[start:end].strip():
            spans.append(_strip(text, start, end))
        start = end
    if text[start:hi].strip():
        spans.append(_strip(text, start, hi))


def _last_word(text: str, lo: int, end: int) -> str:
    """The word (letters, digits, dots) before the marks and quotes that end at `end`, in
    lower case without its final dots ("Dr.", "U.S.", "z.B." -> "dr", "u.s", "z.b")."""
    i = end
    while i > lo and text[i - 1] in CLOSERS:
        i -= 1
    j = i
    while j > lo and text[j - 1] in MARKS:
        j -= 1
    k = j
    while k > lo and (text[k - 1].isalnum() or text[k - 1] in "._"):
        k -= 1
    if k == j:
        return ""
    return text[k:i].rstrip(MARKS).lower().rstrip(".")


def _cut(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """A run-on "sentence" (a table, a list without stops) in pieces of at most
    MAX_SENTENCE characters, cut at spaces: what is read per sentence stays bounded."""
    start, end = span
    pieces = []
    while end - start > MAX_SENTENCE:
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        if cut < 0:
            cut = start + MAX_SENTENCE
        pieces.append(_strip(text, start, cut))
        start = cut
    pieces.append(_strip(text, start, end))
    return [p for p in pieces if p[1] > p[0]]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    stripped = piece.lstrip()
    start += len(piece) - len(stripped)
    return start, start + len(stripped.rstrip())


def clause_bounds(text: str, sentence: tuple[int, int], pos: int) -> tuple[int, int]:
    """The clause of the sentence around `pos`: between commas, semicolons, dashes."""
    start, end = sentence
    lo, hi = start, end
    for m_start, m_end in _clause_marks(text, start, end):
        if m_end <= pos:
            lo = m_end
        elif m_start >= pos:
            hi = m_start
            break
    return lo, hi


@lru_cache(maxsize=256)
def _clause_marks(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    # a sentence is asked for its clauses once per figure and date: split it once
    return tuple(m.span() for m in CLAUSE.finditer(text, start, end))
