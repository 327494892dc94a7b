"""Anonymising the men whose cases ended longer ago than the retention period (the daily job, ../retention.py, says
what is kept and what is cleared)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from qadam import audit
from qadam import documents as kit
from qadam.outbox import add_event
from sqlalchemy.orm import Session

from .. import events
from ..models import Document, Enrolment, EnrolmentTransition, OrderExtension, Participant, ProtectionOrder
from ..queries import due_for_anonymising

ANONYMISED_ORDER_PREFIX = "anon-"


REDACTED = "[anonymised]"


RETENTION_ROUTE = "retention:anonymise"


def anonymise_participants(s: Session, *, cutoff: date, limit: int) -> tuple[list[uuid.UUID], int]:
    """Anonymise up to `limit` participants whose cases ended before `cutoff` (retention.py says what is kept and
    what is cleared), in the caller's transaction: their ids and their enrolments' count."""
    ids = list(s.execute(due_for_anonymising(cutoff).order_by(Participant.id).limit(limit)
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
    documents = purge_documents(s, enrolment_ids=enrolment_ids, codes=list(codes.values()), now=now)
    for participant_id in ids:  # sessions and risk clear what they hold about his enrolments
        add_event(s, events.participant_anonymised(codes[participant_id], theirs[participant_id], now))
    audit.append(s.connection(), {
        "at": now, "user_id": "system", "role": "system", "action": "write", "method": "RETAIN", "route": RETENTION_ROUTE,
        "record": {"cutoff": cutoff.isoformat(), "participants": len(ids), "enrolments": len(enrolment_ids),
                   "participant_ids": sorted(str(i) for i in ids), "documents_purged": documents},
        "status": 200, "address": None, "reason": "retention period over", "correlation_id": None,
    })
    return ids, len(enrolment_ids)


def purge_documents(s: Session, *, enrolment_ids: list[uuid.UUID], codes: list[str], now: datetime) -> int:
    """Purge the papers about these enrolments, and the attendance registers that name these men (by code and
    initials): their PDFs and facts go; their number, kind, dates, hashes and check code stay, with the facts' digest
    the check code is over, so a printed copy still checks ("genuine, purged under the retention rules"). The one
    change the document table's trigger allows. Returns how many were purged."""
    naming = sa.or_(Document.enrolment_id.in_(enrolment_ids),
                    *(Document.facts["men"].contains([{"code": code}]) for code in codes))
    kept = s.execute(sa.select(Document.number, Document.facts).where(naming, Document.purged_at.is_(None))
                     .order_by(Document.number).with_for_update()).all()
    for number, facts in kept:
        s.execute(sa.update(Document).where(Document.number == number).values(
            pdf=None, facts=sa.null(), facts_sha256=kit.content_digest(facts), purged_at=now,
        ).execution_options(synchronize_session=False))
    return len(kept)
