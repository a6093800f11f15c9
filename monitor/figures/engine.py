"""The scan: one pass over the text that turns number candidates into drafts of figures.

For each candidate the master regex finds, in text order: read its value, drop it if it
is no figure (see `exclusions`), read what stands before it (currency, qualifiers, "up
from", "zwischen") and after it (magnitude, range, unit or currency, counter, qualifier),
then find its counted noun. Time, relations and elided nouns are settled afterwards over
whole sentences (see `timing`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from monitor.figures.candidates import Candidate, find_candidates
from monitor.figures.exclusions import cued_year, is_excluded, is_year
from monitor.figures.nouns import find_noun_after, find_noun_cjk, lemmatize
from monitor.figures.numerals import (
    clean,
    compose_words,
    fits,
    parse_cjk,
    parse_digits,
    split_morphemes,
)
from monitor.figures.patterns import CURRENCY_SYMBOLS, NUMERAL_ONES, OPEN_PUNCT, Patterns

LEFT_WINDOW = 60  # characters before a number searched for qualifiers
CURRENCY_REACH = 6  # characters before a number that may hold its currency ("US$ ", "R$ ")
# When a phrase is several things ("от": "from" of a range and "at least"), the first wins.
QUALIFIER_ORDER = ("from", "between", "nearly", "min", "max", "approx", "past")
PRICED = frozenset(["percent", "percentage point", "permille", "km", "kg", "tonne", "mile"])
SINGLE_LETTER_MAGNITUDES = frozenset(["k", "m", "b"])
NEXT_WORD = re.compile(r"(?:[\s\u00a0]+|[-‑](?=[^\W\d_]+[-‑]))([^\W\d_]+)")  # "Zwei-Stunden-Takt"
OF_NEXT = 12  # characters between "23" and "28 Drohnen" in "23 von 28 Drohnen"


@dataclass(slots=True)
class Draft:
    """A figure being assembled (mutable, internal)."""

    start: int
    end: int
    num_start: int
    num_end: int
    value: Decimal
    kind: str
    approx: bool = False
    bound: str | None = None
    range: tuple[Decimal, Decimal] | None = None
    unit: str = ""
    unit_span: tuple[int, int] | None = None
    counter: str | None = None
    measured: bool = False  # unit is a currency, percent or measure: never an elided noun
    past: bool = False  # a cue right at the number says it is an earlier value
    current: bool = False  # the new value of a "from X to Y" change
    delta: bool = False  # the size of a change ("increased by 5% to"): never an earlier value
    fronted: float | None = None  # the month of a date opening its sentence ("Im Februar …")
    from_word: tuple[re.Pattern[str], bool] | None = None
    scaled: bool = False  # a magnitude word follows ("47,2 milliards"): may share a currency
    date: str | None = None
    relation: str | None = None


@dataclass(slots=True)
class Scan:
    """What one pass over a text found: drafts in text order and the years it names."""

    drafts: list[Draft]
    years: list[tuple[int, int, int]]  # (start, end, year)


def scan_text(text: str, p: Patterns, decimal: str | None, *, durations: bool = False) -> Scan:
    """Turn every number candidate of `text` into a draft figure, in text order; spans of
    time ("three years in prison") only when `durations` asks for them."""
    matches = find_candidates(text, p)
    drafts: list[Draft] = []
    years: list[tuple[int, int, int]] = []
    consumed = 0
    last: Draft | None = None  # the last number read, a figure or a bare spelled word
    i = 0
    while i < len(matches):
        m = matches[i]
        i += 1
        if m.start < consumed:
            continue
        if m.kind == "num" and len(m.raw) == 4 and cued_year(text, m.start, m.end, m.raw, p):
            years.append((m.start, m.end, int(m.raw)))  # "in 2023", "seit 2020": read no further
            continue
        age = _age(text, m, decimal) if durations else None
        if age is not None:
            _read_left(text, age, p)
            drafts.append(age)
            consumed = age.end
            continue
        draft = _read(text, m, p, decimal)
        if draft is None:
            continue
        _read_left(text, draft, p)
        if draft.num_start >= 4 and SUB.search(text, draft.num_start - 4, draft.num_start):
            draft.bound, draft.start = "max", draft.num_start - 4
        if draft.kind == "num" and is_year(
            text,
            draft.num_start,
            draft.num_end,
            m.raw,
            p,
            qualified=draft.approx or draft.measured,  # "hasta 2033" is a year
        ):
            years.append((draft.num_start, draft.num_end, int(m.raw)))
            continue
        pos = _read_magnitude(text, draft, p)
        second, pos = _read_second(text, draft, pos, matches, i, p=p, decimal=decimal)
        first: Draft | None = None
        if draft.kind == "score":
            consumed = draft.end
            i = matches.index(second[1]) + 1 if second is not None else i
            continue
        if second is not None:
            i = matches.index(second[1]) + 1
            if second[0] is not None:
                first, draft = draft, second[0]
                drafts.append(first)
        _read_right(text, draft, pos, p)
        draft.delta = _change_by(text, draft, p)
        if first is not None and not first.unit:
            first.unit, first.measured = draft.unit, draft.measured
        consumed = draft.end
        if _is_duration(text, draft, p):
            if _ago(text, draft, p):
                years.append((draft.start, draft.end, 0))  # "vor zwei Jahren": a date, not a count
                continue
            if not durations:
                continue
            _time_unit(text, draft, p)
        if _proportion_base(text, draft, last):
            assert last is not None
            if not last.unit and not draft.measured:
                last.unit, last.unit_span = draft.unit, draft.unit_span  # "nine out of ten doctors"
            if not drafts or drafts[-1] is not last:
                drafts.append(last)
            last = None
            continue  # "huit véhicules sur dix": the base of a proportion, not a figure
        last = draft
        if (
            draft.kind == "words"
            and draft.value < 100
            and draft.value == draft.value.to_integral_value()  # "two thirds of the members"
            and not draft.unit
            and not draft.counter
        ):
            continue  # "zwei", "three" without a noun: a word, not a figure
        if draft.kind == "words" and draft.value == 1 and not draft.measured:
            continue  # "one academic told", "one of Germany's": "one per cent" counts
        if not fits(draft.value):
            continue  # "10^30 billion": scaled past any figure
        if _denominator(text, draft):
            continue  # "per 100,000 people": the base of a rate, not a figure
        if drafts and _same_measure(text, drafts[-1], draft):
            draft.approx, draft.bound = drafts[-1].approx, drafts[-1].bound  # "over 5 km/3 miles"
        if draft.past and drafts and _newer_before(text, drafts[-1], draft):
            drafts[-1].current = True  # "65.2 cases, up from 33.8": the newer value
        drafts.append(draft)
    return Scan(drafts, years)


def _read(
    text: str,
    m: Candidate,
    p: Patterns,
    decimal: str | None,
    *,
    second: bool = False,
) -> Draft | None:
    parts: list[int] | None = None
    kind = m.kind
    raw = m.raw
    value: Decimal | None
    if kind == "num":
        excluded = is_excluded(text, m.start, m.end, raw, p, second=second)
        if excluded or _in_notation(text, m):
            return None
        value = parse_digits(raw, decimal)
    elif kind == "fraction":
        numerator, denominator = re.split("[/⁄]", raw)
        value = (Decimal(numerator) / Decimal(denominator)).quantize(SHARE_DIGITS).normalize()
        kind = "words"  # read on as "a third" is: "of the …" leads to its noun
    elif kind == "cjk":
        if p.date_suffix is not None and p.date_suffix.match(text, m.end):
            return None
        if m.start > 0 and text[m.start - 1] in ("제", "第"):
            return None
        value = parse_cjk(raw)
    elif kind == "vague":
        key = " ".join(raw.lower().split())
        if key in p.lang.fractions:
            if text[m.end : m.end + 1] in HYPHENS:
                return None  # "a third-quarter profit": an ordinal
            if key in MIDDLE_WORDS and MIDDLE_AFTER.match(text, m.end):
                return None  # "en medio de", "por medio de": the middle, a means; no half
            if key in BARE_HALVES and not _half_of(text, m.start, m.end):
                return None  # "the second half", "cut in half": a part, no share of a whole
            if (
                key.startswith(("a ", "an "))
                and Decimal(p.lang.fractions[key]) < 1
                and not OF_AFTER.match(text, m.end)
            ):
                return None  # "a third is to join": the third of a list, no fraction
            kind, value = "words", Decimal(p.lang.fractions[key])  # "anderthalb", "a third"
        else:
            value = Decimal(p.lang.vague[key])
    else:
        if raw[:1].isupper() and _in_title_name(text, m, p):
            return None  # "The Five-hundred-meter Aperture Spherical Radio Telescope"
        if p.words_table.get(raw.lower()) == 2 and _both(text, m.start, p):
            return None  # "entre les deux sexes", "the two companies": both, no count
        parts = split_morphemes(raw, p.words_table, p.glue)
        if parts and len(parts) > 1 and parts[0] == 1 and parts[1] < 100:
            # "a five per cent stake": the article, then the number
            article = raw.split(None, 1)
            if len(article) == 2 and p.words_table.get(article[0].lower()) == 1:
                rest = Candidate(m.end - len(article[1]), m.end, kind, article[1])
                return _read(text, rest, p, decimal)
        value = compose_words(parts) if parts else None
        one = value == 1 and raw.lower() in NUMERAL_ONES  # "one per cent": the unit decides
        if value is None or (value < 2 and not one):
            return None
    if value is None:
        return None
    draft = Draft(m.start, m.end, m.start, m.end, value, kind)
    if kind == "words" and parts and len(parts) > 1 and parts[-1] in WORD_SCALES:
        draft.scaled = True  # "five thousand": a first number may share its magnitude
    if kind == "vague":
        draft.approx, draft.bound = True, "min"
    return draft


BASE_JOIN = re.compile(
    r"[\s\u00a0]+(?:out\s+of|of\s+every|in|sur|von|de\s+cada|de|su|na|z|op|em\s+cada|su\s+ogni|из|з)"
    r"[\s\u00a0]+$",
    re.IGNORECASE,
)
BASE_REACH = 16  # characters of " out of every " and its kin


def _proportion_base(text: str, d: Draft, last: Draft | None) -> bool:
    """The ten of "huit véhicules sur dix", "nine out of ten", "neun von zehn Deutschen",
    "4 in 10": the base of a proportion that the number before it gives."""
    if d.value != 10 or last is None or last.value >= 10 or d.range is not None:
        return False
    if d.unit in MONEY_OR_SHARE or last.range is not None:
        return False
    join = BASE_JOIN.search(text, max(0, d.start - BASE_REACH), d.start)
    if join is None or last.end > join.start():
        return False
    gap = text[last.end : join.start()]
    return len(gap.split()) <= 1 and all(c.isalpha() or c.isspace() for c in gap)


def _same_measure(text: str, prev: Draft, d: Draft) -> bool:
    """The same quantity in another unit after a slash ("over 51,200 KB/50 MB", "bis zu
    5 km/3 Meilen"): it shares the qualifiers of the first."""
    if not (prev.unit and d.unit) or d.approx or d.bound is not None:
        return False
    end = max(prev.end, prev.unit_span[1]) if prev.unit_span else prev.end
    return text[end : d.start].strip() == "/" and prev.unit != d.unit


COMPARED_REACH = 80  # characters between a newer value and the earlier one it is compared with
CLAUSE_MARKS = re.compile(r"[.;!?\n]\s")


def _newer_before(text: str, prev: Draft, d: Draft) -> bool:
    """Whether `prev` is the value that `d`, cited as an earlier one ("up from 33.8",
    "statt 399 Euro", "wobec 540 tys."), is compared with: the same clause, the same unit."""
    if prev.past or prev.range is not None or d.start - prev.end > COMPARED_REACH:
        return False
    if prev.unit and d.unit and prev.unit != d.unit:
        return False
    return CLAUSE_MARKS.search(text, prev.end, d.start) is None


# a definite article before "two" makes it "both" ("les deux", "los dos", "the two", "i due")
BOTH_BEFORE = {
    code: re.compile(rf"(?<![^\W\d_])(?:{articles})[ \u00a0]$", re.IGNORECASE)
    for code, articles in {
        "en": "the",
        "fr": "les",
        "es": "los|las",
        "it": "i|le|gli",
        "pt": "os|as",
    }.items()
}


def _both(text: str, start: int, p: Patterns) -> bool:
    both = BOTH_BEFORE.get(p.lang.code)
    return both is not None and both.search(text, max(0, start - 5), start) is not None


WORD_BEFORE = re.compile(r"[^\W\d_]{2,}[ \u00a0]$")
CAPITAL_NEXT = re.compile(r"(?:[-‑][^\W\d_]+)*[ \u00a0]+[A-ZÀ-ÝĄĆĘŁŃÓŚŹŻ][^\W\d_]")
LOWER_WORD = re.compile(r"(?<![^\W\d_])[a-zà-ÿąćęłńóśźż]{4,}")
LINE_REACH = 200  # characters after a name searched for the running text it stands in


def _in_title_name(text: str, m: Candidate, p: Patterns) -> bool:
    """A capitalised spelled number inside a sentence, before another capitalised word, is
    part of a name ("The Five-hundred-meter Aperture Spherical Radio Telescope", "les Trois
    Glorieuses"), where nouns are written in lower case and the line runs on in lower case
    (a title in title case stays read)."""
    if p.lang.noun_style in ("capital", "ko", "ja", "zh"):
        return False
    if not WORD_BEFORE.search(text, max(0, m.start - 40), m.start):
        return False
    if not CAPITAL_NEXT.match(text, m.end):
        return False
    end = text.find("\n", m.end, m.end + LINE_REACH)
    return LOWER_WORD.search(text, m.end, end if end >= 0 else m.end + LINE_REACH) is not None


PER_BEFORE = re.compile(
    r"(?<!\w)(?:per|pro|pour|par|por\s+cada|su|ogni|на|sur)[\s\u00a0]+$", re.IGNORECASE
)
PER_REACH = 12  # characters of "por cada " and its kin
MONEY_OR_SHARE = frozenset(CURRENCY_SYMBOLS.values()) | {"percent", "percentage point", "permille"}


def _denominator(text: str, d: Draft) -> bool:
    """The round base of a rate ("per 100,000 people", "pro 1.000 Einwohner", "pour
    100 000 habitants"): a power of ten of at least 100 after "per", counting no currency."""
    if d.unit in MONEY_OR_SHARE or d.value < 100 or d.range is not None:
        return False
    digits = str(d.value)
    if digits.strip("0") != "1":
        return False
    return PER_BEFORE.search(text, max(0, d.start - PER_REACH), d.start) is not None


SHARE_DIGITS = Decimal("1e-12")  # as the fraction words: "a third" is 0.333333333333
OF_AFTER = re.compile(r"[\s\u00a0]+of\b", re.IGNORECASE)
MIDDLE_WORDS = frozenset(["medio", "meio", "mezzo"])  # "half" that also means "middle"
BARE_HALVES = frozenset(["half"])  # "half" with no article: a share only before "of"/"the"
HALF_AFTER = re.compile(r"\s+(?:of|the|its|their|his|her|our|all|these|those)\b", re.IGNORECASE)
HALF_BEFORE = re.compile(
    r"(?:first|second|latter|other|back|front|top|bottom|in|by|into|a|an)\s+$", re.IGNORECASE
)


def _half_of(text: str, start: int, end: int) -> bool:
    """ "half of the condos", "almost half of which", "Half the members": a share."""
    if not HALF_AFTER.match(text, end):
        return False
    return HALF_BEFORE.search(text, max(0, start - 8), start) is None


MIDDLE_AFTER = re.compile(r"\s+(?:de|del|da|do|di|della|dei)\b", re.IGNORECASE)

NOTATION_AFTER = re.compile(r"[eE][+-]?[0-9]|\s*\^\s*[0-9]|[xX][0-9a-fA-F]")
NOTATION_BEFORE = re.compile(r"(?:[0-9][eE][+-]?|\^\s*|0[xX])$")
NOTATION_REACH = 12  # characters before a number that may hold "1.8e+", "10 ^ ", "0x"
MINUS_SIGNS = "-−–"  # hyphen, minus, and the en dash typeset as a minus ("bei –2,5 %")


def _in_notation(text: str, m: Candidate) -> bool:
    """Scientific, power or hex notation ("1.8e+308", "10^400", "0x1F"): no newspaper figure."""
    return bool(
        NOTATION_AFTER.match(text, m.end)
        or NOTATION_BEFORE.search(text, max(0, m.start - NOTATION_REACH), m.start)
    )


MINUS_WORD = re.compile(r"(?<!\w)(?:minus|минус|мінус)(?:[\s\u00a0]+|-)$", re.IGNORECASE)
SUB = re.compile(r"(?<![^\W\d_])sub-$", re.IGNORECASE)  # "sub-7 nanometre": below 7
MINUS_REACH = 8  # characters of "minus " and its kin


def minus_start(text: str, start: int) -> int | None:
    """Where the minus of a negative number starts ("-3,5", "minus 5 degrees"), or None."""
    if sign_before(text, start) < 0:
        return start - 1
    word = MINUS_WORD.search(text, max(0, start - MINUS_REACH), start)
    return word.start() if word else None


def sign_before(text: str, start: int) -> int:
    """-1 when a minus sign stands right before the number and is no range dash ("5-6")."""
    if start == 0 or text[start - 1] not in MINUS_SIGNS:
        return 1
    if start >= 2 and not (text[start - 2].isspace() or text[start - 2] in "(:=/$€£¥₽₴₹"):
        return 1  # glued to a word or number: "T-72", "5-6"
    before = text[: start - 1].rstrip()
    if before and before[-1].isdigit() and not PERCENT_AT.match(text, start):
        return 1  # "5 -6": a range (but "Stoxx 50 -1.3%": a change after an index name)
    return -1


PERCENT_AT = re.compile(r"\d+(?:[.,]\d+)?[\s\u00a0]?%")


def _read_left(text: str, d: Draft, p: Patterns) -> None:
    lo = max(0, d.num_start - LEFT_WINDOW)
    window = text[lo : d.num_start]
    near = max(0, len(window) - MINUS_REACH - 4)  # the word ends the window: search its end
    if d.kind == "num" and (minus := MINUS_WORD.search(window, near)):
        window = window[: minus.start()]  # "до минус 25 градусов": "до" bounds the -25
    if window[-1:] in MINUS_SIGNS and window[-2:-1] in "$€£¥₽₴₹":
        window = window[:-1]  # "$-50.8bn": the sign stands between currency and number
    tail = len(window) - CURRENCY_REACH  # symbols are short: search only the window's end
    cur = p.currency_before.search(window, max(0, tail)) if _ends_currency(window) else None
    if cur:
        d.unit = CURRENCY_SYMBOLS[cur.group().strip().lower()]
        d.unit_span = (lo + cur.start(), lo + cur.end())
        d.measured = True
        d.start = lo + cur.start()
        window = window[: cur.start()]
    if d.bound is None and _after_exceed_verb(text, d.start, p):
        d.bound = "min"
    if p.cited_extreme is not None and _cited_extreme(text, lo, d.start, p):
        d.past = True  # "below the 2016 high of 8,836": an earlier extreme, cited
    for _ in range(5):
        hit = p.left.last(window)
        if hit is None:
            break
        start, kinds = hit
        kind = next((k for k in QUALIFIER_ORDER if k in kinds), None)
        if kind is None:
            break
        if kind in ("between", "from"):
            if d.from_word is not None:
                break
            word = " ".join(window[start:].split()).lower().lstrip(OPEN_PUNCT)
            join = p.between_join.get(word) if kind == "between" else p.from_join.get(word)
            if join is None:
                break
            d.from_word = (join, kind == "from")
            if kind == "between":
                d.start = lo + start
            window = window[:start]
            continue
        phrase, window = window[start:], window[:start]
        if kind == "past":
            d.past = True
            words = phrase.lower().split()
            join = p.from_join.get(words[-1]) if words else None
            if join is not None and d.from_word is None:
                d.from_word = (join, True)  # "increasing from 3.9 per cent to 5.8 per cent"
            continue
        if kind == "max" and (
            _after_change_verb(window, p, phrase=phrase)
            or _to_after_change(text, phrase, lo + start, p)
        ):
            continue  # "удвоились до 13 тысяч": "до" says "to", not "up to"
        if kind == "min" and _amounting(phrase, window, p):
            continue  # "einen Auftrag über 2 Milliarden Euro": the sum, not "more than"
        d.start = lo + start
        if kind in ("nearly", "approx"):
            d.approx = True
        if kind in ("nearly", "max"):
            d.bound = "max"
        elif kind == "min":
            d.bound = "min"


REFLEXIVES = frozenset(["się", "sich", "se", "si", "zich", "ся"])
# articles that may stand between "exceeded", "superaba", "a dépassé" and the number
_SKIPPED = "the los las les le la el i gli il lo os as o die den das de het des already first"
_SKIPPED_ADVERBS = "erstmals bereits schon déjà ya già já уже вже впервые вперше"
ARTICLES = frozenset(f"{_SKIPPED} {_SKIPPED_ADVERBS}".split())
EXCEED_REACH = 40  # characters before a number searched for "exceeded", "превысил"


def _cited_extreme(text: str, lo: int, start: int, p: Patterns) -> bool:
    """Whether a cited earlier extreme ends right before the number ("the 2016 high of")."""
    tail = text[max(lo, start - 12) : start].split()
    if not tail or (tail[-1].lower() not in p.cited_extreme_last and not tail[-1][:1].isdigit()):
        return False  # the phrase ends in "of", "von", "de" or in its year
    assert p.cited_extreme is not None
    return p.cited_extreme.search(text, lo, start) is not None


def _after_exceed_verb(text: str, start: int, p: Patterns) -> bool:
    """ "exceeded 8 billion", "superaba los 2,7 millones", "превысил 100 рублей": a minimum."""
    if p.exceed_verbs is None:
        return False
    words = text[max(0, start - EXCEED_REACH) : start].rsplit(None, 3)
    while len(words) > 1 and words[-1].lower() in ARTICLES:
        words.pop()
    word = words[-1].strip(OPEN_PUNCT) if words else ""
    return word[:1].lower() in p.exceed_first and p.exceed_verbs.fullmatch(word) is not None


# the last characters of the symbols and codes in CURRENCY_SYMBOLS ("$", "€", "usd", "zł")
CURRENCY_ENDS = frozenset(symbol[-1] for symbol in CURRENCY_SYMBOLS)


def _ends_currency(window: str) -> bool:
    """Whether `window` may end in a currency symbol (a quick "no" before the regex)."""
    last = window[-1:]
    if last.isspace():
        last = window[-2:-1]  # "US$ 300": one space may follow the symbol
    return last.lower() in CURRENCY_ENDS


CHANGE_REACH = 100  # characters before "до", "hasta", "do", "tot" searched for a change verb
CLAUSE_END = re.compile(r"[!?;]\s|\.\s+(?=[A-ZÀ-ÝĄĆĘŁŃÓŚŹŻА-ЯЁІЇЄҐ])")  # not "proc. do"


def _to_after_change(text: str, phrase: str, start: int, p: Patterns) -> bool:
    """ "до", "hasta", "do", "tot" after a change verb in the same sentence give the new level
    ("повысил ключевую ставку до 21%", "cayó un 6,1 %, hasta 1,28 millones"): "to", no bound."""
    word = " ".join(phrase.split()).lower().lstrip(OPEN_PUNCT)
    if p.to_words is None or p.change_verbs is None or not p.to_words.fullmatch(word):
        return False
    before = text[max(0, start - 12) : start].split()
    if before and before[-1].lower() in EVEN:
        return False  # "nawet do 500", "even up to": "up to" after all
    lo = max(0, start - CHANGE_REACH)
    stops = list(CLAUSE_END.finditer(text, lo, start))
    if stops:
        lo = stops[-1].end()
    return p.change_verbs.search(text, lo, start) is not None


AMOUNT_ARTICLES = frozenset(["in", "höhe", "von", "im", "wert"])


def _amounting(phrase: str, window: str, p: Patterns) -> bool:
    """ "über" right after a noun of a sum ("Rechnung über", "Milliardenauftrag über")."""
    if p.amount_nouns is None or " ".join(phrase.split()).lower() not in p.amount_words:
        return False
    words = window.split()
    return bool(words and p.amount_nouns.search(words[-1]))


CHANGE_OBJECT = 3  # words: "zwiększyć ich liczbę do 4 000", "raise the cap to 300"
EVEN = frozenset(["nawet", "even", "sogar", "incluso", "même", "persino", "até", "даже", "навіть"])


def _after_change_verb(window: str, p: Patterns, *, phrase: str = "") -> bool:
    """Whether a verb of change stands right before "до"/"do"/"to" (a one-word `phrase`
    may have a short object between): then it says "to" a new level, not "up to"."""
    words = window.split()
    if len(words) >= 2 and words[-1].lower() in REFLEXIVES:
        words.pop()  # "podwoiła się do 13 tys.": the verb stands before its reflexive
    if not words or p.change_verbs is None:
        return False
    reach = CHANGE_OBJECT if len(phrase.split()) == 1 else 1  # "increased to a maximum of"
    for word in reversed(words[-reach:]):
        if word.lower() in EVEN or not word[:1].isalpha():
            return False  # "nawet do 500": "up to" after all; a number or mark ends the object
        if p.change_verbs.fullmatch(word):
            return True
    return False


def _read_magnitude(text: str, d: Draft, p: Patterns) -> int:
    pos = d.num_end
    if d.kind not in ("num", "words") or p.magnitude is None:
        return pos
    m = p.magnitude.match(text, pos + _hyphen(text, pos))
    if not m:
        return pos
    word = m.group().strip().lower()
    if word in SINGLE_LETTER_MAGNITUDES and (m.group() != m.group().lstrip() or m.start() > pos):
        return pos  # "300 m" is metres; "$300m" is millions
    key = " ".join(word.split())
    if key not in p.magnitude_table:
        return pos
    factor = p.magnitude_table[key]
    more = p.magnitude.match(text, m.end())  # "4 hundred million", "2 hundred thousand"
    while more and p.magnitude_table.get(" ".join(more.group().lower().split()), 0) > factor:
        if more.group().strip().lower() in SINGLE_LETTER_MAGNITUDES:
            break
        factor *= p.magnitude_table[" ".join(more.group().lower().split())]
        m, more = more, p.magnitude.match(text, more.end())
    d.value = clean(d.value * factor)
    d.end = m.end()
    d.scaled = True
    return m.end()


def _read_second(
    text: str,
    d: Draft,
    pos: int,
    matches: list[Candidate],
    i: int,
    *,
    p: Patterns,
    decimal: str | None,
) -> tuple[tuple[Draft | None, Candidate], int] | tuple[None, int]:
    """A range ("5.000 bis 6.000") or change ("von 6.700 auf 13.000") after the number."""
    joins: list[tuple[re.Pattern[str], str]] = []
    if d.from_word is not None:
        joins.append((d.from_word[0], "change" if d.from_word[1] else "range"))
    unit = p.unit_after.match(text, pos)
    whole = bool(d.unit or d.scaled or (unit and unit.end() > pos))  # "$43.6 billion", "10%"
    if p.range_join is not None and not (whole and _change_by(text, d, p)):
        joins.append((p.range_join, "range"))
    while i < len(matches) and matches[i].start < pos:
        i += 1
    for n, (join, how) in enumerate(joins):
        opened = n == 0 and d.from_word is not None  # "von", "de", "between" stand before
        j = join.match(text, pos)
        if (
            not j
            and unit
            and unit.end() > pos
            and (opened or _unit_repeats(text, unit, matches, i, p))
        ):
            j = join.match(text, unit.end())  # "de 1 766,92 euros à 1 801,80 euros", "5% to 10%"
        if not j or i >= len(matches):
            continue
        nxt = matches[i]
        between = text[j.end() : nxt.start]
        if between and not (
            p.currency_before.fullmatch(between)
            and (opened or CURRENCY_SYMBOLS.get(between.strip().lower()) == d.unit)
        ):
            continue  # "de R$ 1.412 para R$ 1.509", "$920 to $1730" may repeat the currency
        second = _read(text, nxt, p, decimal, second=True)
        if second is None:
            continue
        if between:
            second.unit = CURRENCY_SYMBOLS[between.strip().lower()]
            second.measured, second.start = True, j.end()
            second.unit_span = (j.end(), nxt.start)
        had_magnitude = d.end > d.num_end
        end2 = _read_magnitude(text, second, p)
        if how == "change" and d.from_word is not None and d.from_word[1]:
            sentence_start = text.rfind("\n", 0, d.start) + 1
            verbs = p.change_verbs
            if verbs is None or verbs.search(text, max(sentence_start, d.start - 120), d.start):
                d.past = True
                second.current = True
                if _shares_scale(d, second, had_magnitude=had_magnitude):
                    d.value = clean(d.value * (second.value / _unscaled(text, second, p)))
                _read_right(text, d, pos, p, noun=False)
                return (second, nxt), end2
        if _shares_scale(d, second, had_magnitude=had_magnitude) and (
            d.value * (second.value / _unscaled(text, second, p)) <= second.value
        ):  # "$89 to $93 billion" (but "$200 to $4 million")
            d.value = clean(d.value * (second.value / _unscaled(text, second, p)))
        if d.value >= second.value:
            if how == "range" and _score(text, d, second, pos, nxt.start):
                d.kind, d.end = "score", second.end  # "ended 2-2", "won 3-1": no figure
                return (None, nxt), end2
            continue
        d.range = (d.value, second.value)
        d.end = second.end
        d.num_end = second.num_end
        return (None, nxt), end2
    return None, pos


BY_REACH = 30  # characters before a number searched for "increased by"


def _change_by(text: str, d: Draft, p: Patterns) -> bool:
    """ "increased by $43.6 billion to $419.2 billion": the change, then the new level."""
    if p.change_by is None or p.change_verbs is None:
        return False
    words = text[max(0, d.start - BY_REACH) : d.start].rsplit(None, 1)
    if not words or words[-1].lower() not in p.lang.change_by.split("|"):
        return False  # a quick "no": the word before is no "by"
    by = p.change_by.search(text, max(0, d.start - BY_REACH), d.start)
    return (
        by is not None
        and p.change_verbs.search(text, max(0, by.start() - 20), by.start()) is not None
    )


def _unit_repeats(
    text: str, unit: re.Match[str], matches: list[Candidate], i: int, p: Patterns
) -> bool:
    """Whether the number after the join carries the same unit ("5% to 10%", "15 per cent to
    20 per cent"), which makes the pair a range although the unit stands between."""
    if i >= len(matches):
        return False
    again = p.unit_after.match(text, matches[i].end)
    return bool(again and again.group().strip().lower() == unit.group().strip().lower())


SHARED_SCALE_BELOW = 1000  # "5 to 6 million" shares "million"; "$750,000 to $1 million" not


def _shares_scale(d: Draft, second: Draft, *, had_magnitude: bool) -> bool:
    """Whether the first number of a range takes the magnitude of the second ("5 to 6 million",
    "four to five thousand")."""
    scaled = second.end > second.num_end or (second.kind == "words" and second.scaled)
    return not had_magnitude and scaled and d.value < SHARED_SCALE_BELOW


SCORE_MAX = 200  # goals, sets, points of a game score ("2-2", "3-1", "89-89") stay below this


def _score(text: str, d: Draft, second: Draft, pos: int, nxt: int) -> bool:
    """A game score: two small whole numbers joined by a bare dash, not rising ("2-2")."""
    return (
        d.kind == second.kind == "num"
        and text[pos:nxt] in HYPHENS + "–"
        and d.value < SCORE_MAX
        and second.value < SCORE_MAX
        and d.value == d.value.to_integral_value()
        and not d.unit
    )


ARTICLE_WORDS = re.compile(r"(?:[\s\u00a0]+(?:[^\W\d_]{1,3}))?[\s\u00a0]+([^\W\d_]{1,4})(?=\s)")


def _past_articles(text: str, pos: int, p: Patterns) -> int:
    """After the "of the" that follows a fraction ("ein Drittel der Betriebe", "un tercio de
    los hogares"): where the counted noun may start."""
    m = ARTICLE_WORDS.match(text, pos)
    if m is None:
        return pos
    words = text[pos : m.end()].lower().split()
    if all(w in p.stopwords or w in p.of_words for w in words):
        return m.end()
    return pos


def _hyphen(text: str, pos: int) -> int:
    """1 when a hyphen joins a word to the number at `pos` ("$23-million", "185-hp")."""
    return 1 if text[pos : pos + 1] in HYPHENS and text[pos + 1 : pos + 2].isalpha() else 0


HYPHENS = "-‑"


def _is_duration(text: str, d: Draft, p: Patterns) -> bool:
    """True for a span of time ("drei Jahre", "48 heures", "до 15 років"): no figure."""
    if d.unit in TIME_SYMBOLS:
        return True  # "40min", "5 min"
    if d.measured or not p.durations:
        return False
    nxt = NEXT_WORD.match(text, d.end)  # "года", "Jahre" may be stop words of the noun search
    if nxt is not None and nxt.group(1).lower() in p.durations:
        word = nxt.group(1)
        if d.scaled and lemmatize(word, p.lang.code) == word.lower():
            # "534 tys. w marcu wobec 540 tys. miesiąc wcześniej": thousands counted, then
            # "a month earlier"; a span of thousands of months would say "miesięcy"
            if d.unit_span == nxt.span(1):
                d.unit, d.unit_span = "", None
            return False
        d.unit_span = nxt.span(1)  # "twee jaar geleden": the noun search passed over "jaar"
        return True
    if d.unit_span is None:
        return False
    written = text[d.unit_span[0] : d.unit_span[1]].lower()
    return d.unit in p.durations or written in p.durations


TIME_SYMBOLS = frozenset(["min"])  # units of time written as symbols in every language


# An age: "a 65-year-old", "her 18 month-old daughter", "der 45-Jährige", "65-летний"
AGE_AFTER = re.compile(
    r"[-‑\s]?(year|month|week|day)s?[-‑\s]old\b|[-‑]?(jährig|monatig|летн|річн)",
    re.IGNORECASE,
)
AGE_UNITS = {"jährig": "jahr", "monatig": "monat", "летн": "год", "річн": "рік"}


def _age(text: str, m: Candidate, decimal: str | None) -> Draft | None:
    """An age as a span of time (`durations`), counted in its unit: 65 "year"."""
    if m.kind != "num":
        return None
    age = AGE_AFTER.match(text, m.end)
    value = parse_digits(m.raw, decimal) if age is not None else None
    if age is None or value is None:
        return None
    word = (age.group(1) or age.group(2)).lower()
    unit_span = age.span(1) if age.group(1) else age.span(2)
    return Draft(
        m.start,
        m.end,
        m.start,
        m.end,
        value,
        "num",
        unit=AGE_UNITS.get(word, word),
        unit_span=unit_span,
        measured=True,
    )


def _time_unit(text: str, d: Draft, p: Patterns) -> None:
    """A span of time kept as a figure counts its unit of time ("years" -> "year"), a measure:
    no noun-less number near it borrows the unit ("14 hours … filled 30 of its wards")."""
    if d.unit_span is not None and not d.unit:
        d.unit = lemmatize(text[d.unit_span[0] : d.unit_span[1]], p.lang.code)
    d.measured = True


def _ago(text: str, d: Draft, p: Patterns) -> bool:
    """True when the span of time dates something back: "vor zwei Jahren", "два года назад"."""
    if p.ago_before is not None and p.ago_before.search(text, max(0, d.start - 15), d.start):
        return True
    end = d.unit_span[1] if d.unit_span else d.end
    return p.ago_after is not None and p.ago_after.match(text, end) is not None


WORD_SCALES = frozenset([100, 1000, 10**6, 10**9, 10**12])


def _unscaled(text: str, d: Draft, p: Patterns) -> Decimal:
    raw = text[d.num_start : d.num_end]
    if d.kind == "num":
        return parse_digits(raw, p.lang.decimal) or Decimal(1)
    if d.kind == "words" and d.scaled:
        return d.value / _word_scale(raw, p)
    return Decimal(1)


def _word_scale(raw: str, p: Patterns) -> int:
    """The magnitude that ends a spelled number ("five thousand" -> 1000), else 1."""
    parts = list(split_morphemes(raw, p.words_table, p.glue) or [])
    scale = 1
    while len(parts) > 1 and parts[-1] in WORD_SCALES:
        scale *= parts.pop()
    return scale


GLUED_ONLY = frozenset(["p"])  # "164p" is pence; "164 p" is no unit


def _loose_letter(text: str, u: re.Match[str], pos: int) -> bool:
    """A one-letter unit that counts only glued to its number ("164p", not "164 p")."""
    return u.group().strip().lower() in GLUED_ONLY and u.group() != u.group().lstrip()


PRICE_DASH = re.compile(r"[,.][-–]{1,2}")  # "49,- Euro", "449.– Fr.": a whole amount


def _read_right(text: str, d: Draft, pos: int, p: Patterns, *, noun: bool = True) -> None:
    dash = PRICE_DASH.match(text, pos) if d.kind == "num" else None
    if dash and p.unit_after.match(text, dash.end()):
        pos = dash.end()
    for _ in range(4):
        moved = False
        if not d.unit:
            u = p.unit_after.match(text, pos + _hyphen(text, pos))
            if u and u.end() > pos and not _loose_letter(text, u, pos):
                key = " ".join(u.group().lower().split())
                d.unit = p.unit_table.get(key, key)
                d.unit_span = (u.end() - len(u.group().strip()), u.end())
                d.measured = True
                d.end = pos = u.end()
                moved = True
        if p.counters is not None and d.counter is None and not d.unit:
            c = p.counters.match(text, pos)
            if c:
                d.counter = c.group().strip()
                pos = c.end()
                d.end = pos
                moved = True
        for pat, kind in (
            (p.approx_after, "approx"),
            (p.at_least_after, "min"),
            (p.at_most_after, "max"),
        ):
            q = pat.match(text, pos) if pat is not None else None
            if q and q.end() > pos:
                if kind == "approx":
                    d.approx = True
                else:
                    d.bound = kind
                d.end = pos = q.end()
                moved = True
        if p.past_after is not None and (past := p.past_after.match(text, pos)):
            d.past = True
            pos = past.end()
        if not moved:
            break
    if d.measured or not noun:
        return
    if p.lang.noun_style in ("ko", "ja", "zh"):
        found = find_noun_cjk(text, d.start, pos, d.counter, p)
    else:
        found = find_noun_after(text, pos, p)
        if found is None and d.value != d.value.to_integral_value() and d.kind == "words":
            found = find_noun_after(text, _past_articles(text, pos, p), p)
    if found is not None:
        d.unit, d.unit_span = found
        written = text[found[1][0] : found[1][1]].lower()
        code = p.unit_table.get(written) or p.unit_table.get(d.unit)
        if code:
            d.unit, d.measured = code, True  # "2,5 milliards d'euros"
        for pat, bound in ((p.at_least_after, "min"), (p.at_most_after, "max")):
            if pat is not None and d.bound is None and pat.match(text, found[1][1]):
                d.bound = bound  # "500 drones or more"
