"""The working days a correction plan is due in come from enrollment's settings, read once."""

from __future__ import annotations

from datetime import date

from enrollment.domain.orders import OrderFacts, plan_due_on
from enrollment.settings import EnrollmentSettings


def test_the_calendar_holds_the_working_days_weekdays_and_holidays_the_settings_say():
    settings = EnrollmentSettings(plan_due_working_days=2, working_weekdays="1,2,3,4,5,6", public_holidays="2026-03-21")
    assert settings.working_calendar == {"working_days": 2, "working_weekdays": frozenset({1, 2, 3, 4, 5, 6}),
                                         "holidays": frozenset({date(2026, 3, 21)})}


def test_a_plan_due_over_a_holiday_is_due_a_working_day_later():
    settings = EnrollmentSettings(plan_due_working_days=2, working_weekdays="1,2,3,4,5", public_holidays="2026-03-23")
    issued_friday = OrderFacts(date(2026, 3, 20), date(2026, 9, 20), "active", None)
    # Monday 23 March is a holiday: Tuesday and Wednesday are the two working days
    assert plan_due_on(issued_friday, **settings.working_calendar) == date(2026, 3, 25)
