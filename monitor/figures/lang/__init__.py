"""Per-language resources of the figures engine: one module per language, data only.

Each module defines `LANGUAGE = Language(...)`. Word lists are written as "|"-separated
phrases (lower-case; a space inside a phrase matches any run of spaces) so that a language
fits on one screen. Adding a language is adding a module here and its code to `LANGUAGES`.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

LANGUAGES = ("de", "en", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk", "ko", "ja", "zh")
ALIASES = {"ua": "uk", "kr": "ko", "jp": "ja", "cn": "zh", "ger": "de", "deu": "de", "eng": "en"}

NounStyle = str  # "capital" | "plural" | "first" | "slavic" | "ko" | "ja" | "zh"


@dataclass(frozen=True, slots=True, kw_only=True)
class Language:
    """What the engine needs to know about one language (all phrases lower-case)."""

    code: str
    decimal: str  # the decimal separator: "," or "."
    noun_style: NounStyle
    markers: str = ""  # frequent words that tell the language apart, for detection
    magnitudes: dict[str, int] = field(default_factory=dict)  # "millionen" -> 10**6
    number_words: dict[str, int] = field(default_factory=dict)  # spelled numbers, morphemes
    infixes: str = ""  # glue inside compound number words ("und" in "einundzwanzig")
    joiners: str = ""  # words between number words ("and", "et", "y")
    vague: dict[str, int] = field(default_factory=dict)  # "zehntausende" -> 10000 (approx, min)
    # halves, fractions and collective numerals, exact: "anderthalb" -> "1.5", "a dozen" -> "12"
    fractions: dict[str, str] = field(default_factory=dict)
    approx: str = ""  # before the number: about
    at_least: str = ""  # before: more than
    at_most: str = ""  # before: up to
    nearly: str = ""  # before: nearly (approx and max)
    approx_after: str = ""
    at_least_after: str = ""
    at_most_after: str = ""
    between: tuple[tuple[str, str], ...] = ()  # ("zwischen", "und")
    range_words: str = ""  # between two numbers: "bis", "to"
    from_to: tuple[tuple[str, str], ...] = ()  # a change: ("von", "auf")
    change_verbs: str = ""  # stems that make "from X to Y" a change, not a range
    exceed_verbs: str = ""  # stems right before a number that make it a minimum: "exceeded"
    # "über" after a noun of a sum ("Rechnung über 500 Euro") means "amounting to", not "more
    # than": the phrases that do so, and the noun stems (found anywhere in the word, compounds)
    amount_words: str = ""
    amount_nouns: str = ""
    # a regex ending right before a number that cites an earlier extreme ("the 2016 high of")
    cited_extreme: str = ""
    cited_extreme_last: str = ""  # the words that phrase ends with (a year aside): "of", "von"
    age_words: str = ""  # before an age or an age range: "aged", "im Alter von", "âgés de"
    change_by: str = ""  # before the amount of a change: "by" ("rose by 5% to 12%": no range)
    to_words: str = ""  # "up to" words that mean "to" after a change verb: "до", "hasta", "tot"
    past_before: str = ""  # right before a number: "up from", "noch", "contre"
    past_after: str = ""  # right after a figure (CJK particles: "에서", "から")
    past_words: str = ""  # anywhere in the sentence: "damals", "previously"
    past_pattern: str = ""  # a regex over the sentence (pluperfect "hatte ... mitgeteilt")
    current_words: str = ""  # in the clause: "jetzt", "now"
    past_dates: str = ""  # "im vorjahr", "last year"
    months: str = ""  # month names and abbreviations, all inflections
    month_pattern: str = ""  # a regex for numeric months ("2월", "2月")
    since: str = ""  # before a date, making the value current: "seit", "since", "as of"
    year_cues: str = ""  # words before a year: "im", "seit", "mitte"
    units: dict[str, str] = field(default_factory=dict)  # "prozent" -> "percent"
    id_words: str = ""  # before a number that is an id: "kaliber", "resolution", "seite"
    model_words: str = ""  # names followed by a model number: "leopard", "boeing"
    spec_units: str = ""  # units that make a measure a specification: "mm"
    ordinal_dot: bool = False  # "3." is an ordinal (de, pl)
    ordinal_suffixes: str = ""  # "st|nd|rd|th", "er|e|ème"
    stopwords: str = ""  # words at which the search for a counted noun stops
    skip_words: str = ""  # words skipped on the way to the counted noun ("weitere", "more")
    of_words: str = ""  # "of", "de", "d'": "6 millions d'obus"
    number_of: str = ""  # "zahl der", "number of": names the noun of an elided figure
    relations: dict[str, str] = field(default_factory=dict)  # "verdoppelt" -> "double"
    counters: dict[str, str] = field(default_factory=dict)  # CJK counters: "발" -> "round"
    date_suffixes: str = ""  # CJK: "년|월|일|시|분"
    particles: str = ""  # CJK particles stripped from nouns
    durations: str = ""  # time units, lemmas and forms: "3 Jahre" is a span of time, no figure
    ago_before: str = ""  # before a duration, making it a past date: "vor", "il y a", "hace"
    ago_after: str = ""  # after a duration: "ago", "назад", "fa", "geleden"
    phone_words: str = ""  # before a phone number: "call", "llame al", "拨打"
    multiples: str = ""  # "3 mal", "deux fois": a multiple, no count
    versus: str = ""  # before a past date that is a basis of comparison: "than", "gegenüber"
    versus_after: str = ""  # after it (CJK): "前年同月比", "전년 대비"
    subject_articles: str = ""  # articles of a plural subject that names an elided figure's noun
    lemmas: dict[str, str] = field(default_factory=dict)  # nouns the dictionary reads as verbs
    # street addresses, regexes (case as written): what follows a house number ("Wilbraham
    # Road", "rue de Rivoli") and what precedes one ("Hauptstraße", "via Roma,")
    street_after: str = ""
    street_before: str = ""

    def words(self, name: str) -> tuple[str, ...]:
        """The phrases of a "|"-separated field, longest first."""
        value = getattr(self, name)
        items = {item.strip() for item in value.split("|") if item.strip()}
        return tuple(sorted(items, key=lambda s: (-len(s), s)))


# Regions whose number format differs from the language's usual one: decimal point.
POINT_REGIONS = {
    "es": frozenset(["mx", "us", "pr", "gt", "hn", "ni", "pa", "sv", "do", "ph"]),
    "de": frozenset(["ch", "li"]),
    "fr": frozenset(["ch"]),
    "it": frozenset(["ch"]),
}


# Spanish of the Americas often writes "14,571 capturas", "$150,000" with the comma
# grouping thousands; a text without a region says which by its own numbers.
READS_REGION = frozenset(["es"])
# Each starts at its separator: a literal first character lets `re` skip to it fast, where
# a digit class or a lookbehind first costs a match attempt at every character.
COMMA_GROUPED = re.compile(r",\d{3}(?!\d|,\d)")  # "14,571" (1-3 digits before): either way
COMMA_DECIMAL = re.compile(r",(?:\d{1,2}|\d{4,})(?!\d|,\d)")  # "5,3", "0,25": a comma point
DOT_GROUPED = re.compile(r"\.\d{3}(?![\d.])")  # "14.372": dots group, so the comma is the point


def _after_digits(pattern: re.Pattern[str], text: str, most: int = 0, alone: bool = False) -> bool:
    """Whether `pattern` matches right after a digit; with `most`, after 1 to `most` digits
    that (`alone`) no digit, point or comma precedes."""
    for m in pattern.finditer(text):
        start = m.start()
        first = start
        while first > 0 and text[first - 1].isdigit() and (not most or start - first < most + 1):
            first -= 1
        digits = start - first
        if digits == 0 or (most and digits > most):
            continue
        if alone and first > 0 and text[first - 1] in ".,":
            continue
        return True
    return False


def decimal_of(lang: str | None, default: str, text: str | None = None) -> str:
    """The decimal separator for a language tag: "es-MX" -> ".", "es" -> `default` — or,
    for a Spanish `text` that writes "1,500" and never "5,3" nor "1.500", "."."""
    if not lang:
        return default
    parts = re.split(r"[-_]", lang.strip().lower())
    if len(parts) > 1 and parts[1] in POINT_REGIONS.get(parts[0], frozenset()):
        return "."
    if (
        len(parts) == 1
        and text is not None
        and parts[0] in READS_REGION
        and default == ","
        and _after_digits(COMMA_GROUPED, text, most=3, alone=True)
        and not _after_digits(COMMA_DECIMAL, text)
        and not _after_digits(DOT_GROUPED, text)
    ):
        return "."
    return default


def normalise_code(lang: str | None) -> str | None:
    """`"de-AT"`, `"DE"`, `"de_DE"` -> `"de"`; None or an unknown language -> None."""
    if not lang:
        return None
    code = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
    code = ALIASES.get(code, code)
    return code if code in LANGUAGES else None


@cache
def load_language(code: str) -> Language:
    """The `Language` of a supported code (see `LANGUAGES`)."""
    module = importlib.import_module(f"{__name__}.{code}")
    language: Language = module.LANGUAGE
    return language


@cache
def time_unit_words() -> frozenset[str]:
    """The units of time of every language, as written ("years", "Jahren", "лет")."""
    words = {word.lower() for code in LANGUAGES for word in load_language(code).words("durations")}
    return frozenset(words | {"min", "mins"})


HANGUL = re.compile(r"[\uac00-\ud7af]")
KANA = re.compile(r"[\u3040-\u30ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
UKRAINIAN = re.compile(r"[іїєґІЇЄҐ]")
LATIN_WORD = re.compile(r"[a-zà-öø-ÿąćęłńóśźżß']+")
SAMPLE = 4000  # characters of the text that detection looks at


@lru_cache(maxsize=1)
def _marker_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for code in ("de", "en", "fr", "es", "it", "pt", "nl", "pl"):
        for word in load_language(code).markers.split("|"):
            table.setdefault(word, ())
            table[word] = (*table[word], code)
    return table


def detect_language(text: str) -> str | None:
    """A best guess at the language of `text` from its script and frequent words."""
    sample = text[:SAMPLE]
    if HANGUL.search(sample):
        return "ko"
    if KANA.search(sample):
        return "ja"
    if HAN.search(sample):
        return "zh"
    if CYRILLIC.search(sample):
        return "uk" if UKRAINIAN.search(sample) else "ru"
    table = _marker_table()
    scores: dict[str, int] = {}
    for word in LATIN_WORD.findall(sample.lower()):
        for code in table.get(word, ()):
            scores[code] = scores.get(code, 0) + 1
    if not scores:
        return None
    return max(scores, key=lambda code: scores[code])
