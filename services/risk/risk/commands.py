"""Risk's use cases that routes and handlers call: keyword-only functions over the caller's unit of work. They raise
the kit's Problem errors (404, 409, 422), which the routes pass through; the evaluation they end in is
risk.evaluation's, one path for an event, a request and the batch recompute."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.db import lock_keys
from qadam.errors import Problem, conflict, unprocessable
from qadam.log import get_logger
from qadam.outbox import add_event
from qadam.sealing import SealingKeyMissing, seal
from qadam_contracts.risk import FlagAcknowledged, FlagResolved
from qadam_contracts.roles import Role
from qadam_contracts.sessions import CallRecorded
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .access import case_of, flag_of, flags_as_read
from .domain import RuleError, highest, parse_rules
from .domain.flag_life import FlagAction, FlagMove, FlagMoveRefused, FlagState, FlagStatus, Via, acknowledge, resolve
from .domain.instrument import parse_instrument, score
from .domain.redaction import incident_cause, is_hers
from .domain.rules import version_errors
from .evaluation import evaluate_enrolments, lock_enrolments, relevel, rules_in_force
from .events import assessment_recorded, flag_handled, incident_recorded
from .models import Assessment, EnrolmentView, Flag, FlagAcknowledgement, Incident, InstrumentVersion, RuleSetVersion
from .queries import assessment_out, newest_instrument, shown
from .recompute import request_recompute
from .settings import RiskSettings

log = get_logger(__name__)
DEFAULT_INSTRUMENT = "qadam-intake"


# -- the flag's life --------------------------------------------------------------------------------------------------
def _state(flag: Flag) -> FlagState:
    return FlagState(FlagStatus(flag.status), flag.resolved_by, flag.resolution)


def _apply(s: Session, flag: Flag, move: FlagMove) -> bool:
    """Keep the move on the flag (who, when, why) and, for an acknowledgement, as the person's own: True when it
    was new (the person had not acknowledged the flag before; every resolution)."""
    new = True
    if move.action is FlagAction.ACKNOWLEDGE:
        new = s.execute(insert(FlagAcknowledgement).values(
            flag_id=flag.id, user_id=move.by, acknowledged_at=move.at, via=move.via.value)
            .on_conflict_do_nothing(index_elements=[FlagAcknowledgement.flag_id, FlagAcknowledgement.user_id])
            .returning(FlagAcknowledgement.user_id)).first() is not None
        if move.marks_the_flag:
            flag.status, flag.acknowledged_by, flag.acknowledged_at = move.to_status.value, move.by, move.at
    else:
        flag.status, flag.resolved_by, flag.resolved_at = move.to_status.value, move.by, move.at
        flag.resolution = move.reason
    s.flush()
    return new


def _refused(error: FlagMoveRefused) -> Problem:
    return conflict(str(error))


def acknowledge_flag(s: Session, *, principal: Principal, flag_id: uuid.UUID, now: datetime) -> Flag:
    """The principal has seen the flag and is acting on it (404 when they may not see it, 409 when it is resolved).
    The flag keeps the first acknowledgement; each person's own is kept once, and notify hears of each (an
    inspector's stops the escalation a psychologist's leaves running). Acknowledging again changes nothing."""
    flag = flag_of(s, principal, flag_id, lock=True)
    try:
        move = acknowledge(_state(flag), by=principal.user_id, at=now, via=Via.RISK)
    except FlagMoveRefused as e:
        raise _refused(e) from None
    if _apply(s, flag, move):
        add_event(s, flag_handled(FlagAcknowledged, flag, move.by, move.at))
        log.info("flag_acknowledged", flag_id=str(flag.id), flag_level=flag.level)
    return flag


def resolve_flag(s: Session, *, principal: Principal, flag_id: uuid.UUID, reason: str, now: datetime) -> Flag:
    """No more action is needed on the flag, and why (404 when the principal may not see it, 409 when it is
    resolved already). The enrolment's level is the highest of the flags left unresolved, so it may fall."""
    enrolment_id = flag_of(s, principal, flag_id).enrolment_id
    lock_enrolments(s, [enrolment_id])  # before the row: the same order as an evaluation takes them
    flag = flag_of(s, principal, flag_id, lock=True)
    try:
        move = resolve(_state(flag), by=principal.user_id, at=now, reason=reason, via=Via.RISK)
    except FlagMoveRefused as e:
        raise _refused(e) from None
    _apply(s, flag, move)
    add_event(s, flag_handled(FlagResolved, flag, move.by, move.at))
    relevel(s, flag.enrolment_id, cause=f"flag {flag.rule_id} resolved")
    log.info("flag_resolved", flag_id=str(flag.id), flag_level=flag.level)
    return flag


