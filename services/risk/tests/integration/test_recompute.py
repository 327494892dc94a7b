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
