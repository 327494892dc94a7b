"""Protection orders: working days to the correction plan, expiry warnings, on plain data."""

from __future__ import annotations

from datetime import date

from enrollment.domain.orders import (
    OrderFacts,
    add_working_days,
    expiring_soon,
    plan_due_on,
    plan_overdue,
    standard_conditions,
)

WEEK = {1, 2, 3, 4, 5}


def test_two_working_days_skip_the_weekend():
    assert add_working_days(date(2026, 11, 20), 2, working_weekdays=WEEK) == date(2026, 11, 24)  # Fri -> Tue
    assert add_working_days(date(2026, 11, 23), 2, working_weekdays=WEEK) == date(2026, 11, 25)  # Mon -> Wed


def test_a_six_day_week_and_public_holidays_are_settings():
    assert add_working_days(date(2026, 11, 20), 2, working_weekdays=WEEK | {6}) == date(2026, 11, 23)
    assert add_working_days(date(2026, 11, 23), 2, working_weekdays=WEEK,
                            holidays={date(2026, 11, 24)}) == date(2026, 11, 26)


def test_plan_is_overdue_only_after_its_due_day_and_only_without_a_plan():
    order = OrderFacts(issued_on=date(2026, 11, 20), expires_on=date(2026, 12, 20), status="active", plan_agreed_on=None)
    calendar = {"working_days": 2, "working_weekdays": WEEK}
    assert plan_due_on(order, **calendar) == date(2026, 11, 24)
    assert not plan_overdue(order, date(2026, 11, 24), **calendar)
    assert plan_overdue(order, date(2026, 11, 25), **calendar)
    with_plan = OrderFacts(order.issued_on, order.expires_on, "active", plan_agreed_on=date(2026, 11, 25))
    assert not plan_overdue(with_plan, date(2026, 12, 1), **calendar)
    revoked = OrderFacts(order.issued_on, order.expires_on, "revoked", None)
    assert not plan_overdue(revoked, date(2026, 12, 1), **calendar)


def test_expiring_soon_within_the_warning_days_only():
    order = OrderFacts(issued_on=date(2026, 11, 1), expires_on=date(2026, 12, 1), status="active", plan_agreed_on=None)
    assert not expiring_soon(order, date(2026, 11, 23), within_days=7)
    assert expiring_soon(order, date(2026, 11, 24), within_days=7)
    assert expiring_soon(order, date(2026, 12, 1), within_days=7)
    assert not expiring_soon(order, date(2026, 12, 2), within_days=7)


def test_only_an_order_in_force_is_extended():
    from enrollment.domain.orders import extension_refusal

    today = date(2026, 12, 5)
    assert extension_refusal(OrderFacts(date(2026, 11, 5), today, "active", None), today) is None  # its last day
    assert "expired on 2026-12-04" in (extension_refusal(OrderFacts(date(2026, 11, 5), date(2026, 12, 4), "active",
                                                                    None), today) or "")
    for status in ("expired", "revoked"):
        assert "new order must be issued" in (extension_refusal(OrderFacts(date(2026, 11, 5), date(2027, 1, 4), status,
                                                                           None), today) or "")


def test_standard_conditions_are_kept_once_each_in_the_vocabularys_order():
    assert standard_conditions(["correction_programme", "no_contact", "correction_programme"]) == [
        "no_contact", "correction_programme"]
    assert standard_conditions([]) == []
