"""Has a tracked figure changed? The new current value against the stored history.

Rules (DESIGN.md, "What changed means"):
- only current values are compared; values cited as past fill history and never alert;
- "about 13,000", "more than 13,000" and "13.000" are one value: qualifiers do not count;
- a change must pass the figure's threshold (5% relative when the watchlist gives none);
- an article published before the stored latest value adds history, never a change;
- the first value ever seen is recorded, not alerted, unless the watchlist says
  `alert_on_first`; then the article's own earlier value, if it cites one, is the baseline.
Pure: no I/O.
"""

from __future__ import annotations

from decimal import Decimal

from monitor.config import Threshold
from monitor.records import FigureChange, FigureReading, Observation


def compare_figure(
    reading: FigureReading,
    latest: Observation | None,
    *,
    label: str,
    threshold: Threshold,
    alert_on_first: bool = False,
    sources: int = 1,
) -> FigureChange | None:
    """The change `reading` reports against the stored `latest` current value, if any."""
    new = reading.current
    if new is None:
        return None
    if latest is None:
        if not alert_on_first:
            return None
        baseline = reading.past[0] if reading.past else None
        if baseline is not None and not threshold.passed_by(baseline.value, new.value):
            return None
        return _change(reading, label, baseline, new, sources)
    if latest.published > new.published:
        return None
    if not threshold.passed_by(latest.value, new.value):
        return None
    return _change(reading, label, latest, new, sources)


def _change(
    reading: FigureReading,
    label: str,
    old: Observation | None,
    new: Observation,
    sources: int,
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
    )
