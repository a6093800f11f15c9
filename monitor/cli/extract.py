"""`monitor extract FILE|URL`: what the pipeline sees in one article."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.cli.common import Register, jsonable, load
from monitor.config import Config
from monitor.records import Article, Figure, FigureChoice, TopicMatch

log = logging.getLogger(__name__)


def add_commands(command: Register) -> None:
    """Register this group's commands."""
    extract = command("extract", cmd_extract, "show what the pipeline sees in one article")
    extract.add_argument("target", metavar="FILE|URL")
    extract.add_argument("--lang", help="language of the text (ISO 639-1), if known")
    extract.add_argument("--json", action="store_true", help="print JSON")
    extract.add_argument(
        "--explain",
        action="store_true",
        help="per tracked figure: the mentions weighed, which won and why",
    )


def cmd_extract(args: argparse.Namespace) -> int:

    config = load(args)
    seen = asyncio.run(inspect_article(args.target, config, lang=args.lang))
    if args.json:
        document = {
            "article": jsonable(seen.article),
            "topics": [jsonable(t) for t in seen.topics],
            "figures": [jsonable(f) for f in seen.figures],
        }
        if args.explain:
            document["explain"] = [jsonable(choice) for choice in seen.choices]
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    article = seen.article
    print(f"title:     {article.title}")
    print(f"outlet:    {article.outlet}")
    print(f"published: {article.published.isoformat() if article.published else '-'}")
    print(f"language:  {article.language or '-'}")
    print(f"text:      {len(article.text)} characters ({article.source})")
    print(f"topics:    {', '.join(t.topic for t in seen.topics) or '-'}")
    print("figures:")
    for figure in seen.figures:
        flags: list[str] = [figure.time]
        if figure.approx:
            flags.append("approx")
        if figure.bound:
            flags.append(f"bound={figure.bound}")
        if figure.range:
            flags.append(f"range={figure.range[0]}..{figure.range[1]}")
        print(
            f"  {figure.value:>14}  {figure.unit or '-':<22} {' '.join(flags):<28} {figure.text!r}"
        )
    if args.explain:
        print("tracked figures:" if seen.choices else "tracked figures: - (no matching topic)")
        for line in explain_lines(seen.choices):
            print(line)
    return 0


def explain_lines(choices: Sequence[Any]) -> list[str]:
    """Per tracked figure: each mention weighed, won or lost, and why (`--explain`)."""
    lines: list[str] = []
    for choice in choices:
        lines.append(f"  {choice.topic} — {choice.figure}: {choice.anchors}")
        others = []
        for candidate in choice.candidates:
            figure = candidate.figure
            if candidate.verdict == "unit":
                others.append(f"{figure.text!r} ({figure.unit or '-'})")
                continue
            value = f"{figure.value:,} {figure.unit or '-'}"
            lines.append(
                f"    {candidate.verdict:<4}  {value:>16}  {figure.text!r:<18} {figure.time:<7}  "
                f"{candidate.why}"
            )
            if candidate.facts:
                lines.append(f"          {'; '.join(candidate.facts)}")
        if others:
            lines.append(f"    other units, not weighed: {', '.join(others)}")
        if not choice.winner:
            lines.append("    no current value for this figure in the article")
    return lines


@dataclass(frozen=True, slots=True, kw_only=True)
class Inspection:
    """What the pipeline sees in one article (`monitor extract`)."""

    article: Article
    topics: tuple[TopicMatch, ...]
    figures: tuple[Figure, ...]
    choices: tuple[FigureChoice, ...] = ()  # per tracked figure of a matched topic: why


async def inspect_article(target: str, config: Config, *, lang: str | None = None) -> Inspection:
    """Fetch or read `target` (URL or file), extract it, match it and find its figures."""
    from monitor.errors import ExtractError
    from monitor.extract import article_from_entry, extract_article
    from monitor.findings import figure_choices, needs_durations, topic_matches
    from monitor.pipeline import extract_page, http_client, scan_article
    from monitor.records import FeedEntry
    from monitor.sandbox import run_sandboxed

    now = datetime.now(UTC)
    if re.match(r"^https?://", target):
        async with http_client(config) as client:
            page = await client.fetch_page(target)
        article = await extract_page(page, feed_language=lang)
    else:
        path = Path(target)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ExtractError(target, f"cannot read file: {error.strerror}") from error
        if re.search(rb"<(html|body|p|article|div)[\s>]", data[:4096], re.IGNORECASE):
            uri = path.resolve().as_uri()
            article = await run_sandboxed(
                ExtractError, uri, extract_article, data, url=uri, feed_language=lang
            )
        else:
            text = data.decode("utf-8", errors="replace")
            entry = FeedEntry(
                id=target, link=None, title="", published=None, summary="", content=text
            )
            article = article_from_entry(entry, feed_title=path.name, feed_language=lang)
    if lang:
        article = replace(article, language=lang)
    matched = topic_matches(article, config.watchlists)
    # the pipeline's own scan: the same cap on text, the same values dropped as unstorable
    figures = tuple(await scan_article(article, durations=needs_durations(matched)))
    choices = tuple(figure_choices(article, matched, figures))
    log.debug("article_inspected url=%s figures=%d at=%s", article.url, len(figures), now)
    return Inspection(
        article=article,
        topics=tuple(match for _, match in matched),
        figures=figures,
        choices=choices,
    )
