"""Protection orders: when the correction plan is overdue, when expiry needs attention. No I/O.

Since Resolution No. 441 (2025) the individual correction plan is due within two working days of the
order. Working days and public holidays are settings (a region may work a six-day week).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from qadam_contracts.vocabulary import ORDER_CONDITIONS


def standard_conditions(codes: Collection[str]) -> list[str]:
    """An order's standard conditions as stored: each once, in the order the vocabulary lists them (ORDER_CONDITIONS)
    whatever order they were asked in."""
    return [code for code in ORDER_CONDITIONS if code in codes]


class OrderStatus:
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def add_working_days(start: date, days: int, *, working_weekdays: Collection[int],
                     holidays: Collection[date] = ()) -> date:
    """The date `days` working days after `start` (weekdays as ISO numbers, Monday = 1)."""
    if not working_weekdays:
        raise ValueError("at least one working weekday")
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.isoweekday() in working_weekdays and current not in holidays:
            left -= 1
    return current


class WorkingCalendar(TypedDict):
    """The working days a correction plan is due in (the keywords of plan_due_on and plan_overdue)."""

    working_days: int
    working_weekdays: Collection[int]
    holidays: Collection[date]


@dataclass(frozen=True)
class OrderFacts:
    issued_on: date
    expires_on: date
    status: str
    plan_agreed_on: date | None


def plan_due_on(order: OrderFacts, *, working_days: int, working_weekdays: Collection[int],
                holidays: Collection[date] = ()) -> date:
    return add_working_days(order.issued_on, working_days, working_weekdays=working_weekdays, holidays=holidays)


def plan_overdue(order: OrderFacts, today: date, *, working_days: int, working_weekdays: Collection[int],
                 holidays: Collection[date] = ()) -> bool:
    """No correction plan on file after the working days allowed (the due day itself is still in time)."""
    if order.status != OrderStatus.ACTIVE or order.plan_agreed_on is not None:
        return False
    return today > plan_due_on(order, working_days=working_days, working_weekdays=working_weekdays, holidays=holidays)


def expiring_soon(order: OrderFacts, today: date, *, within_days: int) -> bool:
    return order.status == OrderStatus.ACTIVE and today <= order.expires_on <= today + timedelta(days=within_days)


def extension_refusal(order: OrderFacts, today: date) -> str | None:
    """Why the order cannot be extended (None: it can). Only an order in force is extended: one that expired or was
    revoked has ended (and its end was announced); a court issues a new one, recorded as a new order."""
    if order.status == OrderStatus.REVOKED:
        return "The order was revoked; it cannot be extended. A new order must be issued and recorded."
    if order.status == OrderStatus.EXPIRED or order.expires_on < today:
        return (f"The order expired on {order.expires_on.isoformat()}; an order that has ended cannot be extended. "
                "A new order must be issued and recorded.")
    return None
