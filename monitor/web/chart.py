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
from datetime import datetime
from decimal import Decimal
from html import escape
from math import floor, log10

from monitor.store.pages import PointRow

MAX_MARKS = 400  # marks a person can still tell apart across a page-wide chart
WIDTH, HEIGHT = 800, 320
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 16, 34
STATES = ("current", "held", "rejected", "past")


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
    low: Decimal | None = None
    high: Decimal | None = None


def state_of(row: PointRow) -> str:
    """How a stored value counts: rejected, held (unconfirmed), past ("as of"), or current."""
    if row.review == "rejected":
        return "rejected"
    if row.time != "current":
        return "past"
    if row.hold is not None and row.review != "accepted":
        return "held"
    return "current"


def merge(rows: Sequence[PointRow]) -> list[Point]:
    """Points from stored values, oldest first; repeats of one value in one state merge."""
    points: list[Point] = []
    last_key: tuple[object, ...] | None = None
    for row in rows:
        state = state_of(row)
        key = (row.value, row.low, row.high, state, row.as_of)
        if key == last_key:
            point = points[-1]
            point.ids.append(row.id)
            if row.outlet not in point.outlets:
                point.outlets.append(row.outlet)
            continue
        last_key = key
        points.append(
            Point(
                id=row.id,
                when=row.as_of if state == "past" and row.as_of else row.published,
                published=row.published,
                value=row.value,
                approx=row.approx,
                bound=row.bound,
                state=state,
                as_of=row.as_of,
                hold=row.hold,
                review=row.review,
                outlets=[row.outlet],
                ids=[row.id],
                low=row.low,
                high=row.high,
            )
        )
    return points


def decimate(points: Sequence[Point], limit: int = MAX_MARKS) -> list[Point]:
    """At most `limit` points of one series, keeping every change while they fit, then the
    first, last, lowest and highest of each bucket."""
    changes = [p for i, p in enumerate(points) if i == 0 or p.value != points[i - 1].value]
    if points and changes[-1] is not points[-1]:
        changes.append(points[-1])
    if len(changes) <= limit:
        return changes
    buckets = max(1, limit // 4)
    size = len(changes) / buckets
    kept: list[Point] = []
    for bucket in range(buckets):
        part = changes[int(bucket * size) : int((bucket + 1) * size)]
        if not part:
            continue
        ends = (part[0], min(part, key=_value), max(part, key=_value), part[-1])
        chosen = {id(p): p for p in ends}
        kept.extend(sorted(chosen.values(), key=lambda p: (p.when, p.id)))
    return kept


def _value(point: Point) -> Decimal:
    return point.value


def draw(
    points: Sequence[Point],
    *,
    label: str,
    shown: Callable[[Point], str],
    href: Callable[[Point], str],
    until: datetime | None = None,
) -> str:
    """The chart as an SVG element (a string of markup, every text escaped)."""
    series = {state: decimate([p for p in points if p.state == state]) for state in STATES}
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
    end = max([p.when for s in series.values() for p in s] + ([until] if until else []))
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
        parts.append(
            f'<text class="axis" x="{x(when):.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
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
