"""What looks like a number but is no figure: years, dates, times, calibres, models, ids.

Each check reads a little text around a digit string and answers "not a figure" or, for
years, "a year" (years are remembered: they date the figures around them).
"""

from __future__ import annotations

import re

from monitor.figures.patterns import CURRENCY_SYMBOLS, Patterns

_ORDINAL_ARTICLES_WORDS = (
    "der die das den dem des am im zum zur vom beim ins seit bis ab jeder jede jedes ihr "
    "ihrem ihrer seinem seiner seines unser unserem w we na do od z dnia po"
)
ORDINAL_ARTICLES = frozenset(_ORDINAL_ARTICLES_WORDS.split())
ATTACHED_MAGNITUDE = re.compile(
    r"(?:k|m|bn|mn|mln|mld|mrd|mil|tys|тыс|млн|млрд|тис|bln|b|tn)(?![^\W\d_])", re.I
)
NEXT_WORD = re.compile(r"[\s\u00a0]*(?:\.\s*)?(?:(?:de|of|del|di|des|du)\s+)?([^\W\d_][\w.]*)")
WORD_TAIL = ".'’-_"  # characters a word may hold past its first letter, besides letters and digits
CAPITAL_BEFORE = re.compile(r"([A-ZÀ-ÝА-ЯІЇЄҐ][\w-]*) $")
OPENERS = '.!?\n"«„“:'
HYPHENS = "-‑–"
SIGNED_PREFIX = re.compile(r"(?<![^\W\d_])(?:sub|minus)[-‑]$", re.IGNORECASE)
LETTERS = re.compile(r"[^\W\d_]")
CJK_PREFIX = ("제", "第")
HOUR_SUFFIXES = frozenset(["点", "時", "时", "시"])
SENTENCE_END = re.compile(r"[.!?]\s+(?=[^\W\d_])")
# stock indices named by their number of members ("S&P 500", "FTSE 100", "Nikkei 225"): the
# number is part of the name; only the sizes indices have, so "Dax 18.000" stays a level
INDEX_NAME = re.compile(
    r"(?<![^\W\d_])(?:s\s?&\s?p(?:/asx)?|sp|ftse(?:\s(?:mib|all-share|all\sshare))?|nikkei|"
    r"(?:euro\s)?stoxx(?:\seurope)?|nasdaq|russell|csi|kospi|kosdaq|asx|hang\sseng|cac|m?dax|"
    r"sdax|tecdax|ibex|aex|smi|wig|moex|rts|sensex|nifty|bse|tsx|omxs?|topix|bist|atx|psi|"
    r"bel|obx|jse|djia|dow|msci\s\w+|日経|日经|沪深|上证|코스피|코스닥)[\s\u00a0]?$",
    re.IGNORECASE,
)
INDEX_SIZES = frozenset(
    [
        "10",
        "15",
        "20",
        "25",
        "30",
        "35",
        "40",
        "50",
        "60",
        "80",
        "100",
        "150",
        "180",
        "200",
        "225",
        "250",
        "300",
        "400",
        "500",
        "600",
        "1000",
        "2000",
        "3000",
        "5000",
    ]
)
INDEX_REACH = 16  # characters of the longest index name before its number
AGE_APPOSITION = re.compile(r"(?<![\w.])[A-ZÀ-ÝА-ЯІЇЄҐ][\w'’.-]*,[ \u00a0]$")
AGE_MAX = 120  # "Smith, 45, said": an age between commas after a name
# words that make the number before them a model name (case as written)
MODEL_SUFFIX = re.compile(
    r"[\s\u00a0]+(?:Pro|Max|MAX|Plus|Ultra|Mini|Lite|Air|SE|Dreamliner|Neo|XL|Turbo)(?!\w)"
)
N_OF_N_WORDS = frozenset(["su", "sur", "of", "de", "auf", "na", "из", "з", "von"])
PAIR_WORDS = frozenset(["und", "and", "et", "e", "y", "i", "oder", "or", "bis", "to", "à", "и"])
PAIR_WORDS = PAIR_WORDS | {"та", "і"}
N_OF_N = re.compile(
    r"(?<![\d.,])(\d+)[\s\u00a0]+[^\W\d_]+[\s\u00a0]+"
    r"(?:su|sur|of|out of|de|auf|na|из|з|von)[\s\u00a0]+$"
)
# the second of two ids ("Anschlussstellen 61 und 62", "articles 5 and 6")
ID_PAIR = re.compile(r"(\d+)[\s\u00a0]*(?:,|und|and|et|e|y|i|oder|or|bis|to|à|и|та|і)[\s\u00a0]+$")
HOUSE_WORDS = frozenset(["д.", "дом", "буд.", "будинок", "n.º", "nº", "n.", "nr."])
RESOLUTIONS = frozenset(["240", "360", "480", "576", "720", "1080", "1440", "2160", "4320"])
# a screen or image size, "240 x 320 Pixel", "1920×1080 px": two sides of a specification
PIXELS_AFTER = re.compile(
    r"[\s\u00a0]*[x×][\s\u00a0]*\d{2,5}[\s\u00a0]*(?:pixel|px|píxel|pikse|пиксел|пікс)", re.I
)
PIXELS_SECOND = re.compile(r"\d{2,5}[\s\u00a0]*[x×][\s\u00a0]*$")
PIXEL_WORD = re.compile(r"[\s\u00a0]*(?:pixel|px|píxel|pikse|пиксел|пікс)", re.I)
# a list of days before the month: "le 28, 29 avril", "am 3. und 4. Mai", "5 y 6 de mayo"
DAY_LIST = re.compile(
    r"\.?[\s\u00a0]*(?:,|&|\b(?:et|and|und|y|e|i|ou|or|oder|o)\b)[\s\u00a0]*\d{1,2}(?=[.\s\u00a0])"
)
PHONE_WINDOW = 30  # characters before a number searched for "call", "llame al", "拨打"


