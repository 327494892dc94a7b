"""Risk's handlers on the real database: events in any order give the same flags, raised once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import cast

import pytest
import sqlalchemy as sa


def flags(engine, enrolment, rule: str = "consecutive_absences") -> list[tuple]:
    with engine.connect() as c:
        return c.execute(sa.text("SELECT rule_id, evidence->'session_numbers' FROM flag WHERE enrolment_id = :e "
                                 "AND rule_id = :r"), {"e": enrolment, "r": rule}).all()


def outbox_flags(engine, enrolment) -> list[dict]:
    with engine.connect() as c:
        return c.execute(sa.text("SELECT envelope FROM outbox WHERE routing_key = 'risk.flag.raised' "
                                 "AND envelope->'data'->>'enrolment_id' = :e "
                                 "AND envelope->'data'->>'rule_id' = 'consecutive_absences'"),
                         {"e": str(enrolment)}).scalars().all()


@pytest.mark.parametrize(("order", "evidence"), [
    ("in order", [2, 4]),                      # raised at session 4; session 5 lengthens the same run
    ("marks before the enrolment", [2, 4, 5]),  # all known when the enrolment arrives
    # the last mark recorded carries the whole run as sessions has it (sessions 2, 4 and 5), whichever comes first
    ("reversed", [2, 4, 5]),
])
def test_events_in_any_order_raise_one_flag_for_one_run(risk_db, order, evidence, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["present", "unexcused", "excused", "unexcused", "unexcused"])
    sequence = {"in order": [enrolled, *marks], "marks before the enrolment": [*marks, enrolled],
                "reversed": [enrolled, *reversed(marks)]}[order]
    deliver(settings, factory, sequence)
    assert flags(engine, enrolment) == [("consecutive_absences", evidence)]
    [event] = outbox_flags(engine, enrolment)
    assert event["data"]["inspector_id"] == "insp-r" and event["data"]["psychologist_id"] == "psy-r"


def test_excused_absences_alone_raise_nothing(risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["excused", "excused", "present", "excused"])
    deliver(settings, factory, [enrolled, *marks])
    assert flags(engine, enrolment) == []


def test_a_batch_of_marks_raises_what_one_at_a_time_raises(risk_db, events_for, deliver):
    from qadam.inbox import Outcome, handle_batch
    from risk.handlers import handlers

    settings, factory, engine = risk_db
    table = handlers.bind(settings=settings)
    patterns = [["unexcused", "unexcused"], ["present", "unexcused", "excused", "unexcused", "unexcused"],
                ["unexcused", "present", "unexcused"], ["excused", "excused"]]
    one_by_one, batched = [], []
    for statuses in patterns:
        for target, via_batch in ((one_by_one, False), (batched, True)):
            enrolment = uuid.uuid4()
            enrolled, marks = events_for(enrolment, statuses)
            deliver(settings, factory, [enrolled])
            if via_batch:
                outcomes = handle_batch(factory, [(m, table[type(m.data)]) for m in [*marks, marks[0]]])
                assert outcomes[-1] is Outcome.DUPLICATE  # a second copy inside the same batch has no effect
            else:
                deliver(settings, factory, marks)
            target.append([evidence for _, evidence in flags(engine, enrolment)])
    assert batched == [[[1, 2]], [[2, 4, 5]], [], []]
    assert one_by_one == [[[1, 2]], [[2, 4]], [], []]  # one at a time, the run is flagged as soon as it reaches 2


def test_the_run_sessions_published_drives_the_flag_though_risk_holds_no_mark_of_it(risk_db, events_for, deliver):
    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["present", "unexcused", "unexcused"])
    deliver(settings, factory, [enrolled, marks[2]])  # the marks of sessions 1 and 2 never reached risk
    assert flags(engine, enrolment) == [("consecutive_absences", [2, 3])]


def test_runs_published_before_a_correction_and_delivered_after_it_change_nothing(risk_db, events_for, deliver,
                                                                                  as_published):
    from dataclasses import replace
    from datetime import UTC, datetime

    from qadam.events import delivered
    from qadam_contracts.sessions import AttendanceAmended

    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["present", "unexcused", "unexcused"])
    d = marks[2].data
    fields = {k: getattr(d, k) for k in d.__dataclass_fields__ if k != "absence_runs"}
    corrected = delivered(as_published(AttendanceAmended(**{
        **fields, "status": "excused", "excuse_reason": "in hospital", "recorded_at": datetime.now(UTC),
        "amendment_id": uuid.uuid4(), "old_status": "unexcused"})))
    assert corrected.data.absence_runs.version == 4
    # the correction arrives first; the first recording of session 3, redelivered, comes after it
    deliver(settings, factory, [enrolled, marks[0], marks[1], corrected, delivered(replace(d))])
    assert flags(engine, enrolment) == []
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT version FROM absence_runs_fact WHERE enrolment_id = :e"),
                         {"e": enrolment}).scalar() == 4


def test_a_mark_without_runs_from_an_older_sessions_keeps_the_runs_and_warns(risk_db, events_for, deliver, caplog,
                                                                           capsys):
    from dataclasses import replace

    from qadam.events import delivered
    from qadam_testing import logged

    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["unexcused", "unexcused", "present"])
    deliver(settings, factory, [enrolled, marks[0], marks[1]])
    older = delivered(replace(marks[2].data, absence_runs=None))  # written before sessions was upgraded
    with caplog.at_level("WARNING"):
        deliver(settings, factory, [older])
    warned = [line for line in logged(caplog, capsys).splitlines() if "absence_runs_missing" in line]
    assert warned and all(str(enrolment) in line for line in warned)
    with engine.connect() as c:  # the runs kept stand (version 2, the run of sessions 1 and 2)
        assert c.execute(sa.text("SELECT version FROM absence_runs_fact WHERE enrolment_id = :e"),
                         {"e": enrolment}).scalar() == 2
    assert flags(engine, enrolment) == [("consecutive_absences", [1, 2])]


def _statements(engine):
    """Every statement the engine runs inside the block, as sent, with how many times each was run."""
    from collections import Counter
    from contextlib import contextmanager

    @contextmanager
    def recording():
        sent: Counter[str] = Counter()

        def record(conn, cursor, statement, parameters, context, executemany) -> None:
            sent[statement] += 1

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield sent
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return recording()


def _marks_of(events_for, deliver, settings, factory, men: int, statuses: list[str]) -> list:
    marks = []
    for _ in range(men):
        enrolled, his = events_for(uuid.uuid4(), statuses)
        deliver(settings, factory, [enrolled])
        marks += his
    return marks


def test_the_flags_a_batch_raises_for_several_men_are_written_in_one_outbox_statement_each_with_its_mark_s_story(
        risk_db, events_for, deliver):
    """Each flag and level change carries the correlation and causation of the mark that raised it, as one at a time;
    they are written together (a statement for each mark was most of the cost of the batch that raised them)."""
    from qadam.inbox import handle_batch
    from risk.handlers import handlers

    settings, factory, engine = risk_db
    table = handlers.bind(settings=settings)
    marks = _marks_of(events_for, deliver, settings, factory, 3, ["unexcused", "unexcused"])
    with _statements(engine) as sent:
        handle_batch(factory, [(m, table[type(m.data)]) for m in marks])
    assert sum(n for statement, n in sent.items() if statement.startswith("INSERT INTO outbox")) == 1
    raised_by = {str(m.data.enrolment_id): m for m in marks if m.data.session_number == 2}  # his run reached two
    with engine.connect() as c:
        written = c.execute(sa.text("SELECT envelope FROM outbox WHERE envelope->'data'->>'enrolment_id' = ANY(:e) "
                                    "ORDER BY seq"), {"e": list(raised_by)}).scalars().all()
    assert sorted(e["type"] for e in written) == ["risk.flag.raised"] * 3 + ["risk.level.changed"] * 3
    for envelope in written:
        mark = raised_by[envelope["data"]["enrolment_id"]]
        assert (envelope["correlation_id"], envelope["causation_id"]) == (mark.correlation_id, str(mark.id))


def test_a_batch_of_marks_is_handled_with_the_same_statements_whatever_its_size(risk_db, events_for, deliver):
    """The enrolments as one array parameter and the rows as one JSON parameter: a batch of 2 men and one of 5 send
    the same statements (an IN list or a multi-row VALUES was a new statement for every size, converted by the driver
    afresh and never prepared)."""
    from qadam.inbox import handle_batch
    from risk.handlers import handlers

    settings, factory, engine = risk_db
    table = handlers.bind(settings=settings)
    sent_by_size = []
    for men in (2, 5):
        marks = _marks_of(events_for, deliver, settings, factory, men, ["unexcused", "unexcused"])
        with _statements(engine) as sent:
            handle_batch(factory, [(m, table[type(m.data)]) for m in marks])
        sent_by_size.append(set(sent))
    assert sent_by_size[0] == sent_by_size[1]


def test_raising_in_one_round_trip_goes_back_and_raises_step_by_step_when_what_it_took_for_granted_fails(
        risk_db, events_for, deliver):
    """The flags, the levels and their events go in one round trip on what the enrolment's lock makes certain: every
    flag is new, every level's version the one read plus one. Given a flag the table holds already and a level
    version that is not the one held, what was sent goes back to the savepoint, and the flags and levels are written
    a step at a time: the flag held is not raised again, nor its event sent, and the level's version is the next
    one."""
    from risk.domain.raising import FlagRow
    from risk.evaluation import _raise, _snapshot
    from risk.models import EnrolmentView

    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["unexcused", "unexcused"])
    deliver(settings, factory, [enrolled, *marks])
    with engine.connect() as c:
        held = c.execute(sa.text("SELECT * FROM flag WHERE enrolment_id = :e"), {"e": enrolment}).mappings().one()
        level, version = c.execute(sa.text("SELECT level, version FROM risk_level WHERE enrolment_id = :e"),
                                   {"e": enrolment}).one()
    again = cast(FlagRow, {k: held[k] for k in FlagRow.__annotations__} | {"id": uuid.uuid4()})
    red = cast(FlagRow, dict(again) | {"id": uuid.uuid4(), "rule_id": "warning_sign", "level": "critical",
                                      "fact_key": f"sign:{uuid.uuid4()}", "fact_ids": []})
    with factory() as s, s.begin():
        view = _snapshot(s.get(EnrolmentView, enrolment))
        raised, moves = _raise(s, {enrolment: view}, [again, red], {enrolment: [(held["id"], held["level"])]},
                               {enrolment: level}, {enrolment: version + 5}, cause="test", now=datetime.now(UTC),
                               triggers={}, log_each=True)
    assert [f["id"] for f in raised] == [red["id"]]
    assert [(m["level"], m["version"]) for m in moves] == [("critical", version + 1)]
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM flag WHERE enrolment_id = :e"), {"e": enrolment}).scalar() == 2
        assert c.execute(sa.text("SELECT version FROM risk_level WHERE enrolment_id = :e"),
                         {"e": enrolment}).scalar() == version + 1
        sent = c.execute(sa.text("SELECT envelope->'data'->>'flag_id' FROM outbox WHERE routing_key = 'risk.flag.raised' "
                                 "AND envelope->'data'->>'enrolment_id' = :e"), {"e": str(enrolment)}).scalars().all()
    assert sorted(sent) == sorted([str(held["id"]), str(red["id"])])


def test_a_mark_that_raises_a_flag_is_handled_in_two_round_trips(risk_db, events_for, deliver):
    """His lock, the mark and his runs kept, and everything the evaluation reads go in one round trip; the flag, his
    level and the events of both in a second (each was a round trip of its own, on the path of every alert)."""
    from qadam.db import transaction
    from qadam_testing import round_trips
    from risk.handlers import handlers

    settings, factory, engine = risk_db
    enrolment = uuid.uuid4()
    enrolled, (first, second) = events_for(enrolment, ["unexcused", "unexcused"])
    deliver(settings, factory, [enrolled, first])
    with transaction(factory) as s:
        s.execute(sa.text("SELECT 1"))  # the transaction begun: what follows is the handler's alone
        with round_trips(s) as turns:
            handlers.bind(settings=settings)[type(second.data)](s, second)
    assert flags(engine, enrolment) == [("consecutive_absences", [1, 2])]
    assert len(outbox_flags(engine, enrolment)) == 1
    assert len(turns) == 2
