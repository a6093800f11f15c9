"""The held-out evaluation: tests/data/figures/heldout/ (frozen; format in its README).

The set was written without reading the engine's rules. The tests assert the targets of the
figures issue on it: F1 >= 0.97 overall and >= 0.95 in each language, past-vs-current
right in >= 90% of the found figures, and fewer than 2% of the non-figures reported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.figures import extract_figures
from monitor.figures.lang import load_language
from monitor.records import Figure
from tests.test_figures_lang import Expected, parse_expected

HELDOUT = Path(__file__).parent / "data" / "figures" / "heldout"
HELDOUT_LANGUAGES = tuple(sorted(p.stem for p in HELDOUT.glob("*.txt")))
COMPLETE = ("de", "en", "es", "fr", "it", "nl", "pt", "ru", "uk")


@dataclass(frozen=True)
class HeldoutCase:
    """One annotated sentence: its figures and the number-like strings that are not figures."""

    case_id: str
    text: str
    expected: tuple[Expected, ...]
    not_figures: tuple[str, ...]


@dataclass
class Score:
    """Counts over the cases of one language (or all)."""

    cases: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    qualifiers_ok: int = 0
    time_ok: int = 0
    not_figures: int = 0
    not_figures_reported: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("cases", "tp", "fp", "fn", "qualifiers_ok", "time_ok"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.not_figures += other.not_figures
        self.not_figures_reported += other.not_figures_reported
        self.misses += other.misses

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def time_accuracy(self) -> float:
        return self.time_ok / self.tp if self.tp else 1.0

    @property
    def qualifier_accuracy(self) -> float:
        return self.qualifiers_ok / self.tp if self.tp else 1.0

    @property
    def not_figure_rate(self) -> float:
        return self.not_figures_reported / self.not_figures if self.not_figures else 0.0


def load_heldout(lang: str) -> list[HeldoutCase]:
    """The held-out cases of one language."""
    cases = []
    for line in (HELDOUT / f"{lang}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        case_id, text, spec, nots = (part.strip() for part in line.split("|"))
        not_figures = tuple(filter(None, (n.strip() for n in nots.split(";"))))
        for n in not_figures:
            if n not in text:
                raise ValueError(f"{case_id}: not-figure {n!r} is not in the text")
        cases.append(HeldoutCase(case_id, text, tuple(parse_expected(spec)), not_figures))
    return cases


def _same(expected: Expected, figure: Figure, lang: str) -> bool:
    units = {"" if unit == "-" else unit for unit in expected.unit.split("/")}  # "eur/-"
    if Decimal(expected.value) != figure.value:
        return False
    return figure.unit in units or any(_unit_word(unit, figure.unit, lang) for unit in units)


def _unit_word(expected: str, unit: str, lang: str) -> bool:
    """Whether `unit` is the engine's unit for a word written as `expected` ("тонна" and
    "tonne": the engine names measures by their unit, as it names money by its ISO code)."""
    words = [word for word, name in load_language(lang).units.items() if name == unit]
    return any(_same_stem(word.lower(), expected.lower()) for word in words)


def _same_stem(a: str, b: str) -> bool:
    """The shorter a prefix of the longer, at most three letters apart ("тонн", "тонна")."""
    short, long = sorted((a, b), key=len)
    return bool(short) and long.startswith(short) and len(long) - len(short) <= 3


def score_case(case: HeldoutCase, figures: list[Figure], lang: str) -> Score:
    """Compare what the engine found in one case with its annotation."""
    score = Score(cases=1)
    pending = list(case.expected)
    for figure in figures:
        match = next((e for e in pending if _same(e, figure, lang)), None)
        if match is None:
            score.fp += 1
            score.misses.append(f"{lang} {case.case_id} extra: {figure.text!r} -> {_show(figure)}")
            continue
        pending.remove(match)
        score.tp += 1
        qualifiers = (figure.approx, figure.bound, figure.range)
        if qualifiers == (match.approx, match.bound, match.range):
            score.qualifiers_ok += 1
        else:
            score.misses.append(f"{lang} {case.case_id} qualifiers: {_show(figure)} want {match}")
        if figure.time == match.time:
            score.time_ok += 1
        else:
            score.misses.append(f"{lang} {case.case_id} time: {_show(figure)} want {match.time}")
    score.fn += len(pending)
    score.misses += [f"{lang} {case.case_id} missed: {e}" for e in pending]
    for text in case.not_figures:
        start = case.text.find(text)
        end = start + len(text)
        score.not_figures += 1
        if any(f.span[0] < end and start < f.span[1] for f in figures):
            score.not_figures_reported += 1
            score.misses.append(f"{lang} {case.case_id} non-figure reported: {text!r}")
    return score


def _show(figure: Figure) -> str:
    flags = [
        flag for flag, on in (("approx", figure.approx), ("past", figure.time == "past")) if on
    ]
    if figure.bound:
        flags.append(figure.bound)
    if figure.range:
        flags.append(f"range={figure.range[0]}..{figure.range[1]}")
    return " ".join([str(figure.value), figure.unit or "-", *flags])


def score_language(lang: str) -> Score:
    """The engine's score on the held-out cases of one language."""
    total = Score()
    for case in load_heldout(lang):
        total.add(score_case(case, extract_figures(case.text, lang), lang))
    return total


def test_heldout_set_is_frozen() -> None:
    sums = {}
    for line in (HELDOUT / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        sums[name] = digest
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in HELDOUT.glob("*.txt")}
    assert files == sums


@pytest.mark.parametrize("lang", HELDOUT_LANGUAGES)
def test_heldout_has_enough_cases(lang: str) -> None:
    assert len(load_heldout(lang)) >= (30 if lang in COMPLETE and lang != "nl" else 15)


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    return {lang: score_language(lang) for lang in HELDOUT_LANGUAGES}


@pytest.mark.parametrize("lang", HELDOUT_LANGUAGES)
def test_heldout_f1_per_language(scores: dict[str, Score], lang: str) -> None:
    score = scores[lang]
    assert score.f1 >= 0.95, "\n".join(score.misses)


def test_heldout_targets_overall(scores: dict[str, Score]) -> None:
    total = Score()
    for score in scores.values():
        total.add(score)
    report = "\n".join(total.misses)
    assert total.f1 >= 0.98, report  # measured 0.990 (issue 12's target: 0.97)
    assert total.time_accuracy >= 0.90, report
    assert total.not_figure_rate < 0.02, report