def is_excluded(
    text: str,
    start: int,
    end: int,
    raw: str,
    p: Patterns,
    *,
    second: bool = False,
) -> bool:
    """True when the digits text[start:end] are part of a name, id, date, time or measure.

    `second`: the number closes a range ("5-6"), so a hyphen before it is no model name.
    """
    before = text[max(0, start - 40) : start]
    nxt = text[end : end + 1]
    if not second and start >= 2 and text[start - 1] in HYPHENS and text[start - 2].isalnum():
        # "T-72", "Su-35", "Hwasong-18", the tail of "2022-2023" (but "sub-7", "minus-5")
        return not SIGNED_PREFIX.search(text, max(0, start - 7), start)
    if before.endswith(CJK_PREFIX) or before.endswith(("#", "№", "No", "NO")):
        return True
    if nxt in ("p", "i") and raw in RESOLUTIONS:
        return True  # "1080p", "720p": a video resolution, not pence
    if nxt in " \u00a0x×" and PIXELS_AFTER.match(text, end):
        return True  # "240 x 320 Pixel": the first side of a resolution
    if (
        before.rstrip(" \u00a0")[-1:] in ("x", "×")
        and PIXELS_SECOND.search(before)
        and PIXEL_WORD.match(text, end)
    ):
        return True  # ... and its second side
    if nxt and LETTERS.match(nxt) and not _cjk(nxt):
        if ATTACHED_MAGNITUDE.match(text, end) or p.unit_after.match(text, end):
            return _calibre(text, start, end, p)
        return True  # "10th", "2A6", "1er", "152mm"
    if nxt == "." and LETTERS.match(text[end + 1 : end + 2] or "0"):
        return True  # "3.º", "1.er"
    if nxt in HYPHENS and LETTERS.match(text[end + 1 : end + 2] or "0"):
        # "152-mm", "10-jährige", "3-fold" (but "$23-million", "185-hp", "1.2-billion-yuan")
        return not _glued_measure(text, end + 1, p)
    if text[end : end + 2] == ".)" or (nxt == ")" and _opens(text, start)):
        return True  # list numbering: "1.)", "2)"
    words = before.rsplit(None, 1)
    token = words[-1] if words else ""  # the word right before the number
    last = token.lower()
    if last in N_OF_N_WORDS and (idiom := N_OF_N.search(before)) and idiom.group(1) == raw:
        return True  # "24 ore su 24", "7 jours sur 7": round the clock
    if last in p.age_last and p.age_before is not None and p.age_before.search(before):
        return True  # "men aged 18 to 34", "im Alter von 45": ages
    if MODEL_SUFFIX.match(text, end):
        return True  # "iPhone 11 Pro", "737 Max", "787 Dreamliner": model names
    if LIST_DASH.match(text, end) and _starts_line(text, start):
        return True  # list numbering at the start of a line: "4- activer", "2 – Ausbau"
    suffix = p.date_suffix.match(text, end) if p.date_suffix is not None else None
    if suffix and not (suffix.group().strip() in HOUR_SUFFIXES and raw.isdigit() and int(raw) > 24):
        return True  # "2022년", "2월", "14時" (but "收于3300点" is 3,300 points)
    if p.phone is not None and p.phone.search(_sentence_tail(before)):
        return True  # "call 111", "Llame al 112 o al 900 202 202"
    if p.time_after.match(text, end):
        return True
    if raw in INDEX_SIZES and INDEX_NAME.search(text, max(0, start - INDEX_REACH), start):
        return True  # "S&P 500", "FTSE 100", "Nikkei 225", "WIG20": names, not figures
    if _address(text, start, end, before, p):
        return True  # "575 Wilbraham Road", "12 rue de Rivoli", "Hauptstraße 5"
    if (
        nxt == ","
        and raw.isdigit()
        and int(raw) < AGE_MAX
        and AGE_APPOSITION.search(before)
        and not (p.magnitude is not None and p.magnitude.match(text, end + 1))
    ):
        return True  # "Senard, 65, now faces": an age in apposition
    if _calibre(text, start, end, p):
        return True  # "155 mm artillery rounds", "obus de 155 mm": a calibre names a weapon
    if _product_name(text, end, raw, before, p):
        return True  # "GTX 1060", "Resident Evil 7 VR", "Windows Mobile 6.0", "Aspire V 15"
    left = p.left.last(before)
    if left is not None and left[1] & {"id", "model"}:
        return True  # "Kaliber 122", "Resolution 2231", "Seite 12", "Leopard 2"
    pair = ID_PAIR.search(before) if last in PAIR_WORDS or last[-1:] == "," else None
    first = p.left.last(before[: pair.start(1)]) if pair is not None else None
    if first is not None and first[1] & {"id", "model"}:
        return True
    if _compound_id(token, p):
        return True  # "UN-Resolution 2231", "L'articolo 18"
    if raw.isdigit():
        if p.lang.ordinal_dot and _ordinal_dot(text, end, before, p):
            return True
        if len(raw) <= 2 and int(raw) <= 31 and _next_to_month(text, end, before, p):
            return True
        if len(raw) <= 2 and int(raw) <= 31 and _listed_day(text, end, p):
            return True  # "le 28, 29 avril": the first day of a list of days
        if len(raw) <= 4 and p.lang.noun_style in ("plural", "first", "slavic"):
            cap = None if token.islower() else CAPITAL_BEFORE.search(before)
            unit = p.unit_after.match(text, end)  # "Energy's 550 megawatt farm": a measure
            scaled = bool(p.magnitude is not None and p.magnitude.match(text, end)) or (
                unit is not None and unit.end() > end
            )
            if cap and not scaled and not _opens(text, start - len(before) + cap.start()):
                return _is_name(cap.group(1), p)  # "Boeing 737", "Resolution 2231"
    return False


