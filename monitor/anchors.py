"""How near a watchlist term stands to a figure: the measure behind `near` and `exclude_near`.

Definitions (README, "Figure anchors"):

- Only the figure's **sentence** counts: a term elsewhere in the article is not near it.
- The figure's extent is the number as written plus its counted noun, where the engine found
  one ("Two people", "4.25%").
- **Nearness** of a term is the pair (clause marks, words) between the term and that extent,
  compared in that order: a term in the figure's own clause (no mark between) is nearer than
  any term across a mark, however few words that crosses.
- **Clause marks** are `,` (not between digits) `;` `:` `(` `)` `[` `]` `–` `—`, a spaced
  hyphen, and the coordinating and subordinating conjunctions of `CONJUNCTIONS` ("and",
  "while", "und", "während", "et", "и", …): "Two people were killed and 3,000 were evacuated"
  puts "killed" across a mark from 3,000, "evacuated" in its clause.
- Terms match as the topic terms do (any case, any inflection: `words.same_word`, whose
  lemmas come from simplemma); a one-word term of five letters or more also matches as the
  end of a compound ("Leitzins" in "EZB-Leitzins").

Pure: no I/O. Not a stage: a measure `track` uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from monitor.records import Figure
from monitor.words import Token, fold, lemma, same_word, tokenize

MIN_COMPOUND = 5  # as for nouns: "Leitzins" ends "EZB-Leitzins"; "rate" ends nothing
PUNCTUATION_MARK = re.compile(r"[;:()\[\]–—]|,(?!\d)|，|、|\s-\s")
_CONJUNCTION_WORDS = """
    and but or while whereas as when after before although though because since which who
    und aber oder während wobei als nachdem bevor obwohl weil da sowie sondern
    et mais ou tandis alors lorsque quand après avant puisque car dont
    y e pero o mientras cuando aunque porque ni
    ma mentre quando perché
    mas ou enquanto quando embora porque
    en maar terwijl toen nadat omdat
    i a ale lub gdy podczas kiedy bo
    и а но или пока когда после хотя потому тогда как
    та і й але або коли поки хоча бо
"""
CONJUNCTIONS = frozenset(_CONJUNCTION_WORDS.split())


@dataclass(frozen=True, slots=True, kw_only=True)
class Nearness:
    """Where the nearest occurrence of a term stands from a figure, in its sentence."""

    term: str  # as the watchlist writes it
    found: str  # as the article writes it
    clauses: int  # clause marks between term and figure
    words: int  # words between term and figure

    @property
    def rank(self) -> tuple[int, int]:
        """Smaller is nearer."""
        return self.clauses, self.words

    def describe(self) -> str:
        """'key rate' (same clause, 1 word between)."""
        where = (
            "same clause"
            if not self.clauses
            else f"{self.clauses} clause mark{'s' if self.clauses > 1 else ''} away"
        )
        words = f"{self.words} word{'' if self.words == 1 else 's'} between"
        found = "" if fold(self.found) == fold(self.term) else f" as {self.found!r}"
        return f"{self.term!r}{found} ({where}, {words})"


def nearest_term(
    text: str, figure: Figure, terms: Sequence[str], lang: str | None
) -> Nearness | None:
    """The term of `terms` nearest to `figure` within its sentence, or None."""
    if not terms:
        return None
    start, end = figure.sentence_span or _sentence_of(text, figure.span)
    low, high = figure.span
    if figure.unit_span is not None:
        low, high = min(low, figure.unit_span[0]), max(high, figure.unit_span[1])
    tokens = _tokens(text, start, end)
    best: Nearness | None = None
    for term, t_start, t_end in _occurrences(text, start, end, tuple(terms), lang):
        if t_end > low and t_start < high:
            continue  # the term is part of the figure itself
        gap = (t_end, low) if t_end <= low else (high, t_start)
        found = Nearness(
            term=term,
            found=text[t_start:t_end],
            clauses=_marks(text, tokens, gap),
            words=sum(1 for t in tokens if t.start >= gap[0] and t.end <= gap[1]),
        )
        if best is None or found.rank < best.rank:
            best = found
    return best


@lru_cache(maxsize=1024)
def _occurrences(
    text: str, start: int, end: int, terms: tuple[str, ...], lang: str | None
) -> tuple[tuple[str, int, int], ...]:
    # Where `terms` stand in one sentence; every figure of the sentence asks the same.
    tokens = _tokens(text, start, end)
    lemmas = _lemmas(text, start, end, lang)
    found = []
    for term in terms:
        words = _words(term)
        if not words:
            continue
        for i in range(len(tokens) - len(words) + 1):
            if _matches(tokens[i : i + len(words)], words, lang, lemmas[i]):
                found.append((term, tokens[i].start, tokens[i + len(words) - 1].end))
    return tuple(found)


@lru_cache(maxsize=1024)
def _tokens(text: str, start: int, end: int) -> tuple[Token, ...]:
    # Every figure of a sentence asks for its tokens, once per term list: split it once.
    return tuple(
        Token(t.text, t.start + start, t.end + start, t.folded) for t in tokenize(text[start:end])
    )


@lru_cache(maxsize=4096)
def _words(term: str) -> tuple[str, ...]:
    return tuple(t.folded for t in tokenize(term))


@lru_cache(maxsize=1024)
def _lemmas(text: str, start: int, end: int, lang: str | None) -> tuple[str, ...]:
    return tuple(lemma(t.folded, lang) for t in _tokens(text, start, end))


def _matches(
    tokens: Sequence[Token], words: Sequence[str], lang: str | None, first_lemma: str
) -> bool:
    first, token = words[0], tokens[0].folded
    if len(words) == 1 and len(first) >= MIN_COMPOUND and token.endswith(first):
        return True
    if token[:2] != first[:2]:
        # Inflection mostly changes the end of a word; where it changes the start
        # ("gesenkt", "senken") only the dictionary lemma can tell.
        return len(words) == 1 and first_lemma == lemma(first, lang)
    return all(same_word(t.folded, w, lang) for t, w in zip(tokens, words, strict=True))


def _marks(text: str, tokens: Sequence[Token], gap: tuple[int, int]) -> int:
    between = text[gap[0] : gap[1]]
    punctuation = len(PUNCTUATION_MARK.findall(between))
    conjunctions = sum(
        1 for t in tokens if t.start >= gap[0] and t.end <= gap[1] and t.folded in CONJUNCTIONS
    )
    return punctuation + conjunctions


def _sentence_of(text: str, span: tuple[int, int]) -> tuple[int, int]:
    # The engine gives every figure its sentence; this is the fallback for a bare Figure.
    start = max(text.rfind(". ", 0, span[0]) + 2, text.rfind("\n", 0, span[0]) + 1, 0)
    ends = [i for i in (text.find(". ", span[1]), text.find("\n", span[1])) if i >= 0]
    return start, min(ends) + 1 if ends else len(text)