def acknowledge_alert(s: Session, *, enrolment_id: uuid.UUID, flag_id: uuid.UUID, user_id: str, at: datetime,
                      pressed_in: str) -> None:
    """Someone an alert reached acknowledged it in notify: they have acknowledged the flag here too, unless it is
    resolved (then it is let go: notify knows). Nothing goes back to notify. `pressed_in`: where in notify (its API
    or the link in a message)."""
    lock_enrolments(s, [enrolment_id])
    flag = s.execute(sa.select(Flag).where(Flag.id == flag_id).with_for_update()
                     .execution_options(populate_existing=True)).scalar()
    if flag is None:
        return
    try:
        move = acknowledge(_state(flag), by=user_id, at=at, via=Via.NOTIFY)
    except FlagMoveRefused:
        return
    if _apply(s, flag, move):
        log.info("flag_acknowledged", flag_id=str(flag.id), via=f"notify ({pressed_in})")


def resolve_call_flags(s: Session, *, enrolment_id: uuid.UUID, call_id: uuid.UUID, called_by: str,
                       called_at: datetime, outcome: str) -> list[Flag]:
    """His psychologist recorded the call owed after his absence: a flag raised because it was overdue has nothing
    left to act on, so it is resolved by her (notify hears, and stops its reminders), and his level moves."""
    lock_enrolments(s, [enrolment_id])
    flags = list(s.execute(sa.select(Flag).where(
        Flag.enrolment_id == enrolment_id, Flag.fact_key == f"call:{call_id}",
        Flag.status != FlagStatus.RESOLVED.value).with_for_update()).scalars())
    for flag in flags:
        move = resolve(_state(flag), by=called_by, at=called_at, reason=f"The call was recorded ({outcome}).",
                       via=Via.SESSIONS)
        _apply(s, flag, move)
        add_event(s, flag_handled(FlagResolved, flag, move.by, move.at))
        log.info("flag_resolved", flag_id=str(flag.id), via=CallRecorded.TYPE)
    if flags:
        relevel(s, enrolment_id, cause="call recorded")
    return flags


# -- incidents --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncidentReport:
    """An incident as reported (the schema's loaded values)."""

    kind: str
    occurred_on: date
    severity: str
    details: str | None = None


def report_incident(s: Session, *, principal: Principal, enrolment_id: uuid.UUID, report: IncidentReport,
                    settings: RiskSettings, now: datetime) -> dict[str, Any]:
    """Record an incident, its details sealed, and evaluate the enrolment at once whatever his status (a breach
    after he left the programme matters most of all): the answer carries the flags it raised, never the details."""
    if report.occurred_on > now.astimezone(settings.zone).date():
        raise unprocessable("An incident cannot be reported before it happens.", {"occurred_on": ["In the future."]})
    details = (report.details or "").strip() or None
    if details and len(details) > settings.incident_details_max:
        raise unprocessable("The details are too long.", {"details": [f"At most {settings.incident_details_max} "
                                                                      "characters."]})
    view = case_of(s, principal, enrolment_id, acting=True)
    lock_enrolments(s, [enrolment_id])
    try:
        sealed = seal(settings, details) if details else None
    except SealingKeyMissing:
        log.error("sealing_key_missing")
        raise Problem(503, "Incident details cannot be sealed right now (no sealing key); nothing was "
                           "saved. Report it again without details, or later.") from None
    incident = Incident(
        id=uuid.uuid4(), enrolment_id=enrolment_id, participant_code=view.participant_code, kind=report.kind,
        occurred_on=report.occurred_on, severity=report.severity,
        source="victim_support" if principal.role == Role.SUPPORT_WORKER else "inspector",
        details_sealed=sealed, reported_by=principal.user_id, reported_at=now, region=view.region,
        district=view.district)
    s.add(incident)
    s.flush()
    if not is_hers(incident.source):  # what she or her worker says stays on her side: not even its kind leaves risk
        add_event(s, incident_recorded(incident))
    outcome = evaluate_enrolments(s, [enrolment_id], settings=settings, lock=False, statuses=None,
                                  cause=incident_cause(incident.kind, incident.source))
    log.info("incident_reported", incident_id=str(incident.id), source=incident.source, flags=len(outcome.flags),
             **({} if is_hers(incident.source) else {"kind": incident.kind, "severity": incident.severity}))
    # the details never travel in an answer (a retried request's answer is kept): read them with GET
    level = highest([f["level"] for f in outcome.flags]) if outcome.flags else None
    return shown(incident, principal, settings, level) | {
        "details": None, "flags": flags_as_read(s, principal, outcome.flags, settings.zone)}


# -- the instrument and assessments -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AssessmentAnswers:
    """An assessment as recorded (the schema's loaded values): every item's answer, `unknown` where not known."""

    answers: dict[str, str]
    kind: str = "intake"
    instrument_id: str | None = None
    assessed_on: date | None = None


def instrument_for(s: Session, view: EnrolmentView, asked: str | None) -> InstrumentVersion:
    """The instrument asked for (national, or the enrolment's region's), else the region's newest, else the default."""
    if asked:
        row = newest_instrument(s, asked)
        if row is None or row.region not in (None, view.region):
            raise unprocessable("No such instrument for this region.", {"instrument_id": [f"{asked} is not known "
                                                                                           f"in {view.region}."]})
        return row
    regional = s.execute(sa.select(InstrumentVersion).where(InstrumentVersion.region == view.region)
                         .order_by(InstrumentVersion.created_at.desc(), InstrumentVersion.version.desc())
                         .limit(1)).scalar()
    row = regional or newest_instrument(s, DEFAULT_INSTRUMENT)
    if row is None:
        raise Problem(503, "No risk instrument is loaded; an administrator loads one.")
    return row


