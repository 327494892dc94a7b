"""The batch recompute on the real database: it resumes after the last enrolment it finished, hands itself back when
the worker stops, and a failure is kept on the job."""

from __future__ import annotations

import dataclasses
import threading
import uuid

import sqlalchemy as sa
from qadam.db import transaction
from risk import recompute
from risk.models import Recompute


def open_ids(engine) -> list[uuid.UUID]:
    with engine.connect() as c:
        return c.execute(sa.text("SELECT enrolment_id FROM enrolment_view WHERE status IN "
                                 "('referred', 'assessed', 'active', 'suspended', 'completed') "
                                 "ORDER BY enrolment_id")).scalars().all()


def job(factory, **values) -> uuid.UUID:
    with transaction(factory) as s:
        made = recompute.request_recompute(s, reason="requested", by="test", status="running")
        for k, v in values.items():
            setattr(made, k, v)
        return made.id


def test_a_resumed_recompute_starts_after_the_last_enrolment_it_finished(risk_db, enrol):
    settings, factory, engine = risk_db
    for _ in range(5):
        enrol()
    ids = open_ids(engine)
    cursor = ids[len(ids) // 2]
    resumed = job(factory, resume_after=cursor, evaluated=7)
    small = dataclasses.replace(settings, risk_recompute_chunk=2)
    totals = recompute.run(factory, small, resumed)
    assert totals["evaluated"] == 7 + len([i for i in ids if i > cursor])
    with factory() as s:
        done = s.get(Recompute, resumed)
        assert done.status == "done" and done.resume_after == ids[-1] and done.evaluated == totals["evaluated"]


def test_a_stopping_worker_hands_its_recompute_back_and_a_failure_is_kept(risk_db, enrol):
    settings, factory, _ = risk_db
    enrol()
    stopped = threading.Event()
    stopped.set()
    handed_back = job(factory)
    recompute.run(factory, settings, handed_back, stopped)
    with factory() as s:
        assert s.get(Recompute, handed_back).status == "pending"
        s.execute(sa.delete(Recompute).where(Recompute.id == handed_back))
        s.commit()
    failing = job(factory)
    recompute.fail(factory, failing, RuntimeError("database went away"))
    with factory() as s:
        row = s.get(Recompute, failing)
        assert (row.status, row.error) == ("failed", "RuntimeError: database went away")


def test_a_chunk_evaluated_at_once_raises_what_each_enrolment_evaluated_alone_raises(risk_db, events_for, deliver):
    """The recompute evaluates a chunk of enrolments in one go (their facts read for all of them at once); each
    enrolment's evaluation of its own (an event's) must find the same flags, levels and events, signals naming two of
    them and an order naming none yet (his by his code) included."""
    from datetime import UTC, datetime, timedelta

    from qadam.db import jsonable
    from risk.evaluation import evaluate_enrolments
    from risk.models import Signal
    from sqlalchemy.dialects.postgresql import insert

    settings, factory, engine = risk_db
    patterns = [["unexcused", "unexcused", "present"], ["present", "unexcused", "excused", "unexcused", "unexcused"],
                ["present", "present"], ["unexcused", "present", "unexcused", "unexcused"], []]
    men = []
    for statuses in patterns:
        enrolled, marks = events_for(uuid.uuid4(), statuses)
        deliver(settings, factory, [enrolled, *marks])
        men.append(enrolled.data)
    ids = [m.enrolment_id for m in men]
    now = datetime.now(UTC)
    signs = [([men[0], men[1]], "threat_to_partner"), ([men[1]], "separation"), ([men[1]], "controlling_behaviour"),
             ([men[3]], "weapon_access")]
    with transaction(factory) as s:
        for n, (named, sign) in enumerate(signs, 1):
            s.execute(insert(Signal).values(
                event_id=uuid.uuid4(), kind="sessions.warning_sign.observed", enrolment_ids=[m.enrolment_id for m in named],
                participant_code=named[0].participant_code, occurred_at=now - timedelta(days=n),
                facts=jsonable({"observation_id": uuid.uuid4(), "sign": sign, "observed_at": now - timedelta(days=n),
                                "session_number": n})))
        # an order reported before he was enrolled names no enrolment: his by his participant code
        s.execute(insert(Signal).values(
            event_id=uuid.uuid4(), kind="enrollment.order.expiring", enrolment_ids=[],
            participant_code=men[4].participant_code, occurred_at=now - timedelta(days=2),
            facts=jsonable({"order_id": uuid.uuid4(), "expires_on": (now + timedelta(days=5)).date(), "days_left": 5,
                            "programme_unfinished": True})))

    def forget() -> None:
        with engine.begin() as c:
            for table in ("flag", "risk_level", "level_change"):
                c.execute(sa.text(f"DELETE FROM {table} WHERE enrolment_id = ANY(:ids)"), {"ids": ids})
            c.execute(sa.text("DELETE FROM outbox WHERE envelope->'data'->>'enrolment_id' = ANY(:ids)"),
                      {"ids": [str(i) for i in ids]})

    def found() -> tuple[list, list, list]:
        with engine.connect() as c:
            flags = c.execute(sa.text(
                "SELECT id, episode_id, enrolment_id, rule_id, rule_version, level, fact_key, fact_ids, reasons, "
                "reason_codes, evidence, source, status FROM flag WHERE enrolment_id = ANY(:ids)"), {"ids": ids}).all()
            levels = sorted(c.execute(sa.text("SELECT enrolment_id, level, version FROM risk_level "
                                              "WHERE enrolment_id = ANY(:ids)"), {"ids": ids}).all())
            events = c.execute(sa.text("SELECT routing_key, envelope->'data' FROM outbox "
                                       "WHERE envelope->'data'->>'enrolment_id' = ANY(:ids)"),
                               {"ids": [str(i) for i in ids]}).all()
        named = {str(f.id): f"{f.rule_id}:{f.fact_key}" for f in flags}
        episode = {f.episode_id: sorted(named[str(g.id)] for g in flags if g.episode_id == f.episode_id) for f in flags}
        rows = sorted((str(f.enrolment_id), f.rule_id, repr((*f[4:], episode[f.episode_id]))) for f in flags)
        said = []
        for kind, data in events:
            data = dict(data)
            data["flag_id"] = named.get(data.get("flag_id"))
            data["episode_id"] = episode.get(uuid.UUID(data["episode_id"])) if data.get("episode_id") else None
            data["flag_ids"] = sorted(named[i] for i in data.get("flag_ids", []))
            said.append(repr((kind, sorted(data.items()))))
        return rows, levels, sorted(said)

    forget()
    for enrolment in ids:
        with transaction(factory) as s:
            evaluate_enrolments(s, [enrolment], settings=settings, cause="recompute", now=now)
    alone = found()
    forget()
    with transaction(factory) as s:
        outcome = evaluate_enrolments(s, ids, settings=settings, cause="recompute", now=now, log_each=False)
    together = found()
    assert outcome.evaluated == len(ids) and len(outcome.flags) == len(alone[0])
    # what each kind of fact raised is there: the sign two of them share, the order his code found, his absences
    assert {rule for _, rule, _ in alone[0]} >= {"sign.threat_to_partner", "order.expiring", "consecutive_absences"}
    assert together == alone
