"""Sandbox workers give memory back: a trim after a call that grew the heap, and a fresh
worker in place of one whose resident size stays above `recycle_mb`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from monitor.errors import ParseError
from monitor.sandbox import Sandbox, SandboxLimits
from tests.hostile import workloads


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(SandboxLimits(time_s=20.0, memory_mb=512, recycle_mb=150), workers=1)
    yield box
    box.close()


def call(sandbox: Sandbox, function, *args):  # type: ignore[no-untyped-def]
    return asyncio.run(sandbox.run(ParseError, "http://feeds.example.org/x", function, *args))


def test_a_call_that_frees_what_it_allocated_leaves_the_worker_small(sandbox: Sandbox) -> None:
    first = call(sandbox, workloads.pid)
    call(sandbox, workloads.churn, 120)
    assert sandbox.peak_rss_mb > 120  # the garbage was resident during the call
    assert call(sandbox, workloads.pid) == first  # kept: it shrank back below recycle_mb
    assert sandbox._idle[0].rss_mb < 100


def test_a_worker_that_stays_large_is_replaced(sandbox: Sandbox) -> None:
    large = call(sandbox, workloads.hoard, 200)
    fresh = call(sandbox, workloads.pid)
    assert fresh != large
    assert sandbox._idle[0].rss_mb < 100
