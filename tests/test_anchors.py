"""Figure anchors (`near`, `exclude_near`, `unit`, `min`/`max`/`range`) and `--explain`.

Two user stories end to end, on a loopback feed with real SQLite and a real webhook:

- ECB: every percentage of a central-bank story competed for "the key rate", so a watchlist
  alerted on the deposit rate, wage growth and the share of banks, and never on the cut from
  4.50% to 4.25%. With anchors: exactly one alert, in percentage points.
- Evacuation: "Two people were killed" was read as the number of people evacuated. With
  `near: [evacuate]` it is not taken.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from monitor.alert import build_alert
from monitor.anchors import nearest_term
from monitor.cli import main
from monitor.compare import compare_figure
from monitor.config import AlertTemplate, Threshold, read_yaml
from monitor.figures import extract_figures
from monitor.records import FigureReading, Observation
from tests.fixtures.story import DATA, Story

ANCHORS = DATA / "anchors"
ECB_WATCHLIST = """\
name: ECB monetary policy
feeds:
  - {feed}
match:
  any: [ECB, European Central Bank, EZB]
figures:
  key_rate:
    label: ECB key interest rate
    unit: percent
    near: [key rate, key interest rate, main refinancing rate, Leitzins]
    exclude_near: [deposit facility, Einlagensatz, wage, Lohn, inflation]
    range: [0, 20]
    threshold: 0.1
notify: [chat]
"""
FLOOD_WATCHLIST = """\
name: Ems flood in Gelnau
feeds:
  - {feed}
match:
  any: [Gelnau]
figures:
  evacuated:
    label: People evacuated
    nouns: [people, resident]
    near: [evacuate]
