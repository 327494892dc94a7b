"""Dates and numbers in the user's locale; Karakalpak dates day.month.year (CLDR has next to nothing for it)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask, g
from portal.i18n import date_filter, datetime_filter, init_i18n, number_filter, percent_filter


@pytest.fixture(scope="module")
def app() -> Flask:
    app = Flask("i18n-test")
    init_i18n(app, "Asia/Tashkent")
    return app


@pytest.mark.parametrize(("language", "day", "moment", "number", "share"), [
    ("kaa", "01.12.2026", "01.12.2026 10:30", "12,345", "83%"),
    ("ru", "1 дек. 2026 г.", "1 дек. 2026 г., 10:30:00", "12 345", "83%"),
    ("en", "Dec 1, 2026", "Dec 1, 2026, 10:30:00 AM", "12,345", "83%"),
    ("uz-Latn", "1-dek, 2026", "1-dek, 2026, 10:30:00", "12 345", "83%"),
])
def test_dates_and_numbers_follow_the_users_language(app, language, day, moment, number, share):
    with app.test_request_context("/"):
        g.language = language
        assert spaced(date_filter("2026-12-01")) == day
        assert spaced(datetime_filter(datetime(2026, 12, 1, 5, 30, tzinfo=UTC))) == moment  # in Tashkent time
        assert date_filter("2026-11-30T20:00:00+00:00") == date_filter(date(2026, 12, 1))  # the day in Tashkent
        assert spaced(number_filter(12345)) == number
        assert spaced(percent_filter(0.83)) == share


def spaced(text: str) -> str:
    """CLDR separates with no-break and narrow no-break spaces; compare them as spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")
