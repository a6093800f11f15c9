"""Change rules, one at a time: equality as papers write it, direction, holds, corrections,
independent sources, digest times, routing, in-article dates and alert templates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from monitor.alert import build_alert, check_template, route_change
from monitor.cluster import cluster_sources, count_sources
from monitor.compare import compare_figure, implausibility, same_value
from monitor.config import AlertTemplate, DigestSchedule, Threshold, Watchlist
from monitor.records import AlertMark, FigureReading, Observation
from monitor.track import resolve_date

NOW = datetime(2024, 10, 9, 13, tzinfo=UTC)
FEB = datetime(2024, 2, 27, tzinfo=UTC)
OCT = datetime(2024, 10, 9, 12, tzinfo=UTC)
FIVE = Threshold(relative=Decimal("0.05"))


def obs(value: str, published: datetime = OCT, **extra: object) -> Observation:
    fields: dict[str, object] = {
        "topic": "North Korea",
        "figure": "containers",
        "value": Decimal(value),
        "approx": False,
        "bound": None,
        "time": "current",
        "article_url": f"https://example.org/{value}",
        "article_title": "t",
        "outlet": "Ukrinform",
        "published": published,
        "sentence": f"Nordkorea hat {value} Container nach Russland geschickt.",
        "observed_at": NOW,
    }
    fields.update(extra)
    return Observation(**fields)  # type: ignore[arg-type]


def reading(current: Observation, *past: Observation) -> FigureReading:
    return FigureReading(topic="North Korea", figure="containers", current=current, past=past)


def compare(new: Observation, old: Observation | None, **rules: object):  # type: ignore[no-untyped-def]
    return compare_figure(reading(new), old, label="Containers", threshold=FIVE, **rules)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (obs("13000", FEB, approx=True), obs("13000", bound="min")),  # about / more than
        (obs("13000", FEB), obs("13000", approx=True)),  # "13.000" / "some 13 000"
        (obs("20000", FEB), obs("20000", approx=True, bound="max")),  # "nearly 20,000"
        (obs("6000000", FEB), obs("6.0E+6")),  # 6 Millionen / 6.0 million
        (obs("13000", FEB), obs("12000", low=Decimal(12000), high=Decimal(14000))),  # overlap
    ],
    ids=["about-vs-more-than", "plain-vs-some", "nearly", "scaled-units", "range-overlaps"],
)
def test_one_value_however_it_is_written(old: Observation, new: Observation) -> None:
    assert same_value(old, new, FIVE)
    assert compare(new, old) is None


def test_a_range_that_misses_the_old_value_is_a_change() -> None:
    change = compare(obs("15000", low=Decimal(15000), high=Decimal(16000)), obs("13000", FEB))
    assert change is not None
    assert change.hold is None


@pytest.mark.parametrize(
    ("direction", "new", "alerts"),
    [
        ("up", "14000", True),
        ("up", "12000", False),
        ("down", "12000", True),
        ("any", "12000", True),
    ],
    ids=["up-rise", "up-fall", "down-fall", "any-fall"],
)
def test_direction(direction: str, new: str, alerts: bool) -> None:
    assert (compare(obs(new), obs("13000", FEB), direction=direction) is not None) is alerts


def test_a_late_older_article_never_alerts_backwards() -> None:
    assert compare(obs("6700", FEB), obs("13000", OCT)) is None


def test_min_sources_holds_until_enough_outlets_agree() -> None:
    held = compare(obs("13000"), obs("6700", FEB), min_sources=2, sources=1)
    assert held is not None
    assert held.hold == "min_sources"
    assert "1 of 2" in held.hold_reason
    agreed = compare(obs("13000"), obs("6700", FEB), min_sources=2, sources=2)
    assert agreed is not None
    assert agreed.hold is None


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("13000", "13", "misread thousands separator"),
        ("6700", "6700000", "misread thousands separator"),
        ("130", "26000", "factor of 200"),
        ("6700", "0", "falling to zero"),
        ("6700", "-5", "falling to zero or below"),
    ],
    ids=["separator-down", "separator-up", "jump", "to-zero", "negative"],
)
def test_implausible_values_wait_for_a_second_source(old: str, new: str, why: str) -> None:
    assert why in (implausibility(Decimal(old), Decimal(new)) or "")
    held = compare(obs(new), obs(old, FEB))
    assert held is not None
    assert held.hold == "implausible"
    confirmed = compare(obs(new), obs(old, FEB), sources=2)
    assert confirmed is not None
    assert confirmed.hold is None


def test_a_doubling_is_plausible() -> None:
    assert implausibility(Decimal(6700), Decimal(13000)) is None


def test_cooldown_holds_a_second_change_but_not_a_correction() -> None:
    last = AlertMark(
        id=7,
        title="6,700 → 13,000",
        old_value=Decimal(6700),
        new_value=Decimal(13000),
        created_at=NOW,
        changed_at=OCT - timedelta(minutes=20),  # the alerted value's publication
    )
    rules = {"last_alert": last, "cooldown": timedelta(hours=1)}
    again = compare(obs("15000"), obs("13000", FEB), **rules)
    assert again is not None
    assert again.hold == "cooldown"
    later = compare(obs("15000", OCT + timedelta(minutes=45)), obs("13000", FEB), **rules)
    assert later is not None
    assert later.hold is None
    correction = compare(obs("6700"), obs("13000", FEB), **rules)
    assert correction is not None
    assert correction.hold is None
    assert correction.follows == last
    alert = build_alert(correction, tags=(), now=NOW)
    assert alert.kind == "correction"
    assert alert.reply_to == 7
    assert alert.title.startswith("Correction: North Korea — Containers: 13,000 → 6,700")
    assert "follows up alert #7 (6,700 → 13,000" in alert.body


def test_alert_on_first_uses_the_dated_earlier_value_the_article_cites() -> None:
    march = obs("9000", OCT, time="past", as_of=datetime(2024, 3, 1, tzinfo=UTC))
    february = obs("6700", OCT, time="past", as_of=datetime(2024, 2, 1, tzinfo=UTC))
    change = compare_figure(
        reading(obs("13000"), february, march),
        None,
        label="Containers",
        threshold=FIVE,
        alert_on_first=True,
    )
    assert change is not None
    assert change.old == march
    alert = build_alert(change, tags=(), now=NOW)
    assert "(value as of 2024-03)" in alert.body


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("im Februar", datetime(2024, 2, 1, tzinfo=UTC)),
        ("in February 2023", datetime(2023, 2, 1, tzinfo=UTC)),
        ("у січні", datetime(2024, 1, 1, tzinfo=UTC)),
        ("в декабре", datetime(2023, 12, 1, tzinfo=UTC)),  # after October: last year's
        ("2월", datetime(2024, 2, 1, tzinfo=UTC)),
        ("last year", None),
    ],
    ids=["de", "en-year", "uk", "ru-last-year", "ko", "no-month"],
)
def test_dates_of_cited_values(text: str, expected: datetime | None) -> None:
    assert resolve_date(text, OCT) == expected


WIRE = (
    "Pjöngjang hat nach Angaben des südkoreanischen Militärgeheimdienstes seit August 2023 "
    "mehr als 13.000 Container mit Munition und Waffen nach Russland geschickt. Die Lieferungen "
    "könnten bis zu sechs Millionen Artilleriegeschosse umfassen, sagte ein Abgeordneter."
)
OTHER = (
    "North Korea has sent more than 13,000 containers of weapons to Russia since mid-2022, a "
    "lawmaker said Wednesday, citing a report by the Defense Intelligence Agency of Seoul."
)


def test_syndicated_copies_count_once() -> None:
    copy = WIRE.replace("sagte ein Abgeordneter.", "sagte ein Abgeordneter. (dpa)")
    reports = [("Ukrinform", WIRE), ("Deutsche Welle", copy), ("Seoul Wire", OTHER)]
    assert cluster_sources(reports) == [[0, 1], [2]]
    assert count_sources(reports) == 2
    assert count_sources([("Seoul Wire", OTHER), ("seoul wire", WIRE)]) == 1  # one outlet


def test_digest_times() -> None:
    daily = DigestSchedule.model_validate("daily 18:30")
    assert daily.next_after(datetime(2024, 10, 9, 18, 29, tzinfo=UTC)) == datetime(
        2024, 10, 9, 18, 30, tzinfo=UTC
    )
    assert daily.next_after(datetime(2024, 10, 9, 18, 30, tzinfo=UTC)) == datetime(
        2024, 10, 10, 18, 30, tzinfo=UTC
    )
    hourly = DigestSchedule.model_validate("hourly")
    assert hourly.next_after(datetime(2024, 10, 9, 18, 29, tzinfo=UTC)) == datetime(
        2024, 10, 9, 19, 0, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="not a digest schedule"):
        DigestSchedule.model_validate("weekly")


ROUTED = Watchlist.model_validate(
    {
        "name": "North Korea",
        "match": {"any": ["Nordkorea"]},
        "figures": {"containers": {"nouns": ["Container"]}},
        "notify": ["chat"],
        "routes": [
            {"min_change": "50%", "notify": ["chat", "email"]},
            {"notify": ["email"], "digest": "daily"},
        ],
    }
)


def test_routing_by_size_of_change() -> None:
    big = compare(obs("13000"), obs("6700", FEB))
    small = compare(obs("14000"), obs("13000", FEB))
    assert route_change(big, ROUTED) == (("chat", "email"), None)
    tags, digest = route_change(small, ROUTED)
    assert tags == ("email",)
    assert digest is not None
    assert digest.every == "daily"
    plain = ROUTED.model_copy(update={"routes": ()})
    assert route_change(small, plain) == (("chat",), None)


def test_a_watchlist_template_renders_the_documented_fields() -> None:
    change = compare(obs("13000", outlet="Ukrinform"), obs("6700", FEB, outlet="Korea-Kurier"))
    assert change is not None
    template = AlertTemplate(
        title="{{ label }} {{ old }}→{{ new }} {{ percent }} {{ multiple }}",
        body="{{ new_source.outlet }} vs {{ old_source.outlet }}; {{ sources }} source(s); "
        "{{ delta }}; {{ direction }}",
        html="<b>{{ new_source.quote }}</b>",
    )
    alert = build_alert(replace(change, sources=2), tags=(), now=NOW, template=template)
    assert alert.title == "Containers 6,700→13,000 +94% nearly doubled"
    assert alert.body == "Ukrinform vs Korea-Kurier; 2 source(s); +6,300; up"
    assert alert.html == "<b>Nordkorea hat 13000 Container nach Russland geschickt.</b>"


def test_templates_are_sandboxed_and_escaped() -> None:
    change = compare(obs("13000", sentence="<script>alert(1)</script> 13000"), obs("6700", FEB))
    assert change is not None
    sneaky = AlertTemplate(body="{{ label.__class__.__mro__ }}")
    alert = build_alert(change, tags=(), now=NOW, template=sneaky)
    assert "object" not in alert.body  # the sandbox refused: the default body was used
    assert alert.body.startswith("change: +6,300")
    assert alert.html is not None
    assert "<script>" not in alert.html
    assert "&lt;script&gt;" in alert.html


def test_check_template_reports_syntax_errors() -> None:
    assert check_template(AlertTemplate(title="{{ label }")) != []
    assert check_template(AlertTemplate(title="{{ label }}")) == []
