"""Words as the matcher sees them: tokens, lemmas and inflection-tolerant comparison.

Shared by `match` (topic terms) and `select` (figure nouns), so that "Containern" counts
as "Container" and "контейнеров" as "контейнер" in both places. Not a pipeline stage:
a vocabulary both stages speak.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import simplemma
from platformdirs import user_cache_dir
from simplemma.strategies import DictionaryLookupStrategy
from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory

log = logging.getLogger(__name__)

WORD = re.compile(r"[^\W\d_](?:[^\W_]|['’-](?=[^\W\d_]))*", re.UNICODE)
LEMMA_LANGUAGES = ("de", "en", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk")
# A token that starts with a term and adds at most this many letters is an inflection of it
# ("Russland" → "Russlands", "북한" → "북한은"); longer additions make new words
# ("round" → "roundtable").
MAX_SUFFIX = 4
LEMMA_BUILD_TIMEOUT_S = 300  # a first build takes 1-3 s per language; a slow disk, longer
SHORT_ENDINGS = frozenset(
    [
        "s",
        "es",
        "e",
        "n",
        "en",
        "er",
        "ern",
        "ns",
        "a",
        "u",
        "y",
        "i",
        "ы",
        "и",
        "у",
        "ю",
        "а",
        "е",
        "ом",
        "ой",
        "ов",
        "ей",
        "ам",
        "ах",
        "ів",
        "ям",
        "ях",
        "ою",
        "ї",
        "і",
        "ія",
        "ії",
        "ю",
        "ей",
        "ею",
        "ой",
        "ами",
        "ями",
    ]
)
FINAL_VOWELS = frozenset("aeiouyаяеоиыуюіїє")
# Hangul and kana/han words are short and take particles; any prefix of two or more counts.
CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a text and where it stands."""

    text: str
    start: int
    end: int
    folded: str  # case-folded, accents kept


def tokenize(text: str) -> list[Token]:
    """Split `text` into word tokens with their character spans."""
    return [Token(m.group(), m.start(), m.end(), fold(m.group())) for m in WORD.finditer(text)]


def fold(word: str) -> str:
    """Case-fold and normalise a word (NFC; ё → е, ' → ')."""
    return unicodedata.normalize("NFC", word).casefold().replace("ё", "е").replace("’", "'")


class LemmaDictionaries(TrieDictionaryFactory):
    """simplemma's dictionaries as MARISA tries cached on disk: 8 MB of memory for German
    instead of 107 MB as a dict (141 MB for Russian), loaded in milliseconds.

    A language's trie is built once per machine and simplemma version, in a child process:
    the build holds the whole dict (~250 MB for German), which a long-running daemon would
    otherwise keep as heap it never returns. Without a writable cache directory the trie
    is built here, in memory, as simplemma does.
    """

    def __init__(self, directory: Path) -> None:
        super().__init__(disk_cache_dir=str(directory))
        self.directory = directory

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        if lang in LEMMA_LANGUAGES and not (self.directory / f"{lang}.dic").exists():
            self._build_elsewhere(lang)
        return super()._get_dictionary_uncached(lang)

    def _build_elsewhere(self, lang: str) -> None:
        started = time.perf_counter()
        try:
            subprocess.run(
                [sys.executable, "-m", "monitor.words", str(self.directory), lang],
                check=True,
                capture_output=True,
                timeout=LEMMA_BUILD_TIMEOUT_S,
            )
        except (OSError, subprocess.SubprocessError) as error:
            reason = getattr(error, "stderr", b"") or str(error).encode()
            log.warning(
                "lemma_cache_unavailable lang=%s dir=%s error=%r",
                lang,
                self.directory,
                reason.decode(errors="replace").strip().splitlines()[-1:],
            )
            return
        log.info(
            "lemma_cache_built lang=%s dir=%s ms=%d",
            lang,
            self.directory,
            (time.perf_counter() - started) * 1000,
        )


