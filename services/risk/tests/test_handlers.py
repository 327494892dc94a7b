"""Risk's handlers on the real database: events in any order give the same flags, raised once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from qadam.contracts import catalog
from qadam.db import make_engine, make_session_factory, transaction
from risk.handlers import handlers


@pytest.fixture
def risk_db(stack):
    engine = make_engine(stack.database_url("risk"))
    yield stack.settings("risk"), make_session_factory(engine), engine
    engine.dispose()


def events_for(enrolment: uuid.UUID, statuses: list[str]) -> tuple[object, list[object]]:
    code = f"P-2026-{uuid.uuid4().int % 1_000_000:06d}"
    enrolled = catalog.parse(catalog.build("enrollment.enrolled", {
        "enrolment_id": enrolment, "participant_code": code, "cohort_id": uuid.uuid4(), "programme_id": uuid.uuid4(),
        "inspector_id": "insp-r", "psychologist_id": "psy-r", "region": "Xorazm viloyati", "district": "Urganch",
        "status": "active", "enrolled_at": datetime.now(UTC)}, producer="enrollment", correlation_id="c",
        causation_id=None))
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    marks = [catalog.parse(catalog.build("sessions.attendance.recorded", {
        "mark_id": uuid.uuid4(), "session_id": uuid.uuid4(), "cohort_id": uuid.uuid4(), "enrolment_id": enrolment,
        "participant_code": code, "session_number": n, "scheduled_at": start + timedelta(days=3 * n), "status": s,
        "excuse_reason": "ill" if s == "excused" else None, "recorded_by": "psy-r", "recorded_at": datetime.now(UTC)},
        producer="sessions", correlation_id="c", causation_id=None)) for n, s in enumerate(statuses, 1)]
    return enrolled, marks


def deliver(settings, factory, events) -> None:
    table = handlers(settings)
    for event in events:
        with transaction(factory) as s:
            table[event.type](s, event)


def flags(engine, enrolment) -> list[tuple]:
    with engine.connect() as c:
        return c.execute(sa.text("SELECT rule_id, evidence->'session_numbers' FROM flag WHERE enrolment_id = :e"),
                         {"e": enrolment}).all()


def outbox_flags(engine, enrolment) -> list[dict]:
    with engine.connect() as c:
        return c.execute(sa.text("SELECT envelope FROM outbox WHERE routing_key = 'risk.flag.raised' "
                                 "AND envelope->'data'->>'enrolment_id' = :e"), {"e": str(enrolment)}).scalars().all()


@pytest.mark.parametrize(("order", "evidence"), [
    ("in order", [2, 4]),                      # raised at session 4; session 5 lengthens the same run
    ("marks before the enrolment", [2, 4, 5]),  # all known when the enrolment arrives
    ("reversed", [4, 5]),                       # raised at 4 and 5; session 2 arriving late joins the same run
])
def test_events_in_any_order_raise_one_flag_for_one_run(risk_db, order, evidence):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["present", "unexcused", "excused", "unexcused", "unexcused"])
    sequence = {"in order": [enrolled, *marks], "marks before the enrolment": [*marks, enrolled],
                "reversed": [enrolled, *reversed(marks)]}[order]
    deliver(settings, factory, sequence)
    assert flags(engine, enrolment) == [("consecutive_absences", evidence)]
    [event] = outbox_flags(engine, enrolment)
    assert event["data"]["inspector_id"] == "insp-r" and event["data"]["psychologist_id"] == "psy-r"


def test_excused_absences_alone_raise_nothing(risk_db):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["excused", "excused", "present", "excused"])
    deliver(settings, factory, [enrolled, *marks])
    assert flags(engine, enrolment) == []
