"""Re-evaluate every open enrolment in a batch: after the rules change, daily for the rules that read the calendar,
or when asked (the worker's loop claims and runs them: risk.worker). Only what is new is raised (the facts already
flagged stay flagged once); levels move where they must. Progress is kept on the recompute's row chunk by chunk, so
a crash resumes where it stopped.

    python -m risk.recompute            # request one and run it here, now
"""

from __future__ import annotations

import gc
import itertools
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from qadam.db import make_engine, make_session_factory, transaction
from qadam.log import configure_logging, get_logger
from sqlalchemy.orm import Session, sessionmaker

from . import SERVICE
from .domain import OPEN_STATUSES, RuleSet
from .evaluation import evaluate_enrolments, rules_in_force
from .models import EnrolmentView, Recompute, RuleSetVersion
from .settings import RiskSettings

log = get_logger(__name__)
STALE = timedelta(minutes=10)  # a running recompute whose worker stopped reporting is taken over
# The tables a run writes and each chunk reads by its thousand keys, analysed after chunks 2, 4, 8, 16...: statistics
# never more than half as large as the run made them. A first evaluation writes every flag and level; with none yet
# analysed (autovacuum comes later, on a busy server minutes later) a thousand keys were planned as the whole table,
# a scan of the growing flag table for every chunk (0.1 s a chunk, 12 s of a first evaluation of 100,000), where its
# index finds the few rows there are. (A role that does not own them is warned, and reads as before.)
_ANALYZE_WRITTEN = sa.text("ANALYZE flag, risk_level")


def request_recompute(s: Session, *, reason: str, by: str, status: str = "pending") -> Recompute:
    """A recompute under the rules in force, for a worker to claim (or, `running`, for the caller to run)."""
    version = s.execute(sa.select(sa.func.max(RuleSetVersion.version))).scalar_one()
    now = datetime.now(UTC)
    job = Recompute(id=uuid.uuid4(), rule_set_version=version, reason=reason, requested_by=by, status=status,
                    started_at=now if status == "running" else None, updated_at=now)
    s.add(job)
    s.flush()
    return job


def claim(factory: sessionmaker[Session]) -> uuid.UUID | None:
    """The oldest pending recompute, or a running one whose worker went quiet; None when there is none."""
    with transaction(factory) as s:
        now = datetime.now(UTC)
        job = s.execute(sa.select(Recompute).where(sa.or_(
            Recompute.status == "pending",
            sa.and_(Recompute.status == "running", Recompute.updated_at < now - STALE)))
            .order_by(Recompute.requested_at).limit(1).with_for_update(skip_locked=True)).scalar()
        if job is None:
            return None
        job.status, job.updated_at = "running", now
        job.started_at = job.started_at or now
        return job.id


def run(factory: sessionmaker[Session], settings: RiskSettings, job_id: uuid.UUID,
        stop: threading.Event | None = None) -> dict[str, int]:
    """Evaluate every open enrolment in id order, chunk by chunk, each chunk one transaction that also records how
    far it got: a run stopped or crashed resumes after the last enrolment it finished.

    It evaluates under the rules in force when it starts (a job queued before a later change runs the newer
    rules, and says so), never under rules since replaced."""
    with transaction(factory) as s:
        job = s.get(Recompute, job_id)
        assert job is not None
        rules = rules_in_force(s)
        job.rule_set_version = rules.version
        cause = {"rules_changed": f"rules changed (rule set v{rules.version})",
                 "daily": "daily re-evaluation"}.get(job.reason, "recompute")
        cursor = job.resume_after
        totals = {"evaluated": job.evaluated, "flags_raised": job.flags_raised, "levels_changed": job.levels_changed}
    started = time.perf_counter()
    now = datetime.now(UTC)
    # the batch makes many short-lived objects: collect cycles every few chunks, not on every allocation count
    collecting = gc.isenabled()
    gc.disable()
    try:
        _chunks(factory, settings, job_id, stop, rules, cause, cursor, totals, now)
    finally:
        if collecting:
            gc.enable()
    if stop is not None and stop.is_set():
        return totals
    with transaction(factory) as s:
        s.execute(sa.update(Recompute).where(Recompute.id == job_id).values(
            status="done", finished_at=datetime.now(UTC), updated_at=datetime.now(UTC)))
    log.info("recompute_done", recompute_id=str(job_id), seconds=round(time.perf_counter() - started, 1), **totals)
    return totals


def _chunks(factory: sessionmaker[Session], settings: RiskSettings, job_id: uuid.UUID, stop: threading.Event | None,
            rules: RuleSet, cause: str, cursor: uuid.UUID | None, totals: dict[str, int], now: datetime) -> None:
    for n in itertools.count(1):
        if stop is not None and stop.is_set():
            with transaction(factory) as s:  # handed back: the next worker to start resumes it at once
                s.execute(sa.update(Recompute).where(Recompute.id == job_id).values(status="pending"))
            log.info("recompute_paused", recompute_id=str(job_id), evaluated=totals["evaluated"])
            return
        if n % 20 == 0:
            gc.collect()
        if n & (n - 1) == 0 and n > 1:
            with transaction(factory) as s:
                s.execute(_ANALYZE_WRITTEN)
        with transaction(factory) as s:
            query = sa.select(EnrolmentView.enrolment_id).where(EnrolmentView.status.in_(OPEN_STATUSES))
            if cursor is not None:
                query = query.where(EnrolmentView.enrolment_id > cursor)
            chunk = list(s.execute(query.order_by(EnrolmentView.enrolment_id)
                                   .limit(settings.risk_recompute_chunk)).scalars())
            if not chunk:
                return
            # a line for each chunk, not for each of its flags and level moves (the first evaluation of 100,000 raises
            # some 180,000 flags: their lines were an eighth of its time); each still leaves as its event
            outcome = evaluate_enrolments(s, chunk, settings=settings, cause=cause, now=now, rules=rules,
                                          log_each=False)
            cursor = chunk[-1]
            totals["evaluated"] += len(chunk)
            totals["flags_raised"] += len(outcome.flags)
            totals["levels_changed"] += len(outcome.level_changes)
            s.execute(sa.update(Recompute).where(Recompute.id == job_id).values(
                resume_after=cursor, updated_at=datetime.now(UTC), **totals))
        log.info("recompute_chunk", recompute_id=str(job_id), evaluated=len(chunk), flags_raised=len(outcome.flags),
                 levels_changed=len(outcome.level_changes), resume_after=str(cursor))


def fail(factory: sessionmaker[Session], job_id: uuid.UUID, error: BaseException) -> None:
    """A run that raised is marked failed with its error (not taken over again and again); ask for a new one."""
    with transaction(factory) as s:
        s.execute(sa.update(Recompute).where(Recompute.id == job_id).values(
            status="failed", error=f"{type(error).__name__}: {error}"[:2000], updated_at=datetime.now(UTC)))


def main() -> None:
    settings = RiskSettings.from_env(SERVICE)
    configure_logging(SERVICE, fmt=settings.log_format, level=settings.log_level)
    engine = make_engine(settings.database_url, pool_size=1)
    factory = make_session_factory(engine, publisher=SERVICE)
    with transaction(factory) as s:
        job_id = request_recompute(s, reason="requested", by="command", status="running").id
    totals = run(factory, settings, job_id)
    print(f"recompute {job_id}: {totals['evaluated']} enrolments evaluated, {totals['flags_raised']} flags raised, "
          f"{totals['levels_changed']} levels changed")
    engine.dispose()


if __name__ == "__main__":
    main()
