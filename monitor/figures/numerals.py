"""Reading numbers: digits with locale separators, CJK numerals and numbers written as words.

One master regex per language finds every candidate in a single pass; the functions here
turn a candidate's text into an exact `Decimal`. Which separator is the decimal one is
settled by the language ("1.500" is 1500 in German, 1.5 in English); a separator that
cannot group (not followed by exactly three digits) is a decimal point in any language.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SPACES = " \u00a0\u202f\u2009"
GROUPING_ONLY = SPACES + "'’"
LETTER = "A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"

# Stretches that hold digits but no figure; the scan consumes them so that their parts
# are not read as numbers.
# Each group starts with what it may start with: "+" or "(", two capitals, a digit. The
# scan tries at a digit run only the group that can start there.
SKIP_OPENED = (
    r"\+\d{1,3}[\d \u00a0()./-]{6,}\d"  # phone numbers in international form
    r"|\(\d{2,5}\)[ \u00a0]?\d[\d \u00a0/-]{3,}\d"  # (030) 123 4567
)
SKIP_IBAN = r"\b[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{4}){2,}(?:[ \u00a0]?[A-Z0-9]{1,4})?\b"
SKIP_DIGITS = (
    r"\b\d{1,2}:\d{2}(?::\d{2})?(?!\d)"  # times, "8:05AM" too
    r"|\b\d{1,2}:\d(?!\d|[.,]\d)"  # scores and ratios: "3:1"
    r"|\b\d{1,2}[ \u00a0]?h[ \u00a0]?\d{2}\b"  # 14 h 30
    r"|\b\d{4}-\d{1,2}-\d{1,2}\b"  # ISO dates
    r"|\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})(?!\d)"  # 9.10.2024, 10/09/24
    r"|\b\d{2,5}/\d{3,}(?:[/-]\d+)*\b"  # 030/1234567, file numbers
    r"|\b\d+(?:-\d+){3,}\b"  # ids in hyphenated groups
    r"|\b\d{10,}\b"  # long digit strings are ids, not counts
    r"|\b0\d*(?:[ \u00a0-]\d+)+"  # 0800 111 0 111, 0 800 50 10 74: no count starts with 0
    r"|\b\d{1,4}(?=(?:[ \u00a0]\d{2,4}){3})(?:[ \u00a0]\d{3}(?!\d))*[ \u00a0]"
    r"(?:\d{2}|\d{4})(?!\d)(?:[ \u00a0]\d{2,4}(?!\d))*"  # 8 800 555 35 35: groups of 2 or 4
    r"|\b\d+(?:[.,]\d+)?/\d+\b"  # Ley 7/2021, Lei 14.133/2021, 24/7
)
SKIP = f"{SKIP_OPENED}|{SKIP_IBAN}|{SKIP_DIGITS}"
DIGITS = (
    rf"(?<![0-9{LETTER}.,])"
    r"(?:\d{1,3}(?P<sep>[.,'’ \u00a0\u202f\u2009])\d{3}(?!\d)(?:(?P=sep)\d{3}(?!\d))*"
    r"(?:[.,]\d+)?|\d+['’]\d{3}(?:['’]\d{3})*(?!\d)(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?!\d)"
)
CJK_DIGIT = "0-9０-９"
CJK_MAG = "十百千万萬億亿兆천백만억조"
CJK_NUMERAL = "〇零一二两兩三四五六七八九十百千万萬億亿兆"
CJK = (
    rf"(?<![0-9A-Za-z.,])(?:[{CJK_DIGIT}][{CJK_DIGIT},]*(?:\.[{CJK_DIGIT}]+)?[ ]?[{CJK_MAG}]+"
    rf"(?:[ ]?[{CJK_DIGIT}][{CJK_DIGIT},]*(?:\.[{CJK_DIGIT}]+)?(?:[ ]?[{CJK_MAG}]+)?)*"
    rf"|[{CJK_NUMERAL}]{{2,}})"
)
CJK_VALUES = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5}
CJK_VALUES |= {"六": 6, "七": 7, "八": 8, "九": 9}
SMALL_MAG = {"十": 10, "百": 100, "千": 1000, "천": 1000, "백": 100}
BIG_MAG = {"万": 10**4, "萬": 10**4, "만": 10**4, "億": 10**8, "亿": 10**8, "억": 10**8}
BIG_MAG |= {"兆": 10**12, "조": 10**12}
CJK_PIECE = re.compile(
    rf"[{CJK_DIGIT}][{CJK_DIGIT},]*(?:\.[{CJK_DIGIT}]+)?|[{CJK_NUMERAL}천백만억조]"
)


MORPHEME_SPLIT = re.compile(r"[\s\u00a0,-]+")
# No newspaper writes a number with more digits, and no count or amount reaches 10^40 (the
# world's GDP in Zimbabwe dollars of 2008 would): longer digit strings are ids or garbage.
# Bounded values keep every figure's text within the store's 64 characters and clear of
# Python's limit on int digits.
MAX_DIGITS = 24
MAX_EXPONENT = 39
LARGEST = 10 ** (MAX_EXPONENT + 1)


def fits(value: Decimal) -> bool:
    """Whether a value is one a figure may hold (below 10^40, see MAX_EXPONENT)."""
    return value.is_finite() and (not value or value.adjusted() <= MAX_EXPONENT)


def clean(value: Decimal) -> Decimal:
    """`Decimal("13000.0")` -> `Decimal("13000")`, without exponent notation."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def parse_digits(raw: str, decimal: str | None) -> Decimal | None:
    """The value of a digit string such as "13.000", "6,7", "13 000", "13'000"."""
    text = raw
    for ch in GROUPING_ONLY:
        text = text.replace(ch, "")
    if len(text) - text.count(".") - text.count(",") > MAX_DIGITS:
        return None
    dots, commas = text.count("."), text.count(",")
    frac = ""
    if dots and commas:
        point = "." if text.rfind(".") > text.rfind(",") else ","
        if text.count(point) > 1:
            return None
        whole, frac = text.split(point)
        whole = whole.replace("," if point == "." else ".", "")
    elif dots or commas:
        sep = "." if dots else ","
        parts = text.split(sep)
        if len(parts) > 2:
            whole = "".join(parts)
        else:
            head, tail = parts
            grouping = len(tail) == 3 and len(head) <= 3 and head not in ("0", "")
            if grouping and sep != decimal:
                whole = head + tail
            else:
                whole, frac = head, tail
    else:
        whole = text
    try:
        return clean(Decimal(f"{whole}.{frac}" if frac else whole))
    except InvalidOperation:
        return None


