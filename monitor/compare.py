"""Has a tracked figure changed? The new current value against the stored history.

Rules (DESIGN.md, "What changed means", and the watchlist's change rules):
- only current values are compared; values cited as past fill history and never alert;
- one value however papers write it: "about 13,000", "more than 13,000", "13.000", "some
  13 000" and "nearly 13,000" are all 13,000 (qualifiers do not count); a range compares by
  overlap; a move inside the figure's threshold (5% when the watchlist gives none) is no move;
- `direction: up|down` lets only rises or only falls alert;
- an article published before the stored latest value adds history, never a change;
- the first value ever seen is recorded, not alerted, unless the watchlist says
  `alert_on_first`; then the article's own earlier value, if it cites one, is the baseline;
- a change is *held* (stored, not alerted, listed by `monitor alerts --unconfirmed`) while
  fewer than `min_sources` independent outlets report it, when it is implausible (a factor
  of 100 or more, or a misread thousands separator such as 13.000 → 13) until a second
  source confirms it, and when published within the figure's cooldown after the value of
  its last alert;
- a correction (the value returns to the one before the last alert) follows that alert up,
  cooldown or not.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from monitor.config import Threshold
from monitor.records import AlertMark, FigureChange, FigureReading, Observation, Valued

IMPLAUSIBLE_FACTOR = Decimal(100)  # no real count moves ×100 between two reports
SEPARATOR_FACTORS = (Decimal(1000), Decimal(1_000_000))  # "13.000" read as 13: off by 10³ or 10⁶
SEPARATOR_TOLERANCE = Decimal("0.02")


def compare_figure(
    reading: FigureReading,
    latest: Observation | None,
    *,
    label: str,
    threshold: Threshold,
    alert_on_first: bool = False,
    sources: int = 1,
    outlets: Sequence[str] = (),
    direction: str = "any",
    min_sources: int = 1,
    last_alert: AlertMark | None = None,
    cooldown: timedelta | None = None,
) -> FigureChange | None:
    """The change `reading` reports against the stored `latest` current value, if any.

    The cooldown counts from the publication of the last alerted value: ten outlets
    publishing within the hour after it give no second alert, whenever they are read.

    A returned change with `hold` set is recorded as unconfirmed, not alerted.
    """
    new = reading.current
    if new is None:
        return None
    if latest is None:
        if not alert_on_first:
            return None
        baseline = _cited_baseline(reading.past)
        if baseline is not None and (
            same_value(baseline, new, threshold) or not moves(baseline, new, direction)
        ):
            return None
        change = _change(reading, label, baseline, new, sources=sources, outlets=outlets)
        return _hold(change, min_sources=min_sources)
    if latest.published > new.published:
        return None  # a late, older article: history only
    if same_value(latest, new, threshold) or not moves(latest, new, direction):
        return None
    change = _change(reading, label, latest, new, sources=sources, outlets=outlets)
    if last_alert is not None and _returns_to_before(last_alert, latest, new, threshold):
        return _hold(replace(change, follows=last_alert), min_sources=min_sources)
    cooling = (
        last_alert is not None
        and last_alert.changed_at is not None
        and cooldown is not None
        and abs(new.published - last_alert.changed_at) < cooldown
    )
    return _hold(change, min_sources=min_sources, cooling=cooling, cooldown=cooldown)


def same_value(old: Valued, new: Valued, threshold: Threshold) -> bool:
    """True when two reports give one value: ranges overlap, or the move is under threshold."""
    if old.low is not None or new.low is not None:
        old_low, old_high = old.low or old.value, old.high or old.value
        new_low, new_high = new.low or new.value, new.high or new.value
        return old_low <= new_high and new_low <= old_high
    return not threshold.passed_by(old.value, new.value)


def moves(old: Observation, new: Observation, direction: str) -> bool:
    """True when the move from old to new is in the watched direction."""
    if direction == "up":
        return new.value > old.value
    if direction == "down":
        return new.value < old.value
    return True


def implausibility(old: Decimal, new: Decimal) -> str | None:
    """Why a move from `old` to `new` is too large to believe from one source, if it is."""
    if old > 0 >= new:
        return "a count falling to zero or below"
    if old <= 0 or new <= 0:
        return None
    factor = max(new / old, old / new)
    if factor < IMPLAUSIBLE_FACTOR:
        return None
    for suspect in SEPARATOR_FACTORS:
        if abs(factor / suspect - 1) <= SEPARATOR_TOLERANCE:
            return f"looks like a misread thousands separator (×{_plain(factor)})"
    return f"a jump by a factor of {_plain(factor)}"


def _hold(
    change: FigureChange,
    *,
    min_sources: int,
    cooling: bool = False,
    cooldown: timedelta | None = None,
) -> FigureChange:
    doubt = implausibility(change.old.value, change.new.value) if change.old else None
    if doubt and change.sources < 2:
        return replace(change, hold="implausible", hold_reason=f"{doubt}; waits for a 2nd source")
    if change.sources < min_sources:
        why = f"{change.sources} of {min_sources} independent sources so far"
        return replace(change, hold="min_sources", hold_reason=why)
    if cooling and change.follows is None:
        why = f"within the {_duration(cooldown)} cooldown after the last alert"
        return replace(change, hold="cooldown", hold_reason=why)
    return change


def _returns_to_before(
    last: AlertMark, latest: Observation, new: Observation, threshold: Threshold
) -> bool:
    if last.old_value is None or last.new_value is None:
        return False
    alerted_is_current = not threshold.passed_by(last.new_value, latest.value)
    back = not threshold.passed_by(last.old_value, new.value)
    return alerted_is_current and back


def _cited_baseline(past: Sequence[Observation]) -> Observation | None:
    if not past:
        return None
    dated = [o for o in past if o.as_of is not None]
    if dated:
        return max(dated, key=lambda o: o.as_of or o.published)
    return past[0]


def _change(
    reading: FigureReading,
    label: str,
    old: Observation | None,
    new: Observation,
    *,
    sources: int,
    outlets: Sequence[str],
) -> FigureChange:
    delta = new.value - old.value if old is not None else None
    ratio = delta / old.value if delta is not None and old is not None and old.value else None
    return FigureChange(
        topic=reading.topic,
        figure=reading.figure,
        label=label,
        old=old,
        new=new,
        delta=delta,
        ratio=ratio if ratio is None else Decimal(ratio),
        sources=sources,
        outlets=tuple(outlets) or (new.outlet,),
        unit=reading.unit,
    )


def _plain(number: Decimal) -> str:
    return f"{number:,.0f}"


def _duration(value: timedelta | None) -> str:
    seconds = int(value.total_seconds()) if value else 0
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"
