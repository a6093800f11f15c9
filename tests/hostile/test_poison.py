"""One bad entry costs that entry only: it is marked poisoned, tried again a bounded number
of times and then skipped, and the rest of the feed and every owed alert go on.

Issue 11, item 1: a 4,501-digit number (or "1" + "兆" × 400) made storing the article
raise Python's int-digit limit, and `monitor once` aborted before delivering anything,
on every later run. Here the number is a Korean report's container count, the engine
reads it, and the pipeline must neither store it nor stop on it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.cli import main
from monitor.pipeline import MAX_ENTRY_ATTEMPTS
from tests.fixtures.story import Story, publish_february, publish_seed

pytestmark = pytest.mark.slow

HUGE = {"4501-digits": "9" * 4501, "cho-400": "1" + "兆" * 400}


KOREAN_REPORT = (  # enough Hangul that 400 × "兆" does not make the page Chinese
    "북한과 러시아의 무기 거래는 계속되고 있다고 정부 관계자가 전했다.",
    "국정원은 추가 선적을 면밀히 감시하고 있다고 밝혔다.",
    "전문가들은 이번 거래가 전쟁의 흐름을 바꿀 수 있다고 경고했다.",
    "러시아 국방부는 이에 대해 아무런 언급도 하지 않았다.",
    "평양과 모스크바는 지난해부터 군사 협력을 강화해 왔다.",
    "미국과 유럽 각국은 새로운 제재를 검토하고 있다고 전해졌다.",
    "우크라이나 정부는 국제 사회의 강력한 대응을 촉구했다.",
    "한국 정부도 관련 동향을 예의 주시하고 있다고 강조했다.",
)


def korean_page(number: str) -> str:
    """A Korean report on the topic whose container count is `number`."""
    report = "".join(f"<p>{sentence}</p>" for sentence in KOREAN_REPORT * 3)
    return (
        '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
        "<title>북한, 러시아에 컨테이너 보내</title></head><body><article>"
        f"<p>북한은 러시아에 {number}개의 컨테이너를 보냈다고 국정원이 밝혔다.</p>{report}"
        "</article></body></html>"
    )


def figure_of(post: Any) -> str:
    return str(post.body["title"]).split(" — ")[1].split(":")[0]


def status_json(story: Story, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """`monitor status --json` (exit 3: no daemon runs here, the store answers anyway)."""
    result = json.loads(_cli(story, capsys, "status", "--json"))
    assert isinstance(result, dict)
    return result


@pytest.mark.parametrize("number", HUGE.values(), ids=HUGE.keys())
def test_a_huge_number_never_stops_the_cycle_and_the_owed_alert_goes(
    story: Story, webhook_receiver, smtp_receiver, number: str
) -> None:
    publish_february(story)
    assert story.once() == 0
    story.publish(
        "/2024/09/huge.html", "북한 컨테이너", korean_page(number), datetime(2024, 9, 1, tzinfo=UTC)
    )
    publish_seed(story)
    assert story.once() == 0  # the huge value is dropped (logged), the rest goes on
    assert {figure_of(post) for post in webhook_receiver.received} == {
        "Containers shipped to Russia",
        "152 mm artillery shells",
    }
    assert len(smtp_receiver.messages) == 2


def refuse_article(story: Story, path: str) -> None:
    """Make the real database refuse one article (as PostgreSQL refuses a value it cannot
    hold): a trigger that aborts the insert of that URL."""
    with sqlite3.connect(story.config.parent / "monitor.db") as connection:
        connection.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON article "
            f"WHEN NEW.url LIKE '%{path}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )


def allow_articles(story: Story) -> None:
    with sqlite3.connect(story.config.parent / "monitor.db") as connection:
        connection.execute("DROP TRIGGER refuse")


def poisoned(story: Story, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, int, bool]]:
    marks = status_json(story, capsys)["poisoned"]
    return [(mark["link"], mark["attempts"], mark["skipped"]) for mark in marks]


def test_an_entry_that_cannot_be_stored_is_poisoned_retried_then_skipped(
    story: Story, webhook_receiver, smtp_receiver, capsys
) -> None:
    publish_february(story)
    assert story.once() == 0
    story.publish(
        "/2024/09/refused.html",
        "북한 컨테이너",
        korean_page("1만5천"),
        datetime(2024, 9, 1, tzinfo=UTC),
    )
    publish_seed(story)  # after the refused one: the rest of the feed must go on
    refuse_article(story, "/2024/09/refused.html")
    refused = story.server.url("/2024/09/refused.html")

    assert story.once() == 1  # something failed: that entry
    assert {figure_of(post) for post in webhook_receiver.received} == {
        "Containers shipped to Russia",
        "152 mm artillery shells",
    }
    assert poisoned(story, capsys) == [(refused, 1, False)]
    status = status_json(story, capsys)
    assert status["poisoned"][0]["stage"] == "store"
    assert "refused by the test" in status["poisoned"][0]["error"]
    events = [
        json.loads(line)
        for line in _cli(story, capsys, "events", "--kind", "entry_poisoned").splitlines()
    ]
    assert [(e["data"]["link"], e["data"]["stage"]) for e in events] == [(refused, "store")]
    assert "POISONED " + refused in _cli(story, capsys, "status")

    for attempt in range(2, MAX_ENTRY_ATTEMPTS + 1):  # tried again on each poll, then skipped
        story.once()
        assert poisoned(story, capsys) == [(refused, attempt, attempt == MAX_ENTRY_ATTEMPTS)]
    assert story.once() == 0  # skipped: not tried again
    assert poisoned(story, capsys) == [(refused, MAX_ENTRY_ATTEMPTS, True)]
    assert len(webhook_receiver.received) == 2  # nothing was sent twice


def test_a_poisoned_entry_that_goes_through_later_loses_its_mark(
    story: Story, webhook_receiver, smtp_receiver, capsys
) -> None:
    publish_february(story)
    assert story.once() == 0
    story.publish(
        "/2024/10/refused.html",
        "북한 컨테이너",
        korean_page("1만5천"),
        datetime(2024, 10, 1, tzinfo=UTC),
    )
    refuse_article(story, "/2024/10/refused.html")
    assert story.once() == 1
    assert len(poisoned(story, capsys)) == 1
    assert webhook_receiver.received == []
    allow_articles(story)
    assert story.once() == 0
    assert poisoned(story, capsys) == []
    # 6,700 → 15,000 in the entry that went through on its second try.
    assert [figure_of(post) for post in webhook_receiver.received] == [
        "Containers shipped to Russia"
    ]


def _cli(story: Story, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    main([*args, "--config", str(story.config)])
    return capsys.readouterr().out
