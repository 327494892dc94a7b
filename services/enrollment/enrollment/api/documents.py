"""The papers about one man: issue one, list his, download one; and check a copy, printed (its number and check code)
or as a file (its bytes). Issuing and downloading are written to the audit log with the document's number."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from qadam.audit import note
from qadam.auth import allow, current_principal, public
from qadam.sealing import derived_keys
from qadam.web import read_session, settings_of_app, unit_of_work
from qadam_contracts.roles import Role
from qadam_contracts.vocabulary import LANGUAGES

from .. import queries
from ..commands import documents as commands
from ..commands import registers
from ..domain.documents import DOCUMENT_ROLES, KINDS
from ..models import Document

blp = Blueprint("documents", __name__, description="The papers about one man: issued as PDF, kept, and checkable")

PDF = "application/pdf"
NUMBER = r"^QD-\d{4}-\d{6,12}$"
KEY_PURPOSE = "enrollment-document-check-codes"
KIND_HELP = ("`progress_report` (to the body that issued his order), `non_compliance_notice` (when his exit is "
             "proposed, or he left for non-compliance), `completion_certificate` (once he completed), `exit_notice` "
             "(once he left, or was not admitted). His inspector and the supervisor issue the letters to the issuing "
             "body, his psychologist the certificate.")


class DocumentIn(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS), metadata={"description": KIND_HELP})
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    replaces = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(NUMBER), metadata={
        "description": "The number of the document of the same kind about him that this one corrects."})


class RegisterIn(ma.Schema):
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class DocumentOut(ma.Schema):
    number = fields.String(required=True, metadata={"description": "QD-<year>-<6 digits>"})
    kind = fields.String(required=True)
    enrolment_id = fields.UUID(allow_none=True, metadata={"description": "Whom a paper about one man is about."})
    session_id = fields.UUID(allow_none=True, metadata={"description": "The session an attendance register is of."})
    language = fields.String(required=True)
    replaces = fields.String(allow_none=True)
    replaced_by = fields.String(allow_none=True, metadata={"description": "The document that corrects this one."})
    check_code = fields.String(required=True, metadata={"description": "Printed on the paper: `XXXX-XXXX`."})
    sha256 = fields.String(required=True, metadata={"description": "Of the PDF's bytes."})
    generated_by = fields.String(required=True)
    generated_by_role = fields.String(required=True)
    generated_at = fields.DateTime(required=True)
    purged_at = fields.DateTime(allow_none=True, metadata={
        "description": "When its file and facts were purged under the retention rules (its number and check code "
                       "still check); none while it is whole."})


class DocumentList(ma.Schema):
    items = fields.List(fields.Nested(DocumentOut), required=True)
    issuable = fields.List(fields.String(), required=True, metadata={
        "description": "The kinds the caller may issue for him now."})


class DocumentCheckArgs(ma.Schema):
    check = fields.String(required=True, validate=validate.Length(min=1, max=20), metadata={
        "description": "The check code printed on the paper (case, dashes and spaces do not matter)."})


class DocumentCheckOut(ma.Schema):
    number = fields.String(required=True)
    genuine = fields.Boolean(required=True, metadata={
        "description": "Whether the copy is one Qadam issued. When it is not, nothing else is said."})
    kind = fields.String(allow_none=True)
    issued_at = fields.DateTime(allow_none=True)
    replaced_by = fields.String(allow_none=True, metadata={
        "description": "A genuine document corrected since: the number of the one that replaces it."})
    purged_at = fields.DateTime(allow_none=True, metadata={
        "description": "A genuine document whose file and facts were purged under the retention rules, and when."})


def _keys() -> list[bytes]:
    """The check codes' keys, newest first: derived from the sealing keys, so rotating those rotates these (a code
    made under an older key still checks)."""
    return derived_keys(settings_of_app(), KEY_PURPOSE)


def _shown(s: Any, documents: list[Document]) -> list[dict[str, Any]]:
    later = commands.replaced_by(s, [d.number for d in documents])
    return [{**{name: getattr(d, name) for name in DocumentOut().fields if name != "replaced_by"},
             "replaced_by": later.get(d.number)} for d in documents]


@blp.route("/enrolments/<uuid:enrolment_id>/documents")
class EnrolmentDocuments(MethodView):
    @allow(*DOCUMENT_ROLES)
    @blp.response(200, DocumentList)
    def get(self, enrolment_id: uuid.UUID) -> dict[str, Any]:
        """His documents the caller may read, newest first, and the kinds the caller may issue for him now."""
        principal = current_principal()
        with read_session() as s:
            enrolment = queries.visible_enrolment(s, principal=principal, enrolment_id=enrolment_id)
            return {"items": _shown(s, commands.documents_of(s, principal=principal, enrolment=enrolment)),
                    "issuable": commands.issuable_kinds(principal, enrolment)}

    @allow(*DOCUMENT_ROLES)
    @blp.arguments(DocumentIn)
    @blp.response(201, DocumentOut)
    def post(self, data: commands.DocumentAsked, enrolment_id: uuid.UUID) -> dict[str, Any]:
        """Issue a paper about him as PDF, in the language asked: kept as issued with its SHA-256 and check code.
        409 where his standing does not allow the kind (a certificate before he completed)."""
        principal = current_principal()
        with unit_of_work() as s:
            enrolment = queries.visible_enrolment(s, principal=principal, enrolment_id=enrolment_id, lock=True)
            document = commands.issue_document(s, principal=principal, enrolment=enrolment, asked=data, key=_keys()[0],
                                               now=datetime.now(settings_of_app().zone))
            note(document=document.number, kind=document.kind)  # the audit row names the paper issued
            return _shown(s, [document])[0]


@blp.route("/sessions/<uuid:session_id>/register")
class SessionRegister(MethodView):
    @allow(Role.PSYCHOLOGIST)
    @blp.arguments(RegisterIn)
    @blp.response(201, DocumentOut)
    def post(self, data: dict[str, str], session_id: uuid.UUID) -> dict[str, Any]:
        """Print the session's attendance register as PDF, in the language asked, for a psychologist who facilitates
        its group: blank (each man by code and initials, columns to tick and sign) until its attendance is recorded,
        then with each man's mark as recorded. Kept as issued with its SHA-256 and check code; 409 if cancelled."""
        principal = current_principal()
        with unit_of_work() as s:
            document = registers.issue_register(s, principal=principal, session_id=session_id,
                                                language=data["language"], key=_keys()[0],
                                                now=datetime.now(settings_of_app().zone))
            note(document=document.number, kind=document.kind)
            return _shown(s, [document])[0]


