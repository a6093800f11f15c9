"""Where each page lives: topic slugs and figure paths, shared by the pages and the alerts.

    /                                  watchlists
    /topics/<slug>                     a watchlist's figures; .atom: its changes
    /topics/<slug>/<figure>            a figure's timeline; .atom, .csv, .json
    /values/<id>                       one stored value: its sentence, source, review
    /alerts, /feeds                    alerts with delivery per channel; feed health

Pure: no I/O, no web framework (the alert builder imports it).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from monitor.config import Config

NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """ "North Korean arms deliveries to Russia" → "north-korean-arms-deliveries-to-russia"."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return NOT_SLUG.sub("-", ascii_text.lower()).strip("-") or "topic"


def topic_slugs(config: Config) -> dict[str, str]:
    """Watchlist name → its slug, unique within the configuration (a suffix breaks ties)."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for watchlist in config.watchlists:
        base = slug = slugify(watchlist.name)
        number = 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        slugs[watchlist.name] = slug
    return slugs


def figure_path(slug: str, figure: str) -> str:
    """The path of a figure's page."""
    return f"/topics/{slug}/{quote(figure, safe='')}"


def figure_url(config: Config, topic: str, figure: str) -> str | None:
    """The public URL of a figure's page, or None without `http.public_url`."""
    base = config.settings.http.public_url
    slug = topic_slugs(config).get(topic)
    if not base or slug is None:
        return None
    return base.rstrip("/") + figure_path(slug, figure)
