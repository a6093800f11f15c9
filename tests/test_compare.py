"""What changed means: thresholds, qualifiers, time order, first values, past values."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from monitor.alert import build_alert, format_percent, format_value
from monitor.compare import compare_figure
from monitor.config import Threshold
from monitor.records import FigureReading, Observation

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FIVE_PERCENT = Threshold(relative=Decimal("0.05"))


def obs(
    value: str,
    published: datetime,
    *,
    time: str = "current",
    outlet: str = "a",
    approx: bool = False,
    bound: str | None = None,
) -> Observation:
    return Observation(
        topic="t",
        figure="containers",
        value=Decimal(value),
        approx=approx,
        bound=bound,  # type: ignore[arg-type]
        time=time,
        article_url=f"https://{outlet}.example.org/{value}",
        article_title="",  # type: ignore[arg-type]
        outlet=outlet,
        published=published,
        sentence=f"{value} containers",
        observed_at=NOW,
    )


FEB = datetime(2024, 2, 27, tzinfo=UTC)
OCT = datetime(2024, 10, 9, tzinfo=UTC)


def reading(current: Observation | None, *past: Observation) -> FigureReading:
    return FigureReading(topic="t", figure="containers", current=current, past=past)


def test_a_doubling_is_a_change_with_ratio() -> None:
    change = compare_figure(
        reading(obs("13000", OCT)), obs("6700", FEB), label="C", threshold=FIVE_PERCENT
    )
    assert change is not None
    assert change.delta == Decimal(6300)
    assert format_percent(change.ratio) == "+94%"


@pytest.mark.parametrize(
    ("old", "new", "threshold", "alerts"),
    [
        ("13000", "13000", FIVE_PERCENT, False),
        ("13000", "13500", FIVE_PERCENT, False),  # 3.8%
        ("13000", "14000", FIVE_PERCENT, True),  # 7.7%
        ("13000", "12000", FIVE_PERCENT, True),  # down counts too
        ("13000", "13400", Threshold(absolute=Decimal(500)), False),
        ("13000", "13500", Threshold(absolute=Decimal(500)), True),
        ("0", "5", FIVE_PERCENT, True),
    ],
    ids=["equal", "under-5pct", "over-5pct", "down", "under-absolute", "absolute", "from-zero"],
)
def test_threshold(old: str, new: str, threshold: Threshold, alerts: bool) -> None:
    change = compare_figure(reading(obs(new, OCT)), obs(old, FEB), label="C", threshold=threshold)
    assert (change is not None) is alerts


def test_qualifiers_do_not_make_a_change() -> None:
    latest = obs("13000", FEB, bound="min")
    assert (
        compare_figure(
            reading(obs("13000", OCT, approx=True)), latest, label="C", threshold=FIVE_PERCENT
        )
        is None
    )


def test_a_late_older_article_never_alerts_backwards() -> None:
    latest = obs("13000", OCT)
    assert (
        compare_figure(reading(obs("6700", FEB)), latest, label="C", threshold=FIVE_PERCENT) is None
    )


def test_first_value_is_recorded_not_alerted_unless_asked() -> None:
    new = reading(obs("13000", OCT), obs("6700", OCT, time="past"))
    assert compare_figure(new, None, label="C", threshold=FIVE_PERCENT) is None
    change = compare_figure(new, None, label="C", threshold=FIVE_PERCENT, alert_on_first=True)
    assert change is not None
    assert change.old is not None
    assert change.old.value == 6700
    alone = compare_figure(
        reading(obs("13000", OCT)), None, label="C", threshold=FIVE_PERCENT, alert_on_first=True
    )
    assert alone is not None
    assert alone.old is None


def test_past_values_alone_never_alert() -> None:
    assert (
        compare_figure(
            reading(None, obs("6700", FEB, time="past")),
            obs("100", FEB),
            label="C",
            threshold=FIVE_PERCENT,
        )
        is None
    )


def test_alert_text_names_both_sources_and_quotes() -> None:
    change = compare_figure(
        reading(obs("13000", OCT, outlet="ukrinform")),
        obs("6700", FEB, outlet="yna"),
        label="Containers shipped to Russia",
        threshold=FIVE_PERCENT,
    )
    assert change is not None
    alert = build_alert(change, tags=("chat",), now=NOW)
    assert alert.title == "t — Containers shipped to Russia: 6,700 → 13,000 (+94%)"
    assert "change: +6,300, nearly doubled" in alert.body
    assert 'new: "13000 containers" — ukrinform, 2024-10-09' in alert.body
    assert 'was: "6700 containers" — yna, 2024-02-27' in alert.body
    again = build_alert(change, tags=("chat",), now=datetime(2027, 1, 1, tzinfo=UTC))
    assert again.key == alert.key


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("13000", "13,000"),
        ("6000000", "6,000,000"),
        ("6.5", "6.5"),
        ("1.20", "1.2"),
        ("0.001", "0.001"),
    ],
    ids=["thousands", "millions", "decimal", "trailing-zero", "small"],
)
def test_format_value(value: str, text: str) -> None:
    assert format_value(Decimal(value)) == text