ALLCAPS_BEFORE = re.compile(r"(?<![\w-])([A-Z]{2,5}) $")  # "GTX 1060"
LETTER_BEFORE = re.compile(r"(?<![\w.'’-])[B-HJ-Z] $")  # "Aspire V 15" (not "A", "I")
BRAND_BEFORE = re.compile(r"(?<![\w-])[A-Z][a-z]+-[A-Z][\w-]* $")  # "Baby-Safe 2"
CAPITALISED_BEFORE = re.compile(r"(?<![\w-])[A-Z][\w-]* $")
ALLCAPS_AFTER = re.compile(r" ([A-Z]{2,4})(?![\w-])")  # "Evil 7 VR", "737 MAX"
NAME_AFTER = re.compile(r"(?: [A-Z]| [a-z]-[A-Z]|\s*[(/,;)]|\s*$)")  # what may follow a name
VERSION = re.compile(r"\d{1,2}\.0")  # "6.0", "2.0"
NOT_NAMES = frozenset(CURRENCY_SYMBOLS) | {"utc", "gmt", "cet", "cest", "mez", "mesz", "kw"}


def _capitalised_last(before: str) -> bool:
    """Whether the word before the final space starts with a capital ("GTX ", "(Aspire ")."""
    word = before[before.rfind(" ", 0, len(before) - 1) + 1 :]
    return word.lstrip("([\"'“‘«„")[:1].isupper()


