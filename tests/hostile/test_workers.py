"""A sandbox worker killed while it starts fails that call as the stage's error; the pool
recovers (issue 11, item 5). Before, `WorkerCrashed` escaped `Sandbox.run` and, through
`run_source`, the whole cycle."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from monitor.errors import ParseError
from monitor.sandbox import Sandbox, SandboxLimits
from tests.hostile import workloads


def _children() -> set[int]:
    pid = os.getpid()
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return {int(child) for child in children.read().split()}


@pytest.fixture
def sandbox():  # type: ignore[no-untyped-def]
    box = Sandbox(SandboxLimits(time_s=30.0, memory_mb=256), workers=1)
    yield box
    box.close()


def test_a_worker_killed_while_starting_fails_the_call_as_the_stage_error(
    sandbox: Sandbox,
) -> None:
    before = _children()

    async def kill_the_starting_worker() -> BaseException | None:
        call = asyncio.create_task(sandbox.run(ParseError, "http://k/", workloads.echo, 1))
        deadline = time.monotonic() + 30
        while not (started := _children() - before):  # the worker exists, still importing
            assert time.monotonic() < deadline, "no worker started"
            await asyncio.sleep(0.001)
        for pid in started:
            os.kill(pid, signal.SIGKILL)
        try:
            await call
        except Exception as error:
            return error
        return None

    error = asyncio.run(kill_the_starting_worker())
    assert isinstance(error, ParseError), repr(error)
    assert "could not start a sandbox worker" in error.reason
    assert "SIGKILL" in error.reason or "did not start" in error.reason
    assert error.transient  # the machine's fault, not the document's: retried in seconds
    # The pool recovers: the next call starts a fresh worker and gets its answer.
    assert asyncio.run(sandbox.run(ParseError, "http://k/", workloads.echo, 7)) == 7
