"""The figures engine on NewsQuant, the public benchmark of the CQE paper (a script, not a test).

    .venv/bin/python bench/newsquant.py DATA/NewsQuant.json
    .venv/bin/python bench/newsquant.py DATA/NewsQuant.json --peers-python PATH/bin/python
    .venv/bin/python bench/newsquant.py DATA/NewsQuant.json --no-peers --misses 40

NewsQuant (Almasian, Kazakova, Göldner, Gertz: "CQE: A Comprehensive Quantity Extractor",
EMNLP 2023) holds 590 English news sentences with 904 quantities tagged by hand. Its file
is `data/formatted_test_set/NewsQuant.json` of the repository satya77/CQE_Evaluation; the
script downloads nothing: pass the path of a copy.

Scoring follows the paper's metric (its evaluate_models.py): per sentence, each tagged
quantity is matched against the system's quantities; a value matches when it is close
(relative 1e-5, absolute 1e-8; a range matches a range with both ends close); a system
quantity may match several tagged ones by value but a tagged one counts once. Precision is
matches over system quantities, recall matches over tagged ones. "value+unit" also needs
the normalised unit to agree (our units are mapped to the paper's names where one exists).

Peers run in the same process of scoring: quantulum3 and Recognizers-Text
(recognizers-text-suite) in a throw-away virtualenv, bench/.peers-figures/, created on the
first run (pip needs the network once) unless --peers-python names an interpreter that
has them. They are tagged as the paper's tagger.py does (quantulum3 with ranges averaged
in the tagged values, as there).

NewsQuant tags spans of time ("three years in prison", "six minutes later") as quantities;
the engine reports them when asked (`durations=True`, as the pipeline does for a watchlist
that tracks a span of time). Row "monitor" is scored so; row "monitor -spans" is the
engine's default, which leaves spans of time out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / ".peers-figures"
sys.path.insert(0, str(ROOT))

from monitor.figures import extract_figures  # noqa: E402
from monitor.records import Figure  # noqa: E402

Quantity = dict[str, Any]  # {"value": str | float | (lo, hi), "normalized_unit": str}
RTOL, ATOL = 1e-5, 1e-8  # numpy.isclose's defaults, which the paper's scorer uses

# our unit codes and lemmas -> the paper's normalised unit names
UNIT_NAMES = {
    "percent": "percentage",
    "percentage point": "percentage point",
    "usd": "dollar",
    "eur": "euro",
    "gbp": "pound sterling",
    "jpy": "japanese yen",
    "cny": "chinese yuan",
    "inr": "indian rupee",
    "krw": "south korean won",
    "aud": "australian dollar",
    "cad": "canadian dollar",
    "myr": "malaysian ringgit",
    "ils": "shekel",
    "km": "kilometre",
    "kg": "kilogram",
    "mile": "mile",
    "tonne": "metric ton",
    "mph": "mile per hour",
    "gb": "gigabyte",
}

PEER_SCRIPT = r"""
import json, sys
sentences = json.load(sys.stdin)
out = {}
try:
    from quantulum3 import parser
    rename = {"dimensionless": "-", "unk": "-", "per cent": "percentage",
              "dollar dollar": "dollar", "united states dollar": "dollar", "tonne": "metric ton",
              "degree angle": "degree", "degree celsius": "celsius",
              "degree fahrenheit": "fahrenheit", "percentage drop": "percentage"}
    rows = []
    for text in sentences:
        tags = []
        for q in parser.parse(text):
            unit = q.unit.name
            tags.append({"value": q.value, "normalized_unit": rename.get(unit.lower(), unit)})
        rows.append(tags)
    out["quantulum3"] = rows
except Exception as e:  # a peer that does not install or import is reported, not fatal
    out["quantulum3"] = repr(e)
