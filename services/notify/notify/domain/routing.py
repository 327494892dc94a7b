"""Routing rules as data: which event at which level goes to whom, over which channels, when; checked whole, and
read into the people one event reaches."""

from __future__ import annotations

from dataclasses import dataclass

from qadam_contracts.vocabulary import FLAG_LEVELS

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
        if not isinstance(event, str) or event not in RESPONSIBILITIES:
            problems.append(f"event: one of {', '.join(RESPONSIBILITIES)}.")
        levels, recipients, channels = raw.get("levels"), raw.get("recipients"), raw.get("channels")
        if not _subset(levels, LEVELS):
            problems.append(f"levels: some of {', '.join(LEVELS)}.")
        if not _subset(recipients, RESPONSIBILITIES.get(str(event), ())):
            problems.append(f"recipients: some of {', '.join(RESPONSIBILITIES.get(str(event), ()))} for this event.")
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels) or \
                not set(channels) <= {*EXTERNAL_CHANNELS, "in_app"} or len(set(channels)) != len(channels):
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
    """A non-empty list of some of `allowed`, each once (anything else in it, a list or an object too, is not)."""
    return (isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
            and set(value) <= set(allowed) and len(set(value)) == len(value))


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