def _product_name(text: str, end: int, raw: str, before: str, p: Patterns) -> bool:
    """A model or product number: digits between parts of a name ("GTX 1060 (6 GB)",
    "Resident Evil 7 VR", "Acer Aspire V 15 Nitro", "Baby-Safe 2 i-Size", "Windows Mobile
    6.0 Professional"), with no unit or magnitude after it."""
    if before[-1:] != " " or not _capitalised_last(before):
        return False  # every name below ends in a capitalised word right before the digits
    version = VERSION.fullmatch(raw) is not None
    if not (raw.isdigit() or version) or _glued_measure(text, end, p):
        return False
    after = text[end : end + 8]
    if version or (m := ALLCAPS_AFTER.match(after)) is not None:
        name_after = not version and m is not None and m.group(1).lower() not in NOT_NAMES
        return (version or name_after) and CAPITALISED_BEFORE.search(before) is not None
    if not NAME_AFTER.match(after):
        return False
    caps = ALLCAPS_BEFORE.search(before)
    if caps and caps.group(1).lower() not in NOT_NAMES and len(raw) >= 3:
        return True
    return bool(LETTER_BEFORE.search(before) or (BRAND_BEFORE.search(before) and len(raw) <= 2))


def _glued_measure(text: str, pos: int, p: Patterns) -> bool:
    """A magnitude or a unit (no specification such as "mm") right at `pos`."""
    mag = p.magnitude.match(text, pos) if p.magnitude is not None else None
    if mag and len(mag.group().strip()) > 1:
        return True
    unit = p.unit_after.match(text, pos)
    return bool(unit and unit.end() > pos and not _calibre(text, pos, pos, p))


# Weapons and their ammunition, as word beginnings in each language: "155 mm" near one is a
# calibre (a name), elsewhere a length ("15.5 cm across", "a 6.1-inch display", "30 cm Schnee")
WEAPONS = re.compile(
    r"(?<![^\W\d_])(?:shell|round|howitzer|artiller|gun|cannon|mortar|ammunition|munition|"
    r"rifle|calib|kaliber|granate|haubitze|geschütz|kanone|mörser|obus|canon|mortier|"
    r"proyectil|projét|projectil|obús|cañón|morter|munición|granat|obic|proiettil|houwitser|kanon|"
    r"pocisk|haubic|armat|moździerz|amunicj|снаряд|гаубиц|пушк|миномет|боеприпас|калибр|"
    r"гармат|мінометн|набо|калібр)"
    r"|포탄|곡사포|구경|砲弾|榴弾砲|口径|炮弹|榴弹炮",
    re.IGNORECASE,
)
CALIBRE_REACH = 40  # characters either side of the number searched for a weapon