def record_assessment(s: Session, *, principal: Principal, enrolment_id: uuid.UUID, assessment: AssessmentAnswers,
                      settings: RiskSettings, now: datetime) -> dict[str, Any]:
    """Record an assessment: scored and banded with the instrument's newest version, kept for good, evaluated at
    once (a high band raises its flag)."""
    today = now.astimezone(settings.zone).date()
    day = assessment.assessed_on or today
    if day > today:
        raise unprocessable("An assessment is recorded when it was made.", {"assessed_on": ["In the future."]})
    view = case_of(s, principal, enrolment_id, acting=True)
    lock_enrolments(s, [enrolment_id])
    row = instrument_for(s, view, assessment.instrument_id)
    instrument = parse_instrument(row.version, row.definition)
    try:
        result = score(instrument, assessment.answers)
    except RuleError as e:
        raise unprocessable("The answers cannot be scored.", e.errors) from None
    kept = Assessment(
        id=uuid.uuid4(), enrolment_id=enrolment_id, participant_code=view.participant_code, instrument_id=row.id,
        instrument_version=row.version, kind=assessment.kind, answers=assessment.answers, score=result.score,
        band=result.band, level=result.level, unknown_items=result.unknown, assessed_by=principal.user_id,
        assessed_at=now if day == today else datetime.combine(day, time(12), tzinfo=settings.zone), recorded_at=now)
    s.add(kept)
    s.flush()
    add_event(s, assessment_recorded(kept))
    rules = rules_in_force(s)
    evaluate_enrolments(s, [enrolment_id], settings=settings, cause=f"{assessment.kind} assessment", lock=False,
                        rules=rules)
    log.info("assessment_recorded", assessment_id=str(kept.id), instrument=instrument.label, score=result.score,
             band=result.band)
    return assessment_out(kept, rules)


def load_instrument(s: Session, *, principal: Principal, region: str | None,
                    definition: dict[str, Any]) -> InstrumentVersion:
    """Load an instrument, or a new version of one: a manager's for his own region, the national default an
    administrator's. Assessments keep the version they were scored with."""
    if principal.role == Role.MANAGER and (region != principal.region or not region):
        raise Problem(403, "A programme manager loads an instrument for his own region only.")
    iid = definition.get("id")
    lock_keys(s, [f"instrument:{iid}"])
    current = newest_instrument(s, iid) if isinstance(iid, str) else None
    if current is not None and current.region != region:
        raise conflict(f"The instrument {iid} belongs to {current.region or 'the national default'}; "
                       "give this one another id.")
    version = (current.version + 1) if current else 1
    try:
        parse_instrument(version, definition)
    except RuleError as e:
        raise unprocessable("The instrument cannot be used as it is.", {"definition": e.errors}) from None
    row = InstrumentVersion(id=iid, version=version, region=region, definition=definition,
                            created_by=principal.user_id)
    s.add(row)
    s.flush()
    log.info("instrument_loaded", instrument_id=iid, version=version, region=region)
    return row


@dataclass(frozen=True)
class RulesPut:
    """A new version of the rules, put in force, and the recompute it asked for (RuleSetOut)."""

    version: int
    rules: list[dict[str, Any]]
    note: str
    created_by: str
    created_at: datetime
    recompute_id: uuid.UUID


# -- the rules --------------------------------------------------------------------------------------------------------
def put_rules(s: Session, *, principal: Principal, rules: list[dict[str, Any]], note: str) -> RulesPut:
    """Put a new version of the rules in force (the whole set), with a note of what changed and why, and ask for
    every open enrolment to be re-evaluated under it (only what is new is raised)."""
    lock_keys(s, ["risk.rules"])
    current = s.execute(sa.select(RuleSetVersion).order_by(RuleSetVersion.version.desc()).limit(1)).scalar_one()
    version = current.version + 1
    try:
        parsed = parse_rules(version, rules)
    except RuleError as e:
        raise unprocessable("The rules cannot be used as they are; nothing changed.", e.errors) from None
    errors = version_errors(parsed.as_data(), parse_rules(current.version, current.rules).as_data())
    if errors:
        raise unprocessable("Rule versions must say what changed; nothing changed.", errors)
    row = RuleSetVersion(version=version, rules=parsed.as_data(), note=note, created_by=principal.user_id)
    s.add(row)
    s.flush()
    job = request_recompute(s, reason="rules_changed", by=principal.user_id)
    log.info("rules_changed", version=version, rules=len(parsed.rules), recompute_id=str(job.id))
    return RulesPut(row.version, row.rules, row.note, row.created_by, row.created_at, job.id)
