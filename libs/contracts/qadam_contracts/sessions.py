"""sessions' published events: attendance marks and their corrections (each with the man's runs of unexcused
absences as they stand after it), warning signs, the call after an absence."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from marshmallow import ValidationError, validate
from qadam.events import EventData, detail

from .vocabulary import ATTENDANCE_STATUSES, CALL_OUTCOMES, PARTICIPANT_CODE, SESSION_KINDS, WARNING_SIGNS

PRODUCER = "sessions"


@dataclass(frozen=True, kw_only=True, slots=True)
class RunAbsence(EventData):
    """One unexcused absence of a run: the session he missed."""

    session_id: uuid.UUID
    session_number: int = detail(validate=validate.Range(min=1))
    scheduled_at: datetime
    held_at: datetime | None = detail(default=None, description=(
        "When it was held, where a paper register entered later gave another day than the planned one; absent, it "
        "was held at `scheduled_at`. Added later in v1."))


@dataclass(frozen=True, kw_only=True, slots=True)
class AbsenceRun(EventData):
    """Unexcused absences in a row, in session order."""

    absences: list[RunAbsence] = detail(validate=validate.Length(min=1))


def _combinations(value: list[list[str]]) -> None:
    """Each combination names at least one kind, and each kind once."""
    if any(not kinds or len(set(kinds)) != len(kinds) for kinds in value):
        raise ValidationError("Each combination names at least one session kind, each once.")


@dataclass(frozen=True, kw_only=True, slots=True)
class AbsenceRunsOver(EventData):
    """His runs counting the sessions of one combination of kinds alone (sessions of other kinds are passed over),
    given once for every combination they are the runs over: a man who had group sessions only has the same runs
    over group, group and make-up, and so on."""

    session_kinds: list[list[str]] = detail(
        validate=validate.And(validate.Length(min=1), _combinations), item_validate=validate.OneOf(SESSION_KINDS),
        description="Each combination of session kinds these are the runs over (each a list of kinds, at least one, "
                    "each kind once, in any order).")
    runs: list[AbsenceRun] = detail(validate=validate.Length(min=1))


@dataclass(frozen=True, kw_only=True, slots=True)
class CurriculumRun(EventData):
    """The run in his curriculum, as his programme's limits read it: group sessions, each curriculum number once
    (after a transfer, the later session of a number); attending a make-up ends a run, missing one does not extend
    it; one-to-one sessions are passed over."""

    current: int = detail(validate=validate.Range(min=0), description="Unexcused absences in a row up to now.")
    longest: int = detail(validate=validate.Range(min=0))


@dataclass(frozen=True, kw_only=True, slots=True)
class AbsenceRuns(EventData):
    """The man's runs of unexcused absences after this recording, from all his marks (any session, any cohort),
    computed by sessions alone: an unexcused absence extends a run, attending ends it, an excused absence does
    neither; marks are read in session order."""

    version: int = detail(validate=validate.Range(min=1), description=(
        "Rises with every recording or correction of his marks (per enrolment, in the order they were committed): "
        "keep the runs of the highest version seen; runs of a lower one arriving later are older."))
    by_session_kinds: list[AbsenceRunsOver] = detail(description=(
        "His runs over each combination of session kinds that has any (a risk rule chooses the kinds it counts), "
        "each different set of runs once with every combination it is over; a combination left out has no runs."))
    curriculum: CurriculumRun


@dataclass(frozen=True, kw_only=True, slots=True)
class AttendanceRecorded(EventData):
    TYPE = "sessions.attendance.recorded"
    PRODUCER = PRODUCER
    SUMMARY = "One participant's attendance at one session was recorded (one event per mark)."

    mark_id: uuid.UUID
    session_id: uuid.UUID
    cohort_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    session_number: int = detail(validate=validate.Range(min=1))
    scheduled_at: datetime
    status: str = detail(validate=validate.OneOf(ATTENDANCE_STATUSES))
    excuse_reason: str | None = None
    session_kind: str = detail(default="group", validate=validate.OneOf(SESSION_KINDS),
                               description="Added later in v1: older events mean a group session.")
    participation: int | None = detail(default=None, description=(
        "0 none … 3 active, for a man who attended; added later in v1."))
    homework_done: bool | None = None
    recorded_by: str
    recorded_at: datetime
    warning_signs: list[str] = detail(
        default_factory=list, item_validate=validate.OneOf(WARNING_SIGNS),
        description="The warning signs recorded with the mark (each also a sessions.warning_sign.observed), so "
                    "that a mark ending his curriculum with a red sign does not complete him; added later in v1.")
    absence_runs: AbsenceRuns | None = detail(default=None, description=(
        "His runs of unexcused absences with this mark as it stands; added later in v1 (absent from an older "
        "producer: keep the runs you have)."))
    held_at: datetime | None = detail(default=None, description=(
        "When the session was held: its planned start (`scheduled_at`), or, for attendance entered later from a "
        "paper register that gives another day, that day at the planned time. Figures and flags date the mark by "
        "it, never by `recorded_at` (when it was entered). Added later in v1: absent, it was held at `scheduled_at`."))
    register_number: str | None = detail(default=None, validate=validate.Length(min=1, max=40), description=(
        "The number of the paper register the session's attendance was entered from, later; null when it was "
        "entered at the session. Added later in v1."))


@dataclass(frozen=True, kw_only=True, slots=True)
class WarningSignObserved(EventData):
    """One warning sign observed (or disclosed) at a session: a code and the sign, never the words said."""

    TYPE = "sessions.warning_sign.observed"
    PRODUCER = PRODUCER
    SUMMARY = "A facilitator recorded a warning sign for a participant at a session (one event per sign)."

    observation_id: uuid.UUID
    session_id: uuid.UUID
    cohort_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    session_number: int
    sign: str = detail(validate=validate.OneOf(WARNING_SIGNS))
    observed_by: str
    observed_at: datetime
    session_at: datetime | None = detail(default=None, description=(
        "When the session took place (a sign can be recorded days later); added later in v1."))


@dataclass(frozen=True, kw_only=True, slots=True)
class AttendanceAmended(AttendanceRecorded):
    """A recorded mark corrected: the mark as it is now (`recorded_at` is the amendment's time, so it wins over
    the first recording wherever the two meet) and what it was before."""

    TYPE = "sessions.attendance.amended"
    SUMMARY = "A recorded attendance mark was corrected (who, when and why stay in sessions); the others recompute."

    amendment_id: uuid.UUID
    old_status: str = detail(validate=validate.OneOf(ATTENDANCE_STATUSES))


@dataclass(frozen=True, kw_only=True, slots=True)
class CallOverdue(EventData):
    """His psychologist has not recorded the call due after his unexcused absence, and its time is past."""

    TYPE = "sessions.call.overdue"
    PRODUCER = PRODUCER
    SUMMARY = ("The call his psychologist owes a participant after an unexcused absence was not recorded in time "
               "(once per call).")

    call_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    cohort_id: uuid.UUID
    session_id: uuid.UUID
    session_number: int
    absence_on: date = detail(description="The local date of the session he missed.")
    due_at: datetime
    psychologist_id: str | None = detail(default=None, description=(
        "The cohort's psychologist who was to call (the first facilitator); null if it has none."))


@dataclass(frozen=True, kw_only=True, slots=True)
class CallRecorded(EventData):
    """The psychologist recorded the call after his unexcused absence: its outcome, never what was said."""

    TYPE = "sessions.call.recorded"
    PRODUCER = PRODUCER
    SUMMARY = "His psychologist recorded the call after an unexcused absence, with its outcome."

    call_id: uuid.UUID
    enrolment_id: uuid.UUID
    participant_code: str = detail(validate=PARTICIPANT_CODE)
    outcome: str = detail(validate=validate.OneOf(CALL_OUTCOMES))
    called_at: datetime
    called_by: str


SESSION_STATUSES = ("scheduled", "held", "cancelled")


@dataclass(frozen=True, kw_only=True, slots=True)
class SessionPlanned(EventData):
    """A session as it stands when it was planned: what a register printed for it names (no man, no words said)."""

    TYPE = "sessions.session.planned"
    PRODUCER = PRODUCER
    SUMMARY = "A session was scheduled (one by one, or with its cohort's whole programme)."

    session_id: uuid.UUID
    cohort_id: uuid.UUID
    number: int = detail(validate=validate.Range(min=1))
    kind: str = detail(validate=validate.OneOf(SESSION_KINDS))
    enrolment_id: uuid.UUID | None = detail(default=None, description="The one man of a session that is not a group's.")
    scheduled_at: datetime
    place: str | None = None
    status: str = detail(validate=validate.OneOf(SESSION_STATUSES))
    changed_at: datetime = detail(description=(
        "When the session was planned or last changed: keep the session as the latest of these tells it."))


@dataclass(frozen=True, kw_only=True, slots=True)
class SessionChanged(SessionPlanned):
    """A session rescheduled (a new start or place) or cancelled: the session as it stands now."""

    TYPE = "sessions.session.changed"
    SUMMARY = "A session was rescheduled or cancelled (why stays in sessions)."


EVENTS: tuple[type[EventData], ...] = (
    AttendanceRecorded, WarningSignObserved, AttendanceAmended, CallOverdue, CallRecorded, SessionPlanned,
    SessionChanged,
)