def _calibre(text: str, start: int, end: int, p: Patterns) -> bool:
    """A specification unit ("mm", "Zoll") after the number at `end`, with a weapon near."""
    if p.spec_after is None or not p.spec_after.match(text, end):
        return False
    return WEAPONS.search(text, max(0, start - CALIBRE_REACH), end + CALIBRE_REACH) is not None


def _address(text: str, start: int, end: int, before: str, p: Patterns) -> bool:
    """A house number: a street name follows ("575 Wilbraham Road") or precedes it."""
    if p.street_after is not None and p.street_after.match(text, end):
        return not (text[start - 1 : start] in "$€£¥" and start > 0)
    if p.street_before is None:
        return False
    words = before.rsplit(None, 1)
    last = words[-1] if words else ""
    if not last[:1].isupper() and last.lower() not in HOUSE_WORDS:
        return False  # "Hauptstraße 5", "via Roma, 10", "ул. Ленина, д. 5": a name ends there
    return p.street_before.search(before) is not None


def _sentence_tail(before: str) -> str:
    """The phone window before a number, from where its sentence starts ("Call 911 now. More
    than 300 troops": "call" is no cue for 300; "Tel. 030 …" keeps its abbreviation)."""
    window = before[-PHONE_WINDOW:]
    start = 0
    for m in SENTENCE_END.finditer(window):
        if window[m.end()].isupper():
            start = m.end()
    return window[start:]


def _compound_id(token: str, p: Patterns) -> bool:
    word = token.lower()
    if "-" not in word and "'" not in word and "’" not in word:
        return False
    for mark in ("-", "'", "’"):
        if mark in word:
            kinds = p.left.phrases.get(word.rsplit(mark, 1)[1])
            if kinds and kinds & {"id", "model"}:
                return True
    return False


YEAR_CUE = frozenset(["year"])


def cued_year(text: str, start: int, end: int, raw: str, p: Patterns) -> bool:
    """A four-digit year between 1900 and 2100 right after a phrase that only cues a year
    ("in 2023", "seit 2020", "since 2019"), with no unit or magnitude after it: the quick
    path that spares a year every other check."""
    if not (raw.isdigit() and "1900" <= raw <= "2100") or text[start - 1 : start] != " ":
        return False
    left = p.left.last(text[max(0, start - 30) : start])
    if left is None or left[1] != YEAR_CUE:
        return False
    if p.magnitude is not None and p.magnitude.match(text, end):
        return False
    unit = p.unit_after.match(text, end)
    return not (unit and unit.end() > end)


def is_year(text: str, start: int, end: int, raw: str, p: Patterns, *, qualified: bool) -> bool:
    """True when a bare four-digit number between 1900 and 2100 names a year; one between
    1000 and 2199 does after a year cue ("between 1600 and", "by 2120,")."""
    year = int(raw) if len(raw) == 4 and raw.isdigit() else 0
    if not OLDEST_YEAR <= year <= LATEST_YEAR or qualified:
        return False
    if not 1900 <= year <= 2100:
        return _cued_year(text, start, end, p)
    if p.magnitude is not None and p.magnitude.match(text, end):
        return False
    unit = p.unit_after.match(text, end)
    if unit and unit.end() > end:
        return False
    before = text[max(0, start - 30) : start]
    left = p.left.last(before)
    if left is not None and "year" in left[1]:
        return True
    prev = _prev_word(before)
    if before[-1:] == " " and prev.rstrip(".") in p.months:
        return True  # "Mai 2017. Emmanuel Macron …": a month names the year before it
    if p.lang.noun_style in ("ko", "ja", "zh"):
        return False  # CJK years carry 년/年, which the scan already set aside
    return not _noun_next(text, end, p)


OLDEST_YEAR, LATEST_YEAR = 1000, 2199  # outside 1900-2100 a year needs its cue


