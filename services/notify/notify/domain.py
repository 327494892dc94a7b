"""Notify's pure rules: who must know, what the message says, when to try a failed delivery again.

Messages that leave Qadam carry a participant's code, the reason and a link, never a name: notify
never holds one, and the templates have no place for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

LEVEL_WORDS = {"low": "Low", "medium": "Medium", "high": "High", "critical": "CRITICAL"}


@dataclass(frozen=True)
class Recipient:
    user_id: str
    responsibility: str  # "inspector" | "psychologist" | "victim_support"


def flag_recipients(inspector_id: str, psychologist_id: str) -> list[Recipient]:
    """The enrolment's responsible prevention inspector and psychologist (one entry if they are the same)."""
    recipients = [Recipient(inspector_id, "inspector")]
    if psychologist_id != inspector_id:
        recipients.append(Recipient(psychologist_id, "psychologist"))
    return recipients


RISE_TELLS_SUPPORT_WORKER = ("high", "critical")


def level_rise_recipient(from_level: str, level: str, support_worker_id: str | None) -> Recipient | None:
    """Her support worker, when his level rises to high or critical (the Respect standard: the victim's service is
    warned of risk); nobody when it falls, stays below high, or no support worker is assigned."""
    order = list(LEVEL_WORDS)
    if not support_worker_id or level not in RISE_TELLS_SUPPORT_WORKER or order.index(level) <= order.index(from_level):
        return None
    return Recipient(support_worker_id, "victim_support")


def level_rise_reason(participant_code: str, from_level: str, level: str) -> str:
    return (f"The risk level of {participant_code}, whose partner you support, rose from {from_level} to {level}. "
            "Check on her safety plan.")


def alert_summary(participant_code: str, level: str, reasons: list[str]) -> str:
    return f"{LEVEL_WORDS.get(level, level)} risk flag for {participant_code}: {reasons[0]}"


def render_alert_email(*, participant_code: str, level: str, reasons: list[str], link: str) -> tuple[str, str]:
    """(subject, plain-text body) of an alert e-mail."""
    subject = f"[Qadam] {LEVEL_WORDS.get(level, level)} alert: {participant_code}"
    lines = [
        f"A {level} risk flag was raised for participant {participant_code}.",
        "",
        *[f"- {reason}" for reason in reasons],
        "",
        f"Open the alert and acknowledge it: {link}",
        "",
        "This is decision support for the responsible staff, not a prediction.",
        "This message deliberately carries no names. Do not forward it outside your service.",
    ]
    return subject, "\n".join(lines) + "\n"


def next_attempt_delay(attempts: int, base_seconds: float, cap_seconds: float = 3600.0) -> timedelta:
    """Exponential back-off after `attempts` failed attempts."""
    return timedelta(seconds=min(base_seconds * (2 ** max(attempts - 1, 0)), cap_seconds))


def delivery_exhausted(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts


def alert_link(portal_url: str, notification_id: str) -> str:
    return f"{portal_url.rstrip('/')}/alerts/{notification_id}"

