"""The life of a flag: a state machine of plain data, like the enrolment's.

    raised (open) → acknowledged → resolved
    open → resolved (resolved before anyone acknowledged it)

Each person who answers for the case acknowledges a flag once (issue 16): the flag keeps the first acknowledgement
of all and moves to acknowledged with it; the later ones are kept per person, and the flag stays where it is.
A resolved flag receives nothing more: no acknowledgement (one asked for in risk is refused; one that comes from
notify is let go quietly, notify already knows) and no second resolution. It keeps the facts it named, so the same
facts never raise its rule again, and it follows him to the district that answers for him.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FlagStatus(StrEnum):
    OPEN = "open"  # raised; nobody it reached has acknowledged it yet
    ACKNOWLEDGED = "acknowledged"  # someone who answers for the case has seen it and is acting on it
    RESOLVED = "resolved"  # no more action is needed, and why is kept


class FlagAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class Via(StrEnum):
    """Where a move was asked for."""

    RISK = "risk"  # a person, in risk's own API
    NOTIFY = "notify"  # a person acknowledged the alert notify sent them (in the app or through its link)
    SESSIONS = "sessions"  # the call an overdue flag was waiting for was recorded


S, A = FlagStatus, FlagAction
MOVES: dict[FlagStatus, dict[FlagAction, FlagStatus]] = {
    S.OPEN: {A.ACKNOWLEDGE: S.ACKNOWLEDGED, A.RESOLVE: S.RESOLVED},
    # another person's acknowledgement is kept as theirs; the flag stays acknowledged by the first
    S.ACKNOWLEDGED: {A.ACKNOWLEDGE: S.ACKNOWLEDGED, A.RESOLVE: S.RESOLVED},
    S.RESOLVED: {},
}
UNRESOLVED = frozenset({S.OPEN, S.ACKNOWLEDGED})  # the flags that hold an enrolment's level up
# The roles that answer for a case and act on its flags. Her support worker reads his flags but acts through her
# own channels: her name on a flag would reach perpetrator-facing staff. A manager reads; he never acts on a case.
ACKNOWLEDGERS = frozenset({"psychologist", "inspector", "supervisor", "administrator"})
RESOLVERS = ACKNOWLEDGERS
MAY_ACT: dict[FlagAction, frozenset[str]] = {A.ACKNOWLEDGE: ACKNOWLEDGERS, A.RESOLVE: RESOLVERS}


@dataclass(frozen=True)
class FlagState:
    """What the moves of one flag depend on: where it stands, and who resolved it and why (a refusal says so)."""

    status: FlagStatus
    resolved_by: str | None = None
    resolution: str | None = None


@dataclass(frozen=True)
class FlagMove:
    """One move of a flag, with who made it, when, why and where it was asked for."""

    action: FlagAction
    from_status: FlagStatus
    to_status: FlagStatus
    by: str
    at: datetime
    via: Via
    reason: str | None = None

    @property
    def marks_the_flag(self) -> bool:
        """Whether the flag's own row takes this move: every resolution, and only the first acknowledgement (the
        flag keeps the first person's; each later one is kept as that person's alone)."""
        return self.from_status != self.to_status


class FlagMoveRefused(Exception):
    """A move the flag cannot make from where it stands (409 in the API)."""

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed


def allowed_actions(status: FlagStatus) -> list[str]:
    """The actions a flag in `status` may still take."""
    return [a.value for a in MOVES[status]]


def may_act(role: str, action: FlagAction) -> bool:
    """Whether a person in `role` may take `action` on a flag of a case they can see."""
    return role in MAY_ACT[action]


def refusal(flag: FlagState, action: FlagAction) -> str | None:
    """Why the flag cannot take `action` now (None: it can), in words a user can act on."""
    if action in MOVES[flag.status]:
        return None
    if action is A.ACKNOWLEDGE:
        return "The flag is resolved already; it needs no acknowledgement."
    return f"The flag was resolved already by {flag.resolved_by}: {flag.resolution}"


def _move(flag: FlagState, action: FlagAction, *, by: str, at: datetime, via: Via,
          reason: str | None = None) -> FlagMove:
    refused = refusal(flag, action)
    if refused is not None:
        raise FlagMoveRefused(refused, allowed_actions(flag.status))
    return FlagMove(action, flag.status, MOVES[flag.status][action], by, at, via, reason)


def acknowledge(flag: FlagState, *, by: str, at: datetime, via: Via) -> FlagMove:
    """`by` has seen the flag and is acting on it. The caller keeps it as theirs, once per person; the flag itself
    takes the move only when it is the first (`FlagMove.marks_the_flag`)."""
    return _move(flag, A.ACKNOWLEDGE, by=by, at=at, via=via)


def resolve(flag: FlagState, *, by: str, at: datetime, reason: str, via: Via) -> FlagMove:
    """No more action is needed on the flag, and `reason` says why."""
    return _move(flag, A.RESOLVE, by=by, at=at, via=via, reason=reason)
