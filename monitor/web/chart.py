"""A figure's values as points, and the step chart drawn from them as SVG. Pure: no I/O.

merge(rows)        stored values → points: consecutive reports of one value in one state
                   (syndicated copies, repeats) become one point with all their outlets
decimate(points)   at most MAX_MARKS points: every change of value while they fit, else
                   per bucket the first, last, lowest and highest
draw(points, ...)  the SVG: a step line through the current values, each point a link to
                   its sentence and source; held, rejected and past ("as of") values
                   drawn apart from the line
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from html import escape
from math import floor, log10
from typing import Any, TypeVar

from monitor.store.pages import PointRow, as_utc

MAX_MARKS = 400  # marks a person can still tell apart across a page-wide chart
OTHER_MARKS = 40  # of them, at most this many held, rejected, and past values each
WIDTH, HEIGHT = 800, 320
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 16, 34
STATES = ("current", "held", "rejected", "past")
T = TypeVar("T")


@dataclass(slots=True)
class Point:
    """One value as the chart and the table show it: one or more stored reports."""

    id: int  # the first report: the point links to it
    when: datetime  # publication; for a past value, the date it is given "as of"
    published: datetime
    value: Decimal
    approx: bool
    bound: str | None
    state: str  # current | held | rejected | past
    as_of: datetime | None
    hold: str | None
    review: str | None
    outlets: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)


class Timeline:
    """A figure's stored values (oldest first) merged into points, each a run of rows.

    Consecutive reports of one value in one state (syndicated copies, repeats) are one
    point. Only the points shown (a page of the table, the chart's marks) become `Point`s.
    """

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = rows
        starts: list[int] = []
        states: list[str] = []
        last: tuple[object, ...] | None = None
        # Indexes of PointRow's fields: the rows may be the driver's plain tuples.
        for index, (_, value, low, high, _, _, time, _, as_of, hold, review, _) in enumerate(rows):
            if review == "rejected":
                state = "rejected"
            elif time != "current":
                state = "past"
            elif hold is not None and review != "accepted":
                state = "held"
            else:
                state = "current"
            key = (value, low, high, state, as_of)
            if key != last:
                starts.append(index)
                states.append(state)
                last = key
        self.starts = starts
        self.states = states

    def __len__(self) -> int:
        return len(self.starts)

    def value(self, group: int) -> float:
        return float(self.rows[self.starts[group]][1])

    def point(self, group: int) -> Point:
        """The `group`-th point, oldest first."""
        start = self.starts[group]
        end = self.starts[group + 1] if group + 1 < len(self.starts) else len(self.rows)
        first = PointRow._make(self.rows[start])
        state = self.states[group]
        run = self.rows[start:end]
        published = as_utc(first.published)
        as_of = as_utc(first.as_of) if first.as_of is not None else None
        return Point(
            id=first.id,
            when=as_of if state == "past" and as_of else published,
            published=published,
            value=Decimal(first.value),
            approx=bool(first.approx),
            bound=first.bound,
            state=state,
            as_of=as_of,
            hold=first.hold,
            review=first.review,
            outlets=list(dict.fromkeys(row[11] for row in run)),
            ids=[row[0] for row in run],
        )

    def newest_first(self, start: int, stop: int) -> list[Point]:
        """Points `start` to `stop` counted from the newest (a page of the table)."""
        last = len(self.starts) - 1
        return [self.point(last - k) for k in range(start, min(stop, len(self.starts)))]


def merge(rows: Sequence[PointRow]) -> list[Point]:
    """Every point of `rows`, oldest first."""
    timeline = Timeline(rows)
    return [timeline.point(group) for group in range(len(timeline))]


def decimate(items: Sequence[T], value: Callable[[T], float], limit: int = MAX_MARKS) -> list[T]:
    """At most `limit` of `items` (in order): every change of value while they fit, else
    per bucket the first, the lowest, the highest and the last."""
    if not items:
        return []
    values = [value(item) for item in items]
    changes = [i for i in range(len(items)) if i == 0 or values[i] != values[i - 1]]
    if changes[-1] != len(items) - 1:
        changes.append(len(items) - 1)
    if len(changes) > limit:
        buckets = max(1, limit // 4)
        size = len(changes) / buckets
        kept: list[int] = []
        for bucket in range(buckets):
            part = changes[int(bucket * size) : int((bucket + 1) * size)]
            if part:
                low = min(part, key=values.__getitem__)
                high = max(part, key=values.__getitem__)
                kept.extend(sorted({part[0], low, high, part[-1]}))
        changes = kept
    return [items[i] for i in changes]


def draw(
    timeline: Timeline,
    *,
    label: str,
    shown: Callable[[Point], str],
    href: Callable[[Point], str],
    until: datetime | None = None,
) -> str:
    """The chart as an SVG element (a string of markup, every text escaped)."""
    groups: dict[str, list[int]] = {state: [] for state in STATES}
    for group, state in enumerate(timeline.states):
        groups[state].append(group)
    limits = {"current": MAX_MARKS - 3 * OTHER_MARKS}
    series = {
        state: [
            timeline.point(g)
            for g in decimate(members, timeline.value, limits.get(state, OTHER_MARKS))
        ]
        for state, members in groups.items()
    }
    current = series["current"]
    scaled = current + series["past"] or [p for s in series.values() for p in s]
    if not scaled:
        return ""
    low = min(p.value for p in scaled)
    high = max(p.value for p in scaled)
    if low == high:
        low, high = low - abs(low) / 10 - 1, high + abs(high) / 10 + 1
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    start = min(p.when for s in series.values() for p in s)
    end = max(p.when for s in series.values() for p in s)
    if until is not None and until > end:
        # The line runs on towards today, by at most a tenth of the chart: old data stays wide.
        end = min(until, end + max(end - start, timedelta(days=1)) / 10)
    span = (end - start).total_seconds() or 1.0
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    fspan = float(high - low)

    def x(when: datetime) -> float:
        return LEFT + (when - start).total_seconds() / span * inner_w

    def y(value: Decimal) -> float:
        clamped = min(max(value, low), high)
        return TOP + inner_h - float(clamped - low) / fspan * inner_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(label)}</title>',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{inner_w}" height="{inner_h}"/>',
    ]
    for tick in ticks:
        ty = y(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{escape(_tick_label(tick))}</text>"
        )
    for index in range(5):
        when = start + (end - start) * index / 4
        anchor = "start" if index == 0 else "end" if index == 4 else "middle"
        parts.append(
            f'<text class="axis" x="{x(when):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">'
            f"{when:%Y-%m-%d}</text>"
        )
    if current:
        path = [f"M{x(current[0].when):.1f},{y(current[0].value):.1f}"]
        for point in current[1:]:
            path.append(f"H{x(point.when):.1f}V{y(point.value):.1f}")
        path.append(f"H{x(end):.1f}")
        parts.append(f'<path class="step" d="{"".join(path)}"/>')
    for state in STATES:
        for point in series[state]:
            px, py = x(point.when), y(point.value)
            text = _describe(point, shown)
            parts.append(
                f'<a href="{escape(href(point))}" class="point {state}" '
                f'aria-label="{escape(text)}">'
                f"<title>{escape(text)}</title>{_mark(state, px, py)}</a>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _describe(point: Point, shown: Callable[[Point], str]) -> str:
    sources = ", ".join(point.outlets[:3]) + (
        f" and {len(point.outlets) - 3} more" if len(point.outlets) > 3 else ""
    )
    if point.state == "past" and point.as_of:
        when = f"as of {point.as_of:%Y-%m} (reported {point.published:%Y-%m-%d})"
    else:
        when = f"{point.published:%Y-%m-%d}"
    state = {"held": ", held: unconfirmed", "rejected": ", rejected", "past": ""}.get(
        point.state, ""
    )
    return f"{shown(point)} on {when}{state} — {sources}"


def _mark(state: str, px: float, py: float) -> str:
    if state == "held":
        return (
            f'<path d="M{px:.1f},{py - 6:.1f}L{px + 6:.1f},{py:.1f}L{px:.1f},{py + 6:.1f}'
            f'L{px - 6:.1f},{py:.1f}Z"/>'
        )
    if state == "rejected":
        return (
            f'<path d="M{px - 5:.1f},{py - 5:.1f}L{px + 5:.1f},{py + 5:.1f}'
            f'M{px - 5:.1f},{py + 5:.1f}L{px + 5:.1f},{py - 5:.1f}"/>'
        )
    radius = 4 if state == "past" else 5
    return f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{radius}"/>'


def _ticks(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    raw = float(high - low) / count
    magnitude = 10 ** floor(log10(raw)) if raw > 0 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step_d = Decimal(str(step))
    first = (low / step_d).to_integral_value(rounding="ROUND_FLOOR") * step_d
    ticks: list[Decimal] = []
    tick = first
    while tick <= high + step_d / 2 and len(ticks) < 20:
        ticks.append(tick)
        tick += step_d
    return ticks or [low, high]


def _tick_label(value: Decimal) -> str:
    number = value.normalize()
    if abs(number) >= 1_000_000_000:
        return f"{number / 1_000_000_000:g}G"
    if abs(number) >= 1_000_000:
        return f"{number / 1_000_000:g}M"
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:f}"