notify: [chat]
"""
ECB_STORY = (
    ("ecb-hold-en.html", "ECB keeps rates on hold", datetime(2024, 4, 11, 12, 15, tzinfo=UTC)),
    ("ecb-cut-en.html", "ECB cuts key rate", datetime(2024, 6, 6, 12, 15, tzinfo=UTC)),
    ("ezb-lohn-de.html", "Tariflöhne steigen kräftig", datetime(2024, 6, 20, 8, 0, tzinfo=UTC)),
)
FLOOD_STORY = (
    ("flood-day1-en.html", "Thousands evacuated", datetime(2024, 9, 16, 6, 0, tzinfo=UTC)),
    ("flood-day2-en.html", "Two killed as levee breaks", datetime(2024, 9, 17, 6, 0, tzinfo=UTC)),
    ("flood-day3-en.html", "5,000 now evacuated", datetime(2024, 9, 18, 6, 0, tzinfo=UTC)),
)


def config_with(tmp_path: Path, watchlist: str) -> Path:
    """A configuration directory with `watchlist` and a log channel tagged chat."""
    config = tmp_path / "config"
    (config / "watchlists").mkdir(parents=True)
    (config / "settings.yaml").write_text(
        f'database: sqlite:///{tmp_path / "m.db"}\nchannels:\n  - url: "log://"\n    tags: [chat]\n'
    )
    (config / "watchlists" / "topic.yaml").write_text(
        watchlist.format(feed="https://example.org/feed.xml")
    )
    return config


def use_watchlist(story: Story, text: str) -> None:
    for old in (story.config / "watchlists").glob("*.yaml"):
        old.unlink()
    (story.config / "watchlists" / "topic.yaml").write_text(
        text.format(feed=story.server.url("/feed.xml"))
    )


def publish(story: Story, page: str, title: str, published: datetime) -> None:
    story.publish(f"/news/{page}", title, (ANCHORS / page).read_text(), published)


def run_story(
    story: Story,
    watchlist: str,
    pages: tuple[tuple[str, str, datetime], ...],
    webhook_receiver,
) -> list[str]:
    """Publish `pages` one by one, a `monitor once` after each; the titles that arrived."""
    use_watchlist(story, watchlist)
    for page, title, published in pages:
        publish(story, page, title, published)
        assert story.once() == 0
    return [post.body["title"] for post in webhook_receiver.received]


def test_ecb_key_rate_alerts_once_on_the_cut_in_percentage_points(
    story: Story, webhook_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    titles = run_story(story, ECB_WATCHLIST, ECB_STORY, webhook_receiver)
    assert titles == ["ECB monetary policy — ECB key interest rate: 4.50% → 4.25% (−0.25 pp)"]
    body = webhook_receiver.received[0].body["message"]
    assert "change: −0.25 percentage points" in body
    assert "lowered its key interest rate to 4.25%" in body
    assert "kept its key interest rate at 4.50%" in body
    # Only key-rate values were stored: no deposit rate, wage growth, inflation or banks.
    history = story.cli_json(capsys, "figures")
    assert sorted(o["value"] for o in history) == [4.25, 4.25, 4.5]


def test_evacuated_count_is_not_taken_from_the_killed(
    story: Story, webhook_receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    titles = run_story(story, FLOOD_WATCHLIST, FLOOD_STORY, webhook_receiver)
    assert titles == ["Ems flood in Gelnau — People evacuated: 3,000 → 5,000 (+67%)"]
    history = story.cli_json(capsys, "figures")
    assert sorted(o["value"] for o in history) == [3000, 5000]


def test_a_near_term_of_another_figure_competes(tmp_path: Path, capsys) -> None:
    # One sentence, two counts of people: each goes to the figure whose near term is in its
    # clause ("and" ends a clause), none to both.
    config = config_with(
        tmp_path,
        "name: Flood\nmatch:\n  any: [Gelnau]\nfigures:\n"
        "  evacuated:\n    nouns: [people]\n    near: [evacuate]\n"
        "  killed:\n    nouns: [people]\n    near: [kill, die, dead]\n",
    )
    article = tmp_path / "article.txt"
    article.write_text("Two people were killed in Gelnau and 3,000 were evacuated on Monday.\n")
    assert (
        main(
            [
                "extract",
                str(article),
                "--lang",
                "en",
                "--json",
                "--explain",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    explain = json.loads(capsys.readouterr().out)["explain"]
    won = {
        choice["figure"]: [
            c["figure"]["value"] for c in choice["candidates"] if c["verdict"] == "won"
        ]
        for choice in explain
    }
    assert won == {"evacuated": [3000], "killed": [2]}
    killed_for_evacuated = next(c for c in explain[0]["candidates"] if c["figure"]["value"] == 2)
    assert killed_for_evacuated["verdict"] == "lost"
    assert "a near term of 'killed', is nearer" in killed_for_evacuated["why"]


def test_exclude_near_keeps_the_killed_out_of_a_sentence_that_also_evacuates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The README's advice: when both verbs share the sentence, exclude_near tells who was
    # killed from who was evacuated.
    watchlist = FLOOD_WATCHLIST.replace(
        "    near: [evacuate]\n", "    near: [evacuate]\n    exclude_near: [kill, injure]\n"
    )
    config = config_with(tmp_path, watchlist)
    article = tmp_path / "article.txt"
    article.write_text("Two people were killed in Gelnau as crews evacuated the old town.\n")
    command = ["extract", str(article), "--lang", "en", "--json", "--explain"]
    assert main([*command, "--config", str(config)]) == 0
    [choice] = json.loads(capsys.readouterr().out)["explain"]
    [two] = [c for c in choice["candidates"] if c["figure"]["value"] == 2]
    assert two["verdict"] == "lost"
    assert two["why"] == (
        "exclude_near 'kill' as 'killed' (same clause, 1 word between) is nearer than "
        "'evacuate' as 'evacuated' (1 clause mark away, 6 words between)"
    )


def test_extract_explain_says_which_mention_won_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_with(tmp_path, ECB_WATCHLIST)
    page = str(ANCHORS / "ecb-cut-en.html")
    assert main(["extract", page, "--explain", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    lines = [line.strip() for line in out[out.index("tracked figures:") :].splitlines()]
    assert lines[1].startswith("ECB monetary policy — key_rate: unit percent; near key rate,")
    verdicts = {line.split("'")[1]: line for line in lines if line.startswith(("won", "lost"))}
    assert verdicts["4.25%"].startswith("won")
    assert verdicts["4.25%"].endswith("the only current mention that passes")
    assert verdicts["3.75%"].endswith("no near term in its sentence")
    assert verdicts["31%"].endswith("31 is outside the range 0..20")
    facts = lines[lines.index(verdicts["4.25%"]) + 1]
    assert "near 'key interest rate' (same clause, 1 word between)" in facts

    assert main(["extract", page, "--explain", "--json", "--config", str(config)]) == 0
    [choice] = json.loads(capsys.readouterr().out)["explain"]
    assert choice["figure"] == "key_rate"
    by_text = {c["figure"]["text"]: c for c in choice["candidates"]}
    assert by_text["4.25%"]["verdict"] == "won"
    assert by_text["3.75%"]["why"] == "no near term in its sentence"

    # Without --explain, neither output changes.
    assert main(["extract", page, "--json", "--config", str(config)]) == 0
    assert "explain" not in json.loads(capsys.readouterr().out)


def test_explain_says_why_a_german_rate_lost_to_an_exclude_term(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_with(tmp_path, ECB_WATCHLIST)
    page = str(ANCHORS / "ezb-lohn-de.html")
    assert main(["extract", page, "--explain", "--json", "--config", str(config)]) == 0
    [choice] = json.loads(capsys.readouterr().out)["explain"]
    by_value = {c["figure"]["value"]: c for c in choice["candidates"]}
    assert by_value[4.25]["verdict"] == "won"  # "Leitzins" in the same clause
    assert by_value[2.6]["why"] == (
        "exclude_near 'inflation' (same clause, 4 words between) is nearer "
        "than 'Leitzins' (1 clause mark away, 11 words between)"
    )


def test_backtest_verbose_lists_the_mentions_per_article(
    story: Story, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    use_watchlist(story, ECB_WATCHLIST)
    for page, title, published in ECB_STORY:
        publish(story, page, title, published)
    assert story.once() == 0
    draft = tmp_path / "draft.yaml"
    draft.write_text(ECB_WATCHLIST.format(feed="https://example.org/feed.xml"))
    capsys.readouterr()
    assert main(["backtest", str(draft), "--verbose", "--config", str(story.config)]) == 0
    out = capsys.readouterr().out
    blocks = out.split("\n\n")
    assert blocks[0].startswith("2024-04-11 12:15 ECB keeps rates on hold as wage growth")
    cut = next(b for b in blocks if b.startswith("2024-06-06 12:15"))
    assert "won       4.25 percent  '4.25%'            current  the only current mention" in cut
    assert "'3.75%'            current  no near term in its sentence" in cut
    assert "ECB key interest rate: 4.50% → 4.25% (−0.25 pp)" in out
    assert out.rstrip().endswith("1 alerts would have been sent (nothing sent, nothing stored)")

    assert main(["backtest", str(draft), "--verbose", "--json", "--config", str(story.config)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [a["title"] for a in document["alerts"]] == [
        "ECB monetary policy — ECB key interest rate: 4.50% → 4.25% (−0.25 pp)"
    ]
    assert [a["published"][:10] for a in document["articles"]] == [
        "2024-04-11",
        "2024-06-06",
        "2024-06-20",
    ]
    winners = [
        [c["figure"]["value"] for c in a["explain"][0]["candidates"] if c["verdict"] == "won"]
        for a in document["articles"]
    ]
    assert winners == [[4.5], [4.25], [4.25]]


@pytest.mark.parametrize(
    ("figure", "position", "message"),
    [
        (
            "    unit: percent\n    range: [5, 1]\n",
            "7:12",
            "the lowest value 5 is above the highest 1",
        ),
        ("    unit: percent\n    range: [1]\n", "7:12", "range is two numbers, [low, high]"),
        ("    unit: percent\n    min: 1\n    range: [1, 2]\n", "8:12", "either range"),
        ("    unit: percent\n    min: 3\n    max: 2\n", "6:5", "min 3 is above max 2"),
        (
            "    unit: percent\n    max: lots\n",
            "7:10",
            "figures.rate.max: expected a number, got 'lots'",
        ),
        ("    unit: ' '\n", "6:11", "unit is empty"),
        ("    nouns: []\n", "6:5", "at least one noun, or a unit"),
        (
            "    unit: percent\n    near: [Key Rate]\n    exclude_near: [key rate]\n",
            "8:19",
            "'key rate' is both in near and in exclude_near",
        ),
        ("    unit: percent\n    near: [rate, '']\n", "7:11", "an empty term matches nothing"),
        ("    unit: percent\n    nearby: [rate]\n", "7:5", "unknown key 'figures.rate.nearby'"),
    ],
    ids=[
        "range-order",
        "range-one",
        "range-and-min",
        "min-above-max",
        "max-text",
        "unit-empty",
        "no-noun",
        "near-and-exclude",
        "empty-term",
        "misspelt",
    ],
)
def test_check_reports_bad_anchors_with_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figure: str, position: str, message: str
) -> None:
    config = tmp_path / "config"
    (config / "watchlists").mkdir(parents=True)
    (config / "settings.yaml").write_text(f"database: sqlite:///{tmp_path / 'm.db'}\n")
    path = config / "watchlists" / "rates.yaml"
    path.write_text(f"name: Rates\nmatch:\n  any: [ECB]\nfigures:\n  rate:\n{figure}")
    assert main(["check", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:{position}: " in err, err
    assert message in err, err


def test_the_readme_anchors_example_explains_as_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    watchlist = next(
        block
        for block in re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)
        if "key_rate:" in block
    )
    printed = readme.split("$ monitor extract tests/data/anchors/ecb-cut-en.html --explain\n")[1]
    printed = printed[: printed.index("```")]
    config = config_with(tmp_path, watchlist.replace("{", "{{").replace("}", "}}"))
    page = str(ANCHORS / "ecb-cut-en.html")
    assert main(["extract", page, "--explain", "--config", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    shown = [line for line in printed.splitlines() if line.strip() != "…"]
    assert len(shown) >= 6
    assert [line for line in shown if line not in out] == []


def test_the_watchlist_schema_knows_the_anchors(tmp_path: Path) -> None:
    assert main(["schema", "--output", str(tmp_path)]) == 0
    schema = json.loads((tmp_path / "watchlist.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    path = tmp_path / "ecb.yaml"
    path.write_text(ECB_WATCHLIST.format(feed="https://example.org/feed.xml"))
    document = json.loads(json.dumps(read_yaml(path)))
    assert list(validator.iter_errors(document)) == []
    rate = document["figures"]["key_rate"]
    rate["range"] = [1]
    rate["nearby"] = ["rate"]
    assert sorted(e.message for e in validator.iter_errors(document)) == [
        "Additional properties are not allowed ('nearby' was unexpected)",
        "[1] is not valid under any of the given schemas",
    ]


def rate(value: str, published: datetime) -> Observation:
    return Observation(
        topic="ECB",
        figure="key_rate",
        value=Decimal(value),
        approx=False,
        bound=None,
        time="current",
        article_url=f"https://example.org/{value}",
        article_title="t",
        outlet="Euro Wire",
        published=published,
        sentence=f"The ECB set its key rate at {value}%.",
        observed_at=published,
    )


@pytest.mark.parametrize(
    ("old", "new", "title", "change_line"),
    [
        ("4.5", "4.25", "4.50% → 4.25% (−0.25 pp)", "change: −0.25 percentage points"),
        ("5", "6", "5% → 6% (+1 pp)", "change: +1 percentage points"),
        ("2.5", "3", "2.5% → 3.0% (+0.5 pp)", "change: +0.5 percentage points"),
        (None, "4.25", "first reported 4.25%", None),
    ],
    ids=["cut", "whole-points", "mixed-decimals", "first"],
)
def test_a_rate_moves_in_percentage_points(
    old: str | None, new: str, title: str, change_line: str | None
) -> None:
    before = datetime(2024, 4, 11, tzinfo=UTC)
    after = datetime(2024, 6, 6, tzinfo=UTC)
    change = compare_figure(
        FigureReading(topic="ECB", figure="key_rate", current=rate(new, after), unit="percent"),
        rate(old, before) if old else None,
        label="Key rate",
        threshold=Threshold(relative=Decimal("0.05")),
        alert_on_first=True,
    )
    assert change is not None
    alert = build_alert(change, tags=(), now=after)
    assert alert.title == f"ECB — Key rate: {title}"
    assert (change_line in alert.body) if change_line else ("change:" not in alert.body)


def test_rate_template_fields() -> None:
    before = datetime(2024, 4, 11, tzinfo=UTC)
    after = datetime(2024, 6, 6, tzinfo=UTC)
    change = compare_figure(
        FigureReading(topic="ECB", figure="key_rate", current=rate("4.25", after), unit="percent"),
        rate("4.5", before),
        label="Key rate",
        threshold=Threshold(relative=Decimal("0.05")),
    )
    assert change is not None
    template = AlertTemplate(title="{{ old }}|{{ new }}|{{ points }}|{{ unit }}|{{ percent }}")
    alert = build_alert(change, tags=(), now=after, template=template)
    assert alert.title == "4.50%|4.25%|−0.25 pp|percent|-6%"


@pytest.mark.parametrize(
    ("lang", "sentence", "term", "nearness"),
    [
        (
            "de",
            "Die EZB senkte ihre Leitzinsen am Donnerstag auf 4,25 Prozent.",
            "Leitzins",
            "'Leitzins' as 'Leitzinsen' (same clause, 3 words between)",
        ),
        (
            "de",
            "Der EZB-Leitzins liegt nun bei 4,25 Prozent.",
            "Leitzins",
            "'Leitzins' as 'EZB-Leitzins' (same clause, 3 words between)",
        ),
        (
            "de",
            "Die Notenbank hat den Zins auf 4,25 Prozent gesenkt.",
            "senken",
            "'senken' as 'gesenkt' (same clause, 0 words between)",
        ),
        (
            "ru",
            "Банк России снизил ключевую ставку до 16 процентов.",
            "ключевая ставка",
            "'ключевая ставка' as 'ключевую ставку' (same clause, 1 word between)",
        ),
        (
            "uk",
            "НБУ знизив облікову ставку до 13,5 відсотка.",
            "облікова ставка",
            "'облікова ставка' as 'облікову ставку' (same clause, 0 words between)",
        ),
        (
            "fr",
            "La BCE a abaissé ses taux directeurs à 4,25 %.",
            "taux directeur",
            "'taux directeur' as 'taux directeurs' (same clause, 1 word between)",
        ),
        (
            "es",
            "El BCE rebajó los tipos de interés al 4,25 %.",
            "tipo de interés",
            "'tipo de interés' as 'tipos de interés' (same clause, 1 word between)",
        ),
        (
            "en",
            "Authorities were evacuating 3,000 residents on Monday.",
            "evacuate",
            "'evacuate' as 'evacuating' (same clause, 0 words between)",
        ),
    ],
    ids=["de-plural", "de-compound", "de-participle", "ru", "uk", "fr", "es", "en-verb"],
)
def test_near_terms_match_in_any_inflection(
    lang: str, sentence: str, term: str, nearness: str
) -> None:
    [figure] = extract_figures(sentence, lang)
    found = nearest_term(sentence, figure, [term], lang)
    assert found is not None
    assert found.describe() == nearness


def test_explain_says_why_each_passing_mention_lost_to_the_winner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_with(tmp_path, FLOOD_WATCHLIST)
    article = tmp_path / "article.txt"
    article.write_text(
        "Two people were killed in Gelnau and 3,000 were evacuated. Later 4,000 people were "
        "evacuated from the old town, and thousands were evacuated elsewhere.\n"
    )
    command = ["extract", str(article), "--lang", "en", "--explain", "--config", str(config)]
    assert main(command) == 0
    verdicts = [
        " ".join(line.split())
        for line in capsys.readouterr().out.splitlines()
        if line.startswith(("    won", "    lost"))
    ]
    assert verdicts == [
        "lost 2 people 'Two' current lost to '3,000': its near term is farther",
        "won 3,000 people '3,000' current first of 4 current mentions that pass: "
        "the nearest to the topic's terms",
        "lost 4,000 people '4,000' current lost to '3,000': farther from the topic's terms "
        "(33 against 5 characters)",
        "lost 1,000 people 'thousands' current lost to '3,000': a vague word loses to a "
        "number in digits",
    ]
