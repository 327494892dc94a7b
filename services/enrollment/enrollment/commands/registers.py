"""Attendance registers: a session's register printed blank for the psychologists who facilitate its group (each man
of the group by code and initials, columns to tick and to sign) or, once the session is recorded, with each man's
mark as recorded. Issued, kept and checked as the other papers are (commands/documents.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from qadam import documents as kit
from qadam.auth import Principal
from qadam.errors import Problem, conflict
from sqlalchemy.orm import Session

from ..documents.registers import register_html
from ..domain import documents as rules
from ..domain.lifecycle import IN_PROGRAMME
from ..models import AttendanceRecord, Document, Enrolment, Participant, SessionView, document_number
from ..scoping import facilitated_session
from .documents import NUMBER_FORMAT

CANCELLED = "cancelled"


def _men(s: Session, session: SessionView) -> list[dict[str, Any]]:
    """Each man on the register by code and initials (never his name), with his mark once the session is recorded:
    the men marked, or else the men of the group in the programme now (the one man of a session not a group's)."""
    marks = dict(s.execute(sa.select(AttendanceRecord.enrolment_id, AttendanceRecord.status)
                           .where(AttendanceRecord.session_id == session.session_id)).all())
    who = sa.select(Enrolment.id, Participant.code, Participant.full_name).join(
        Participant, Participant.id == Enrolment.participant_id)
    if marks:
        who = who.where(Enrolment.id.in_(list(marks)))
    elif session.enrolment_id is not None:
        who = who.where(Enrolment.id == session.enrolment_id)
    else:
        who = who.where(Enrolment.cohort_id == session.cohort_id, Enrolment.status.in_([s.value for s in IN_PROGRAMME]))
    return [{"code": code, "initials": rules.initials(name), "mark": marks.get(enrolment_id)}
            for enrolment_id, code, name in s.execute(who.order_by(Participant.code))]


def issue_register(s: Session, *, principal: Principal, session_id: uuid.UUID, language: str, key: bytes,
                   now: datetime, render: Callable[[str], bytes] = kit.render_pdf) -> Document:
    """Issue the session's register in the language asked: blank before its attendance is recorded, with the marks
    after. 403 for a role that does not print registers, 404 for a session she does not facilitate, 409 for a
    cancelled one."""
    if not rules.may_issue(principal.role, rules.REGISTER):
        raise Problem(403, f"A {principal.role} does not print an attendance register.")
    session, cohort = facilitated_session(s, principal=principal, session_id=session_id)
    if session.status == CANCELLED:
        raise conflict("The session was cancelled: it has no register.", session_status=session.status)
    men = _men(s, session)
    # recorded, the session was held when its marks say (its paper register's day, if it was entered from one)
    held = s.execute(sa.select(sa.func.max(AttendanceRecord.scheduled_at))
                     .where(AttendanceRecord.session_id == session.session_id)).scalar()
    number = NUMBER_FORMAT.format(year=now.year, n=s.execute(document_number.next_value()).scalar_one())
    facts = {
        "kind": rules.REGISTER.value, "language": language, "number": number, "issued_at": now.isoformat(),
        "register": rules.HELD if any(m["mark"] for m in men) else rules.BLANK,
        "generated_by": principal.user_id, "generated_by_role": principal.role,
        "programme": {"name": cohort.programme.name},
        "cohort": {"name": cohort.name, "region": cohort.region, "district": cohort.district,
                   "facilitators": len(cohort.facilitator_ids or []) or 1},
        "session": {"number": session.number, "kind": session.kind, "place": session.place,
                    "scheduled_at": (held or session.scheduled_at).astimezone(now.tzinfo).isoformat()},
        "men": men,
    }
    code = kit.check_code(key, number=number, issued_at=now, content=facts)
    pdf = render(register_html(facts, check_code=code))
    document = Document(number=number, kind=rules.REGISTER.value, session_id=session.session_id, language=language,
                        facts=facts, facts_sha256=kit.content_digest(facts), sha256=kit.sha256_of(pdf),
                        check_code=code, pdf=pdf, generated_by=principal.user_id, generated_by_role=principal.role,
                        generated_at=now.astimezone(UTC))
    s.add(document)
    s.flush()
    return document
