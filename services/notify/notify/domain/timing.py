"""When a message may go (quiet hours; critical alerts ignore them), when a failed delivery is tried again, and
when the daily digest is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def next_attempt_delay(attempts: int, base_seconds: float, cap_seconds: float = 3600.0) -> timedelta:
    """Exponential back-off after `attempts` failed attempts."""
    return timedelta(seconds=min(base_seconds * (2 ** max(attempts - 1, 0)), cap_seconds))


def delivery_exhausted(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts


def quiet_now(local: time, start: time | None, end: time | None) -> bool:
    """Whether a local time of day falls in quiet hours (which may run over midnight, 22:00-07:00)."""
    if start is None or end is None or start == end:
        return False
    return start <= local < end if start < end else (local >= start or local < end)


def send_at(now: datetime, start: time | None, end: time | None, zone: tzinfo, level: str) -> datetime:
    """When a message may go: now, or when the recipient's quiet hours end. Critical alerts ignore quiet hours."""
    local = now.astimezone(zone)
    if level == "critical" or not quiet_now(local.time(), start, end):
        return now
    assert end is not None
    wake = datetime.combine(local.date(), end, tzinfo=zone)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(now.tzinfo or UTC)


def digest_day(now: datetime, zone: tzinfo, hour: int) -> date | None:
    """The local day whose digest is due now (from `hour` o'clock local time on), else None."""
    local = now.astimezone(zone)
    return local.date() if local.hour >= hour else None