try:
    from recognizers_number import NumberRecognizer
    from recognizers_number_with_unit import NumberWithUnitRecognizer
    from recognizers_text import Culture
    units = NumberWithUnitRecognizer(Culture.English)
    numbers = NumberRecognizer(Culture.English)
    models = [("currency", units.get_currency_model()), ("dimension", units.get_dimension_model()),
              ("temperature", units.get_temperature_model()),
              ("percentage", numbers.get_percentage_model()), ("age", units.get_age_model()),
              ("value", numbers.get_number_model())]
    rows = []
    for text in sentences:
        tags = []
        for name, model in models:
            for r in model.parse(text):
                value = r.resolution.get("value") if r.resolution else None
                if value is None:
                    continue
                if name == "percentage":
                    tags.append({"value": value.rstrip("%").replace(",", ""),
                                 "normalized_unit": "percentage"})
                elif name == "value":
                    if value not in [t["value"] for t in tags]:
                        tags.append({"value": value.replace(",", ""), "normalized_unit": "-"})
                else:
                    unit = (r.resolution.get("unit") or "").strip().lower()
                    tags.append({"value": value, "normalized_unit": unit})
        rows.append(tags)
    out["Recognizers-Text"] = rows
except Exception as e:
    out["Recognizers-Text"] = repr(e)
json.dump(out, sys.stdout)
"""


def decode(quantity: Quantity, *, average_ranges: bool = False) -> float | tuple[float, float]:
    """A quantity's value: a tagged "5.0-10.0" is a range (averaged for quantulum3, as the
    paper does), a system's pair is a range, anything else a number."""
    value = quantity["value"]
    if isinstance(value, str) and "E" not in value and "-" in value.lstrip("-"):
        lo, hi = value.lstrip("-").split("-", 1)
        low = -float(lo) if value.startswith("-") else float(lo)
        return (low + float(hi)) / 2 if average_ranges else (low, float(hi))
    if isinstance(value, (list, tuple)):
        return (float(value[0]), float(value[1]))
    return float(value)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= ATOL + RTOL * abs(b)


def same_value(gold: float | tuple[float, float], got: float | tuple[float, float]) -> bool:
    if isinstance(gold, tuple) and isinstance(got, tuple):
        return close(gold[0], got[0]) and close(gold[1], got[1])
    if isinstance(gold, tuple) or isinstance(got, tuple):
        return False
    return close(gold, got)


def score(
    gold: list[list[Quantity]], system: list[list[Quantity]], *, average_ranges: bool = False
) -> dict[str, tuple[float, float, float]]:
    """P, R, F1 (percent) for "value" and "value+unit", counted as the paper counts."""
    total_gold = sum(len(g) for g in gold)
    total_system = sum(len(s) for s in system)
    values = value_units = 0
    for tagged, found in zip(gold, system, strict=True):
        remaining = len(tagged)
        pool = sorted(found, key=lambda q: str(q["normalized_unit"]))
        for g in sorted(tagged, key=lambda q: str(q["normalized_unit"])):
            gv = decode(g, average_ranges=average_ranges)
            for q in pool:
                if not same_value(gv, decode(q)):
                    continue
                if remaining > 0:
                    values += 1
                    remaining -= 1
                if str(q["normalized_unit"]).lower() == g["normalized_unit"].lower():
                    value_units += 1
                    pool.remove(q)
                    break
    return {
        "value": prf(values, total_gold, total_system),
        "value+unit": prf(value_units, total_gold, total_system),
    }


def prf(correct: int, gold: int, system: int) -> tuple[float, float, float]:
    p = correct / system if system else 0.0
    r = correct / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p * 100, 1), round(r * 100, 1), round(f * 100, 1)


def ours(text: str, *, durations: bool = True) -> list[Quantity]:
    """The engine's figures as the paper's tagger output.

    Two representations differ and are translated, from what the engine reports only: a
    change "from X to Y" is two figures (the earlier one past) where the paper tags one
    quantity "X-Y"; a vague plural ("tens of thousands") is an approximate minimum
    (10,000) where the paper tags the decade it names (10,000-100,000).
    """
    figures = extract_figures(text, "en", durations=durations)
    tags = []
    i = 0
    while i < len(figures):
        f = figures[i]
        pair = _change(text, f, figures[i + 1]) if i + 1 < len(figures) else None
        value: Any
        if pair is not None:
            value, i = pair, i + 1
        elif f.range:
            value = (float(f.range[0]), float(f.range[1]))
        elif f.approx and f.bound == "min" and not any(c.isdigit() for c in f.text):
            value = (float(f.value), float(f.value) * 10)  # "dozens", "thousands of"
        else:
            value = float(f.value)
        tags.append({"value": value, "normalized_unit": UNIT_NAMES.get(f.unit, f.unit)})
        i += 1
    return tags


