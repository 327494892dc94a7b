"""What request bodies the services read: JSON only. A body in another format is refused with 415 saying so,
instead of being read as no body at all (which answers "missing field" for fields the client did send)."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import UnsupportedMediaType


def takes_json_body(app: Flask, endpoint: str, method: str) -> bool:
    """Whether the view behind `endpoint` and `method` reads a JSON body (flask-smorest `@blp.arguments`)."""
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, method.lower(), None) if view_class is not None else view
    parameters = getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(p.get("in") == "json" for p in parameters)


def refuse_bodies_not_json(app: Flask) -> None:
    """A request to a JSON endpoint that carries a body of another type (text/plain, a form, XML, none named) is
    a 415 problem. A request without a body goes on, so authentication and validation answer it as before."""

    @app.before_request
    def _json_bodies_only() -> None:
        if request.method not in ("POST", "PUT", "PATCH") or request.endpoint is None or request.is_json:
            return
        has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "")
        if has_body and takes_json_body(app, request.endpoint, request.method):
            sent = request.headers.get("Content-Type") or "no Content-Type"
            raise UnsupportedMediaType(f"This endpoint reads a JSON body: send it with `Content-Type: application/json` "
                                       f"(this request sent {sent}).")
