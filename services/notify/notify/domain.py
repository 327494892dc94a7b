"""Notify's pure rules: who must know (routing rules as data), what the message says, when it may go (quiet
hours), when to try a failed delivery again, when an unacknowledged alert escalates.

Messages that leave Qadam carry a participant's code, the reason and a link, never a name: notify
never holds one, and the templates have no place for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

LEVEL_WORDS = {"low": "Low", "medium": "Medium", "high": "High", "critical": "CRITICAL"}


def level_rise_reason(participant_code: str, from_level: str, level: str) -> str:
    return (f"The risk level of {participant_code}, whose partner you support, rose from {from_level} to {level}. "
            "Check on her safety plan.")


def alert_summary(participant_code: str, level: str, reasons: list[str]) -> str:
    return f"{LEVEL_WORDS.get(level, level)} risk flag for {participant_code}: {reasons[0]}"


def next_attempt_delay(attempts: int, base_seconds: float, cap_seconds: float = 3600.0) -> timedelta:
    """Exponential back-off after `attempts` failed attempts."""
    return timedelta(seconds=min(base_seconds * (2 ** max(attempts - 1, 0)), cap_seconds))


def delivery_exhausted(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts


def alert_link(portal_url: str, notification_id: str) -> str:
    return f"{portal_url.rstrip('/')}/alerts/{notification_id}"



# -- routing rules as data -------------------------------------------------------------------------------------------
LEVELS = ("low", "medium", "high", "critical")
EXTERNAL_CHANNELS = ("email", "telegram", "sms")  # the in-app inbox always holds the notification itself
ADDRESS_FIELD = {"email": "email", "sms": "phone", "telegram": "telegram_chat_id"}  # where a contact keeps each
# who an event can name: the people it carries ids of
RESPONSIBILITIES = {"risk.flag.raised": ("inspector", "psychologist"),
                    "risk.level.changed": ("inspector", "psychologist", "victim_support")}
TIMINGS = ("immediate", "digest")


@dataclass(frozen=True)
class Route:
    id: str
    event: str
    levels: tuple[str, ...]
    recipients: tuple[str, ...]
    channels: tuple[str, ...]
    timing: str


class RoutingError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def parse_routing(data: object) -> tuple[Route, ...]:
    """Routing rules from data, checked whole: every problem named, nothing fixed silently."""
    if not isinstance(data, list) or not data:
        raise RoutingError({"rules": ["A non-empty list of routing rules."]})
    errors: dict[str, list[str]] = {}
    routes, seen = [], set()
    for i, raw in enumerate(data):
        where, problems = f"rules[{i}]", []
        if not isinstance(raw, dict):
            errors[where] = ["A routing rule is an object."]
            continue
        rid, event = raw.get("id"), raw.get("event")
        if not isinstance(rid, str) or not rid or rid in seen:
            problems.append("id: a name of its own.")
        seen.add(str(rid))
        if event not in RESPONSIBILITIES:
            problems.append(f"event: one of {', '.join(RESPONSIBILITIES)}.")
        levels, recipients, channels = raw.get("levels"), raw.get("recipients"), raw.get("channels")
        if not _subset(levels, LEVELS):
            problems.append(f"levels: some of {', '.join(LEVELS)}.")
        if not _subset(recipients, RESPONSIBILITIES.get(str(event), ())):
            problems.append(f"recipients: some of {', '.join(RESPONSIBILITIES.get(str(event), ()))} for this event.")
        if not isinstance(channels, list) or not set(channels) <= {*EXTERNAL_CHANNELS, "in_app"} or \
                len(set(channels)) != len(channels):
            problems.append(f"channels: an ordered list of {', '.join(EXTERNAL_CHANNELS)} (in_app always holds it).")
        if raw.get("timing", "immediate") not in TIMINGS:
            problems.append(f"timing: one of {', '.join(TIMINGS)}.")
        unknown = set(raw) - {"id", "event", "levels", "recipients", "channels", "timing"}
        if unknown:
            problems.append(f"unknown fields: {', '.join(sorted(unknown))}.")
        if problems:
            errors[where] = problems
            continue
        routes.append(Route(str(rid), str(event), tuple(levels or ()), tuple(recipients or ()),
                            tuple(c for c in channels or () if c != "in_app"), raw.get("timing", "immediate")))
    if errors:
        raise RoutingError(errors)
    return tuple(routes)


def _subset(value: object, allowed: tuple[str, ...]) -> bool:
    return isinstance(value, list) and bool(value) and set(value) <= set(allowed) and len(set(value)) == len(value)


@dataclass(frozen=True)
class Addressee:
    """One person an event reaches, why, over which channels (in order) and when."""

    user_id: str
    responsibility: str
    channels: tuple[str, ...]
    timing: str


def addressees(routes: tuple[Route, ...], event: str, level: str, people: dict[str, str | None]) -> list[Addressee]:
    """Whom the routing rules send this event to: `people` maps each responsibility the event names to a user id.
    One person reached by several rules (or several responsibilities) gets one notification: the channels of all of
    them, in order, and at once if any rule says so."""
    found: dict[str, Addressee] = {}
    for route in routes:
        if route.event != event or level not in route.levels:
            continue
        for responsibility in route.recipients:
            user = people.get(responsibility)
            if not user:
                continue
            before = found.get(user)
            if before is None:
                found[user] = Addressee(user, responsibility, route.channels, route.timing)
            else:
                found[user] = Addressee(user, before.responsibility,
                                        tuple(dict.fromkeys(before.channels + route.channels)),
                                        "immediate" if "immediate" in (before.timing, route.timing) else "digest")
    return list(found.values())


def rose(from_level: str, level: str) -> bool:
    return LEVELS.index(level) > LEVELS.index(from_level)


# -- quiet hours, escalation, digest ---------------------------------------------------------------------------------
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


def escalation_due(level: str, waiting_since: datetime, now: datetime, delays: dict[str, float]) -> bool:
    """An unacknowledged alert of a level that escalates (`delays`: level -> seconds) has waited long enough."""
    delay = delays.get(level)
    return delay is not None and now - waiting_since >= timedelta(seconds=delay)


def digest_day(now: datetime, zone: tzinfo, hour: int) -> date | None:
    """The local day whose digest is due now (from `hour` o'clock local time on), else None."""
    local = now.astimezone(zone)
    return local.date() if local.hour >= hour else None
