"""Dates and moments on the staff pages: English ones cannot be misread as month/day or
day/month (the month by its name, a 24-hour clock); Chinese ones are the locale's own."""

from __future__ import annotations

from datetime import UTC, date, datetime

from api.pages.i18n import Formats

MOMENT = datetime(2026, 12, 4, 7, 5, 42, tzinfo=UTC)  # 15:05 in Shanghai


def test_english_dates_name_the_month_and_use_a_24_hour_clock() -> None:
    english = Formats("en")
    assert english.datetime(MOMENT, "Asia/Shanghai") == "4 Dec 2026, 15:05"
    assert english.datetime(MOMENT) == "4 Dec 2026, 07:05"  # UTC without a zone
    assert english.date(date(2026, 12, 4)) == "4 Dec 2026"
    assert english.short_date(date(2026, 3, 1)) == "1 Mar 2026"
    assert english.date(None) == english.datetime(None) == english.short_date(None) == "—"


def test_chinese_dates_keep_the_locale_forms() -> None:
    chinese = Formats("zh_Hans")
    assert chinese.datetime(MOMENT, "Asia/Shanghai") == "2026/12/4 15:05"
    assert chinese.date(date(2026, 12, 4)) == "2026年12月4日"
    assert chinese.short_date(date(2026, 3, 1)) == "2026/3/1"
