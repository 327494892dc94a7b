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
extensions' decision and reason, and the free-text notes of the enrolments' history; the papers issued about him,
and the attendance registers that name him, are purged (their PDFs and facts go; their number, kind, dates, hashes
and check code stay, so a printed copy still checks as genuine, purged under the retention rules). The person can no
longer be found by name or PINFL; the completion report gives the same figures before and after. An event,
`enrollment.participant.anonymised` (his code and enrolment ids), goes through the outbox in the same transaction:
sessions deletes the confidential notes about his enrolments and clears his excuse reasons, risk clears the sealed
details of the incidents about him.

Batches of QADAM_RETENTION_BATCH_SIZE participants, each in its own transaction with a row in the audit log
(user `system`, route `retention:anonymise`, the participants' ids) and a log line; rows are locked with
SKIP LOCKED and marked `anonymised_at`, so two runs at once, or a run again, change nothing twice.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from qadam.db import make_engine, make_session_factory, transaction
from qadam.log import configure_logging, get_logger
from sqlalchemy.orm import Session, sessionmaker

from . import SERVICE, commands, queries
from .settings import EnrollmentSettings

log = get_logger(__name__)


@dataclass
class Result:
    participants: int = 0
    enrolments: int = 0
    batches: int = 0


def cutoff_for(today: date, days: int) -> date:
    """Cases that ended before this day are past the retention period."""
    return today - timedelta(days=days)


def anonymise_expired(factory: sessionmaker[Session], *, cutoff: date, batch_size: int) -> Result:
    """Every due participant, a batch a transaction, until none is left."""
    result = Result()
    while True:
        with transaction(factory) as s:
            ids, enrolments = commands.anonymise_participants(s, cutoff=cutoff, limit=batch_size)
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
    """How many participants are due (a dry run)."""
    with transaction(factory) as s:
        return queries.count_due_for_anonymising(s, cutoff)


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
