"""Sessions' request and response schemas. The events it publishes are in qadam_contracts.sessions (events.py)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from qadam.pages import PageArgs, page_schema
from qadam.schema_fields import AwareDateTime, Date, Integer, NoControlCharacters, place
from qadam_contracts.vocabulary import ATTENDANCE_STATUSES, CALL_OUTCOMES, SESSION_KINDS, WARNING_SIGNS, AttendanceStatus

from .commands import Fidelity, MarkAmendment, NewSession, SessionMove
from .domain.attendance import Entry, MarkRequest


class SessionIn(ma.Schema):
    number = Integer(required=True, validate=validate.Range(min=1, max=500),
                            metadata={"description": "The session's place in the programme (1, 2, ...); for a make-up "
                                                     "session, the group session it makes up."})
    kind = fields.String(load_default="group", validate=validate.OneOf(SESSION_KINDS),
                         metadata={"description": "group, or one man's intake, one-to-one or make-up session."})
    enrolment_id = fields.UUID(load_default=None, allow_none=True,
                               metadata={"description": "The participant of an intake, one-to-one or make-up session."})

    @ma.validates_schema
    def _one_man(self, data: dict[str, Any], **_: object) -> None:
        if (data["kind"] == "group") != (data.get("enrolment_id") is None):
            raise ma.ValidationError("An intake, one-to-one or make-up session names its participant; a group "
                                     "session does not.", "enrolment_id")
    scheduled_at = AwareDateTime(required=True, metadata={"description": "Start, with its time zone."})
    topic = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))

    @ma.post_load
    def _new_session(self, data: dict[str, Any], **_: object) -> NewSession:
        return NewSession(**data)


class SessionOut(SessionIn):
    id = fields.UUID(dump_only=True)
    cohort_id = fields.UUID(dump_only=True)
    status = fields.String(dump_only=True)
    change_reason = fields.String(dump_only=True, allow_none=True)
    module_delivered = fields.String(dump_only=True, allow_none=True)
    co_facilitators = fields.List(fields.String(), dump_only=True)
    deviations = fields.String(dump_only=True, allow_none=True)
    held_at = fields.DateTime(dump_only=True, allow_none=True, metadata={
        "description": "When it was held (its attendance recorded): as planned, or on the day its paper register gives."})
    register_number = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The paper register its attendance was entered from, later; null: entered at the session."})
    attendance_entered_at = fields.DateTime(dump_only=True, allow_none=True)
    attendance_entered_by = fields.String(dump_only=True, allow_none=True)


class FidelityIn(ma.Schema):
    module_delivered = fields.String(required=True, validate=validate.Length(min=1, max=300),
                                     metadata={"description": "The module actually delivered (the manual's name)."})
    co_facilitators = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list,
                                  validate=validate.Length(max=4))
    deviations = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                               metadata={"description": "Where the session departed from the manual, and why."})

    @ma.post_load
    def _fidelity(self, data: dict[str, Any], **_: object) -> Fidelity:
        return Fidelity(**data)


class SessionChange(ma.Schema):
    scheduled_at = AwareDateTime(metadata={"description": "A new start (rescheduling)."})
    place = fields.String(allow_none=True, validate=validate.Length(max=300))
    cancel = fields.Boolean(load_default=False, metadata={"description": "Cancel it: it counts against nobody."})
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500),
                           metadata={"description": "Why it moves or is cancelled (kept with the session)."})

    @ma.post_load
    def _move(self, data: dict[str, Any], **_: object) -> SessionMove:
        # a place given as null clears it; one not given leaves it
        return SessionMove(reason=data["reason"], cancel=data["cancel"], scheduled_at=data.get("scheduled_at"),
                           place=data.get("place"), moves_place="place" in data)


class SessionList(PageArgs):
    unrecorded = fields.Boolean(load_default=False, metadata={
        "description": "Only sessions past their start with no attendance recorded (nothing silently missing)."})
    upcoming = fields.Boolean(load_default=False, metadata={"description": "Only sessions still to come."})
    cohort_id = fields.List(fields.UUID(), load_default=None, validate=validate.Length(max=100), metadata={
        "description": "Only these cohorts' sessions (repeated, at most 100): a page's cohorts at once."})



class MarkIn(ma.Schema):
    enrolment_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))
    excuse_reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    participation = Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=3),
                                   metadata={"description": "0 none, 1 passive, 2 takes part, 3 active (present or late)."})
    homework_done = fields.Boolean(load_default=None, allow_none=True)
    warning_signs = fields.List(fields.String(validate=validate.OneOf(WARNING_SIGNS)), load_default=list,
                                validate=validate.Length(max=len(WARNING_SIGNS)), metadata={
        "description": "Warning signs observed or disclosed at the session (DOMAIN.md); each is published to risk."})

    @ma.post_load
    def _mark(self, data: dict[str, Any], **_: object) -> MarkRequest:
        return MarkRequest(str(data["enrolment_id"]), AttendanceStatus(data["status"]), data["excuse_reason"],
                           data["participation"], data["homework_done"], tuple(data["warning_signs"]))


class AttendanceIn(ma.Schema):
    marks = fields.List(fields.Nested(MarkIn), required=True, validate=validate.Length(min=1, max=100),
                        metadata={"description": "One mark per participant present in the cohort."})
    register_number = fields.String(load_default=None, allow_none=True,
                                    validate=[validate.Length(min=1, max=40), NoControlCharacters()],
                                    metadata={"description": "Entered later from the session's paper register: its "
                                                             "number (kept with the session)."})
    held_on = Date(load_default=None, allow_none=True, metadata={
        "description": "The day the session was held, from its paper register, when it was not the planned day (at "
                       "the planned time of day): its marks' figures, flags and calls are dated by it."})

    @ma.post_load
    def _entry(self, data: dict[str, Any], **_: object) -> dict[str, Any]:
        return {"marks": data["marks"], "entry": Entry((data["register_number"] or "").strip() or None, data["held_on"])}


class MarkOut(ma.Schema):
    id = fields.UUID()
    enrolment_id = fields.UUID()
    participant_code = fields.String()
    status = fields.String()
    excuse_reason = fields.String(allow_none=True)
    participation = Integer(allow_none=True)
    homework_done = fields.Boolean(allow_none=True)
    warning_signs = fields.List(fields.String())
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class HistoryMark(MarkOut):
    session_id = fields.UUID()
    session_number = Integer()
    scheduled_at = fields.DateTime()
    held_at = fields.DateTime(metadata={"description": "When the session was held (its paper register's day, if "
                                                      "another than planned)."})
    session_status = fields.String()


class AttendanceOut(ma.Schema):
    session_id = fields.UUID()
    marks = fields.List(fields.Nested(MarkOut))


class NoteIn(ma.Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    enrolment_id = fields.UUID(load_default=None, allow_none=True,
                               metadata={"description": "The participant it is about; none for the group."})


class NoteWritten(ma.Schema):
    """What writing a note answers: never its text (an answer may be kept for retries, and the text is sealed)."""

    id = fields.UUID()
    session_id = fields.UUID()
    enrolment_id = fields.UUID(allow_none=True)
    written_by = fields.String()
    written_at = fields.DateTime()


class NoteOut(NoteWritten):
    text = fields.String()


class AmendmentIn(ma.Schema):
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))
    excuse_reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=1000),
                           metadata={"description": "Why the recorded mark was wrong (kept with the amendment)."})

    @ma.post_load
    def _amendment(self, data: dict[str, Any], **_: object) -> MarkAmendment:
        return MarkAmendment(AttendanceStatus(data["status"]), data["excuse_reason"], data["reason"])


class AmendmentOut(ma.Schema):
    id = fields.UUID()
    mark_id = fields.UUID()
    old_status = fields.String()
    old_excuse_reason = fields.String(allow_none=True)
    old_recorded_by = fields.String()
    old_recorded_at = fields.DateTime()
    new_status = fields.String()
    new_excuse_reason = fields.String(allow_none=True)
    reason = fields.String()
    amended_by = fields.String()
    amended_at = fields.DateTime()


class AmendedMarkOut(ma.Schema):
    mark = fields.Nested(MarkOut)
    amendments = fields.List(fields.Nested(AmendmentOut), metadata={"description": "Every amendment, oldest first."})


CALL_STATES = ("due", "overdue", "done")


class CallList(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(CALL_STATES), metadata={
        "description": "due: still in time; overdue: past its time and not recorded; done: recorded. Omitted: due and "
                       "overdue, the most urgent first."})


class CallOutcomeIn(ma.Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(CALL_OUTCOMES), metadata={
        "description": "reached, no_answer, unreachable (no working number) or refused (he would not talk)."})
    called_at = AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "When she called; now when omitted."})


class CallOut(ma.Schema):
    id = fields.UUID()
    enrolment_id = fields.UUID()
    participant_code = fields.String()
    cohort_id = fields.UUID()
    session_id = fields.UUID()
    session_number = Integer()
    session_at = fields.DateTime(metadata={"description": "When the session he missed started."})
    absence_on = fields.Date(metadata={"description": "Its local date."})
    due_at = fields.DateTime(metadata={"description": "When the call falls due (the cohort's hours after the session)."})
    psychologist_id = fields.String(metadata={"description": "Who recorded the absence, and calls him."})
    state = fields.String(metadata={"description": "due, overdue, done, or cancelled (the absence was amended)."})
    outcome = fields.String(allow_none=True)
    called_at = fields.DateTime(allow_none=True)
    called_by = fields.String(allow_none=True)


class ReportArgs(ma.Schema):
    date_from = Date(data_key="from", load_default=None, metadata={
        "description": "First day of the period, by the day sessions were held (default: 12 months before `to`)."})
    date_to = Date(data_key="to", load_default=None, metadata={"description": "Last day (default: today)."})
    region = fields.String(load_default=None, validate=place(), metadata={
        "description": "Administrators only (default: the whole country); a manager always gets his own region, and "
                       "naming another is refused."})


class FidelityGroup(ma.Schema):
    cohort_id = fields.UUID(allow_none=True, metadata={
        "description": "The group (none on the totals row, and for an analyst, who reads `cohort_number` instead)."})
    cohort_number = Integer(allow_none=True, metadata={
        "description": ("An analyst's, in place of `cohort_id`: the group's number among the report's groups of its "
                        "district that started in the same quarter (1, 2, ...), by the day they started.")})
    start_quarter = fields.Date(allow_none=True, metadata={
        "description": "The first day of the quarter the group started in."})
    programme_id = fields.UUID(allow_none=True)
    region = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    total = fields.Boolean(metadata={"description": "The totals row, over every group of the report."})
    sessions_held = Integer(metadata={"description": "Group sessions held in the period (attendance recorded)."})
    held_on_time = Integer(metadata={
        "description": "Held on the day first planned for them (a reschedule does not move it), or within the "
                       "report's `on_time_days` of it."})
    held_early = Integer(metadata={"description": "Held before that."})
    held_late = Integer(metadata={"description": "Held after that."})
    on_time_rate = fields.Float(allow_none=True, metadata={"description": "held_on_time / sessions_held."})
    fidelity_recorded = Integer(metadata={
        "description": "Sessions whose delivery their psychologist recorded (module, co-facilitators, deviations)."})
    modules_checked = Integer(metadata={
        "description": "Of those, the sessions for whose number the group's curriculum plans a module."})
    modules_as_planned = Integer(metadata={
        "description": "Of those, the sessions that delivered the planned module (as written in the curriculum or, "
                       "for a module of a template Qadam ships, in any of its languages; case, spacing and "
                       "apostrophes aside)."})
    modules_as_planned_rate = fields.Float(allow_none=True, metadata={
        "description": "modules_as_planned / modules_checked."})
    co_facilitated = Integer(metadata={
        "description": "Sessions whose delivery names a co-facilitator beside the psychologist who recorded it."})
    co_facilitated_rate = fields.Float(allow_none=True, metadata={"description": "co_facilitated / fidelity_recorded."})
    recorded_in_time = Integer(metadata={
        "description": "Sessions whose attendance was entered within the report's `recorded_within_hours` of the "
                       "session's end (its start plus the programme's session length)."})
    recorded_in_time_rate = fields.Float(allow_none=True, metadata={"description": "recorded_in_time / sessions_held."})


class FidelityReportOut(ma.Schema):
    region = fields.String(allow_none=True, metadata={"description": "Null: the whole country."})
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    on_time_days = Integer(metadata={"description": "Days before or after the planned day a session is still on time "
                                                    "(QADAM_FIDELITY_ON_TIME_DAYS)."})
    recorded_within_hours = Integer(metadata={
        "description": "Hours after a session's end its attendance is recorded in time "
                       "(QADAM_FIDELITY_RECORDED_WITHIN_HOURS)."})
    groups = fields.List(fields.Nested(FidelityGroup), metadata={
        "description": "Each group that held a session in the period, by region and district."})
    totals = fields.Nested(FidelityGroup)


class WorkloadMonthOut(ma.Schema):
    facilitator_id = fields.String(allow_none=True, metadata={
        "description": ("The psychologist's user id (the portal knows her name); none for an analyst, who reads "
                        "`facilitator_number` instead.")})
    facilitator_number = Integer(allow_none=True, metadata={
        "description": ("An analyst's, in place of `facilitator_id`: the psychologist's number in this report "
                        "(1, 2, ...), the same in each of her months.")})
    month = fields.String(metadata={"description": "YYYY-MM."})
    groups = Integer(metadata={"description": "Groups she held sessions of."})
    men = Integer(allow_none=True, metadata={
        "description": ("Men who came (present or late) to one of her sessions; null from 1 to `min_cell` - 1 (the "
                        "small-cell rule).")})
    sessions = Integer(metadata={
        "description": "Sessions she held: each she entered the attendance of, and each group session of a group she "
                       "facilitates."})


class WorkloadReportOut(ma.Schema):
    region = fields.String(allow_none=True, metadata={"description": "Null: the whole country."})
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    min_cell = Integer(metadata={
        "description": "Counts of men from 1 to this minus 1 are hidden (null): QADAM_REPORT_MIN_CELL."})
    months = fields.List(fields.Nested(WorkloadMonthOut), metadata={"description": "By facilitator, then month."})


CallPage = page_schema(CallOut, "CallPage")
SessionPage = page_schema(SessionOut, "SessionPage")
HistoryPage = page_schema(HistoryMark, "HistoryPage")
