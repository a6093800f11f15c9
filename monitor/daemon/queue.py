"""The feed queue: every feed's next poll time in a heap (`FeedQueue`)."""

from __future__ import annotations

import heapq
from datetime import UTC, datetime


class FeedQueue:
    """When each scheduled feed is due: a heap of (time, URL), stale entries dropped lazily.

    About 200 bytes per feed; `put` on a scheduled feed moves it.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, str]] = []
        self._at: dict[str, float] = {}  # the live entry of each feed (epoch seconds)

    def __len__(self) -> int:
        return len(self._at)

    def __contains__(self, url: object) -> bool:
        return url in self._at

    def urls(self) -> list[str]:
        return list(self._at)

    def due_at(self, url: str) -> datetime | None:
        at = self._at.get(url)
        return None if at is None else datetime.fromtimestamp(at, UTC)

    def put(self, url: str, when: datetime) -> None:
        """Schedule `url` at `when` (moving it when it is scheduled already)."""
        at = when.timestamp()
        if self._at.get(url) == at:
            return
        self._at[url] = at
        heapq.heappush(self._heap, (at, url))
        if len(self._heap) > 2 * len(self._at) + 64:  # too many stale entries: rebuild
            self._heap = [(at, url) for url, at in self._at.items()]
            heapq.heapify(self._heap)

    def remove(self, url: str) -> bool:
        """Unschedule `url`; False when it was not scheduled."""
        return self._at.pop(url, None) is not None

    def next_at(self) -> float | None:
        """When the earliest feed is due (epoch seconds), None when the queue is empty."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> tuple[float, str] | None:
        """The earliest feed due at `now` and its time, unscheduled; None when none is due."""
        self._drop_stale()
        if not self._heap or self._heap[0][0] > now:
            return None
        at, url = heapq.heappop(self._heap)
        del self._at[url]
        return at, url

    def put_back(self, url: str, at: float) -> None:
        """Schedule `url` again at the time `pop_due` gave it (it keeps its place)."""
        self._at[url] = at
        heapq.heappush(self._heap, (at, url))

    def _drop_stale(self) -> None:
        heap, live = self._heap, self._at
        while heap and live.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
