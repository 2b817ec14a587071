"""Languages of the pages: the message catalogues (gettext through Babel), the user's choice
(a cookie, else the browser's Accept-Language, else English), and dates, times and numbers
formatted for the locale in the facility's own time zone.

Invariant: every visible string of a template goes through ``_``/``gettext``;
``tests/pages/test_translations.py`` fails when one has no Chinese translation.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES: dict[str, str] = {"en": "English", "zh_Hans": "中文"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "coldchain_lang"
DEFAULT_TIME_ZONE = "UTC"
# Babel's English short forms are American (12/4/26, 3:05 PM): read as day/month by most of
# an international programme. English writes the month's name and a 24-hour clock instead
# (4 Dec 2026, 15:05); Chinese keeps its locale's own forms (2026/12/4 15:05, 2026年12月4日).
PATTERNS: dict[str, dict[str, str]] = {
    "en": {"datetime": "d MMM y, HH:mm", "date": "d MMM y", "short_date": "d MMM y"},
}
LOCALE_FORMS = {"datetime": "short", "date": "medium", "short_date": "short"}


def pattern(language: str, form: str) -> str:
    """The Babel pattern (or named form) of ``form`` (datetime, date, short_date)."""
    return PATTERNS.get(language, LOCALE_FORMS)[form]


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language`` (English is the source: its catalogue maps
    every message to itself)."""
    return Translations.load(str(LOCALE_DIR), [language], domain=DOMAIN)


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's language when it is one we have, else the first of Accept-Language that
    we have (``zh``, ``zh-CN``, ``zh-Hans`` give Chinese), else English."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE


class Formats:
    """Dates, times, numbers and durations for one language; times in a given zone."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)

    def datetime(self, moment: datetime | None, time_zone: str | None = None) -> str:
        if moment is None:
            return "—"
        # The short form shows minutes: every moment of a minute reads the same.
        return _short_datetime(
            self.language, moment.replace(second=0, microsecond=0), time_zone or DEFAULT_TIME_ZONE
        )

    def date(self, day: date | None) -> str:
        return "—" if day is None else _date(self.language, day, "date")

    def short_date(self, day: dt.date | None) -> str:
        return "—" if day is None else _date(self.language, day, "short_date")

    def number(self, value: float | int | None, digits: int = 0) -> str:
        return "—" if value is None else _number(self.language, value, digits)

    def temperature(self, value: float | None) -> str:
        # a no-break space: "+8" and "°C" never on two lines
        return "—" if value is None else f"{self.number(value, 1)}\u00a0°C"

    def percent(self, value: float | None) -> str:
        """``value`` in percent (83.9 for 83.9 %)."""
        return "—" if value is None else _percent(self.language, value)

    def age(self, since: dt.datetime | None, now: dt.datetime) -> str:
        """How long ago, in words ("3 hours")."""
        if since is None:
            return "—"
        return format_timedelta(now - since, threshold=1.5, locale=self.locale)


# Babel's formatting costs 50–120 µs a call, and a page of thousands of rows (the status
# board, a national lot trace) makes tens of thousands of calls with few distinct values
# (doses, temperatures to 0.1 °C, percentages, the minute a reading came): the same answer
# for the same arguments, so they are remembered.


@lru_cache(maxsize=65_536)
def _number(language: str, value: float | int, digits: int) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=Locale.parse(language))


@lru_cache(maxsize=16_384)
def _percent(language: str, value: float) -> str:
    return format_percent(value / 100, "#,##0.0%", locale=Locale.parse(language))


@lru_cache(maxsize=16_384)
def _short_datetime(language: str, minute: datetime, time_zone: str) -> str:
    zone = ZoneInfo(time_zone)
    form = pattern(language, "datetime")
    return format_datetime(minute, form, tzinfo=zone, locale=Locale.parse(language))


@lru_cache(maxsize=16_384)
def _date(language: str, day: date, form: str) -> str:
    return format_date(day, pattern(language, form), locale=Locale.parse(language))
