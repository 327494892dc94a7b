"""Notify's handlers on the real database: her support worker is told when his risk rises, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from notify.handlers import handlers
from qadam.db import make_engine, make_session_factory, transaction
from qadam.events import delivered
from qadam_contracts.risk import FlagRaised, LevelChanged


def level_changed(enrolment: uuid.UUID, from_level: str, level: str, version: int, support_worker: str | None):
    return delivered(LevelChanged(
        enrolment_id=enrolment, participant_code="P-2026-000777", from_level=from_level, level=level,
        version=version, changed_at=datetime.now(UTC), cause="incident order_breach",
        flag_ids=[uuid.uuid4()] if level != "low" else [], region="Buxoro viloyati", district="Gʻijduvon",
        inspector_id="insp-n", psychologist_id="psy-n", victim_support_worker_id=support_worker))


def test_her_support_worker_is_told_once_when_his_risk_rises_and_not_when_it_falls(stack):
    engine = make_engine(stack.database_url("notify"))
    factory = make_session_factory(engine)
    table = handlers.bind(settings=stack.settings("notify"))
    enrolment = uuid.uuid4()
    rise, fall = level_changed(enrolment, "medium", "critical", 1, "sw-n"), level_changed(enrolment, "critical", "low", 2, "sw-n")
    for event in (rise, rise, fall):  # the rise delivered twice
        with transaction(factory) as s:
            table[type(event.data)](s, event)
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT user_id, responsibility, level, reasons FROM notification "
                                 "WHERE enrolment_id = :e"), {"e": enrolment}).all()
    engine.dispose()
    assert [(r.user_id, r.responsibility, r.level) for r in rows] == [("sw-n", "victim_support", "critical")]
    assert "P-2026-000777" in rows[0].reasons[0] and "rose from medium to critical" in rows[0].reasons[0]


def test_a_rise_that_arrives_after_a_later_fall_tells_nobody(stack):
    engine = make_engine(stack.database_url("notify"))
    factory = make_session_factory(engine)
    table = handlers.bind(settings=stack.settings("notify"))
    enrolment = uuid.uuid4()
    for event in (level_changed(enrolment, "critical", "low", 4, "sw-late"),   # the fall, delivered first
                  level_changed(enrolment, "medium", "critical", 3, "sw-late")):  # the older rise, late
        with transaction(factory) as s:
            table[type(event.data)](s, event)
    with engine.connect() as c:
        told = c.execute(sa.text("SELECT count(*) FROM notification WHERE enrolment_id = :e"),
                         {"e": enrolment}).scalar_one()
    engine.dispose()
    assert told == 0


def flag_raised(flag: uuid.UUID, episode: uuid.UUID, level: str, reason: str):
    return delivered(FlagRaised(
        flag_id=flag, enrolment_id=uuid.UUID(int=7), participant_code="P-2026-000778",
        rule_id="consecutive_absences", rule_version=1, level=level, reasons=[reason], evidence={},
        region="Buxoro viloyati", district="Gʻijduvon", inspector_id=f"insp-{episode.hex[:6]}",
        psychologist_id=f"psy-{episode.hex[:6]}", raised_at=datetime.now(UTC), episode_id=episode))


def test_flags_of_one_episode_make_one_notification_per_person_with_every_reason_and_the_highest_level(stack):
    engine = make_engine(stack.database_url("notify"))
    factory = make_session_factory(engine)
    table = handlers.bind(settings=stack.settings("notify"))
    episode, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events = [flag_raised(first, episode, "medium", "Two absences in a row."),
              flag_raised(second, episode, "high", "Exit proposed."),
              flag_raised(first, episode, "medium", "Two absences in a row.")]  # redelivered late
    for event in events:
        with transaction(factory) as s:
            table[type(event.data)](s, event)
    with engine.connect() as c:
        found = c.execute(sa.text("SELECT user_id, level, reasons, flag_ids FROM notification WHERE episode_id = :e "
                                  "ORDER BY user_id"), {"e": episode}).all()
    engine.dispose()
    assert [(r.user_id.split("-")[0], r.level, r.reasons, r.flag_ids) for r in found] == [
        ("insp", "high", ["Two absences in a row.", "Exit proposed."], [first, second]),
        ("psy", "high", ["Two absences in a row.", "Exit proposed."], [first, second])]


def test_a_flags_alerts_to_everyone_it_reaches_are_made_in_two_round_trips(stack):
    """The routing and the contacts of the people the flag names are read together, then every notification goes
    with its deliveries in one more: on the path of every alert, where each was a round trip of its own."""
    from qadam_testing import round_trips

    engine = make_engine(stack.database_url("notify"))
    factory = make_session_factory(engine)
    table = handlers.bind(settings=stack.settings("notify"))
    episode = uuid.uuid4()
    event = flag_raised(uuid.uuid4(), episode, "high", "Two absences in a row.")
    with transaction(factory) as s:
        s.execute(sa.text("SELECT 1"))  # the transaction begun: what follows is the handler's alone
        with round_trips(s) as turns:
            table[type(event.data)](s, event)
    with engine.connect() as c:
        told = c.execute(sa.text("SELECT n.user_id, count(d.id) FROM notification n LEFT JOIN delivery d "
                                 "ON d.notification_id = n.id WHERE n.episode_id = :e GROUP BY n.user_id "
                                 "ORDER BY n.user_id"), {"e": episode}).all()
    engine.dispose()
    assert [(u.split("-")[0], n > 0) for u, n in told] == [("insp", True), ("psy", True)]
    assert len(turns) == 2
