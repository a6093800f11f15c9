"""The pages in a real browser: Debian's chromium driven by Playwright (no browser download),
against the real daemon (`monitor run`) serving on 127.0.0.1.

Skipped only when chromium or Playwright is absent (`.ci/run` installs both).
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.story import Story, publish_february, publish_seed

pytestmark = pytest.mark.slow

FIGURE_PATH = "/topics/north-korean-arms-deliveries-to-russia/containers"
CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if Path(p).is_file()),
    shutil.which("chromium"),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def daemon(story: Story, webhook_receiver) -> Iterator[str]:
    """The real daemon on the story, with its pages on 127.0.0.1; the base URL."""
    port = free_port()
    settings = story.config / "settings.yaml"
    settings.write_text(settings.read_text() + f"http:\n  listen: 127.0.0.1:{port}\n")
    publish_february(story)
    publish_seed(story)
    log_path = story.config.parent / "daemon.log"
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(story.config)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while len(webhook_receiver.received) < 2:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "no alerts within 60 s:\n" + log_path.read_text()
            time.sleep(0.1)
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            assert response.status == 200
        yield base
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


@pytest.fixture
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def test_the_timeline_shows_a_chart_whose_points_lead_to_sources_and_corrections(
    daemon: str, browser, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    violations: list[str] = []
    page.on("console", lambda m: "Content Security" in m.text and violations.append(m.text))
    page.goto(f"{daemon}/")
    page.get_by_role("link", name="North Korean arms deliveries to Russia").click()
    page.get_by_role("link", name="Containers shipped to Russia").click()
    assert page.url == f"{daemon}{FIGURE_PATH}"

    chart = page.get_by_role("group", name="Step chart of Containers shipped to Russia")
    assert chart.count() == 1
    box = chart.locator("svg").bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 100
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)  # kept for people
    shot = tmp_path / "timeline.png"
    chart.locator("svg").screenshot(path=str(shot))
    width, height, pixels = read_png(shot.read_bytes())
    background = pixels[0]
    drawn = sum(1 for pixel in pixels if _distance(pixel, background) > 60)
    blue = sum(1 for r, g, b in pixels if b > 150 and r < 80 and g < 130)  # the step line
    assert drawn > width * height // 100, "the chart's box is blank"
    assert blue > 100, "no step line drawn"

    point = page.get_by_role("link", name="more than 13,000 on 2024-10-09")
    assert point.count() == 1
    point.click()
    assert "/values/" in page.url
    assert page.get_by_text("Nordkorea hat über 13.000 Container").count() == 1
    assert page.get_by_role("button", name="Reject this value").count() == 1
    page.get_by_role("link", name="Containers shipped to Russia").click()
    assert page.url == f"{daemon}{FIGURE_PATH}"
    table = page.get_by_role("table")
    assert table.get_by_role("row").count() >= 3  # the header, 13,000 and 6,700
    assert violations == []

    # Without JavaScript, a person rejects the value on its page (loopback, CSRF token).
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{daemon}{FIGURE_PATH}")
    page.get_by_role("link", name="more than 13,000 on 2024-10-09").click()
    page.get_by_role("button", name="Reject this value").click()
    assert page.get_by_text("rejected by a person").count() == 1
    page.goto(f"{daemon}{FIGURE_PATH}")
    assert page.get_by_role("link", name="more than 13,000 on 2024-10-09, rejected").count() == 1
    context.close()


# PNG, read with the standard library (8-bit RGB or RGBA, as chromium writes them)


def read_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, width, height, channels = 8, b"", 0, 0, 3
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunk = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8
            channels = {2: 3, 6: 4}[color]
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    offset = 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 255
        rows.append(line)
        previous = line
    pixels = [(row[i], row[i + 1], row[i + 2]) for row in rows for i in range(0, stride, channels)]
    return width, height, pixels


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True))
