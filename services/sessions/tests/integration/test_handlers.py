"""Sessions' projections follow enrollment's events whatever order they arrive in (real database)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, transaction
from qadam.events import delivered
from qadam_contracts.enrollment import (
    CohortCreated,
    CohortUpdated,
    Enrolled,
    EnrolmentStatusChanged,
    EnrolmentTransferred,
    ParticipantAnonymised,
)
from sessions.handlers import handlers
from sessions.models import CohortView, RosterEntry


@pytest.fixture
def deliver(stack):
    engine = make_engine(stack.database_url("sessions"))
    factory = make_session_factory(engine)
    table = handlers.bind(settings=stack.settings("sessions"))

    def run(*events):
        for event in events:
            with transaction(factory) as s:
                table[type(event.data)](s, event)
    yield run, factory
    engine.dispose()


def cohort(cohort_id, facilitators: list[str], version: int, kind: type[CohortCreated] = CohortCreated, **extra):
    return delivered(kind(cohort_id=cohort_id, programme_id=uuid.uuid4(), name="Kogon 1", region="Buxoro viloyati",
                          district="Kogon", facilitator_ids=facilitators, start_date=date(2026, 11, 2),
                          sessions_required=8, max_unexcused_absences=2, status="running", version=version, **extra))


def moved(kind: type, enrolment_id, cohort_id, status: str, version: int, inspector: str = "insp-k"):
    base = {"enrolment_id": enrolment_id, "participant_code": "P-2026-000777", "cohort_id": cohort_id,
            "region": "Buxoro viloyati", "district": "Kogon", "inspector_id": inspector, "psychologist_id": "psy-k",
            "status": status, "version": version}
    if kind is EnrolmentTransferred:
        return delivered(EnrolmentTransferred(**base, from_cohort_id=uuid.uuid4(), transferred_at=datetime.now(UTC)))
    return delivered(EnrolmentStatusChanged(**base, action="x", from_status="active", changed_by="u",
                                            changed_at=datetime.now(UTC)))


def test_a_removed_facilitator_loses_the_cohort_even_if_the_creation_is_redelivered_late(deliver):
    run, factory = deliver
    cid = uuid.uuid4()
    created = cohort(cid, ["psy-old"], 1)
    updated = cohort(cid, ["psy-new"], 2, kind=CohortUpdated, capacity=12)
    run(created, updated, created)  # the creation delivered again after the update
    with transaction(factory) as s:
        assert s.get(CohortView, cid).facilitator_ids == ["psy-new"]


def test_a_transfer_arriving_after_a_later_status_change_changes_nothing(deliver):
    run, factory = deliver
    eid, old, new = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    enrolled = delivered(Enrolled(
        enrolment_id=eid, participant_code="P-2026-000777", cohort_id=old, programme_id=uuid.uuid4(),
        inspector_id="insp-k", psychologist_id="psy-k", region="Buxoro viloyati", district="Kogon",
        status="referred", enrolled_at=datetime.now(UTC), version=1))
    transfer = moved(EnrolmentTransferred, eid, new, "referred", 2)
    assess = moved(EnrolmentStatusChanged, eid, new, "assessed", 3)
    run(assess, enrolled, transfer)  # all out of order: the newest version (3) must stand
    with transaction(factory) as s:
        entry = s.get(RosterEntry, eid)
        assert (entry.cohort_id, entry.status, entry.version) == (new, "assessed", 3)
        assert entry.inspector_id == "insp-k"
        assert s.execute(sa.select(sa.func.count()).select_from(RosterEntry)
                         .where(RosterEntry.enrolment_id == eid)).scalar() == 1


def test_the_roster_follows_the_inspector_a_transfer_hands_him_to(deliver):
    """Who may read his attendance beyond the cohort's district: the inspector of the newest version held."""
    run, factory = deliver
    eid, old, new = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    enrolled = delivered(Enrolled(
        enrolment_id=eid, participant_code="P-2026-000778", cohort_id=old, programme_id=uuid.uuid4(),
        inspector_id="insp-kogon", psychologist_id="psy-k", region="Buxoro viloyati", district="Kogon",
        status="active", enrolled_at=datetime.now(UTC), version=1))
    run(enrolled)
    with transaction(factory) as s:
        assert s.get(RosterEntry, eid).inspector_id == "insp-kogon"
    transfer = moved(EnrolmentTransferred, eid, new, "active", 2, inspector="insp-vobkent")
    run(transfer, enrolled)  # the enrolment redelivered after the transfer: the transfer's inspector stays
    with transaction(factory) as s:
        assert s.get(RosterEntry, eid).inspector_id == "insp-vobkent"


