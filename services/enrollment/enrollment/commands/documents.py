"""The papers about one man: issuing one (its facts read from his record, written in the language asked, rendered,
hashed, coded and kept for good), listing his, and checking a copy: printed (its number and check code) or as a file
(its bytes)."""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypedDict

import sqlalchemy as sa
from qadam import documents as kit
from qadam.auth import Principal
from qadam.errors import Problem, conflict, not_found, unprocessable
from sqlalchemy.orm import Session

from ..documents.rendering import paper_html
from ..domain import documents as rules
from ..models import Document, Enrolment, ProtectionOrder, RiskFlag, document_number
from ..scoping import facilitated_session

NUMBER_FORMAT = "QD-{year}-{n:06d}"
NUMBER = re.compile(r"QD-\d{4}-\d{6,12}")


def _kept(s: Session, number: str) -> Document | None:
    """The document with this number; None for one not issued, or text that is no document number."""
    return s.get(Document, number) if NUMBER.fullmatch(number) else None


class DocumentAsked(TypedDict):
    kind: str
    language: str
    replaces: str | None


class Check(TypedDict):
    number: str
    genuine: bool
    kind: str | None
    issued_at: datetime | None
    replaced_by: str | None
    purged_at: datetime | None


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def facts_of(s: Session, enrolment: Enrolment, *, kind: str, language: str, number: str, issued_at: datetime,
             principal: Principal, replaces: str | None) -> dict[str, Any]:
    """What the paper states, as codes, figures and dates (JSON): never her words, never his psychologist's notes;
    the concerns as their levels and dates only."""
    order = s.get(ProtectionOrder, enrolment.protection_order_id) if enrolment.protection_order_id else None
    programme = enrolment.programme or enrolment.cohort.programme
    standing = rules.Standing(enrolment.status, enrolment.status_reason, enrolment.exit_proposed_at is not None)
    concerns = s.execute(sa.select(RiskFlag.level, RiskFlag.raised_at).where(
        RiskFlag.enrolment_id == enrolment.id, RiskFlag.resolved_at.is_(None), RiskFlag.level.is_not(None))
        .order_by(RiskFlag.raised_at)).all()
    return {
        "kind": kind, "language": language, "number": number, "issued_at": issued_at.isoformat(),
        "replaces": replaces, "generated_by": principal.user_id, "generated_by_role": principal.role,
        "participant": {"code": enrolment.participant.code, "full_name": enrolment.participant.full_name,
                        "birth_date": _day(enrolment.participant.birth_date)},
        "order": None if order is None else {
            "number": order.number, "issued_on": _day(order.issued_on), "expires_on": _day(order.expires_on),
            "region": order.region, "district": order.district, "plan_agreed_on": _day(order.plan_agreed_on)},
        "programme": {"name": programme.name, "sessions_required": programme.sessions_required,
                      "max_unexcused": programme.max_unexcused_absences,
                      "max_in_a_row": programme.max_consecutive_absences},
        "cohort": {"name": enrolment.cohort.name, "region": enrolment.cohort.region,
                   "district": enrolment.cohort.district},
        "enrolment": {"status": enrolment.status, "status_reason": enrolment.status_reason,
                      "started_on": _day(enrolment.started_on), "finished_on": _day(enrolment.finished_on),
                      "follow_up_until": _day(enrolment.follow_up_until),
                      "exit_proposed_on": _day(enrolment.exit_proposed_at)},
        "attendance": {"held": enrolment.sessions_recorded, "attended": enrolment.sessions_attended,
                       "excused": enrolment.excused_absences, "unexcused": enrolment.unexcused_absences,
                       "longest_run": enrolment.longest_absence_run},
        "participation": rules.participation(enrolment.sessions_attended, enrolment.unexcused_absences,
                                             programme.completion_attendance_percent),
        "compliance": rules.compliance(standing),
        "concerns": [{"level": level, "raised_on": _day(raised_at)} for level, raised_at in concerns],
    }


def issuable_kinds(principal: Principal, enrolment: Enrolment) -> list[str]:
    """The kinds the caller may issue for this enrolment now."""
    standing = rules.Standing(enrolment.status, enrolment.status_reason, enrolment.exit_proposed_at is not None)
    return [k for k in rules.KINDS if rules.may_issue(principal.role, k) and rules.not_issuable(k, standing) is None]


