"""The published contracts: every event of the catalog reads back as it was sent, each producer publishes only its
own words, the vocabulary is the one the events validate against, and every role has its reach (no I/O)."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import UTC, date, datetime

import pytest
from qadam.auth import Reach
from qadam.events import EventContractError, delivered, envelope_of
from qadam_contracts import enrollment, notify, portal, risk, sessions
from qadam_contracts.catalog import catalog
from qadam_contracts.enrollment import AbsenceAlerts, Enrolled
from qadam_contracts.roles import ACCESS_POLICY, STAFF_ROLES, Role
from qadam_contracts.sessions import AttendanceRecorded
from qadam_contracts.vocabulary import FLAG_LEVELS, level_rank

MODULES = {"enrollment": enrollment, "sessions": sessions, "risk": risk, "notify": notify, "portal": portal}


def test_every_producer_module_names_its_own_events_and_the_catalog_holds_them_all():
    for producer, module in MODULES.items():
        assert module.EVENTS and all(cls.PRODUCER == producer and cls.TYPE.startswith(f"{producer}.")
                                     for cls in module.EVENTS), producer
    assert {cls for module in MODULES.values() for cls in module.EVENTS} == set(catalog)
    assert catalog.producers() == ("enrollment", "sessions", "risk", "notify", "portal")


def test_every_event_has_a_summary_and_a_type_of_its_own():
    assert all(cls.SUMMARY for cls in catalog)
    assert len({cls.TYPE for cls in catalog}) == len(list(catalog))


def enrolled(**changes) -> Enrolled:
    return Enrolled(**{
        "enrolment_id": uuid.uuid4(), "participant_code": "P-2026-000123", "cohort_id": uuid.uuid4(),
        "programme_id": uuid.uuid4(), "inspector_id": "insp-1", "psychologist_id": "psy-1", "region": "Buxoro viloyati",
        "district": "Kogon", "status": "referred", "enrolled_at": datetime(2026, 11, 2, 9, tzinfo=UTC)} | changes)


def test_an_enrolment_reads_back_with_its_absence_limits_typed():
    event = delivered(enrolled(absence_alerts=AbsenceAlerts(unexcused=2, consecutive=2)))
    assert event.data == enrolled(enrolment_id=event.data.enrolment_id, cohort_id=event.data.cohort_id,
                                  programme_id=event.data.programme_id,
                                  absence_alerts=AbsenceAlerts(unexcused=2, consecutive=2))
    assert isinstance(event.data.absence_alerts, AbsenceAlerts)


def test_a_participant_is_a_pseudonymous_code_never_a_name():
    with pytest.raises(ValueError, match="participant_code"):
        envelope_of(enrolled(participant_code="Alisher Karimov"), correlation_id="c", causation_id=None)


def test_a_warning_sign_outside_the_vocabulary_is_refused_on_both_sides():
    mark = AttendanceRecorded(
        mark_id=uuid.uuid4(), session_id=uuid.uuid4(), cohort_id=uuid.uuid4(), enrolment_id=uuid.uuid4(),
        participant_code="P-2026-000123", session_number=1, scheduled_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        status="present", recorded_by="psy-1", recorded_at=datetime(2026, 11, 2, 11, tzinfo=UTC),
        warning_signs=["bad_mood"])
    with pytest.raises(ValueError, match="warning_signs"):
        envelope_of(mark, correlation_id="c", causation_id=None)
    envelope = envelope_of(AttendanceRecorded(**{f.name: getattr(mark, f.name) for f in fields(mark)}
                                              | {"warning_signs": []}), correlation_id="c", causation_id=None)
    envelope["data"]["warning_signs"] = ["bad_mood"]
    with pytest.raises(EventContractError, match="warning_signs"):
        catalog.parse(envelope)


def test_levels_rank_lowest_first():
    assert [level_rank(level) for level in FLAG_LEVELS] == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        level_rank("very high")


def test_an_order_names_its_days_as_dates():
    order = delivered(enrollment.OrderEnded(
        order_id=uuid.uuid4(), participant_code="P-2026-000123", enrolment_ids=[], region="Buxoro viloyati",
        district="Kogon", issued_by="insp-1", issued_on=date(2026, 9, 1), expires_on=date(2026, 12, 1),
        programme_unfinished=True, ended_on=date(2026, 11, 2), how="revoked"))
    assert order.data.ended_on == date(2026, 11, 2) and order.data.enrolment_ids == []


def test_every_role_has_its_reach_and_only_staff_sign_in():
    assert ACCESS_POLICY.roles == set(Role)
    assert ACCESS_POLICY.reach(Role.ADMINISTRATOR) is Reach.EVERYWHERE
    assert {role for role in Role if ACCESS_POLICY.reach(role) is Reach.DISTRICT} == {
        Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPPORT_WORKER}
    # an analyst: the whole country when his account names no region, that region when it names one
    assert ACCESS_POLICY.reach(Role.ANALYST) is Reach.EVERYWHERE
    assert ACCESS_POLICY.reach(Role.ANALYST, "Buxoro viloyati") is Reach.REGION
    assert ACCESS_POLICY.audit_readers == {Role.ADMINISTRATOR, Role.AUDITOR}
    assert Role.SERVICE not in STAFF_ROLES and len(STAFF_ROLES) == len(Role) - 1
