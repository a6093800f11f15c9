"""Independent sources: syndicated copies of one wire story count once.

Two reports are one source when they come from the same outlet, or when their texts are
near-duplicates: the share of word 5-shingles the shorter text has in common with the other
(containment, so a copy with an added paragraph or a cut ending still counts as a copy) is
at least `NEAR_DUPLICATE`. Clusters are the connected groups under that relation. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

SHINGLE_WORDS = 5  # short enough to survive edits, long enough that shared phrases are rare
NEAR_DUPLICATE = 0.6  # wire copies share 80-100%; two reports of one event share < 20%
MIN_SHINGLES = 8  # a text shorter than this cannot be told apart from another; outlet decides
WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE_CACHE = 32  # recent texts: a story's reports come back with each new copy of it


@lru_cache(maxsize=SHINGLE_CACHE)
def shingles(text: str) -> frozenset[int]:
    """The hashed word 5-shingles of `text`, case-folded.

    Hashes of word tuples, not of joined text: only ever compared within one process.
    """
    words = WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return frozenset()
    return frozenset(map(hash, zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False)))


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    """Containment of the smaller shingle set in the larger (0 when either is too short)."""
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def cluster_sources(reports: Sequence[tuple[str, str]]) -> list[list[int]]:
    """Group (outlet, text) reports into independent sources; each group lists report indexes."""
    parent = list(range(len(reports)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    prints = [shingles(text) for _outlet, text in reports]
    first_of_outlet: dict[str, int] = {}
    for i, (outlet, _text) in enumerate(reports):
        key = outlet.casefold().strip()
        if key in first_of_outlet:
            join(i, first_of_outlet[key])
        else:
            first_of_outlet[key] = i
        for j in range(i):
            if root(i) != root(j) and similarity(prints[i], prints[j]) >= NEAR_DUPLICATE:
                join(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(reports)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda group: group[0])


def count_sources(reports: Sequence[tuple[str, str]]) -> int:
    """How many independent sources the (outlet, text) reports come from."""
    return len(cluster_sources(reports))