def lemma_cache_directory() -> Path:
    """Where lemma tries are cached: $MONITOR_CACHE_DIR, else systemd's $CACHE_DIRECTORY
    (`CacheDirectory=monitor`), else the user's cache directory; one folder per simplemma
    version."""
    base = os.environ.get("MONITOR_CACHE_DIR") or os.environ.get("CACHE_DIRECTORY")
    root = Path(base) if base else Path(user_cache_dir("monitor"))
    return root / "lemmas" / f"simplemma-{version('simplemma')}"


def build_lemma_cache(directory: Path, lang: str) -> Path:
    """Build `lang`'s trie into `directory` (atomically: readers never see half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=f".{lang}-") as scratch:
        TrieDictionaryFactory(disk_cache_dir=scratch).get_dictionary(lang)
        target = directory / f"{lang}.dic"
        os.replace(Path(scratch) / f"{lang}.dic", target)
    return target


# Dictionary lookup only: simplemma's default strategies (affixes, greedy search) cost
# 10-100 ms per unknown word, which no article can afford. Only the languages articles are
# written in are ever loaded.
_LEMMATIZER = simplemma.Lemmatizer(
    lemmatization_strategy=DictionaryLookupStrategy(
        dictionary_factory=LemmaDictionaries(lemma_cache_directory())
    )
)


@lru_cache(maxsize=65536)
def lemma(word: str, lang: str | None = None) -> str:
    """The folded dictionary lemma of `word` in `lang`; the folded word when unknown."""
    folded = fold(word)
    if lang not in LEMMA_LANGUAGES or CJK.search(folded):
        return folded
    return fold(_LEMMATIZER.lemmatize(word, lang=lang))


def same_word(token: str, term: str, lang: str | None = None) -> bool:
    """True when `token` is `term` or an inflection of it (case-insensitive)."""
    a, b = fold(token), fold(term)
    if a == b:
        return True
    if CJK.search(b):
        return a.startswith(b) and len(a) - len(b) <= MAX_SUFFIX
    shared = _common_prefix(a, b)
    if len(b) <= 5:
        # Short terms grow into other words ("shell" → "shelter"): only plain endings count.
        if shared == len(b) and a[shared:] in SHORT_ENDINGS:
            return True
        # A final vowel is the inflected part of many nouns ("Корея" → "Кореї", "Korea" → "Koreas").
        if shared == len(b) - 1 and b[-1] in FINAL_VOWELS and a[shared:] in SHORT_ENDINGS:
            return True
        return lemma(a, lang) == lemma(b, lang)
    # Stems change at the end ("Корея" → "Кореї", "Північна" → "Північної"): allow the term's
    # last two letters to differ once at least four letters agree.
    if shared >= max(len(b) - 2, 4) and len(a) <= len(b) + MAX_SUFFIX:
        return True
    if len(b) < 4 or len(a) < 4:
        return False
    return lemma(a, lang) == lemma(b, lang)


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class TokenIndex:
    """The tokens of one text, indexed by their first letters for fast term lookup."""

    __slots__ = ("by_prefix", "tokens")

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.by_prefix: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            self.by_prefix.setdefault(token.folded[:PREFIX], []).append(i)


# Inflection changes the end of a word, rarely its first two letters; comparing only the
# tokens that share them makes matching 20 terms against an article cost microseconds.
PREFIX = 2


def find_phrase(index: TokenIndex, phrase: str, lang: str | None = None) -> list[tuple[int, int]]:
    """Character spans where the words of `phrase` stand one after another in the text."""
    words = [t.folded for t in tokenize(phrase)]
    if not words:
        return []
    tokens = index.tokens
    spans: list[tuple[int, int]] = []
    first = words[0]
    for i in index.by_prefix.get(first[:PREFIX], ()):
        if not same_word(tokens[i].folded, first, lang):
            continue
        if i + len(words) > len(tokens):
            break
        if all(same_word(tokens[i + k].folded, words[k], lang) for k in range(1, len(words))):
            spans.append((tokens[i].start, tokens[i + len(words) - 1].end))
    return spans


if __name__ == "__main__":  # python -m monitor.words DIRECTORY LANG: build one lemma trie
    build_lemma_cache(Path(sys.argv[1]), sys.argv[2])
