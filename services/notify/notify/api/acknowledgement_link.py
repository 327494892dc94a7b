"""The signed link in a message: opening it shows what it acknowledges and why; the button acknowledges it, without
reading it in Qadam first. (A link preview or a mail scanner that opens the link acknowledges nothing.)"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, jsonify, request
from flask.views import MethodView
from markupsafe import escape
from qadam.auth import public
from qadam.sealing import derived_keys
from qadam.web import PAGE_HEADERS, read_session, settings_of_app, unit_of_work
from qadam_words.reasons import render_all

from ..commands import acknowledge_by_link
from ..domain import links
from ..domain.templates import level_word, page_words
from ..models import Notification
from ..queries import language_of_recipient, notification_by_link
from .blueprint import blp


@blp.route("/ack/<string:token>")
class AckLink(MethodView):
    """The signed link in a message: opening it shows what it acknowledges and why; the button acknowledges it,
    without reading it in Qadam first. (A link preview or a mail scanner that opens the link acknowledges nothing.)"""

    @blp.doc(security=[], summary="The page a signed link in a message opens: what it acknowledges, and a button.")
    @public
    def get(self, token: str) -> Response:
        with read_session() as s:
            notification = notification_by_link(s, token=token, keys=link_keys(), now=datetime.now(UTC))
            language = language_of_recipient(s, notification=notification)
        return ack_page(notification, done=notification.acknowledged_at is not None, language=language)

    @blp.doc(security=[], summary="Acknowledge through the signed link: the link is the credential.")
    @public
    def post(self, token: str) -> Response:
        with unit_of_work() as s:
            notification = acknowledge_by_link(s, token=token, keys=link_keys(), now=datetime.now(UTC))
            language = language_of_recipient(s, notification=notification)
        return ack_page(notification, done=True, language=language)


def link_keys() -> list[bytes]:
    """The keys a link may be signed with: the newest signs, any verifies (a rotation breaks no link sent)."""
    return derived_keys(settings_of_app(), links.PURPOSE)


def ack_page(n: Notification, *, done: bool, language: str) -> Response:
    """A small page a phone's browser shows, in the recipient's language: before, the code, the level and the reasons,
    then the button; after, only the confirmation and a link into Qadam (a link forwarded or left open no longer
    shows whom or what it was about). The portal's security headers: no frames, no scripts from elsewhere."""
    if request.accept_mimetypes.best == "application/json":
        shown: dict[str, object] = {"notification_id": str(n.id), "acknowledged_at": n.acknowledged_at.isoformat()
                                    if n.acknowledged_at else None}
        if not done:
            shown |= {"participant_code": n.participant_code, "level": n.level, "reasons": list(n.reasons),
                      "said": render_all(n.reason_codes or n.reasons, language)}
        return jsonify(shown)
    words = page_words(language)
    if done:
        title, body = words["page_done"], (f"<p>{escape(words['page_done'])}</p>"
                                           f"<p><a href=\"{escape(n.link)}\">{escape(words['page_open'])}</a></p>")
    else:
        level = level_word(n.level, language)
        title = words["page_heading"] % {"LEVEL": level.upper(), "participant_code": n.participant_code}
        reasons = "".join(f"<li>{escape(r)}</li>" for r in render_all(n.reason_codes or n.reasons, language))
        body = (f"<h1>{escape(title)}</h1>" + (f"<p>{escape(words['page_why'])}</p><ul>{reasons}</ul>" if reasons else "")
                + f"<form method=\"post\" action=\"\"><button type=\"submit\">{escape(words['page_button'])}</button>"
                "</form>")
    page = (f"<!doctype html><html lang=\"{escape(language)}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width, initial-scale=1\"><title>Qadam: {escape(title)}</title></head><body>"
            f"{body}</body></html>")
    return Response(page, mimetype="text/html", headers={**PAGE_HEADERS, "Cache-Control": "no-store",
                                                         "Referrer-Policy": "no-referrer"})