@blp.route("/documents/<string:number>/pdf")
class DocumentFile(MethodView):
    @allow(*DOCUMENT_ROLES)
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=PDF)
    def get(self, number: str) -> Response:
        """The document's PDF, as issued (410 once purged under the retention rules)."""
        principal = current_principal()
        with read_session() as s:
            document = commands.document_file(s, principal=principal, number=number, visible=lambda eid: (
                queries.visible_enrolment(s, principal=principal, enrolment_id=eid)))
            note(document=document.number, kind=document.kind)
            return Response(document.pdf, mimetype=PDF, headers={
                "Content-Disposition": f'attachment; filename="{document.number}.pdf"', "Cache-Control": "no-store"})


@blp.route("/documents/<string:number>")
class DocumentCheck(MethodView):
    @public
    @blp.arguments(DocumentCheckArgs, location="query")
    @blp.response(200, DocumentCheckOut)
    def get(self, args: dict[str, Any], number: str) -> commands.Check:
        """Whether a printed copy is genuine, by its number and the check code printed on it; a genuine one's kind,
        issue time and the document that replaces it, if one does. Nothing about the man."""
        with read_session() as s:
            return commands.check_printed(s, number=number, code=args["check"], keys=_keys())


@blp.route("/documents/<string:number>/check")
class DocumentFileCheck(MethodView):
    @public
    @blp.doc(requestBody={"required": True, "description": "The PDF file to check, as it is.",
                          "content": {PDF: {"schema": {"type": "string", "format": "binary"}}}})
    @blp.response(200, DocumentCheckOut)
    def post(self, number: str) -> commands.Check:
        """Whether a file is the document's PDF, byte for byte (its SHA-256 is the one kept); a genuine one's kind,
        issue time and the document that replaces it, if one does."""
        with read_session() as s:
            return commands.check_file(s, number=number, content=request.get_data(cache=False))
