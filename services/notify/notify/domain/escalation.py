"""Escalation: when an unanswered alert goes up, whose answer stops its chain, and up to whom (up, never
sideways)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


def escalation_due(level: str, waiting_since: datetime, now: datetime, delays: dict[str, float]) -> bool:
    """An unacknowledged alert of a level that escalates (`delays`: level -> seconds) has waited long enough."""
    delay = delays.get(level)
    return delay is not None and now - waiting_since >= timedelta(seconds=delay)


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
