"""Issue 16 on risk's real handlers and database: his programme's absence limits, the overdue call, a repeat order,
one episode per set of facts, and what a flag tells notify."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from qadam.events import delivered
from qadam_contracts.enrollment import AbsenceAlerts, EnrolmentTransferred, ExitProposed, OrderIssued, SupportWorkerChanged
from qadam_contracts.sessions import CallOverdue, CallRecorded, WarningSignObserved


def event(kind: type, data: dict):
    return delivered(kind(**data))


def raised(engine, enrolment) -> list[dict]:
    """The risk.flag.raised events for the enrolment, oldest first."""
    with engine.connect() as c:
        return c.execute(sa.text("SELECT envelope->'data' FROM outbox WHERE routing_key = 'risk.flag.raised' "
                                 "AND envelope->'data'->>'enrolment_id' = :e ORDER BY created_at, id"),
                         {"e": str(enrolment)}).scalars().all()


def rules_of(engine, enrolment) -> list[str]:
    return sorted(e["rule_id"] for e in raised(engine, enrolment))


def enrolled_with(events_for, enrolment, statuses, **extra):
    enrolled, marks = events_for(enrolment, statuses)
    return delivered(replace(enrolled.data, **extra)), marks


def moved(enrolled, kind: type, version: int, **extra):
    d = enrolled.data
    now = {k: getattr(d, k) for k in ("enrolment_id", "participant_code", "cohort_id", "region", "district", "inspector_id",
                             "psychologist_id")}
    if kind is EnrolmentTransferred:
        return event(kind, {**now, "from_cohort_id": uuid.uuid4(), "status": "active",
                            "transferred_at": datetime.now(UTC), "version": version, **extra})
    return event(kind, {**now, "reasons": ["2 unexcused absences in all."], "unexcused_absences": 2,
                        "consecutive_absences": 1, "proposed_at": datetime.now(UTC), **extra})


def test_the_statutory_programme_s_limit_alerts_at_the_second_unexcused_absence_in_all(risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    statutory, unknown = uuid.uuid4(), uuid.uuid4()
    pattern = ["unexcused", "present", "unexcused"]
    enrolled, marks = enrolled_with(events_for, statutory, pattern, absence_alerts=AbsenceAlerts(unexcused=2, consecutive=2))
    deliver(settings, factory, [enrolled, *marks])
    [flag] = raised(engine, statutory)
    assert flag["rule_id"] == "unexcused_absences" and flag["level"] == "high"
    assert flag["evidence"]["session_numbers"] == [1, 3]
    # a man whose programme named no limit: the rule's own (three in all)
    enrolled, marks = enrolled_with(events_for, unknown, pattern)
    deliver(settings, factory, [enrolled, *marks])
    assert raised(engine, unknown) == []


def test_a_transfer_to_a_programme_with_its_own_limits_is_obeyed(risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = enrolled_with(events_for, enrolment, ["present", "unexcused", "unexcused"],
                                    absence_alerts=AbsenceAlerts(unexcused=2, consecutive=2))
    # moved (before his marks) to a region's version that alerts at four in all and three in a row
    transfer = moved(enrolled, EnrolmentTransferred, 2, absence_alerts=AbsenceAlerts(unexcused=4, consecutive=3))
    deliver(settings, factory, [enrolled, transfer, *marks])
    assert raised(engine, enrolment) == []
    _, more = events_for(enrolment, ["present", "unexcused", "unexcused", "unexcused"])
    more = [delivered(replace(mark.data, participant_code=enrolled.data.participant_code)) for mark in more]
    deliver(settings, factory, more[3:])
    assert "consecutive_absences" in rules_of(engine, enrolment)


def test_an_overdue_call_raises_a_medium_flag_for_psychologist_and_inspector(risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, _ = events_for(enrolment, [])
    d = enrolled.data
    overdue = event(CallOverdue, {
        "call_id": uuid.uuid4(), "enrolment_id": enrolment, "participant_code": d.participant_code,
        "cohort_id": d.cohort_id, "session_id": uuid.uuid4(), "session_number": 3, "absence_on": date(2026, 10, 8),
        "due_at": datetime(2026, 10, 10, 9, tzinfo=UTC), "psychologist_id": "psy-r"})
    deliver(settings, factory, [enrolled, overdue, overdue])
    [flag] = raised(engine, enrolment)
    assert (flag["rule_id"], flag["level"]) == ("call.overdue", "medium")
    assert (flag["psychologist_id"], flag["inspector_id"]) == ("psy-r", "insp-r")
    assert "2026-10-08" in flag["reasons"][0]


def test_a_call_recorded_after_it_fell_overdue_resolves_its_flag_and_tells_notify(risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment, call_id = uuid.uuid4(), uuid.uuid4()
    enrolled, _ = events_for(enrolment, [])
    d = enrolled.data
    overdue = event(CallOverdue, {
        "call_id": call_id, "enrolment_id": enrolment, "participant_code": d.participant_code,
        "cohort_id": d.cohort_id, "session_id": uuid.uuid4(), "session_number": 3, "absence_on": date(2026, 10, 8),
        "due_at": datetime(2026, 10, 10, 9, tzinfo=UTC), "psychologist_id": "psy-r"})
    recorded = event(CallRecorded, {
        "call_id": call_id, "enrolment_id": enrolment, "participant_code": d.participant_code, "outcome": "reached",
        "called_at": datetime(2026, 10, 11, 10, tzinfo=UTC), "called_by": "psy-r"})
    deliver(settings, factory, [enrolled, overdue, recorded, recorded])
    [flag] = raised(engine, enrolment)
    with engine.connect() as c:
        status, by, resolution = c.execute(sa.text("SELECT status, resolved_by, resolution FROM flag WHERE id = :f"),
                                           {"f": flag["flag_id"]}).one()
        told = c.execute(sa.text("SELECT envelope->'data'->>'flag_id' FROM outbox WHERE routing_key = "
                                 "'risk.flag.resolved' AND envelope->'data'->>'flag_id' = :f"),
                         {"f": flag["flag_id"]}).scalars().all()
    assert (status, by) == ("resolved", "psy-r") and "reached" in resolution
    assert told == [flag["flag_id"]]  # once, though the event came twice


def order_issued(enrolled, issued_on: date, previous: date | None, enrolment_ids: list) -> object:
    d = enrolled.data
    return event(OrderIssued, {
        "order_id": uuid.uuid4(), "participant_code": d.participant_code, "enrolment_ids": enrolment_ids,
        "region": d.region, "district": d.district, "issued_by": "insp-r", "issued_on": issued_on,
        "expires_on": issued_on + timedelta(days=365), "inspector_id": "insp-r", "victim_support_worker_id": None,
        "previous_order_on": previous})


def test_a_second_order_within_twelve_months_raises_an_amber_flag_even_when_issued_before_he_was_enrolled(
        risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment, other = uuid.uuid4(), uuid.uuid4()
    enrolled, _ = events_for(enrolment, [])
    today = date.today()
    # issued before risk knew of his enrolment (it names none): it counts when he is enrolled
    deliver(settings, factory, [order_issued(enrolled, today, today - timedelta(days=200), []), enrolled])
    [flag] = raised(engine, enrolment)
    assert (flag["rule_id"], flag["level"]) == ("repeat_order", "medium")
    # one more than twelve months after the one before: no sign
    enrolled_other, _ = events_for(other, [])
    deliver(settings, factory, [enrolled_other,
                                order_issued(enrolled_other, today, today - timedelta(days=400), [other])])
    assert raised(engine, other) == []


def test_flags_of_one_evaluation_share_an_episode_and_an_exit_proposal_joins_his_absence_flag(
        risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = enrolled_with(events_for, enrolment, ["unexcused", "unexcused"],
                                    absence_alerts=AbsenceAlerts(unexcused=2, consecutive=2),
                                    victim_support_worker_id="sw-r")
    deliver(settings, factory, [enrolled, *marks])
    flags = raised(engine, enrolment)
    assert sorted(f["rule_id"] for f in flags) == ["consecutive_absences", "unexcused_absences"]
    assert len({f["episode_id"] for f in flags}) == 1 and flags[0]["episode_id"] is not None
    assert {f["victim_support_worker_id"] for f in flags} == {"sw-r"} and {f["source"] for f in flags} == {None}
    deliver(settings, factory, [moved(enrolled, ExitProposed, 2)])
    proposal = [f for f in raised(engine, enrolment) if f["rule_id"] == "programme.exit_proposed"]
    assert [f["episode_id"] for f in proposal] == [flags[0]["episode_id"]]
    with engine.connect() as c:
        kept = c.execute(sa.text("SELECT DISTINCT episode_id::text FROM flag WHERE enrolment_id = :e"),
                         {"e": enrolment}).scalars().all()
    assert kept == [flags[0]["episode_id"]]


def test_an_exit_proposal_with_no_absence_flag_open_is_an_episode_of_its_own(risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, _ = events_for(enrolment, [])
    deliver(settings, factory, [enrolled, moved(enrolled, ExitProposed, 2)])
    [flag] = raised(engine, enrolment)
    assert flag["rule_id"] == "programme.exit_proposed" and flag["episode_id"] is not None


def test_a_warning_sign_typed_in_two_days_later_is_dated_at_its_session(risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, _ = events_for(enrolment, [])
    d = enrolled.data
    session_at = datetime(2026, 11, 2, 6, tzinfo=UTC)  # 11:00 in Tashkent
    sign = event(WarningSignObserved, {
        "observation_id": uuid.uuid4(), "session_id": uuid.uuid4(), "cohort_id": d.cohort_id,
        "enrolment_id": enrolment, "participant_code": d.participant_code, "session_number": 4,
        "sign": "weapon_access", "observed_by": "psy-r", "observed_at": session_at + timedelta(days=2),
        "session_at": session_at})
    deliver(settings, factory, [enrolled, sign])
    [flag] = raised(engine, enrolment)
    assert flag["level"] == "critical"
    assert flag["reasons"][0] == ("Warning sign recorded by the facilitator at session 4 on 2026-11-02: access to a "
                                  "weapon.")


def support_worker_changed(enrolled, worker: str | None, version: int):
    d = enrolled.data
    return event(SupportWorkerChanged, {
        **{k: getattr(d, k) for k in ("enrolment_id", "participant_code", "cohort_id", "region", "district", "inspector_id",
                             "psychologist_id")},
        "victim_support_worker_id": worker, "previous_victim_support_worker_id": None, "changed_by": "insp-r",
        "changed_at": datetime.now(UTC), "version": version})


def test_her_support_worker_named_later_is_the_one_his_flags_name_in_any_order(risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    for order in ("enrolled first", "change first"):
        enrolment = uuid.uuid4()
        enrolled, marks = enrolled_with(events_for, enrolment, ["unexcused", "unexcused"])
        change = support_worker_changed(enrolled, "sw-later", 2)
        first = [enrolled, change] if order == "enrolled first" else [change, enrolled]
        deliver(settings, factory, [*first, *marks])
        assert {f["victim_support_worker_id"] for f in raised(engine, enrolment)} == {"sw-later"}, order
        # an older change arriving late changes nothing
        deliver(settings, factory, [support_worker_changed(enrolled, "sw-old", 1)])
        with engine.connect() as c:
            now = c.execute(sa.text("SELECT victim_support_worker_id FROM enrolment_view WHERE enrolment_id = :e"),
                            {"e": enrolment}).scalar()
        assert now == "sw-later", order


def test_a_critical_sign_evaluated_with_an_exit_proposal_does_not_join_the_old_absence_alert(
        risk_db, events_for, deliver):
    from qadam.db import jsonable, transaction
    from risk.evaluation import evaluate_enrolments
    from risk.models import Signal
    from sqlalchemy.dialects.postgresql import insert

    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = enrolled_with(events_for, enrolment, ["unexcused", "unexcused"],
                                    absence_alerts=AbsenceAlerts(unexcused=2, consecutive=2))
    deliver(settings, factory, [enrolled, *marks])
    [old] = {f["episode_id"] for f in raised(engine, enrolment)}
    d = enrolled.data
    sign = event(WarningSignObserved, {
        "observation_id": uuid.uuid4(), "session_id": uuid.uuid4(), "cohort_id": d.cohort_id,
        "enrolment_id": enrolment, "participant_code": d.participant_code, "session_number": 3,
        "sign": "weapon_access", "observed_by": "psy-r", "observed_at": datetime.now(UTC)})
    # both facts known before one evaluation reads them (as a recompute, or a proposal racing a sign, would)
    with transaction(factory) as s:
        for e in (moved(enrolled, ExitProposed, 2), sign):
            s.execute(insert(Signal).values(event_id=e.id, kind=e.type, enrolment_ids=[enrolment],
                                            participant_code=d.participant_code, facts=jsonable(asdict(e.data)),
                                            occurred_at=e.occurred_at))
        evaluate_enrolments(s, [enrolment], settings=settings, cause="test")
    episodes = {f["rule_id"]: f["episode_id"] for f in raised(engine, enrolment)}
    assert episodes["programme.exit_proposed"] == old
    assert episodes["sign.weapon_access"] not in (None, old)
    # whatever else that evaluation raised that is not about his absences is the sign's episode, not the old one
    others = {e for rule, e in episodes.items() if rule not in ("programme.exit_proposed", "consecutive_absences",
                                                                "unexcused_absences")}
    assert others == {episodes["sign.weapon_access"]}


def test_a_sign_about_his_closed_enrolment_is_not_laid_on_his_open_one_when_an_order_names_neither(
        risk_db, events_for, deliver):
    """An order that names no enrolment is evaluated for all of his enrolments. A sign recorded in the programme he
    left belongs to that enrolment alone; his new enrolment is not flagged for it."""
    from qadam.db import jsonable, transaction
    from qadam_contracts.enrollment import EnrolmentStatusChanged
    from risk.models import Signal
    from sqlalchemy.dialects.postgresql import insert

    settings, factory, engine = risk_db
    closed, open_ = uuid.uuid4(), uuid.uuid4()
    first, _ = events_for(closed, [])
    code = first.data.participant_code
    second, _ = enrolled_with(events_for, open_, [], participant_code=code)
    d = first.data
    completed = event(EnrolmentStatusChanged, {
        "enrolment_id": closed, "participant_code": code, "cohort_id": d.cohort_id, "region": d.region,
        "district": d.district, "inspector_id": d.inspector_id, "psychologist_id": d.psychologist_id,
        "action": "exit", "from_status": "active", "status": "exited", "changed_by": "insp-r",
        "changed_at": datetime.now(UTC), "version": 2})
    deliver(settings, factory, [first, completed, second])
    sign = event(WarningSignObserved, {
        "observation_id": uuid.uuid4(), "session_id": uuid.uuid4(), "cohort_id": d.cohort_id,
        "enrolment_id": closed, "participant_code": code, "session_number": 3, "sign": "weapon_access",
        "observed_by": "psy-r", "observed_at": datetime.now(UTC)})
    with transaction(factory) as s:  # kept in his first programme, before he left it
        s.execute(insert(Signal).values(event_id=sign.id, kind=sign.type, enrolment_ids=[closed],
                                        participant_code=code, facts=jsonable(asdict(sign.data)),
                                        occurred_at=sign.occurred_at))
    deliver(settings, factory, [order_issued(second, date.today(), None, [])])
    assert "sign.weapon_access" not in rules_of(engine, open_)
    assert raised(engine, closed) == []  # a closed enrolment is not evaluated