def parse_cjk(raw: str) -> Decimal | None:
    """The value of "1만3천", "6천700", "1.3万", "一万三千七百"."""
    total = Decimal(0)
    section = Decimal(0)
    current: Decimal | None = None
    seen_mag = False
    last_block = Decimal(0)  # what the previous big magnitude added, for "万亿" (10^4 * 10^8)
    previous = ""
    for piece in CJK_PIECE.findall(raw.replace(" ", "")):
        if piece in SMALL_MAG:
            section += (current if current is not None else 1) * SMALL_MAG[piece]
            current = None
            seen_mag = True
        elif piece in BIG_MAG and previous in BIG_MAG and not section and current is None:
            if not fits(last_block * BIG_MAG[piece]):
                return None  # "1兆兆兆…": no figure
            total += last_block * (BIG_MAG[piece] - 1)
            last_block *= BIG_MAG[piece]
        elif piece in BIG_MAG:
            section += current or 0
            last_block = (section or Decimal(1)) * BIG_MAG[piece]
            total += last_block
            section, current = Decimal(0), None
            seen_mag = True
        elif piece in CJK_VALUES:
            current = Decimal(CJK_VALUES[piece])
        else:
            digits = piece.replace(",", "")
            if len(digits) > MAX_DIGITS:
                return None
            try:
                current = Decimal(digits)
            except InvalidOperation:
                return None
        previous = piece
    if not seen_mag:
        return None
    return clean(total + section + (current or 0))


def compose_words(values: list[int]) -> Decimal | None:
    """Add up spelled number morphemes: [6, 1000, 7, 100] -> 6700."""
    if not values:
        return None
    total = 0
    current = 0
    for v in values:
        if v >= 1000:
            if current == 0 and total and total < v:
                total *= v  # "hundert tausend" already added up: scale it
            else:
                total += (current or 1) * v
            current = 0
            if total >= LARGEST:
                return None  # "thousand thousand thousand …": no figure
        elif v == 100:
            current = (current or 1) * 100
        else:
            current += v
    return Decimal(total + current)


def split_morphemes(phrase: str, table: dict[str, int], glue: frozenset[str]) -> list[int] | None:
    """The values of the number morphemes of a spelled phrase ("seicentottantamila"
    -> [6, 100, 80, 1000]); glue words and infixes ("and", "und") count for nothing."""
    values: list[int] = []
    phrase = phrase.lower()
    for key in table:
        if "-" in key and key in phrase:
            phrase = phrase.replace(key, key.replace("-", ""))  # "quatre-vingt" is one morpheme
    for token in MORPHEME_SPLIT.split(phrase):
        if not token or token in glue:
            continue
        if token in table:
            values.append(table[token])
            continue
        parts = _segment(token, table, glue)
        if parts is None:
            return None
        values.extend(parts)
    return values


def _segment(word: str, table: dict[str, int], glue: frozenset[str]) -> list[int] | None:
    """Split a compound number word into known morphemes, longest first.

    Dynamic programming from the word's end (what each tail splits into), so a run of
    letters that only nearly splits ("aaaa…") costs its length, not an exponential search.
    """
    if len(word) > MAX_WORD:
        return None  # no number is written as one word this long
    tails: list[list[int] | None] = [None] * (len(word) + 1)
    tails[len(word)] = []
    for start in range(len(word) - 1, -1, -1):
        for size in range(min(len(word) - start, MAX_MORPHEME), 0, -1):
            head = word[start : start + size]
            rest = tails[start + size]
            if rest is not None and (head in table or head in glue):
                tails[start] = ([table[head]] if head in table else []) + rest
                break
    return tails[0]


MAX_MORPHEME = 16  # characters of the longest number morpheme ("quatre-vingts" and the like)
MAX_WORD = 80  # characters of the longest spelled number written as one word
