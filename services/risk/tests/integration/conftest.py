"""Fixtures shared by risk's tests."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from qadam.db import make_engine, make_session_factory, transaction
from qadam.events import delivered
from qadam_contracts.enrollment import Enrolled, EnrolmentStatusChanged
from qadam_contracts.sessions import AttendanceRecorded
from qadam_testing import bearer
from risk.handlers import handlers
from sessions.domain.absence_runs import HeldMark, absence_runs
from sessions.events import absence_runs as published_runs

URGANCH = {"region": "Xorazm viloyati", "district": "Urganch"}


@pytest.fixture
def client(app_for):
    """A test client of risk's API."""
    return app_for("risk").test_client()


@pytest.fixture
def who(token):
    """who(role) -> headers of the named people of the enrolments `enrol` makes."""
    people = {
        "inspector": token("insp-r", "inspector", **URGANCH),
        "psychologist": token("psy-r", "psychologist", **URGANCH),
        "support_worker": token("sw-r", "support_worker", **URGANCH),
        "supervisor": token("sup-r", "supervisor", region="Xorazm viloyati"),
        "manager": token("mgr-r", "manager", region="Xorazm viloyati"),
        "administrator": token("adm", "administrator"),
        "other_psychologist": token("psy-other", "psychologist", **URGANCH),
        "other_inspector": token("insp-x", "inspector", region="Xorazm viloyati", district="Xiva"),
    }
    return lambda role: bearer(people[role])


@pytest.fixture
def risk_db(stack):
    engine = make_engine(stack.database_url("risk"))
    yield stack.settings("risk"), make_session_factory(engine), engine
    engine.dispose()


@pytest.fixture
def events_for():
    """events_for(enrolment, statuses) -> (enrollment.enrolled, [sessions.attendance.recorded...]) as parsed events."""
    return _events_for


@pytest.fixture
def deliver():
    """deliver(settings, factory, events): each event through risk's real handler, one transaction each."""
    return _deliver


def _events_for(enrolment: uuid.UUID, statuses: list[str]) -> tuple[object, list[object]]:
    code = f"P-2026-{uuid.uuid4().int % 1_000_000:06d}"
    enrolled = delivered(Enrolled(
        enrolment_id=enrolment, participant_code=code, cohort_id=uuid.uuid4(), programme_id=uuid.uuid4(),
        inspector_id="insp-r", psychologist_id="psy-r", region="Xorazm viloyati", district="Urganch",
        status="active", enrolled_at=datetime.now(UTC)))
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    marks = [delivered(with_runs(AttendanceRecorded(
        mark_id=uuid.uuid4(), session_id=uuid.uuid4(), cohort_id=uuid.uuid4(), enrolment_id=enrolment,
        participant_code=code, session_number=n, scheduled_at=start + timedelta(days=3 * n), status=s,
        excuse_reason="ill" if s == "excused" else None, recorded_by="psy-r", recorded_at=datetime.now(UTC))))
        for n, s in enumerate(statuses, 1)]
    return enrolled, marks


# his marks as sessions holds them, and how many times they were recorded or corrected
_RECORDED: dict[uuid.UUID, list[HeldMark]] = {}
_VERSIONS: dict[uuid.UUID, int] = {}


def with_runs(mark: AttendanceRecorded) -> AttendanceRecorded:
    """The mark as sessions publishes it: with his runs after it (computed by sessions' own code), its version one
    above the mark recorded before it."""
    held = _RECORDED.setdefault(mark.enrolment_id, [])
    held[:] = [m for m in held if m.session_id != mark.session_id]  # a correction replaces the mark
    held.append(HeldMark(mark.session_id, mark.session_number, mark.scheduled_at, mark.status, mark.session_kind))
    _VERSIONS[mark.enrolment_id] = _VERSIONS.get(mark.enrolment_id, 0) + 1
    return replace(mark, absence_runs=published_runs(_VERSIONS[mark.enrolment_id], absence_runs(held)))


@pytest.fixture
def as_published():
    """as_published(mark) -> the mark with his runs after it, as sessions publishes it."""
    return with_runs


def _deliver(settings, factory, events) -> None:
    table = handlers.bind(settings=settings)
    for event in events:
        with transaction(factory) as s:
            table[type(event.data)](s, event)




@pytest.fixture
def enrol(risk_db):
    """enrol(**overrides) -> a new enrolment known to risk (through its real handler): Urganch, insp-r / psy-r."""
    settings, factory, _ = risk_db

    def make(support_worker: str | None = None, **overrides) -> uuid.UUID:
        enrolment = overrides.pop("enrolment_id", uuid.uuid4())
        enrolled, _ = _events_for(enrolment, [])
        if overrides:
            enrolled = delivered(replace(enrolled.data, **overrides))
        events = [enrolled]
        if support_worker:
            d = enrolled.data
            events.append(delivered(EnrolmentStatusChanged(
                enrolment_id=enrolment, participant_code=d.participant_code, cohort_id=d.cohort_id,
                region=d.region, district=d.district, inspector_id=d.inspector_id,
                psychologist_id=d.psychologist_id, action="start", from_status="assessed",
                status="active", changed_by="insp-r", changed_at=datetime.now(UTC),
                victim_support_worker_id=support_worker, version=2)))
        _deliver(settings, factory, events)
        return enrolment

    return make


@pytest.fixture
def restore_rules(risk_db):
    """Rule sets a test puts in force are taken out afterwards, with their recomputes: other tests (and the running
    system's workers, on the same database) go on under the rules they expect."""
    import sqlalchemy as sa
    from risk import evaluation

    _, _, engine = risk_db
    with engine.begin() as c:
        before = c.execute(sa.text("SELECT max(version) FROM rule_set")).scalar_one()
    yield before
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM recompute WHERE rule_set_version > :v"), {"v": before})
        c.execute(sa.text("DELETE FROM rule_set WHERE version > :v"), {"v": before})
    evaluation.rules_in_force.forget()
