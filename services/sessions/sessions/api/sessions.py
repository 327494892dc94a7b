"""Sessions' HTTP routes for sessions: schedule them, record a whole group's attendance in one request, amend a
mark, write confidential notes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from typing import Any, cast

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import Role, allow, area_filter, current_principal
from qadam.errors import Problem, conflict, not_found, unprocessable
from qadam.log import get_logger
from qadam.outbox import add_event, add_events
from qadam.sealing import SealingKeyMissing, seal, unseal
from qadam.web import PageArgs, paginate, read_session, settings_of_app, unit_of_work
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from ..calls import cancel_call, open_calls
from ..domain import (
    AttendanceStatus,
    MarkRequest,
    SessionStatus,
    attendance_errors,
    call_change,
    owes_calls,
    plan_sessions,
    recording_refusal,
)
from ..events import MarkedSession, attendance_amended, attendance_recorded, signs_observed
from ..models import AttendanceAmendment, AttendanceMark, CohortView, GroupSession, RosterEntry, SessionNote
from ..schemas import (
    AmendedMarkOut,
    AmendmentIn,
    AttendanceIn,
    AttendanceOut,
    FidelityIn,
    HistoryPage,
    NoteIn,
    NoteOut,
    NoteWritten,
    SessionChange,
    SessionIn,
    SessionList,
    SessionOut,
    SessionPage,
)
from .scoping import READERS, check_cohort_access, cohort_of

log = get_logger(__name__)
blp = Blueprint("sessions", __name__, description="Group sessions and attendance")

TAKING_PART = {
    "group": {"active"}, "makeup": {"active"}, "intake": {"referred", "assessed", "active"},
    "individual": {"assessed", "active", "suspended"},
}

@blp.route("/cohorts/<uuid:cohort_id>/sessions")
class CohortSessions(MethodView):
    @allow(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, SessionPage)
    def get(self, args: dict[str, Any], cohort_id: uuid.UUID) -> dict[str, Any]:
        """A cohort's sessions, in programme order."""
        with read_session() as s:
            cohort_of(s, current_principal(), cohort_id, facilitating=False)
            query = sa.select(GroupSession).where(GroupSession.cohort_id == cohort_id).order_by(GroupSession.number)
            return paginate(s, query, args)

    @allow(Role.PSYCHOLOGIST, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.arguments(SessionIn)
    @blp.response(201, SessionOut)
    def post(self, data: dict[str, Any], cohort_id: uuid.UUID) -> GroupSession:
        """Schedule a session of a cohort."""
        principal = current_principal()
        with unit_of_work() as s:
            cohort_of(s, principal, cohort_id, facilitating=True)
            group_session = s.execute(sa.select(GroupSession.id).where(
                GroupSession.cohort_id == cohort_id, GroupSession.number == data["number"],
                GroupSession.kind == "group", GroupSession.status != SessionStatus.CANCELLED.value)).scalar()
            if data["kind"] == "group" and group_session:
                raise conflict(f"Session {data['number']} of this cohort is scheduled already ({group_session}); "
                               "reschedule it instead.", existing_session_id=str(group_session))
            if data["kind"] == "makeup" and not group_session:
                raise unprocessable("A make-up session makes up a group session of this cohort.",
                                    {"number": [f"No group session {data['number']} in this cohort."]})
            if data["enrolment_id"] is not None and s.execute(sa.select(RosterEntry.enrolment_id).where(
                    RosterEntry.enrolment_id == data["enrolment_id"], RosterEntry.cohort_id == cohort_id)).first() is None:
                raise unprocessable("Not a participant of this cohort.", {"enrolment_id": ["Not in this cohort."]})
            session = GroupSession(**data, cohort_id=cohort_id, status=SessionStatus.SCHEDULED.value,
                                   created_by=principal.user_id)
            s.add(session)
        return session


@blp.route("/cohorts/<uuid:cohort_id>/sessions/plan")
class CohortPlan(MethodView):
    @allow(Role.PSYCHOLOGIST, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.response(201, SessionOut(many=True))
    def post(self, cohort_id: uuid.UUID) -> list[GroupSession]:
        """Schedule the cohort's whole programme from its curriculum and schedule (weekdays, time, place), from its
        start date; sessions scheduled already keep their dates. Returns the sessions it added."""
        principal = current_principal()
        with unit_of_work() as s:
            cohort = s.get(CohortView, cohort_id, with_for_update=True)
            if cohort is None:
                raise not_found("cohort", cohort_id)
            check_cohort_access(principal, cohort, facilitating=True)
            schedule = cohort.schedule or {}
            if not schedule.get("weekdays") or not schedule.get("time") or cohort.start_date is None:
                raise conflict("The cohort has no schedule (weekdays and time) or start date in enrollment yet; "
                               "set them there, or schedule sessions one by one.")
            taken = set(s.execute(sa.select(GroupSession.number).where(
                GroupSession.cohort_id == cohort_id, GroupSession.kind == "group",
                GroupSession.status != SessionStatus.CANCELLED.value)).scalars())
            hours, minutes = (int(x) for x in schedule["time"].split(":"))
            plan = plan_sessions(start=cohort.start_date, weekdays=schedule["weekdays"], at=time(hours, minutes),
                                 count=cohort.sessions_required, zone=settings_of_app().zone, skip=taken,
                                 topics={int(m["number"]): str(m["topic"]) for m in cohort.curriculum or []})
            added = [GroupSession(id=uuid.uuid4(), cohort_id=cohort_id, number=p.number, topic=p.topic,
                                  scheduled_at=p.scheduled_at, place=schedule.get("place"),
                                  status=SessionStatus.SCHEDULED.value, created_by=principal.user_id) for p in plan]
            s.add_all(added)
        return added


@blp.route("/sessions/<uuid:session_id>/fidelity")
class SessionFidelity(MethodView):
    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(FidelityIn)
    @blp.response(200, SessionOut)
    def put(self, data: dict[str, Any], session_id: uuid.UUID) -> GroupSession:
        """What was delivered against the manual: the module, co-facilitators and any deviation."""
        with unit_of_work() as s:
            session = _session(s, session_id, facilitating=True, lock=True)
            if session.status == SessionStatus.CANCELLED.value:
                raise conflict("A cancelled session delivered nothing.")
            for key, value in data.items():
                setattr(session, key, value)
        return session


@blp.route("/sessions")
class Sessions(MethodView):
    @allow(*READERS)
    @blp.arguments(SessionList, location="query")
    @blp.response(200, SessionPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Sessions of the cohorts the caller may see: a facilitator's own, an area's for its staff. `upcoming`:
        still to come; `unrecorded`: past their start and still without attendance."""
        principal = current_principal()
        now = datetime.now(UTC)
        query = sa.select(GroupSession).join(CohortView, CohortView.cohort_id == GroupSession.cohort_id)
        if principal.role == Role.PSYCHOLOGIST:
            query = query.where(CohortView.facilitator_ids.contains([principal.user_id]),
                                sa.literal(principal.has_area))
        elif principal.role != Role.ADMINISTRATOR:
            query = query.where(area_filter(principal, CohortView.region, CohortView.district))
        if args["cohort_id"]:
            query = query.where(GroupSession.cohort_id.in_(args["cohort_id"]))
        if args["upcoming"]:
            query = query.where(GroupSession.scheduled_at >= now, GroupSession.status == SessionStatus.SCHEDULED.value)
        if args["unrecorded"]:
            query = query.where(GroupSession.scheduled_at < now, GroupSession.status == SessionStatus.SCHEDULED.value)
        order = GroupSession.scheduled_at if args["upcoming"] else GroupSession.scheduled_at.desc()
        with read_session() as s:
            return paginate(s, query.order_by(order, GroupSession.id), args)


@blp.route("/enrolments/<uuid:enrolment_id>/attendance")
class AttendanceHistory(MethodView):
    @allow(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, HistoryPage)
    def get(self, args: dict[str, Any], enrolment_id: uuid.UUID) -> dict[str, Any]:
        """A participant's attendance history, newest first (with participation and warning signs)."""
        with read_session() as s:
            entry = s.get(RosterEntry, enrolment_id)
            if entry is None:
                raise not_found("enrolment", enrolment_id)
            principal = current_principal()
            # his responsible inspector reads it wherever the cohort meets; everyone else as the cohort allows
            if not (principal.role == Role.INSPECTOR and principal.assigned(entry.inspector_id)):
                cohort_of(s, principal, entry.cohort_id, facilitating=False, asked=("enrolment", enrolment_id))
            query = (sa.select(AttendanceMark, GroupSession)
                     .join(GroupSession, GroupSession.id == AttendanceMark.session_id)
                     .where(AttendanceMark.enrolment_id == enrolment_id)
                     .order_by(GroupSession.scheduled_at.desc()))
            return paginate(s, query, args, row=lambda r: _mark_out(r[0], entry.participant_code) | {
                "session_id": r[1].id, "session_number": r[1].number, "scheduled_at": r[1].scheduled_at,
                "session_status": r[1].status})


@blp.route("/sessions/<uuid:session_id>")
class SessionById(MethodView):
    @allow(*READERS)
    @blp.response(200, SessionOut)
    def get(self, session_id: uuid.UUID) -> GroupSession:
        """One session."""
        with read_session() as s:
            session = _session(s, session_id, facilitating=False)
            return session


    @allow(Role.PSYCHOLOGIST, Role.MANAGER, Role.ADMINISTRATOR)
    @blp.arguments(SessionChange)
    @blp.response(200, SessionOut)
    def patch(self, data: dict[str, Any], session_id: uuid.UUID) -> GroupSession:
        """Reschedule (a new start or place) or cancel a session, with the reason. A cancelled session counts
        against nobody; one whose attendance is recorded is not cancelled (amend the marks instead)."""
        with unit_of_work() as s:
            session = _session(s, session_id, facilitating=True, lock=True)
            if session.status == SessionStatus.CANCELLED.value:
                raise conflict("The session is cancelled already; schedule a new one instead.")
            if session.status == SessionStatus.HELD.value:
                raise conflict("The session was held and its attendance recorded; correct a mark by an amendment.")
            if data["cancel"]:
                session.status = SessionStatus.CANCELLED.value
            elif "scheduled_at" not in data and "place" not in data:
                raise unprocessable("Give a new start or place, or cancel.", {"scheduled_at": ["Missing."]})
            if "scheduled_at" in data:
                session.scheduled_at = data["scheduled_at"]
            if "place" in data:
                session.place = data["place"]
            session.change_reason = data["reason"]
        return session

@blp.route("/sessions/<uuid:session_id>/attendance")
class SessionAttendance(MethodView):
    @allow(*READERS)
    @blp.response(200, AttendanceOut)
    def get(self, session_id: uuid.UUID) -> dict[str, Any]:
        """The attendance recorded for a session."""
        with read_session() as s:
            _session(s, session_id, facilitating=False)
            return {"session_id": session_id, "marks": _marks_of(s, session_id)}

    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(AttendanceIn)
    @blp.response(201, AttendanceOut)
    def post(self, data: dict[str, Any], session_id: uuid.UUID) -> dict[str, Any]:
        """Record the whole group's attendance in one request: one mark per participant, one event per mark."""
        principal = current_principal()
        now = datetime.now(UTC)
        requests = [MarkRequest(str(m["enrolment_id"]), AttendanceStatus(m["status"]), m["excuse_reason"],
                                m["participation"], m["homework_done"]) for m in data["marks"]]
        signs = {str(m["enrolment_id"]): list(dict.fromkeys(m["warning_signs"])) for m in data["marks"]}
        with unit_of_work() as s:
            # The session, its cohort and the named participants' roster entries in one round trip.
            named = (sa.select(sa.func.json_object_agg(RosterEntry.enrolment_id,
                                                       sa.func.json_build_array(RosterEntry.participant_code,
                                                                                RosterEntry.status)))
                     .where(RosterEntry.cohort_id == GroupSession.cohort_id,
                            RosterEntry.enrolment_id.in_([r.enrolment_id for r in requests]))
                     .scalar_subquery())
            # Core rows, not ORM objects: this is the hot path of the service.
            db = s.connection()
            session = db.execute(
                sa.select(GroupSession.status, GroupSession.scheduled_at, GroupSession.number, GroupSession.cohort_id,
                          GroupSession.kind, GroupSession.enrolment_id.label("only_for"),
                          CohortView.region, CohortView.district, CohortView.facilitator_ids,
                          CohortView.absence_call_hours, named.label("roster"))
                .join_from(GroupSession, CohortView, CohortView.cohort_id == GroupSession.cohort_id)
                .where(GroupSession.id == session_id)).first()
            if session is None:
                raise not_found("session", session_id)
            # Who may be marked: the men taking part now (an intake also sees the referred; a finished or
            # suspended man is not marked at group sessions), and at one man's session, he alone.
            taking_part = TAKING_PART[session.kind]
            roster = {k: code for k, (code, status) in (session.roster or {}).items() if status in taking_part
                      and (session.only_for is None or k == str(session.only_for))}
            check_cohort_access(principal, session, facilitating=True, asked=("session", session_id))
            refusal = recording_refusal(SessionStatus(session.status), session.scheduled_at, now)
            if refusal:
                raise conflict(refusal)
            errors = attendance_errors(requests, roster)
            if errors:
                raise unprocessable("Some marks cannot be recorded: see `errors` (by position in `marks`).",
                                    {"marks": errors})
            marks = [{"id": uuid.uuid4(), "session_id": session_id, "enrolment_id": uuid.UUID(r.enrolment_id),
                      "status": r.status.value, "excuse_reason": r.excuse_reason, "recorded_by": principal.user_id,
                      "recorded_at": now, "participation": r.participation, "homework_done": r.homework_done,
                      "warning_signs": signs[r.enrolment_id]} for r in requests]
            # The unique (session, enrolment) constraint decides, so two psychologists racing cannot both record.
            table = cast(sa.Table, AttendanceMark.__table__)
            recorded = set(db.execute(pg_insert(table)
                                      .on_conflict_do_nothing(constraint="uq_attendance_mark_session_enrolment")
                                      .returning(table.c.enrolment_id), marks).scalars())
            if len(recorded) < len(marks):
                codes = ", ".join(sorted(roster[r.enrolment_id] for r in requests
                                         if uuid.UUID(r.enrolment_id) not in recorded))
                raise conflict(f"Attendance of {codes} at this session is recorded already; a recorded mark is "
                               "corrected by an amendment, not recorded again.")
            held = MarkedSession(session_id, session.cohort_id, session.number, session.scheduled_at, session.kind)
            add_events(s, [attendance_recorded(held, m, roster[str(m["enrolment_id"])]) for m in marks])
            # risk acts on each sign
            add_events(s, [o for m in marks for o in signs_observed(held, m, roster[str(m["enrolment_id"])])])
            # his psychologist owes each man absent without excuse a call (DOMAIN.md: within 48 hours), from now
            open_calls(s, absences=[{"mark_id": m["id"], "enrolment_id": m["enrolment_id"],
                                     "participant_code": roster[str(m["enrolment_id"])]}
                                    for m in marks if m["status"] == AttendanceStatus.UNEXCUSED],
                       session_id=session_id, cohort_id=session.cohort_id, session_number=session.number,
                       session_at=session.scheduled_at, call_hours=session.absence_call_hours,
                       psychologist_id=principal.user_id, now=now, zone=settings_of_app().zone)
            if session.status != SessionStatus.HELD.value:
                sessions = cast(sa.Table, GroupSession.__table__)
                db.execute(sa.update(sessions).where(sessions.c.id == session_id).values(status=SessionStatus.HELD.value))
        for m in marks:
            m["participant_code"] = roster[str(m["enrolment_id"])]
        return {"session_id": session_id, "marks": sorted(marks, key=lambda m: m["participant_code"])}


@blp.route("/sessions/<uuid:session_id>/attendance/<uuid:enrolment_id>/amendments")
class MarkAmendments(MethodView):
    @allow(*READERS)
    @blp.response(200, AmendedMarkOut)
    def get(self, session_id: uuid.UUID, enrolment_id: uuid.UUID) -> dict[str, Any]:
        """A participant's mark at a session with every amendment to it (old value, who, when, why)."""
        with read_session() as s:
            mark, code, _ = _mark(s, session_id, enrolment_id, facilitating=False)
            return _amended(s, mark, code)

    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(AmendmentIn)
    @blp.response(201, AmendedMarkOut)
    def post(self, data: dict[str, Any], session_id: uuid.UUID, enrolment_id: uuid.UUID) -> dict[str, Any]:
        """Correct a recorded mark. It is amended, not overwritten: the old value, who, when and why are kept, and
        `sessions.attendance.amended` tells enrollment and risk to recompute."""
        principal = current_principal()
        now = datetime.now(UTC)
        with unit_of_work() as s:
            mark, code, session = _mark(s, session_id, enrolment_id, facilitating=True, lock=True)
            request = MarkRequest(str(enrolment_id), AttendanceStatus(data["status"]), data["excuse_reason"])
            errors = attendance_errors([request], {str(enrolment_id): code})
            if errors:
                raise unprocessable("The amended mark is not valid: see `errors`.", errors[0])
            if (mark.status, mark.excuse_reason) == (data["status"], data["excuse_reason"]):
                raise unprocessable("The mark says this already; there is nothing to amend.",
                                    {"status": ["The same as recorded."]})
            amendment = AttendanceAmendment(
                id=uuid.uuid4(), mark_id=mark.id, old_status=mark.status, old_excuse_reason=mark.excuse_reason,
                old_recorded_by=mark.recorded_by, old_recorded_at=mark.recorded_at,
                new_status=data["status"], new_excuse_reason=data["excuse_reason"], reason=data["reason"],
                amended_by=principal.user_id, amended_at=now)
            old_status = mark.status
            mark.status, mark.excuse_reason = data["status"], data["excuse_reason"]
            mark.recorded_by, mark.recorded_at = principal.user_id, now  # the mark as it stands now
            if request.status in (AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED):
                mark.participation, mark.homework_done = None, None  # an absent man took no part
            s.add(amendment)
            change = call_change(AttendanceStatus(old_status), request.status)
            if change == "cancel":
                cancel_call(s, mark_id=mark.id, now=now)
            elif change == "open" and owes_calls(  # no call is owed a man who has left the programme
                    s.scalar(sa.select(RosterEntry.status).where(RosterEntry.enrolment_id == enrolment_id))):
                cohort = s.get(CohortView, session.cohort_id)
                open_calls(s, absences=[{"mark_id": mark.id, "enrolment_id": enrolment_id, "participant_code": code}],
                           session_id=session_id, cohort_id=session.cohort_id, session_number=session.number,
                           session_at=session.scheduled_at, call_hours=cohort.absence_call_hours if cohort else None,
                           psychologist_id=principal.user_id, now=now, zone=settings_of_app().zone)
            add_event(s, attendance_amended(
                MarkedSession(session.id, session.cohort_id, session.number, session.scheduled_at, session.kind),
                mark_id=mark.id, enrolment_id=enrolment_id, code=code, status=mark.status,
                excuse_reason=mark.excuse_reason, recorded_by=principal.user_id, recorded_at=now,
                amendment_id=amendment.id, old_status=old_status))
            s.flush()
            return _amended(s, mark, code)


@blp.route("/sessions/<uuid:session_id>/notes")
class SessionNotes(MethodView):
    @allow(Role.PSYCHOLOGIST)
    @blp.response(200, NoteOut(many=True))
    def get(self, session_id: uuid.UUID) -> list[dict[str, Any]]:
        """The session's confidential notes, for the cohort's psychologists only."""
        settings = settings_of_app()
        with read_session() as s:
            _session(s, session_id, facilitating=True)  # a psychologist who does not facilitate it: 404
            notes = s.execute(sa.select(SessionNote).where(SessionNote.session_id == session_id)
                              .order_by(SessionNote.written_at)).scalars().all()
            return [_note_out(settings, n) for n in notes]

    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(NoteIn)
    @blp.response(201, NoteWritten)
    def post(self, data: dict[str, Any], session_id: uuid.UUID) -> dict[str, Any]:
        """Write a confidential note (sealed before it reaches the database; never published or logged)."""
        principal = current_principal()
        settings = settings_of_app()
        with unit_of_work() as s:
            session = _session(s, session_id, facilitating=True)
            if data["enrolment_id"] is not None and s.execute(sa.select(RosterEntry.enrolment_id).where(
                    RosterEntry.enrolment_id == data["enrolment_id"],
                    RosterEntry.cohort_id == session.cohort_id)).first() is None:
                raise unprocessable("Not a participant of this cohort.", {"enrolment_id": ["Not in this cohort."]})
            try:
                sealed = seal(settings, data["text"])
            except SealingKeyMissing:
                log.error("sealing_key_missing")
                raise Problem(503, "Notes cannot be sealed right now (no sealing key); nothing was saved.") from None
            note = SessionNote(id=uuid.uuid4(), session_id=session_id, enrolment_id=data["enrolment_id"],
                               sealed=sealed, written_by=principal.user_id, written_at=datetime.now(UTC))
            s.add(note)
        return {"id": note.id, "session_id": session_id, "enrolment_id": note.enrolment_id,
                "written_by": note.written_by, "written_at": note.written_at}


def _session(s: Session, session_id: uuid.UUID, *, facilitating: bool, lock: bool = False) -> GroupSession:
    """The session, if the caller may see it (or, with `facilitating`, work in it); 404 otherwise."""
    session = s.get(GroupSession, session_id, with_for_update=lock)
    if session is None:
        raise not_found("session", session_id)
    cohort_of(s, current_principal(), session.cohort_id, facilitating=facilitating, asked=("session", session_id))
    return session


def _note_out(settings: Any, note: SessionNote) -> dict[str, Any]:
    return {"id": note.id, "session_id": note.session_id, "enrolment_id": note.enrolment_id,
            "text": unseal(settings, note.sealed), "written_by": note.written_by, "written_at": note.written_at}


def _mark(s: Session, session_id: uuid.UUID, enrolment_id: uuid.UUID, *, facilitating: bool,
          lock: bool = False) -> tuple[AttendanceMark, str, GroupSession]:
    session = _session(s, session_id, facilitating=facilitating)
    query = (sa.select(AttendanceMark, RosterEntry.participant_code)
             .join(RosterEntry, RosterEntry.enrolment_id == AttendanceMark.enrolment_id)
             .where(AttendanceMark.session_id == session_id, AttendanceMark.enrolment_id == enrolment_id))
    found = s.execute(query.with_for_update(of=AttendanceMark) if lock else query).first()
    if found is None:
        raise not_found("attendance mark of this participant at this session", enrolment_id)
    return found[0], found[1], session


def _amended(s: Session, mark: AttendanceMark, code: str) -> dict[str, Any]:
    amendments = s.execute(sa.select(AttendanceAmendment).where(AttendanceAmendment.mark_id == mark.id)
                           .order_by(AttendanceAmendment.amended_at)).scalars().all()
    return {"mark": _mark_out(mark, code), "amendments": list(amendments)}


def _mark_out(m: AttendanceMark, code: str) -> dict[str, Any]:
    return {"id": m.id, "enrolment_id": m.enrolment_id, "participant_code": code, "status": m.status,
            "excuse_reason": m.excuse_reason, "recorded_by": m.recorded_by, "recorded_at": m.recorded_at,
            "participation": m.participation, "homework_done": m.homework_done, "warning_signs": m.warning_signs}


def _marks_of(s: Session, session_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = s.execute(
        sa.select(AttendanceMark, RosterEntry.participant_code)
        .join(RosterEntry, RosterEntry.enrolment_id == AttendanceMark.enrolment_id)
        .where(AttendanceMark.session_id == session_id)
        .order_by(RosterEntry.participant_code)
    ).all()
    return [_mark_out(m, code) for m, code in rows]
