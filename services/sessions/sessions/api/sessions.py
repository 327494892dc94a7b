"""Sessions' HTTP routes for sessions: schedule them, record a whole group's attendance in one request, amend a
mark, write confidential notes. Each parses, authorises, calls one command or query, and answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.pages import PageArgs
from qadam.web import read_session, settings_of_app, unit_of_work
from qadam_contracts.roles import Role

from .. import commands, queries
from ..commands import Fidelity, MarkAmendment, NewSession, RecordedAttendance, SessionMove
from ..models import GroupSession, SessionNote
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
from ..scoping import READERS

blp = Blueprint("sessions", __name__, description="Group sessions and attendance")
FACILITATING = (Role.PSYCHOLOGIST, Role.MANAGER, Role.ADMINISTRATOR)


@blp.route("/cohorts/<uuid:cohort_id>/sessions")
class CohortSessions(MethodView):
    @allow(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, SessionPage)
    def get(self, args: dict[str, Any], cohort_id: uuid.UUID) -> dict[str, Any]:
        """A cohort's sessions, in programme order."""
        with read_session() as s:
            return queries.cohort_sessions(s, cohort_id=cohort_id, reader=current_principal(), page=args)

    @allow(*FACILITATING)
    @blp.arguments(SessionIn)
    @blp.response(201, SessionOut)
    def post(self, data: NewSession, cohort_id: uuid.UUID) -> GroupSession:
        """Schedule a session of a cohort."""
        with unit_of_work() as s:
            return commands.schedule_session(s, cohort_id=cohort_id, session=data, by=current_principal())


@blp.route("/cohorts/<uuid:cohort_id>/sessions/plan")
class CohortPlan(MethodView):
    @allow(*FACILITATING)
    @blp.response(201, SessionOut(many=True))
    def post(self, cohort_id: uuid.UUID) -> list[GroupSession]:
        """Schedule the cohort's whole programme from its curriculum and schedule (weekdays, time, place), from its
        start date; sessions scheduled already keep their dates. Returns the sessions it added."""
        with unit_of_work() as s:
            return commands.plan_programme(s, cohort_id=cohort_id, by=current_principal(), zone=settings_of_app().zone)


@blp.route("/sessions/<uuid:session_id>/fidelity")
class SessionFidelity(MethodView):
    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(FidelityIn)
    @blp.response(200, SessionOut)
    def put(self, data: Fidelity, session_id: uuid.UUID) -> GroupSession:
        """What was delivered against the manual: the module, co-facilitators and any deviation."""
        with unit_of_work() as s:
            return commands.record_fidelity(s, session_id=session_id, fidelity=data, by=current_principal())


@blp.route("/sessions")
class Sessions(MethodView):
    @allow(*READERS)
    @blp.arguments(SessionList, location="query")
    @blp.response(200, SessionPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Sessions of the cohorts the caller may see: a facilitator's own, an area's for its staff. `upcoming`:
        still to come; `unrecorded`: past their start and still without attendance."""
        with read_session() as s:
            return queries.visible_sessions(s, reader=current_principal(), cohort_ids=args["cohort_id"],
                                            upcoming=args["upcoming"], unrecorded=args["unrecorded"],
                                            now=datetime.now(UTC), page=args)


@blp.route("/enrolments/<uuid:enrolment_id>/attendance")
class AttendanceHistory(MethodView):
    @allow(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, HistoryPage)
    def get(self, args: dict[str, Any], enrolment_id: uuid.UUID) -> dict[str, Any]:
        """A participant's attendance history, newest first (with participation and warning signs)."""
        with read_session() as s:
            return queries.attendance_history(s, enrolment_id=enrolment_id, reader=current_principal(), page=args)


@blp.route("/sessions/<uuid:session_id>")
class SessionById(MethodView):
    @allow(*READERS)
    @blp.response(200, SessionOut)
    def get(self, session_id: uuid.UUID) -> GroupSession:
        """One session."""
        with read_session() as s:
            return queries.session(s, session_id=session_id, reader=current_principal())

    @allow(*FACILITATING)
    @blp.arguments(SessionChange)
    @blp.response(200, SessionOut)
    def patch(self, data: SessionMove, session_id: uuid.UUID) -> GroupSession:
        """Reschedule (a new start or place) or cancel a session, with the reason. A cancelled session counts
        against nobody; one whose attendance is recorded is not cancelled (amend the marks instead)."""
        with unit_of_work() as s:
            return commands.change_session(s, session_id=session_id, move=data, by=current_principal())


@blp.route("/sessions/<uuid:session_id>/attendance")
class SessionAttendance(MethodView):
    @allow(*READERS)
    @blp.response(200, AttendanceOut)
    def get(self, session_id: uuid.UUID) -> queries.SessionAttendance:
        """The attendance recorded for a session."""
        with read_session() as s:
            return queries.session_attendance(s, session_id=session_id, reader=current_principal())

    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(AttendanceIn)
    @blp.response(201, AttendanceOut)
    def post(self, data: dict[str, Any], session_id: uuid.UUID) -> RecordedAttendance:
        """Record the whole group's attendance in one request: one mark per participant, one event per mark; entered
        later from its paper register, with the register's number (and the day it was held, if not as planned)."""
        with unit_of_work() as s:
            return commands.record_attendance(s, session_id=session_id, marks=data["marks"], entry=data["entry"],
                                              recorded_by=current_principal(), now=datetime.now(UTC),
                                              zone=settings_of_app().zone)


@blp.route("/sessions/<uuid:session_id>/attendance/<uuid:enrolment_id>/amendments")
class MarkAmendments(MethodView):
    @allow(*READERS)
    @blp.response(200, AmendedMarkOut)
    def get(self, session_id: uuid.UUID, enrolment_id: uuid.UUID) -> queries.AmendedMark:
        """A participant's mark at a session with every amendment to it (old value, who, when, why)."""
        with read_session() as s:
            return queries.amended_mark(s, session_id=session_id, enrolment_id=enrolment_id,
                                        reader=current_principal())

    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(AmendmentIn)
    @blp.response(201, AmendedMarkOut)
    def post(self, data: MarkAmendment, session_id: uuid.UUID, enrolment_id: uuid.UUID) -> queries.AmendedMark:
        """Correct a recorded mark. It is amended, not overwritten: the old value, who, when and why are kept, and
        `sessions.attendance.amended` tells enrollment and risk to recompute."""
        with unit_of_work() as s:
            return commands.amend_mark(s, session_id=session_id, enrolment_id=enrolment_id, amendment=data,
                                       amended_by=current_principal(), now=datetime.now(UTC),
                                       zone=settings_of_app().zone)


@blp.route("/sessions/<uuid:session_id>/notes")
class SessionNotes(MethodView):
    @allow(Role.PSYCHOLOGIST)
    @blp.response(200, NoteOut(many=True))
    def get(self, session_id: uuid.UUID) -> list[queries.NoteView]:
        """The session's confidential notes, for the cohort's psychologists only."""
        with read_session() as s:
            return queries.session_notes(s, session_id=session_id, reader=current_principal(),
                                         settings=settings_of_app())

    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(NoteIn)
    @blp.response(201, NoteWritten)
    def post(self, data: dict[str, Any], session_id: uuid.UUID) -> SessionNote:
        """Write a confidential note (sealed before it reaches the database; never published or logged)."""
        with unit_of_work() as s:
            return commands.write_note(s, session_id=session_id, enrolment_id=data["enrolment_id"], text=data["text"],
                                       by=current_principal(), settings=settings_of_app(), now=datetime.now(UTC))
