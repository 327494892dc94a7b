"""Notify's pure rules: who must know (routing rules as data), what the message says, when it may go (quiet
hours), when to try a failed delivery again, when an unacknowledged alert escalates.

Messages that leave Qadam carry a participant's code, the reason and a link, never a name: notify
never holds one, and the templates have no place for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from qadam_contracts.vocabulary import FLAG_LEVELS, level_rank

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
LEVELS = FLAG_LEVELS
EXTERNAL_CHANNELS = ("email", "telegram", "sms")  # the in-app inbox always holds the notification itself
ADDRESS_FIELD = {"email": "email", "sms": "phone", "telegram": "telegram_chat_id"}  # where a contact keeps each
# who an event can name: the people it carries ids of
RESPONSIBILITIES = {"risk.flag.raised": ("inspector", "psychologist", "victim_support"),
                    "risk.level.changed": ("inspector", "psychologist", "victim_support"),
                    # what bears on the woman's safety: told to her support worker alone
                    "enrollment.status.changed": ("victim_support",),
                    "enrollment.order.issued": ("victim_support",),
                    "enrollment.order.expiring": ("victim_support",),
                    "enrollment.order.ended": ("victim_support",)}
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
    return level_rank(level) > level_rank(from_level)


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


# -- her support worker's notices ------------------------------------------------------------------------------------
# what she is told, as a code with its level (the routing rules choose by level); never his attendance or notes
NOTICES = {"critical_flag": "critical", "suspended": "high", "exited": "high", "dropout": "high", "excluded": "high",
           "completed": "medium", "order_issued": "medium", "order_expiring": "high", "order_ended": "high"}


def status_notice(status: str, reason: str | None) -> str | None:
    """The notice a move of his enrolment gives her support worker, if any: suspension, exclusion, completion, exit
    (a dropout when he left for not keeping to the programme)."""
    if status == "exited":
        return "dropout" if reason == "non_compliance" else "exited"
    return status if status in ("suspended", "excluded", "completed") else None


# -- flags and episodes ------------------------------------------------------------------------------------------------
def subject_of(flag_id: object, episode_id: object | None) -> str:
    """What one notification per person is about: the episode the flag belongs to, else the flag itself."""
    return f"episode:{episode_id}" if episode_id else f"flag:{flag_id}"


def higher(level: str, other: str) -> str:
    return other if level_rank(other) > level_rank(level) else level


# -- escalation: whose chain, and up to whom ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    """A staff member as the directory knows them, for choosing where an alert escalates."""

    user_id: str
    role: str | None
    region: str | None
    district: str | None
    supervisor_id: str | None
    active: bool


def above(user_id: str, supervisor_of: dict[str, str | None], limit: int = 10) -> list[str]:
    """The people above someone in the directory, nearest first (a loop in the data ends the walk)."""
    chain: list[str] = []
    current = supervisor_of.get(user_id)
    while current and current != user_id and current not in chain and len(chain) < limit:
        chain.append(current)
        current = supervisor_of.get(current)
    return chain


def answers_for_chain(actor: str, chain_owner: str, inspector: str | None,
                      supervisor_of: dict[str, str | None]) -> bool:
    """Whether what `actor` did (acknowledged, in notify or in risk) stops the escalation chain of `chain_owner`'s
    alert: the owner or someone above them, or the man's inspector or someone above him. A co-recipient's
    acknowledgement (the psychologist's, her supervisor's) stops her own chain, never the inspector's."""
    if actor == chain_owner or actor in above(chain_owner, supervisor_of):
        return True
    return inspector is not None and (actor == inspector or actor in above(inspector, supervisor_of))


def escalation_target(recipient: Person | None, step: int, region: str, district: str,
                      directory: list[Person]) -> str | None:
    """Whom an unanswered alert goes to: up, never sideways. The recipient's own supervisor (active); failing that,
    for the first step, an active supervisor of the man's district, then a region-wide one of his region; from a
    supervisor (a later step) only a region-wide one of his region. Never a supervisor of another district; the
    first by id, so every worker picks the same one."""
    people = {p.user_id: p for p in directory}
    if recipient is not None and recipient.supervisor_id and recipient.supervisor_id != recipient.user_id:
        own = people.get(recipient.supervisor_id)
        if own is not None and own.active:
            return own.user_id
    me = recipient.user_id if recipient is not None else None
    supervisors = sorted((p for p in directory if p.role == "supervisor" and p.active and p.region == region
                          and p.user_id != me), key=lambda p: p.user_id)
    if step == 0:
        local = [p for p in supervisors if p.district == district]
        if local:
            return local[0].user_id
    if recipient is not None and step > 0 and recipient.district is None:
        return None  # a region-wide supervisor's peers are not above him
    wide = [p for p in supervisors if p.district is None]
    return wide[0].user_id if wide else None
