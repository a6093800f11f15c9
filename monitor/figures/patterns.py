"""A language's word lists compiled into regexes, once per language and process."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from babel.dates import get_month_names

from monitor.figures.lang import Language, load_language
from monitor.figures.numerals import CJK, DIGITS, SKIP

Pattern = re.Pattern[str]
IGNORE_CASE = re.IGNORECASE

CURRENCY_SYMBOLS = {
    "us$": "usd",
    "r$": "brl",
    "$": "usd",
    "€": "eur",
    "£": "gbp",
    "¥": "jpy",
    "￥": "jpy",
    "₩": "krw",
    "₽": "rub",
    "₴": "uah",
    "₹": "inr",
    "chf": "chf",
    "usd": "usd",
    "eur": "eur",
    "gbp": "gbp",
    "rub": "rub",
    "uah": "uah",
    "jpy": "jpy",
    "cny": "cny",
    "krw": "krw",
    "pln": "pln",
    "zł": "pln",
    "a$": "aud",
    "$a": "aud",
    "au$": "aud",
    "aud": "aud",
    "c$": "cad",
    "ca$": "cad",
    "cad": "cad",
    "hk$": "hkd",
    "hkd": "hkd",
    "s$": "sgd",
    "sgd": "sgd",
    "nz$": "nzd",
    "rm": "myr",
    "myr": "myr",
    "inr": "inr",
    "rs": "inr",
    "rs.": "inr",
    "₪": "ils",
    "nis": "ils",
    "ils": "ils",
    "rmb": "cny",
    "$us": "usd",
    "us $": "usd",
    "hk $": "hkd",
    "s $": "sgd",
}
UNIVERSAL_UNITS = {
    "%": "percent",
    "％": "percent",
    "‰": "permille",
    "€": "eur",
    "$": "usd",
    "£": "gbp",
    "km": "km",
    "kg": "kg",
    "usd": "usd",
    "eur": "eur",
    "chf": "chf",
    "gbp": "gbp",
    "rub": "rub",
    "uah": "uah",
    "pln": "pln",
    "jpy": "jpy",
    "cny": "cny",
    "krw": "krw",
    "pp": "percentage point",
    "p.p.": "percentage point",
    "%p": "percentage point",
    "°c": "celsius",
    "°f": "fahrenheit",
    # units written glued to the number ("256GB", "50mph", "640bhp", "5pc")
    "gb": "gb",
    "tb": "tb",
    "mb": "mb",
    "mph": "mph",
    "km/h": "km/h",
    "kph": "km/h",
    "bhp": "hp",
    "hp": "hp",
    "ps": "hp",
    "kw": "kw",
    "mw": "mw",
    "gw": "gw",
    "kwh": "kwh",
    "mwh": "mwh",
    "gwh": "gwh",
    "ghz": "ghz",
    "mhz": "mhz",
    "pc": "percent",
    "ml": "ml",
    "hz": "hz",
    "khz": "khz",
    "mbps": "mbps",
    "gbps": "gbps",
    "mm": "mm",
    "cm": "cm",
    "min": "min",
    "mins": "min",
    "ft": "ft",
    "lb": "lb",
    "lbs": "lb",
    "oz": "oz",
}
AGE_JOINS = ("to", "and", "bis", "und", "à", "et", "-", "–")  # "aged 18 to 34"
TIME_WORDS = "uhr|o'clock|a.m.|p.m.|am|pm|gmt|utc|mez|mesz|cet|cest|msk|kst|h"


def alternation(phrases: tuple[str, ...] | list[str]) -> str:
    """A regex alternation of literal phrases, longest first; spaces match any spacing.

    Written as a trie ("mi(?:l(?:ion(?:s)?|liard)…)"): `re` tries alternatives one by one,
    so a flat list of 60 phrases costs 60 tries at every place a phrase may start, a trie
    a few. Where one phrase begins another, the longer is tried first, as in a flat list
    sorted longest first.
    """
    trie: dict[str, dict] = {}
    for phrase in set(phrases):
        if not phrase:
            continue
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict[str, dict]) -> str:
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _trie_regex(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    if "" in node:
        return f"(?:{body})?"
    return body


# a code that starts with a letter ("usd", "rm", "us$") starts a word: "others 5" holds no "rs",
# and the "s" of a possessive ("Scorsese's $170 million", "Macy’s $5") is no Singapore dollar
CURRENCY_BEFORE = re.compile(
    rf"(?:(?<![^\W\d_])(?<!['’])(?:{alternation([c for c in CURRENCY_SYMBOLS if c[0].isalpha()])})"
    rf"|(?:{alternation([c for c in CURRENCY_SYMBOLS if not c[0].isalpha()])}))\s?$",
    IGNORE_CASE,
)


def first_letters(phrases: tuple[str, ...] | list[str]) -> str:
    """A lookahead on the first characters of `phrases`: lets `re` skip the positions where
    none can start instead of trying a long alternation at every character of an article."""
    firsts = {p[0].lower() for p in phrases if p}
    firsts |= {c.upper() for c in firsts}
    return f"(?=[{re.escape(''.join(sorted(firsts)))}])" if firsts else ""


def ending(phrases: tuple[str, ...] | list[str], bounded: bool = True) -> Pattern | None:
    """Matches a phrase at the end of a left-hand window (what stands before a number)."""
    alt = alternation(phrases)
    left = r"(?<!\w)" if bounded else ""
    return re.compile(rf"{left}(?:{alt})\s*$", IGNORE_CASE) if alt else None


def starting(phrases: tuple[str, ...] | list[str], bounded: bool = True) -> Pattern | None:
    """Matches a phrase at a position, after optional spaces (what follows a number)."""
    alt = alternation(phrases)
    right = r"(?!\w)" if bounded else ""
    return re.compile(rf"[\s\u00a0]*(?:{alt}){right}", IGNORE_CASE) if alt else None


def anywhere(
    phrases: tuple[str, ...] | list[str], *, prefix: bool = False, bounded: bool = True
) -> Pattern | None:
    """Matches a phrase as a whole word (or as a word's beginning when `prefix`)."""
    alt = alternation(phrases)
    left = r"(?<!\w)" if bounded else ""
    tail = r"\w*" if prefix else r"(?!\w)" if bounded else ""
    first = first_letters(phrases)
    return re.compile(rf"{first}{left}(?:{alt}){tail}", IGNORE_CASE) if alt else None


OPEN_PUNCT = "([{\"'„“«‚‘"
MEMO_SIZE = 4096  # distinct word endings remembered per language
# Fields of `Language` read just before a number, and the kind each one marks.
LEFT_FIELDS = {
    "approx": "approx",
    "at_least": "min",
    "at_most": "max",
    "nearly": "nearly",
    "past_before": "past",
    "since": "since",
    "id_words": "id",
    "model_words": "model",
    "year_cues": "year",
    "months": "year",
}


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The phrases that may stand right before a number, looked up word by word."""

    phrases: dict[str, frozenset[str]]  # "mehr als" -> {"min"}
    longest: int  # words in the longest phrase
    regexes: tuple[tuple[Pattern, str], ...] = ()  # languages written without spaces
    tails: frozenset[str] = frozenset()  # the last word of every phrase: a quick "no"
    # the last words of a window -> (words in the phrase, opening punctuation, kinds):
    # articles repeat "mehr als", "rund", "in" before their numbers, so each is read once
    memo: dict[tuple[str, ...], tuple[int, int, frozenset[str]] | None] = field(
        default_factory=dict, compare=False
    )

    def last(self, window: str) -> tuple[int, frozenset[str]] | None:
        """The longest phrase that ends `window` (spaces aside): its start and kinds."""
        if self.regexes:
            best: tuple[int, str] | None = None
            for pattern, kind in self.regexes:
                m = pattern.search(window)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), kind)
            return (best[0], frozenset([best[1]])) if best else None
        end = window.rstrip()
        last = end[end.rfind(" ") + 1 :].lower()
        if last not in self.tails and last.lstrip(OPEN_PUNCT) not in self.tails:
            return None  # most windows end in a word no phrase ends with
        parts = window.rsplit(None, self.longest)  # the last words, without splitting all
        tail = tuple(parts[1:] if len(parts) > self.longest else parts)
        if tail in self.memo:
            hit = self.memo[tail]
        else:
            hit = self._phrase(tail)
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[tail] = hit
        if hit is None:
            return None
        n, opening, kinds = hit
        pos = len(window)
        for token in tail[-1 : -n - 1 : -1]:
            pos = window.rfind(token, 0, pos)
        return pos + opening, kinds

    def _phrase(self, tail: tuple[str, ...]) -> tuple[int, int, frozenset[str]] | None:
        for n in range(len(tail), 0, -1):
            phrase = " ".join(tail[-n:]).lower()
            bare = phrase.lstrip(OPEN_PUNCT)
            kinds = self.phrases.get(bare)
            if kinds:
                return n, len(phrase) - len(bare), kinds
        return None


def _lexicon(lang: Language, spaced: bool) -> Lexicon:
    phrases: dict[str, set[str]] = {}
    for name, kind in LEFT_FIELDS.items():
        for phrase in lang.words(name):
            phrases.setdefault(" ".join(phrase.split()), set()).add(kind)
    for pairs, kind in ((lang.between, "between"), (lang.from_to, "from")):
        for first, _ in pairs:
            phrases.setdefault(first, set()).add(kind)
    if not spaced:
        regexes = tuple(
            (pattern, kind)
            for kind, pattern in (
                (kind, ending(lang.words(name), bounded=False))
                for name, kind in LEFT_FIELDS.items()
            )
            if pattern is not None
        )
        return Lexicon({}, 0, regexes)
    longest = max((len(p.split()) for p in phrases), default=1)
    tails = frozenset(k.split()[-1] for k in phrases if k.split())
    return Lexicon({k: frozenset(v) for k, v in phrases.items()}, longest, tails=tails)


@dataclass(frozen=True, slots=True)
class Patterns:
    """Everything the scan matches for one language."""

    lang: Language
    left: Lexicon  # what may stand right before a number
    skip: Pattern  # phone numbers, IBANs, times, dates: digits that are no figure
    num: Pattern  # a digit string with separators
    cjk: Pattern | None  # "1만3천", "1.3万", "一万三千"
    words: Pattern | None  # vague and spelled numbers, over the lower-cased text
    words_folded: Pattern | None  # the same, case-insensitive, for texts lower() resizes
    words_table: dict[str, int]
    glue: frozenset[str]  # joiner words and infixes of spelled numbers
    joiner: Pattern | None  # a joiner word between two spelled numbers: " and ", " y "
    magnitude: Pattern | None
    magnitude_table: dict[str, int]
    unit_after: Pattern
    unit_table: dict[str, str]
    currency_before: Pattern
    approx_after: Pattern | None
    at_least_after: Pattern | None
    at_most_after: Pattern | None
    past_after: Pattern | None
    range_join: Pattern | None
    between_join: dict[str, Pattern]  # "zwischen" -> the "und" that closes the range
    from_join: dict[str, Pattern]  # "von" -> the "auf" of a change
    change_verbs: Pattern | None
    to_words: Pattern | None
    exceed_verbs: Pattern | None
    exceed_first: frozenset[str]  # the first letters of those verbs: a quick "no"
    age_before: Pattern | None
    age_last: frozenset[str]  # the words an age phrase may end with: a quick "no"
    change_by: Pattern | None
    amount_words: frozenset[str]
    amount_nouns: Pattern | None
    cited_extreme: Pattern | None
    cited_extreme_last: frozenset[str]  # the words that phrase may end with
    past_words: Pattern | None
    past_pattern: Pattern | None
    current_words: Pattern | None
    dates: Pattern | None
    dates_after_gap: Pattern | None  # the same led by the non-word character before a date
    spec_after: Pattern | None
    time_after: Pattern
    ordinal_after: Pattern | None
    months: frozenset[str]
    month_keys: frozenset[str]  # the months without their dots: "oct" for "oct."
    past_dates: frozenset[str]  # "last year", "im vorjahr": dates that cite an earlier state
    month_numbers: dict[str, int]  # month names (babel's, lower-case) -> 1..12
    stopwords: frozenset[str]
    skip_words: frozenset[str]
    of_words: frozenset[str]
    number_of: Pattern | None
    relations: Pattern | None
    relation_table: dict[str, str]
    counters: Pattern | None
    date_suffix: Pattern | None
    durations: frozenset[str]
    ago_before: Pattern | None
    ago_after: Pattern | None
    phone: Pattern | None
    subject_articles: frozenset[str]
    article_noun: Pattern | None  # a subject article and the word after it ("i soldati")
    versus: Pattern | None
    versus_after: Pattern | None
    street_after: Pattern | None
    street_before: Pattern | None


# words for 1 that are never an article: with a unit they are a figure ("one per cent")
NUMERAL_ONES = frozenset(["one"])


def _after_gap(parts: list[str]) -> str:
    """The scan for spelled numbers, led by the non-word character before one.

    Every spelled number starts a word; leading with that character (a class, which `re`
    skips to in a fast loop) spares trying the alternatives inside words. The text is
    scanned with a space before it (see `candidates`).
    """
    return rf"\W(?:{'|'.join(parts)})"


def _words_regex(lang: Language) -> str:
    """The spelled-number alternative of the scan."""
    if not lang.number_words:
        return ""
    morph = alternation(list(lang.number_words))
    infix = alternation(lang.words("infixes"))
    word = rf"(?:{morph})(?:(?:{infix})?(?:{morph}))*" if infix else rf"(?:{morph})+"
    sep = r"(?:[\s\u00a0]+|-|,\s+)" if lang.code == "en" else r"(?:[\s\u00a0]+|-)"
    join = alternation(lang.words("joiners"))
    glue = rf"(?:(?:{join}){sep})?" if join else ""
    # the lookahead on first letters lets the scan skip most positions without trying the
    # alternation (several times faster over a whole article)
    first = first_letters(list(lang.number_words))
    more = rf"(?:{sep}{glue}(?:{word}))"
    # "a", "ein", "une" alone are articles (most matches by far): refused inside the scan
    ones = [w for w, v in lang.number_words.items() if v == 1 and w.isalpha()]
    ones = [w for w in ones if w.lower() not in NUMERAL_ONES]
    lone = rf"(?!(?:{alternation(ones)})(?!\w)(?!{more}))" if ones else ""
    return rf"(?P<words>{first}(?<![\w-]){lone}(?:{word}){more}*(?!\w))"


@cache
def compile_language(code: str) -> Patterns:
    """The compiled patterns of a language code from `monitor.figures.lang.LANGUAGES`."""
    lang = load_language(code)
    b = lang.noun_style not in ("ko", "ja", "zh")  # CJK words take particles: no boundaries
    words_scan = _words_regex(lang)
    parts = []
    if lang.vague or lang.fractions:
        vague = list(lang.vague) + list(lang.fractions)
        parts.append(rf"(?P<vague>{first_letters(vague)}(?<!\w)(?:{alternation(vague)})(?!\w))")
    if words_scan:
        parts.append(words_scan)
    mags = {k.lower(): v for k, v in lang.magnitudes.items()}
    units = {**UNIVERSAL_UNITS, **{k.lower(): v for k, v in lang.units.items()}}
    counters = lang.counters
    months = frozenset(lang.words("months"))
    date_parts = [alternation(lang.words("past_dates")), alternation(list(months))]
    date_alt = "|".join(p for p in date_parts if p)
    date_words = lang.words("past_dates") + tuple(months)
    dates = (
        (rf"{first_letters(date_words)}(?<!\w)(?:{date_alt})(?!\w)" if b else date_alt)
        if date_alt
        else ""
    )
    if lang.month_pattern:
        dates = f"{dates}|{lang.month_pattern}" if dates else lang.month_pattern
    return Patterns(
        lang=lang,
        left=_lexicon(lang, b),
        skip=re.compile(SKIP),
        num=re.compile(DIGITS),
        cjk=re.compile(CJK) if not b else None,
        words=re.compile(_after_gap(parts)) if parts else None,
        words_folded=re.compile(_after_gap(parts), IGNORE_CASE) if parts else None,
        words_table={
            **{k.lower(): v for k, v in lang.number_words.items()},
            **{k.lower().replace("-", ""): v for k, v in lang.number_words.items() if "-" in k},
        },
        glue=frozenset(lang.words("joiners") + lang.words("infixes")),
        joiner=re.compile(
            rf"[\s\u00a0]+(?:{alternation(lang.words('joiners'))})[\s\u00a0]+", IGNORE_CASE
        )
        if lang.joiners
        else None,
        magnitude=starting(list(mags)),
        magnitude_table=mags,
        unit_after=re.compile(
            rf"[\s\u00a0]*(?:{alternation(list(units))})" + (r"(?!\w)" if b else ""), IGNORE_CASE
        ),
        unit_table=units,
        currency_before=CURRENCY_BEFORE,
        approx_after=starting(lang.words("approx_after"), b),
        at_least_after=starting(lang.words("at_least_after"), b),
        at_most_after=starting(lang.words("at_most_after"), b),
        past_after=starting(lang.words("past_after"), b),
        range_join=re.compile(
            rf"[\s\u00a0]*(?:{alternation(lang.words('range_words'))})"
            r"[\s\u00a0]*",
            IGNORE_CASE,
        )
        if lang.range_words
        else None,
        between_join=_joins(lang.between),
        from_join=_joins(lang.from_to),
        change_verbs=anywhere(lang.words("change_verbs"), prefix=True, bounded=b),
        exceed_first=frozenset(w[0] for w in lang.words("exceed_verbs")),
        exceed_verbs=anywhere(lang.words("exceed_verbs"), prefix=True) if b else None,
        age_before=re.compile(
            rf"(?<!\w)(?:{alternation(lang.words('age_words'))})[\s\u00a0]+"
            r"(?:[0-9]+[\s\u00a0]*(?:to|and|bis|und|à|et|-|–)[\s\u00a0]*)?$",
            IGNORE_CASE,
        )
        if lang.age_words
        else None,
        age_last=frozenset(
            [*(w.split()[-1] for w in lang.words("age_words")), *AGE_JOINS]
            if lang.age_words
            else []
        ),
        change_by=ending(lang.words("change_by")),
        amount_words=frozenset(lang.words("amount_words")),
        amount_nouns=re.compile(alternation(lang.words("amount_nouns")), IGNORE_CASE)
        if lang.amount_nouns
        else None,
        cited_extreme=re.compile(rf"(?:{lang.cited_extreme})\s*$", IGNORE_CASE)
        if lang.cited_extreme
        else None,
        cited_extreme_last=frozenset(lang.words("cited_extreme_last")),
        to_words=re.compile(alternation(lang.words("to_words"))) if lang.to_words else None,
        past_words=anywhere(lang.words("past_words"), bounded=b),
        past_pattern=re.compile(lang.past_pattern, IGNORE_CASE) if lang.past_pattern else None,
        current_words=anywhere(lang.words("current_words"), bounded=b),
        dates=re.compile(dates, IGNORE_CASE) if dates else None,
        dates_after_gap=re.compile(rf"\W(?P<date>{dates})", IGNORE_CASE) if dates and b else None,
        spec_after=starting(lang.words("spec_units"), b),
        time_after=re.compile(
            rf"[\s\u00a0]*(?:{alternation(TIME_WORDS.split('|'))})(?!\w)", IGNORE_CASE
        ),
        ordinal_after=re.compile(
            rf"(?:{alternation(lang.words('ordinal_suffixes'))})(?!\w)", IGNORE_CASE
        )
        if lang.ordinal_suffixes
        else None,
        months=months,
        month_keys=frozenset(m.rstrip(".") for m in months),
        past_dates=frozenset(" ".join(w.split()) for w in lang.words("past_dates")),
        month_numbers=_month_numbers(lang.code),
        stopwords=frozenset(lang.words("stopwords")),
        skip_words=frozenset(lang.words("skip_words")),
        of_words=frozenset(lang.words("of_words")),
        number_of=anywhere(lang.words("number_of"), bounded=b),
        relations=anywhere(list(lang.relations), prefix=b, bounded=b),
        relation_table={k.lower(): v for k, v in lang.relations.items()},
        counters=re.compile(rf"[\s]?(?:{alternation(list(counters))})") if counters else None,
        date_suffix=re.compile(rf"[\s]?(?:{lang.date_suffixes})") if lang.date_suffixes else None,
        durations=frozenset(lang.words("durations") + lang.words("multiples")),
        ago_before=ending(lang.words("ago_before")),
        ago_after=starting(lang.words("ago_after")),
        phone=anywhere(lang.words("phone_words"), bounded=b),
        subject_articles=frozenset(lang.words("subject_articles")),
        article_noun=re.compile(
            rf"(?<!\w)({alternation(lang.words('subject_articles'))})(?!\w)"
            r"(?=[\s\u00a0]+([^\W\d_]{3,}))",
            IGNORE_CASE,
        )
        if lang.subject_articles
        else None,
        versus=ending(lang.words("versus"), b),
        versus_after=re.compile(alternation(lang.words("versus_after")))
        if lang.versus_after
        else None,
        street_after=re.compile(rf"(?:[-–]\d+[a-zA-Z]?)?,?[\s\u00a0]+(?:{lang.street_after})(?!\w)")
        if lang.street_after
        else None,
        street_before=re.compile(rf"(?:{lang.street_before})[\s\u00a0,]*$")
        if lang.street_before
        else None,
    )


def _month_numbers(code: str) -> dict[str, int]:
    """Month names of a language in every width and context babel knows, to order dates."""
    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, name in get_month_names(width, context, code).items():
                names.setdefault(name.lower().rstrip("."), number)
    return names


def _joins(pairs: tuple[tuple[str, str], ...]) -> dict[str, Pattern]:
    """First word -> a pattern for the word(s) that close the pair, at a position."""
    closing: dict[str, list[str]] = {}
    for first, second in pairs:
        closing.setdefault(first, []).append(second)
    return {
        first: re.compile(rf"[\s\u00a0]*(?:{alternation(seconds)})[\s\u00a0]*", IGNORE_CASE)
        for first, seconds in closing.items()
    }