def _cued_year(text: str, start: int, end: int, p: Patterns) -> bool:
    """A year cue right before and no counted noun after ("in 1600,", "by 2120")."""
    if p.magnitude is not None and p.magnitude.match(text, end):
        return False
    unit = p.unit_after.match(text, end)
    if unit and unit.end() > end:
        return False
    left = p.left.last(text[max(0, start - 30) : start])
    if left is None or "year" not in left[1] or _noun_next(text, end, p):
        return False
    join = p.range_join.match(text, end) if p.range_join is not None else None
    second = NUMBER_AT.match(text, join.end()) if join is not None else None
    # "in 1500 bis 3000 m Tiefe": a range of a measure, not of years
    return second is None or not _measure_after(text, second.end(), p)


NUMBER_AT = re.compile(r"\d[\d.,]*")


def _measure_after(text: str, end: int, p: Patterns) -> bool:
    unit = p.unit_after.match(text, end)
    magnitude = p.magnitude.match(text, end) if p.magnitude is not None else None
    return bool((unit and unit.end() > end) or magnitude or _noun_next(text, end, p))


def _noun_next(text: str, end: int, p: Patterns) -> bool:
    m = NEXT_WORD.match(text, end)
    if not m or m.start(1) - end > 2:
        return False
    word = m.group(1)
    low = word.lower().rstrip(".")
    if low in p.stopwords or low in p.months:
        return False
    style = p.lang.noun_style
    if style == "capital":
        return word[:1].isupper()
    if style == "plural":
        return low.endswith("s") or low in ("people", "troops", "aircraft", "personnel")
    return True


def _ordinal_dot(text: str, end: int, before: str, p: Patterns) -> bool:
    if text[end : end + 1] != ".":
        return False
    m = NEXT_WORD.match(text, end + 1)
    if not m:
        return False
    word = m.group(1)
    if word[:1].islower() or word.lower().rstrip(".") in p.months:
        return True
    return _prev_word(before) in ORDINAL_ARTICLES


def _prev_word(before: str) -> str:
    """The word that ends `before` (spaces aside), in lower case: from its first letter on
    ("Oct." -> "oct.", "l’" -> "l’"); "" when none ends it."""
    end = len(before.rstrip(" \t\n\r\f\v\u00a0"))
    k = end
    while k > 0 and (before[k - 1].isalnum() or before[k - 1] in WORD_TAIL):
        k -= 1
    while k < end and not before[k].isalpha():
        k += 1  # the word starts at a letter: "2Oct." -> "oct."
    return before[k:end].lower()


def _next_to_month(text: str, end: int, before: str, p: Patterns) -> bool:
    m = NEXT_WORD.match(text, end)
    if m and m.group(1).lower().rstrip(".") in p.month_keys:
        return True
    # "Oct. 31", "Aug. 14", "Jul 15": the list keeps the dot, the lookup strips it
    return before[-1:] == " " and _prev_word(before).rstrip(".") in p.month_keys


def _listed_day(text: str, end: int, p: Patterns) -> bool:
    """Another day and its month follow ("28, 29 avril", "3. und 4. Mai", "5 y 6 de mayo")."""
    days = DAY_LIST.match(text, end)
    if days is None:
        return False
    return _next_to_month(text, days.end() + (text[days.end() : days.end() + 1] == "."), "", p)


def _is_name(word: str, p: Patterns) -> bool:
    low = word.lower()
    if low in p.stopwords or low in p.months or low in p.skip_words:
        return False
    return low not in p.left.phrases


LIST_DASH = re.compile(r"\s?[-–—]\s+[^\W\d_]")


def _starts_line(text: str, pos: int) -> bool:
    """Only spaces stand between the line's start (or the text's) and `pos`."""
    line = text.rfind("\n", max(0, pos - 8), pos)
    lead = text[line + 1 if line >= 0 else max(0, pos - 8) : pos]
    return not lead.strip() and (line >= 0 or pos <= 8)


def _opens(text: str, pos: int) -> bool:
    prefix = text[max(0, pos - 4) : pos].rstrip()
    return not prefix or prefix[-1] in OPENERS


def _cjk(ch: str) -> bool:
    return "\u1100" <= ch <= "\u11ff" or "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
