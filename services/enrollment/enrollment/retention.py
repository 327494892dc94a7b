"""Retention: anonymise the participants whose cases ended longer ago than QADAM_RETENTION_DAYS.

    python -m enrollment.retention [--today YYYY-MM-DD] [--dry-run]

Run it daily from cron or a Kubernetes CronJob (deploy/k8s/enrollment.yaml). A participant is due when he has at
least one enrolment, every enrolment of his has ended (exited or excluded on `finished_on`, completed or closed
when its follow-up ended, `follow_up_until`, if that is later) before the cut-off (today minus the period), and
every protection order of his expired before the cut-off and none is still active.

Anonymising keeps the pseudonymous code, sex, region and district, the birth year (1 January of it), and every
enrolment column the reports read (statuses, reasons, dates, cohort, programme, progress, attendance records);
it clears the name (every script: `full_name` and its search key), PINFL, phone and mahalla, the protection
orders' numbers (replaced by `anon-<id>`) and conditions (they may name the victim or her address), the order
extensions' decision and reason, and the free-text notes of the enrolments' history. The person can no longer
be found by name or PINFL; the completion report gives the same figures before and after. An event,
`enrollment.participant.anonymised` (his code and enrolment ids), goes through the outbox in the same transaction:
sessions deletes the confidential notes about his enrolments and clears his excuse reasons, risk clears the sealed
details of the incidents about him.

Batches of QADAM_RETENTION_BATCH_SIZE participants, each in its own transaction with a row in the audit log
(user `system`, route `retention:anonymise`, the participants' ids) and a log line; rows are locked with
SKIP LOCKED and marked `anonymised_at`, so two runs at once, or a run again, change nothing twice.
"""

from __future__ import annotations

import argparse
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from qadam import audit
from qadam.db import make_engine, make_session_factory, transaction
from qadam.log import configure_logging, get_logger
from qadam.outbox import add_event
from sqlalchemy.orm import Session, sessionmaker

from . import SERVICE
from .domain.lifecycle import FINISHED
from .domain.orders import OrderStatus
from .events import participant_anonymised
from .models import Enrolment, EnrolmentTransition, OrderExtension, Participant, ProtectionOrder
from .settings import EnrollmentSettings

log = get_logger(__name__)

ANONYMISED_ORDER_PREFIX = "anon-"
REDACTED = "[anonymised]"
ROUTE = "retention:anonymise"


@dataclass
class Result:
    participants: int = 0
    enrolments: int = 0
    batches: int = 0


def cutoff_for(today: date, days: int) -> date:
    """Cases that ended before this day are past the retention period."""
    return today - timedelta(days=days)


def due(cutoff: date) -> sa.Select[Any]:
    """Participants not yet anonymised whose enrolments all ended, and orders all expired, before `cutoff`."""
    e, o = Enrolment.__table__.alias("e"), ProtectionOrder.__table__.alias("o")
    ended_on = sa.func.greatest(e.c.finished_on, e.c.follow_up_until)  # NULLs ignored; both NULL: NULL
    mine = e.c.participant_id == Participant.id
    still_open = sa.or_(e.c.status.not_in([s.value for s in FINISHED]), ended_on.is_(None), ended_on >= cutoff)
    order_open = sa.or_(o.c.status == OrderStatus.ACTIVE, o.c.expires_on >= cutoff)
    return (sa.select(Participant.id)
            .where(Participant.anonymised_at.is_(None),
                   sa.exists().where(mine),
                   ~sa.exists().where(mine, still_open),
                   ~sa.exists().where(o.c.participant_id == Participant.id, order_open)))