def test_an_anonymised_participant_s_notes_and_excuses_go_and_his_marks_stay(deliver):
    """enrollment.participant.anonymised (retention): the notes about his enrolments are deleted and his excuses
    cleared; his marks' statuses, the group's notes and another man's stay; delivered again, nothing more changes."""
    from sessions.models import AttendanceMark, GroupSession, SessionNote

    run, factory = deliver
    his, other, now = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    with transaction(factory) as s:
        group = GroupSession(cohort_id=uuid.uuid4(), number=1, scheduled_at=now, status="held", created_by="psy-k")
        s.add(group)
        s.flush()
        for enrolment in (his, other, None):
            s.add(SessionNote(session_id=group.id, enrolment_id=enrolment, sealed=b"token", written_by="psy-k",
                              written_at=now))
        for enrolment in (his, other):
            s.add(AttendanceMark(session_id=group.id, enrolment_id=enrolment, status="excused",
                                 excuse_reason="His wife Dilnoza was in hospital", recorded_by="psy-k", recorded_at=now))
    anonymised = delivered(ParticipantAnonymised(participant_code="P-2020-000001", enrolment_ids=[his],
                                                 anonymised_at=now))
    run(anonymised, anonymised)
    with transaction(factory) as s:
        notes = s.execute(sa.select(SessionNote.enrolment_id).where(SessionNote.session_id == group.id)).scalars().all()
        marks = {enrolment: reason for enrolment, reason in s.execute(
            sa.select(AttendanceMark.enrolment_id, AttendanceMark.excuse_reason).where(AttendanceMark.session_id == group.id))}
        statuses = set(s.execute(sa.select(AttendanceMark.status).where(AttendanceMark.session_id == group.id)).scalars())
    assert sorted(notes, key=str) == sorted([other, None], key=str)
    assert marks == {his: None, other: "His wife Dilnoza was in hospital"} and statuses == {"excused"}


def test_a_cohorts_hours_for_the_call_after_an_absence_follow_its_events(deliver):
    run, factory = deliver
    cid, older = uuid.uuid4(), uuid.uuid4()
    run(cohort(cid, ["psy-k"], 1, absence_call_hours=48),
        cohort(cid, ["psy-k"], 2, kind=CohortUpdated, capacity=12, absence_call_hours=24),
        cohort(older, ["psy-k"], 1))  # an event from before the field: the statutory 48 then
    with transaction(factory) as s:
        assert s.get(CohortView, cid).absence_call_hours == 24
        assert s.get(CohortView, older).absence_call_hours is None


def test_a_cohorts_session_length_is_kept_and_follows_a_new_version(deliver):
    """Programme fidelity dates a session's end by its programme's session length."""
    run, factory = deliver
    cid = uuid.uuid4()
    run(cohort(cid, ["psy-k"], 1, session_minutes=90))
    with transaction(factory) as s:
        assert s.get(CohortView, cid).session_minutes == 90
    run(cohort(cid, ["psy-k"], 2, kind=CohortUpdated, capacity=12, session_minutes=120))
    with transaction(factory) as s:
        assert s.get(CohortView, cid).session_minutes == 120
