"""The counted noun of a figure, as a lower-case lemma.

The noun stands right after the number in European languages ("13.000 Container",
"6 million rounds of 152 mm artillery") and before it, or after a counter, in Korean,
Japanese and Chinese ("컨테이너 1만3천여 개", "1万3000個のコンテナ"). Each language names
its style in its data module; the rules per style are here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from monitor.figures.lang import load_language
from monitor.figures.patterns import Patterns
from monitor.words import lemma as dictionary_lemma

WORD = re.compile(r"[^\W\d_](?:[^\W_]|['’-](?=[^\W\d_]))*")
STOP_PUNCT = re.compile(r"[,.;:!?()\[\]\"«»“”„/|\n]")  # a line or table cell ends the search
WINDOW = 80  # characters after a number searched for its noun
MAX_WORDS = 4  # words looked at after a number
LEMMA_LANGUAGES = frozenset({"de", "en", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk"})
_ENGLISH_PLURALS_WORDS = (
    "people men women children troops personnel police staff cattle sheep fish deer "
    "aircraft artillery ammunition equipment livestock crew crews infantry cavalry"
)
ENGLISH_PLURALS = frozenset(_ENGLISH_PLURALS_WORDS.split())
ADJECTIVE_ENDINGS = {
    "ru": ("ых", "их", "ый", "ий", "ая", "яя", "ое", "ее", "ые", "ие", "ой", "ого", "его"),
    "uk": ("их", "іх", "ий", "ій", "ої", "ого", "ього", "ими", "іми"),
    "pl": ("ych", "ich", "ego", "ej", "ymi", "nych", "owe", "owy"),
}
# A verb after adjectives: the last adjective was the noun ("10 тисяч військових перебувають").
SLAVIC_VERB_ENDINGS = ("ють", "ять", "ають", "ують", "ться", "ются", "ают", "уют", "ут", "ят", "ют")
# past-tense verb endings ("сократила", "скоротили"): after an adjective-looking noun
# ("компаний", "військових") they end the noun search at that word
SLAVIC_PAST_ENDINGS = ("ла", "ло", "ли", "лась", "лось", "лись", "лся", "лася", "лося", "лися")
SLAVIC_VERB_OR_PAST = SLAVIC_VERB_ENDINGS + SLAVIC_PAST_ENDINGS
UK_ENDINGS = ("ами", "ями", "ів", "їв", "ах", "ях", "ам", "ям", "ей", "и", "і", "у", "ю")
KO_SUBJECT = re.compile(r"(?:이|가|은|는)$")
KO_CHANGE = re.compile(r"\s*(?:에서|으로|로)")
# "관객이 500만 명을 돌파했다", "…에 달했다": the subject is counted when the figure passes or
# reaches a level
KO_REACH = re.compile(r"(?:을|를|에)\s*(?:돌파|넘|웃돌|달하|달했|달해|육박)")
KO_VERB_ENDINGS = (
    "어",
    "아",
    "고",
    "며",
    "서",
    "다",
    "면",
    "게",
    "해",
    "돼",
    "된",
    "한",
    "던",
    "했",
)
HANGUL_WORD = re.compile(r"([가-힣A-Za-z]+)\s*$")
CJK_BEFORE = re.compile(r"([\u30a0-\u30ff\u4e00-\u9fffー]+)$")
CJK_AFTER = re.compile(r"[の的]?([\u30a0-\u30ff\u4e00-\u9fffー]{1,6})")
ZH_STOP = re.compile(r"[的了和及与给向到在被把从，。、等是对将也已越过运送抵达进入遭称为有]")
ZH_NOUN = 3  # characters: Chinese nouns after a measure word are short ("集装箱", "炮弹")
# the third character of a Chinese noun is most often a suffix ("志愿者", "集装箱", "运动员");
# any other third character starts the verb ("观众观看"): the noun is its first two
ZH_NOUN_SUFFIXES = frozenset("者员人家机车器品物师生手兵国市省区院校馆弹炮舰艇船箱厂店业户")
ZH_LEAD = re.compile(r"[的了和及与给向到在被把从，。、等是对将也已为有]")
# verbs that follow "3万人" ("3万人参加了游行"): no noun, the counter counts people
_ZH_VERBS = (
    "参加 参与 死亡 受伤 遇难 失踪 撤离 获救 感染 确诊 出席 前往 涌入 聚集 观看 抗议 游行 投票 "
    "报名 入境 出境 返乡 离开 丧生 住院 被捕 被困 签约 申请 加入 逃离 罢工 示威 排队"
)
ZH_VERBS = frozenset(_ZH_VERBS.split())
ZH_DATE_END = ("年", "月", "日", "期", "天")
# "出生人口为902万", "销量达50万": the noun stands before a copula right before the number
ZH_BEFORE_COPULA = re.compile(r"([\u4e00-\u9fff]{2,})(?:为|是|达|达到|约为|共计|总计|共有)$")
KO_PARTICLE = re.compile(
    r"(?:으로|에서|에게|까지|부터|이나|이다|라는|처럼|보다|은|는|이|가|을|를|의|에|로|와|과|도|만)$"
)


@lru_cache(maxsize=65536)
def lemmatize(word: str, lang: str) -> str:
    """The lower-case lemma of a noun: the dictionary's, else our own suffix rules.

    Dictionary lookup only (`monitor.words.lemma`): simplemma's guessing strategies cost
    10-100 ms per unknown word, more than the rest of the engine spends on an article.
    """
    word = unicodedata.normalize("NFC", word).replace("’", "'")
    if lang not in LEMMA_LANGUAGES:
        return word.lower()
    known = load_language(lang).lemmas.get(word.lower())
    if known is not None:
        return known
    lemma = dictionary_lemma(word, lang)
    if lemma == word.lower():
        lemma = _ukrainian_stem(word) if lang == "uk" else _plural_stem(word, lang)
    if "-" in word and lemma.lower() == word.lower():
        head, _, tail = word.rpartition("-")
        lemma = f"{head}-{dictionary_lemma(tail, lang)}"
    return lemma.lower()


def _plural_stem(word: str, lang: str) -> str:
    """Unknown plurals simplemma leaves alone ("drones", "droni")."""
    if len(word) <= 4:
        return word
    if (
        lang in ("en", "fr", "es", "pt", "nl")
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is" if lang == "en" else "ss"))
    ):
        return word[:-1]
    if lang == "it" and word.endswith("i"):
        return word[:-1] + "e"
    return word


def _ukrainian_stem(word: str) -> str:
    lower = word.lower()
    for ending in UK_ENDINGS:
        if lower.endswith(ending) and len(lower) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def find_noun_after(text: str, pos: int, p: Patterns) -> tuple[str, tuple[int, int]] | None:
    """The counted noun after a European number ending at `pos`, with its span."""
    window = text[pos : pos + WINDOW]
    cut = STOP_PUNCT.search(window)
    if cut:
        window = window[: cut.start()]
    style = p.lang.noun_style
    first: tuple[str, int, int] | None = None
    last_adjective = ("", 0)
    seen = 0
    for m in WORD.finditer(window):
        word = m.group()
        low = word.lower()
        if seen >= MAX_WORDS:
            break
        seen += 1
        if low in p.of_words or (low.startswith(("d'", "d’")) and len(low) == 2):
            continue
        if "'" in low and low.split("'")[0] in p.stopwords:
            break  # "24 miliardi dell'anno scorso": "of the year", not what is counted
        if low.startswith(("d'", "d’", "l'")):
            word, low = word[2:], low[2:]
            start = pos + m.start() + 2
        else:
            start = pos + m.start()
        if low in p.skip_words:
            continue  # "five more people", "zwei weitere Tote" (before the stop words: "more")
        if low in p.stopwords or low in p.months or low in p.magnitude_table:
            break
        if _verb_form(low, p.lang.code) or (
            style == "slavic"
            and low.endswith(REFLEXIVE_VERB_ENDINGS)
            and _reflexive_next(window, m.end())
        ):
            break  # "324 concernant le port", "el 79,3 correspondió", "32 wstrzymało się"
        if style == "capital":
            if word[:1].isupper():
                return _result(word, start, p)
            if seen >= 3:
                break
            continue
        if style == "plural":
            if low.endswith(("ed", "ly")):
                following = _plural_after(window, m.end(), p)
                if following is not None and low.endswith("ed"):
                    return _result(following[0], pos + following[1], p)  # "armoured vehicles"
                break
            if _looks_plural(low, p.lang.code):
                return _result(word, start, p)
            if first is None and not low.endswith("ing"):
                first = (word, start, start + len(word))
            continue
        if style == "slavic" and low.endswith(ADJECTIVE_ENDINGS.get(p.lang.code, ())):
            last_adjective = (word, start)
            if first is None:
                first = (word, start, start + len(word))
            continue
        if style == "slavic" and first is not None and low.endswith(SLAVIC_VERB_OR_PAST):
            return _result(*last_adjective, p)
        return _result(word, start, p)
    if first is not None:
        return _result(first[0], first[1], p)
    return None


def _plural_after(window: str, end: int, p: Patterns) -> tuple[str, int] | None:
    """The plural noun right after an "-ed" adjective ("armoured vehicles", "injured people"),
    or after one more word of a compound noun ("investor-owned power providers")."""
    for _ in range(2):
        m = WORD.match(window, end + 1) if window[end : end + 1] == " " else None
        if m is None:
            return None
        low = m.group().lower()
        if low in p.stopwords or low in p.months or low.endswith(("ed", "ly", "ing")):
            return None
        if _looks_plural(low, p.lang.code):
            return m.group(), m.start()
        end = m.end()
    return None


# Endings that only verb forms take right after a number: the French present participle
# (a counted noun after a number is plural: "habitants"), the plural imperfect, past and
# future ("manifestaient", "restèrent", "démissionneront"), the Spanish and Portuguese
# preterite ("correspondió", "aumentou"), the Spanish plural imperfect and future
# ("llegaban", "votarán").
VERB_ENDINGS = {
    "fr": ("ant", "aient", "èrent", "eront", "iront", "dront", "ront"),
    "es": ("ó", "aron", "ieron", "aban", "arán", "erán", "irán"),
    "pt": ("ou", "aram", "eram"),
}
NOT_VERBS = frozenset(["enfant", "restaurant", "dominó", "front", "affront"])


# Polish past tense and participles, which a reflexive "się" after them marks as verbs
REFLEXIVE_VERB_ENDINGS = ("ło", "ły", "ła", "li", "ał", "ił", "ył", "ących", "ący", "ąca", "ące")
REFLEXIVE_NEXT = re.compile(r"\s+się\b", re.IGNORECASE)


def _reflexive_next(window: str, pos: int) -> bool:
    return REFLEXIVE_NEXT.match(window, pos) is not None


def _verb_form(low: str, code: str) -> bool:
    endings = VERB_ENDINGS.get(code)
    return endings is not None and low.endswith(endings) and len(low) > 4 and low not in NOT_VERBS


def _looks_plural(low: str, code: str) -> bool:
    if code == "en":
        if low in ENGLISH_PLURALS:
            return True
        return low.endswith("s") and not low.endswith(("ss", "us", "is", "ous"))
    return low.endswith(("en", "s", "eren"))


def _result(word: str, start: int, p: Patterns) -> tuple[str, tuple[int, int]]:
    return lemmatize(word, p.lang.code), (start, start + len(word))


def find_noun_cjk(
    text: str, num_start: int, after: int, counter: str | None, p: Patterns
) -> tuple[str, tuple[int, int]] | None:
    """The counted noun of a Korean, Japanese or Chinese figure, before or after it."""
    style = p.lang.noun_style
    if style == "ko":
        if counter is not None:
            m = re.match(r"\s*의\s*([가-힣A-Za-z]+)", text[after : after + 30])
            if m:
                noun = KO_PARTICLE.sub("", m.group(1)) or m.group(1)
                s = after + m.start(1)
                return noun, (s, s + len(noun))
        window = text[max(0, num_start - 20) : num_start]
        before = HANGUL_WORD.search(window)
        if before:
            word = before.group(1)
            s = num_start - len(window) + before.start(1)
            if KO_SUBJECT.search(word) and (
                KO_CHANGE.search(text, max(0, after - 3), after + 4)
                or KO_REACH.search(text, num_start, after + 6)
            ):
                word = KO_SUBJECT.sub("", word)  # "컨테이너가 6천700개에서 …로": the subject counts
            elif KO_PARTICLE.search(word) or word.endswith(KO_VERB_ENDINGS):
                return None
            if word not in p.stopwords and len(word) >= 2:
                return word.lower(), (s, s + len(word))
        return None
    if counter is not None:
        m = CJK_AFTER.match(text, after)
        if m and (style == "zh" or text[after : after + 1] == "の"):
            noun = m.group(1)
            # "运动员": a noun may start with a verb character, but not with "在", "的"
            stop = ZH_STOP.search(noun, 0 if ZH_LEAD.match(noun) else 1)
            noun = noun[: stop.start()] if stop else noun
            if style == "zh":
                noun = noun[:ZH_NOUN]
                if len(noun) == ZH_NOUN and noun[-1] not in ZH_NOUN_SUFFIXES:
                    noun = noun[:2]
            if noun and noun not in p.stopwords and noun not in ZH_VERBS:
                return noun, (m.start(1), m.start(1) + len(noun))
    if style == "zh":
        copula = ZH_BEFORE_COPULA.search(text, max(0, num_start - 12), num_start)
        if copula and not copula.group(1).endswith(ZH_DATE_END):  # "去年为956万": a date
            return copula.group(1)[-2:], (copula.end(1) - 2, copula.end(1))
    before = CJK_BEFORE.search(text[max(0, num_start - 12) : num_start])
    if before and style == "ja":
        word = before.group(1)
        if word not in p.stopwords:
            s = num_start - len(word)
            return word, (s, num_start)
    return None
