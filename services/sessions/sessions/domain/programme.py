"""A cohort's programme laid out on its schedule. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class PlannedSession:
    number: int
    topic: str | None
    scheduled_at: datetime


def plan_sessions(*, start: date, weekdays: Iterable[int], at: time, count: int, topics: Mapping[int, str],
                  zone: tzinfo, skip: Iterable[int] = ()) -> list[PlannedSession]:
    """A cohort's sessions from its programme: `count` sessions on the schedule's weekdays from `start`, at the
    schedule's local time, numbered in curriculum order with its topics; numbers in `skip` exist already (they
    keep their date, and the plan still counts them)."""
    days = sorted(set(weekdays))
    if not days or any(not 1 <= d <= 7 for d in days):
        raise ValueError("the schedule names no weekdays (ISO: Monday = 1)")
    existing = set(skip)
    planned: list[PlannedSession] = []
    day, number = start, 0
    while number < count:
        if day.isoweekday() in days:
            number += 1
            if number not in existing:
                planned.append(PlannedSession(number, topics.get(number),
                                              datetime.combine(day, at, tzinfo=zone).astimezone(UTC)))
        day += timedelta(days=1)
    return planned


def schedule_time(text: str) -> time:
    """The local time of a cohort's schedule, written "HH:MM" by enrollment."""
    hours, minutes = (int(x) for x in text.split(":"))
    return time(hours, minutes)
