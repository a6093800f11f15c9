"""Figures as a reader of a watchlist's `locale:` writes them, with babel.

    localized(13000, "de")                           → "13.000"
    localized(1200000, "de")                         → "1,2 Mio."
    localized(8500, "de", unit="ha")                 → "8.500 ha"
    localized(13000, "de", bound="min")              → "mehr als 13.000"
    localized(Decimal("4.25"), "de", unit="percent") → "4,25 %"

Qualifiers ("about", "more than") are kept in the reader's language when this module knows
it, else in English. Pure: no I/O.
"""

from __future__ import annotations

from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
)

COMPACT_FROM = Decimal(1_000_000)  # "1,2 Mio."; below it every digit is written ("8.500")
CURRENCIES = {"usd": "USD", "eur": "EUR", "gbp": "GBP", "jpy": "JPY"}
# (approximately, at least, at most) per language
QUALIFIERS = {
    "en": ("about", "more than", "less than"),
    "de": ("etwa", "mehr als", "weniger als"),
    "fr": ("environ", "plus de", "moins de"),
    "es": ("unos", "más de", "menos de"),
    "it": ("circa", "più di", "meno di"),
    "nl": ("ongeveer", "meer dan", "minder dan"),
    "pl": ("około", "ponad", "mniej niż"),
    "ru": ("около", "более", "менее"),
    "uk": ("близько", "понад", "менше"),
    "ko": ("약", "최소", "최대"),
}


def check_locale(name: str) -> str:
    """`name` when babel knows the locale, else ValueError with what to write instead."""
    try:
        Locale.parse(name.replace("-", "_"))
    except (ValueError, UnknownLocaleError) as error:
        raise ValueError(
            f"{name!r} is not a locale babel knows; write a language code such as de, en or fr_CH"
        ) from error
    return name


def localized(
    value: Decimal,
    locale: str,
    *,
    unit: str | None = None,
    approx: bool = False,
    bound: str | None = None,
) -> str:
    """`value` in `locale`, with its unit and qualifier ("mehr als 8.500 ha")."""
    where = locale.replace("-", "_")
    if unit == "percent":
        text = format_percent(value / 100, locale=where, decimal_quantization=False)
    elif unit in CURRENCIES:
        text = format_currency(value, CURRENCIES[unit], locale=where)
    else:
        text = number(value, where)
        if unit:
            text = f"{text} {unit}"
    return qualified(text, where, approx=approx, bound=bound)


def number(value: Decimal, locale: str) -> str:
    """A plain number in `locale`: compact from a million on ("1,2 Mio."), else in full."""
    if abs(value) >= COMPACT_FROM:
        return str(
            format_compact_decimal(value, format_type="short", locale=locale, fraction_digits=1)
        )
    return str(format_decimal(value, locale=locale))


def qualified(text: str, locale: str, *, approx: bool = False, bound: str | None = None) -> str:
    """`text` with "about" / "more than" / "less than" in the locale's language."""
    about, more, less = QUALIFIERS.get(locale.split("_", maxsplit=1)[0].lower(), QUALIFIERS["en"])
    if bound == "min":
        return f"{more} {text}"
    if bound == "max":
        return f"{less} {text}"
    if approx:
        return f"{about} {text}"
    return text
