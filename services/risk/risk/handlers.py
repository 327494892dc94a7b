"""What risk does with the events it consumes: keep its projections, evaluate the rules, raise flags."""

from __future__ import annotations

import uuid
from functools import partial

import sqlalchemy as sa
from qadam.config import Settings
from qadam.events import Event
from qadam.inbox import Handler
from qadam.log import get_logger
from qadam.outbox import add_event
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from . import SERVICE
from .domain import CONSECUTIVE_ABSENCES, Finding, Mark, consecutive_absence_findings
from .models import AttendanceFact, EnrolmentView, Flag

log = get_logger(__name__)


def lock_enrolment(session: Session, enrolment_id: object) -> None:
    """Serialise the handling of one enrolment across workers, even before its row exists (FOR UPDATE
    locks nothing then): a mark and the enrolment arriving at two workers cannot miss each other."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(str(enrolment_id), 0))))


def on_enrolled(session: Session, event: Event, *, settings: Settings) -> None:
    d = event.data
    lock_enrolment(session, d["enrolment_id"])
    values = {k: d[k] for k in ("participant_code", "cohort_id", "region", "district", "inspector_id",
                                "psychologist_id", "status")}
    session.execute(insert(EnrolmentView).values(enrolment_id=d["enrolment_id"], **values)
                    .on_conflict_do_update(index_elements=[EnrolmentView.enrolment_id], set_=values))
    # Marks that arrived before the enrolment (events from two producers can cross) are evaluated now.
    enrolment = session.get(EnrolmentView, d["enrolment_id"], populate_existing=True)
    assert enrolment is not None
    evaluate_attendance(session, enrolment, settings)


def on_attendance_recorded(session: Session, event: Event, *, settings: Settings) -> None:
    d = event.data
    # One enrolment's marks are evaluated one at a time, so two workers cannot both raise the same run.
    lock_enrolment(session, d["enrolment_id"])
    enrolment = session.get(EnrolmentView, d["enrolment_id"])
    values = {"participant_code": d["participant_code"], "session_number": d["session_number"],
              "scheduled_at": d["scheduled_at"], "status": d["status"], "recorded_at": d["recorded_at"]}
    session.execute(
        insert(AttendanceFact).values(enrolment_id=d["enrolment_id"], session_id=d["session_id"], **values)
        .on_conflict_do_update(index_elements=[AttendanceFact.enrolment_id, AttendanceFact.session_id], set_=values,
                               # a correction recorded later wins; an older copy arriving late does not
                               where=AttendanceFact.recorded_at <= d["recorded_at"])
    )
    if enrolment is None:
        log.info("enrolment_not_yet_known", enrolment_id=str(d["enrolment_id"]),
                 note="kept; evaluated when enrollment.enrolled arrives")
        return
    evaluate_attendance(session, enrolment, settings)


def evaluate_attendance(session: Session, enrolment: EnrolmentView, settings: Settings) -> list[Flag]:
    facts = session.execute(sa.select(AttendanceFact).where(
        AttendanceFact.enrolment_id == enrolment.enrolment_id)).scalars()
    marks = [Mark(str(f.session_id), f.session_number, f.scheduled_at, f.status) for f in facts]
    flagged = frozenset(
        sid for evidence in session.execute(sa.select(Flag.evidence).where(
            Flag.enrolment_id == enrolment.enrolment_id, Flag.rule_id == CONSECUTIVE_ABSENCES)).scalars()
        for sid in evidence.get("session_ids", ())
    )
    findings = consecutive_absence_findings(marks, threshold=settings.consecutive_absence_threshold,
                                            level=settings.consecutive_absence_level, flagged_sessions=flagged,
                                            zone=settings.zone)
    return [raise_flag(session, enrolment, f) for f in findings]


def raise_flag(session: Session, enrolment: EnrolmentView, finding: Finding) -> Flag:
    flag = Flag(id=uuid.uuid4(), enrolment_id=enrolment.enrolment_id, participant_code=enrolment.participant_code,
                region=enrolment.region, district=enrolment.district, rule_id=finding.rule_id,
                rule_version=finding.rule_version, level=finding.level, fact_key=finding.fact_key,
                reasons=finding.reasons, evidence=finding.evidence, status="open")
    session.add(flag)
    session.flush()
    session.refresh(flag, ["raised_at"])
    add_event(session, "risk.flag.raised", {
        "flag_id": flag.id, "enrolment_id": flag.enrolment_id, "participant_code": flag.participant_code,
        "rule_id": flag.rule_id, "rule_version": flag.rule_version, "level": flag.level, "reasons": flag.reasons,
        "evidence": flag.evidence, "region": flag.region, "district": flag.district,
        "inspector_id": enrolment.inspector_id, "psychologist_id": enrolment.psychologist_id,
        "raised_at": flag.raised_at,
    }, producer=SERVICE)
    log.info("flag_raised", flag_id=str(flag.id), rule_id=flag.rule_id, level=flag.level,
             participant_code=flag.participant_code)
    return flag


def handlers(settings: Settings) -> dict[str, Handler]:
    return {
        "enrollment.enrolled": partial(on_enrolled, settings=settings),
        "sessions.attendance.recorded": partial(on_attendance_recorded, settings=settings),
    }