CHANGE_WORDS = 6  # words between the two values of a change: "$36,040 at 10.45pm last night to"


def _change(text: str, a: Figure, b: Figure) -> tuple[float, float] | None:
    """(from, to) when the engine read `a` and `b` as the two values of one change written
    in that order (the paper tags "to Y from X" as two values, "from X to Y" as one)."""
    if a.sentence_span != b.sentence_span or a.range or b.range or a.time == b.time:
        return None
    words = text[a.span[1] : b.span[0]].lower().split()
    if len(words) > CHANGE_WORDS or any(w.endswith((";", ".")) for w in words):
        return None
    if a.time == "past" and "to" in words:
        return (float(a.value), float(b.value))  # "from 4.8 percent to 4.7 percent"
    return None  # "rose to $7.36 billion from $6.78 billion": the paper tags two values


def ensure_peers() -> Path:
    """The throw-away virtualenv with quantulum3 and Recognizers-Text (made once)."""
    python = PEERS / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "quantulum3"], check=True)
        # Recognizers-Text imports emoji's UNICODE_EMOJI, gone since emoji 1.0
        subprocess.run([*pip, "recognizers-text-suite", "emoji<1.0"], check=False)
    return python


def run_peers(python: Path, sentences: list[str]) -> dict[str, list[list[Quantity]] | str]:
    done = subprocess.run(
        [str(python), "-c", PEER_SCRIPT],
        input=json.dumps(sentences),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, list[list[Quantity]] | str] = json.loads(done.stdout)
    return result


def print_misses(rows: Iterable[tuple[str, list[Quantity], list[Quantity]]], limit: int) -> None:
    """Sentences where the engine missed a tagged value or reported an untagged one."""
    shown = 0
    for text, tagged, found in rows:
        gold = [decode(q) for q in tagged]
        got = [decode(q) for q in found]
        missed = [g for g in gold if not any(same_value(g, v) for v in got)]
        extra = [v for v in got if not any(same_value(g, v) for g in gold)]
        if not (missed or extra):
            continue
        print(f"- {text}\n    missed {missed}  extra {extra}")
        shown += 1
        if shown >= limit:
            break


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("data", type=Path, help="NewsQuant.json (a copy of the paper's file)")
    parser.add_argument("--peers-python", type=Path, help="an interpreter with the peers")
    parser.add_argument("--no-peers", action="store_true", help="score the engine only")
    parser.add_argument("--misses", type=int, default=0, help="print this many wrong sentences")
    args = parser.parse_args()
    try:
        data = json.loads(args.data.read_text("utf-8"))
    except (OSError, ValueError) as e:
        parser.error(f"cannot read {args.data}: {e}; pass the paper's NewsQuant.json")
    sentences = [row["text"] for row in data]
    gold = [row["quantities"] for row in data]
    systems: dict[str, Callable[[], list[list[Quantity]] | str]] = {
        "monitor": lambda: [ours(text) for text in sentences],
        "monitor -spans": lambda: [ours(text, durations=False) for text in sentences],
    }
    results = {name: make() for name, make in systems.items()}
    if not args.no_peers:
        results.update(run_peers(args.peers_python or ensure_peers(), sentences))
    total = sum(len(g) for g in gold)
    print(f"NewsQuant: {len(sentences)} sentences, {total} quantities")
    print(f"{'system':<18}{'value P':>9}{'R':>7}{'F1':>7}{'+unit P':>10}{'R':>7}{'F1':>7}")
    for name, tags in results.items():
        if isinstance(tags, str):
            print(f"{name:<18}not run: {tags}")
            continue
        s = score(gold, tags, average_ranges=name == "quantulum3")
        v, u = s["value"], s["value+unit"]
        print(f"{name:<18}{v[0]:>9}{v[1]:>7}{v[2]:>7}{u[0]:>10}{u[1]:>7}{u[2]:>7}")
    if args.misses:
        mine = results["monitor"]
        assert not isinstance(mine, str)
        print_misses(zip(sentences, gold, mine, strict=True), args.misses)


if __name__ == "__main__":
    main()