def issue_document(s: Session, *, principal: Principal, enrolment: Enrolment, asked: DocumentAsked,
                   key: bytes, now: datetime, render: Callable[[str], bytes] = kit.render_pdf) -> Document:
    """Issue a paper of the kind asked about the enrolment (locked by the caller) in the language asked: 403 for a
    kind the caller's role does not issue, 409 for one his standing does not allow (or a document replaced already),
    422 for a replaced document that is not his or not of this kind."""
    kind = asked["kind"]
    if not rules.may_issue(principal.role, kind):
        raise Problem(403, f"A {principal.role} does not issue a {kind}.")
    standing = rules.Standing(enrolment.status, enrolment.status_reason, enrolment.exit_proposed_at is not None)
    if (why := rules.not_issuable(kind, standing)) is not None:
        raise conflict(why, kind=kind, enrolment_status=enrolment.status)
    replaces = asked.get("replaces")
    if replaces is not None:
        replaced = _kept(s, replaces)
        if replaced is None or replaced.enrolment_id != enrolment.id or replaced.kind != kind:
            raise unprocessable("A correction replaces a document of the same kind about the same man.",
                                {"replaces": [f"{replaces} is not a {kind} about this man."]})
        later = s.execute(sa.select(Document.number).where(Document.replaces == replaces)).scalar()
        if later is not None:
            raise conflict(f"{replaces} was replaced already, by {later}; correct that one instead.",
                           replaced_by=later)
    n = s.execute(document_number.next_value()).scalar_one()
    number = NUMBER_FORMAT.format(year=now.year, n=n)
    facts = facts_of(s, enrolment, kind=kind, language=asked["language"], number=number, issued_at=now,
                     principal=principal, replaces=replaces)
    code = kit.check_code(key, number=number, issued_at=now, content=facts)
    pdf = render(paper_html(facts, check_code=code))
    document = Document(number=number, kind=kind, enrolment_id=enrolment.id, language=asked["language"],
                        replaces=replaces, facts=facts, facts_sha256=kit.content_digest(facts), sha256=kit.sha256_of(pdf),
                        check_code=code, pdf=pdf,
                        generated_by=principal.user_id, generated_by_role=principal.role, generated_at=now.astimezone(UTC))
    s.add(document)
    s.flush()
    return document


def documents_of(s: Session, *, principal: Principal, enrolment: Enrolment) -> list[Document]:
    """His documents the caller may read, newest first."""
    readable = [k for k in rules.KINDS if rules.may_read(principal.role, k)]
    return list(s.execute(sa.select(Document).where(Document.enrolment_id == enrolment.id,
                                                    Document.kind.in_(readable))
                          .order_by(Document.generated_at.desc(), Document.number.desc())).scalars())


def replaced_by(s: Session, numbers: list[str]) -> dict[str, str]:
    """{number: the number of the document that replaces it} for those of `numbers` replaced."""
    if not numbers:
        return {}
    return {str(old): str(new) for new, old in s.execute(
        sa.select(Document.number, Document.replaces).where(Document.replaces.in_(numbers)))}


def document_file(s: Session, *, principal: Principal, number: str,
                  visible: Callable[[uuid.UUID], Enrolment]) -> Document:
    """The document, for a caller who may see the man (`visible` raises 404 otherwise) or, for a register, who
    facilitates the session's group (404 otherwise), and read its kind (403); 410 once purged under retention."""
    document = _kept(s, number)
    if document is None:
        raise not_found("document", number)
    if document.enrolment_id is not None:
        visible(document.enrolment_id)
    elif document.session_id is not None:
        facilitated_session(s, principal=principal, session_id=document.session_id)
    if not rules.may_read(principal.role, document.kind):
        raise Problem(403, f"A {principal.role} does not read a {document.kind}.")
    if document.purged_at is not None:
        raise Problem(410, f"{number} was purged under the retention rules on {document.purged_at:%Y-%m-%d}: its "
                      "number and check code still check, its file is gone.", purged_at=document.purged_at.isoformat())
    return document


def _answer(s: Session, number: str, document: Document | None, genuine: bool) -> Check:
    if document is None or not genuine:  # nothing about a number whose copy is not genuine, not even that it exists
        return {"number": number, "genuine": False, "kind": None, "issued_at": None, "replaced_by": None,
                "purged_at": None}
    return {"number": number, "genuine": True, "kind": document.kind, "issued_at": document.generated_at,
            "replaced_by": replaced_by(s, [number]).get(number), "purged_at": document.purged_at}


def check_printed(s: Session, *, number: str, code: str, keys: list[bytes]) -> Check:
    """Whether a printed copy with this number and check code is genuine, and what it is (no personal data). The
    kept code must also be the one `keys` give the kept facts (or, once they are purged under retention, the facts'
    kept digest): a row changed behind the database's back (its triggers switched off) is not genuine either."""
    document = _kept(s, number)
    genuine = document is not None and kit.same_code(code, document.check_code) and _intact(document, keys)
    return _answer(s, number, document, genuine)


def _intact(document: Document, keys: list[bytes]) -> bool:
    if document.facts is not None:
        return kit.code_matches(keys, document.check_code, number=document.number, issued_at=document.generated_at,
                                content=document.facts)
    return document.purged_at is not None and document.facts_sha256 is not None and kit.code_matches(
        keys, document.check_code, number=document.number, issued_at=document.generated_at,
        digest=document.facts_sha256)


def check_file(s: Session, *, number: str, content: bytes) -> Check:
    """Whether a file is the document's PDF byte for byte (its SHA-256 is the one kept, and outlives a purge)."""
    document = _kept(s, number)
    genuine = document is not None and hmac.compare_digest(kit.sha256_of(content), document.sha256)
    return _answer(s, number, document, genuine)
