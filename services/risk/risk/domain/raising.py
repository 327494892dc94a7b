"""What an evaluation raises and how a level moves, on plain data: the episodes the new flags join, and the move of
each enrolment whose level is no longer the one held. The rows are typed dictionaries, because the evaluation hands
them to the database as they are (one cached statement for many rows, on the hot path of the recompute)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, NotRequired, TypedDict

from .facts import Finding, highest

# the rules about his absences: an exit proposal for absences joins the episode of their unresolved flag
ABSENCE_KINDS = ("consecutive_absences", "unexcused_absences", "absence_rate")


class EnrolmentSnapshot(TypedDict):
    """What an evaluation reads of an enrolment besides its facts: who answers for him, where, and his limits."""

    enrolment_id: uuid.UUID
    participant_code: str
    status: str
    region: str
    district: str
    inspector_id: str
    psychologist_id: str
    victim_support_worker_id: str | None
    enrolled_at: datetime | None
    alert_unexcused_absences: int | None
    alert_consecutive_absences: int | None


class FlagRow(TypedDict):
    """A flag as an evaluation raises it (the flag table's row)."""

    id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str
    region: str
    district: str
    rule_id: str
    rule_version: int
    rule_set_version: int
    level: str
    fact_key: str
    fact_ids: list[str]
    reasons: list[str]
    reason_codes: list[dict[str, Any]]  # the reasons as codes (qadam_contracts.reasons)
    evidence: Any  # the finding's evidence, as JSON
    status: str
    raised_at: datetime
    episode_id: uuid.UUID
    source: str | None


class LevelMove(TypedDict):
    """A move of an enrolment's level (the level_change table's row), with the version of the level it made."""

    enrolment_id: uuid.UUID
    from_level: str
    level: str
    changed_at: datetime
    cause: str
    flag_ids: list[uuid.UUID]
    version: NotRequired[int]  # known once the level is written


def is_exit_proposal(finding: Finding) -> bool:
    """Whether the finding is enrollment's proposal to exit him (for his absences)."""
    return finding.evidence.get("signal") == "exit_proposed"


def episodes(fresh: Sequence[Finding], kinds: Mapping[str, str], absence_episode: uuid.UUID | None) -> list[uuid.UUID]:
    """The episode of each flag one evaluation raises for one enrolment: one shared by all of them, except that an
    exit proposal (for absences) and the absence findings beside it join the episode of his unresolved absence flag,
    so that they are one alert with it. Nothing else joins that older alert (it may be acknowledged already)."""
    joins = absence_episode is not None and any(is_exit_proposal(f) for f in fresh)
    own = uuid.uuid4()
    return [absence_episode if joins and absence_episode is not None
            and (is_exit_proposal(f) or kinds.get(f.rule_id) in ABSENCE_KINDS) else own for f in fresh]


def level_moves(unresolved: Mapping[uuid.UUID, list[tuple[uuid.UUID, str]]], held: Mapping[uuid.UUID, str], *,
                cause: str, now: datetime) -> list[LevelMove]:
    """Each enrolment whose level (the highest of its unresolved flags, given as id and level; low with none) is
    not the one `held`, with the flags at the new level."""
    moves: list[LevelMove] = []
    for key, flags in unresolved.items():
        level = highest([lv for _, lv in flags])
        before = held.get(key, "low")
        if level != before:
            top = [fid for fid, lv in flags if lv == level]
            moves.append({"enrolment_id": key, "from_level": before, "level": level, "changed_at": now,
                          "cause": cause, "flag_ids": top})
    return moves


def order_in_force_at(facts: Mapping[str, Any], enrolled_at: datetime | None) -> bool:
    """Whether an order that named no enrolment yet was still in force when he was enrolled (then it is his)."""
    expires = facts.get("expires_on")
    return enrolled_at is None or expires is None or date.fromisoformat(str(expires)) >= enrolled_at.date()