def anonymise_batch(s: Session, cutoff: date, limit: int) -> tuple[list[uuid.UUID], int]:
    """Anonymise up to `limit` due participants in the caller's transaction: their ids and their enrolments' count."""
    ids = list(s.execute(due(cutoff).order_by(Participant.id).limit(limit)
                         .with_for_update(of=Participant, skip_locked=True)).scalars())
    if not ids:
        return [], 0
    now = datetime.now(UTC)
    s.execute(sa.update(Participant).where(Participant.id.in_(ids)).values(
        full_name="", name_key="", pinfl=None, phone=None, mahalla=None, anonymised_at=now,
        birth_date=sa.func.make_date(sa.cast(sa.extract("year", Participant.birth_date), sa.Integer), 1, 1),
    ).execution_options(synchronize_session=False))
    orders = sa.select(ProtectionOrder.id).where(ProtectionOrder.participant_id.in_(ids)).scalar_subquery()
    s.execute(sa.update(ProtectionOrder).where(ProtectionOrder.participant_id.in_(ids)).values(
        number=ANONYMISED_ORDER_PREFIX + sa.cast(ProtectionOrder.id, sa.String), conditions=[],
    ).execution_options(synchronize_session=False))
    s.execute(sa.update(OrderExtension).where(OrderExtension.order_id.in_(orders)).values(
        decided_by=REDACTED, reason=REDACTED).execution_options(synchronize_session=False))
    theirs: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
    for participant_id, enrolment_id in s.execute(sa.select(Enrolment.participant_id, Enrolment.id)
                                                  .where(Enrolment.participant_id.in_(ids)).order_by(Enrolment.id)):
        theirs[participant_id].append(enrolment_id)
    enrolment_ids = [e for mine in theirs.values() for e in mine]
    s.execute(sa.update(EnrolmentTransition).where(EnrolmentTransition.enrolment_id.in_(enrolment_ids),
                                                   EnrolmentTransition.note.is_not(None))
              .values(note=None).execution_options(synchronize_session=False))
    codes: dict[uuid.UUID, str] = {row.id: row.code for row in s.execute(
        sa.select(Participant.id, Participant.code).where(Participant.id.in_(ids)))}
    for participant_id in ids:  # sessions and risk clear what they hold about his enrolments
        add_event(s, participant_anonymised(codes[participant_id], theirs[participant_id], now))
    audit.append(s.connection(), {
        "at": now, "user_id": "system", "role": "system", "action": "write", "method": "RETAIN", "route": ROUTE,
        "record": {"cutoff": cutoff.isoformat(), "participants": len(ids), "enrolments": len(enrolment_ids),
                   "participant_ids": sorted(str(i) for i in ids)},
        "status": 200, "address": None, "reason": "retention period over", "correlation_id": None,
    })
    return ids, len(enrolment_ids)


def anonymise_expired(factory: sessionmaker[Session], *, cutoff: date, batch_size: int) -> Result:
    """Every due participant, a batch a transaction, until none is left."""
    result = Result()
    while True:
        with transaction(factory) as s:
            ids, enrolments = anonymise_batch(s, cutoff, batch_size)
        if not ids:
            break
        result.participants += len(ids)
        result.enrolments += enrolments
        result.batches += 1
        log.info("retention_batch_anonymised", participants=len(ids), enrolments=enrolments,
                 cutoff=cutoff.isoformat())
        if len(ids) < batch_size:
            break
    return result


def count_due(factory: sessionmaker[Session], cutoff: date) -> int:
    with transaction(factory) as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(due(cutoff).subquery())).scalar_one())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m enrollment.retention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--today", type=date.fromisoformat, help="the day to count the period back from (default: "
                        "today in QADAM_TIME_ZONE)")
    parser.add_argument("--dry-run", action="store_true", help="count the participants due, change nothing")
    args = parser.parse_args(argv)
    settings = EnrollmentSettings.from_env(SERVICE)
    configure_logging(SERVICE, fmt=settings.log_format, level=settings.log_level)
    today = args.today or datetime.now(settings.zone).date()
    cutoff = cutoff_for(today, settings.retention_days)
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        factory = make_session_factory(engine, publisher=SERVICE)
        if args.dry_run:
            log.info("retention_due", participants=count_due(factory, cutoff), cutoff=cutoff.isoformat())
            return 0
        result = anonymise_expired(factory, cutoff=cutoff, batch_size=settings.retention_batch_size)
        log.info("retention_done", participants=result.participants, enrolments=result.enrolments,
                 batches=result.batches, cutoff=cutoff.isoformat(), retention_days=settings.retention_days)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
