"""The decider on its own: an article and the history handed in become observations and
alerts addressed to the channel names handed in; nothing is read or sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from monitor.backtest import Ledger
from monitor.config import Channel, load_watchlist
from monitor.figures import extract_figures
from monitor.findings import article_findings, figure_choices, needs_figures, topic_matches
from monitor.records import Article

WATCHLIST = Path(__file__).parent.parent / "config" / "watchlists" / "north-korea-russia-arms.yaml"
CHANNELS = {
    "desk": Channel(url="json://127.0.0.1:9/desk", tags=("log",)),
    "pager": Channel(url="json://127.0.0.1:9/pager", tags=("pager",)),
}


def article(url: str, text: str, published: datetime) -> Article:
    return Article(
        url=url,
        title=text.split(",", maxsplit=1)[0],
        text=text,
        published=published,
        language="de",
        outlet=url.split("/")[2],
    )


FEBRUARY = article(
    "https://korea-kurier.example/feb",
    "Nordkorea hat nach Angaben aus Seoul etwa 6.700 Container nach Russland geschickt.",
    datetime(2024, 2, 27, tzinfo=UTC),
)
OCTOBER = article(
    "https://ukrinform.example/oct",
    "Nordkorea hat über 13.000 Container nach Russland geschickt, sagte ein Abgeordneter. "
    "Im Februar waren es nach Angaben aus Seoul 6.700 Container.",
    datetime(2024, 10, 9, 12, tzinfo=UTC),
)


def decide(ledger: Ledger, item: Article):  # type: ignore[no-untyped-def]
    watchlist = load_watchlist(WATCHLIST)
    matches = topic_matches(item, [watchlist])
    figures = extract_figures(item.text, item.language) if needs_figures(matches) else []
    found = article_findings(
        item,
        matches,
        figures,
        channels=CHANNELS,
        history_of=ledger.history,
        now=item.published or datetime.now(UTC),
    )
    ledger.texts[item.url] = item.text
    ledger.observations.extend(found.observations)
    return found


def test_a_first_value_is_recorded_and_a_change_is_addressed_to_the_tagged_channels() -> None:
    ledger = Ledger()

    first = decide(ledger, FEBRUARY)
    assert first.topics == ["North Korean arms deliveries to Russia"]
    assert [(o.figure, o.value) for o in first.observations if o.time == "current"] == [
        ("containers", 6700)
    ]
    assert first.alerts == []  # alert_on_first: false

    second = decide(ledger, OCTOBER)
    [(alert, channels)] = second.alerts
    assert channels == ["desk"]  # the watchlist notifies [log]; the pager carries no such tag
    assert "6,700 → 13,000" in alert.title
    # The February figure the October article cites is recorded as past, not as a change.
    assert {(o.value, o.time) for o in second.observations} >= {(13000, "current")}


def test_an_article_about_nothing_watched_finds_nothing() -> None:
    other = replace(FEBRUARY, text="Der Hamburger Hafen meldet 6.700 Container.", url="https://x/")
    found = decide(Ledger(), other)
    assert (found.matched, found.observations, found.alerts) == (0, [], [])


def test_figure_choices_say_which_mention_won() -> None:
    watchlist = load_watchlist(WATCHLIST)
    matches = topic_matches(OCTOBER, [watchlist])
    choices = figure_choices(OCTOBER, matches, extract_figures(OCTOBER.text, "de"))
    containers = next(c for c in choices if c.figure == "containers")
    assert containers.winner is not None
    assert containers.winner.value == 13000
