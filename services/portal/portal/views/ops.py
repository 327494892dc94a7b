"""Operations: liveness, readiness, metrics, the keys the services verify the portal's tokens with (JWKS), and the
favicon."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, send_from_directory
from qadam.auth import jwks_document, public
from qadam.web import metrics_response, readiness

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def healthz() -> Any:
    return {"status": "ok"}


@bp.get("/readyz")
@public
def readyz() -> Any:
    body, status = readiness()
    return jsonify(body), status


@bp.get("/metrics")
@public
def metrics() -> Response:
    return metrics_response()


@bp.get("/.well-known/jwks.json")
@public
def jwks() -> Response:
    """The public keys of the tokens in circulation: the current one, and the previous one during a rotation
    (QADAM_JWT_PUBLIC_KEY_FILE may hold both, one PEM after the other)."""
    settings = current_app.extensions["qadam_settings"]
    text = settings.key_path("public").read_bytes()
    pems = [b"-----BEGIN PUBLIC KEY-----" + part for part in text.split(b"-----BEGIN PUBLIC KEY-----")[1:]]
    response = jsonify(jwks_document(*pems))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


WEEK = 7 * 24 * 3600


@bp.get("/favicon.ico")
@public
def favicon() -> Response:
    """What a browser asks for where a page names no icon (the pages name static/favicon.svg), and other clients."""
    response = send_from_directory(current_app.static_folder or "", "favicon.ico", max_age=WEEK)
    response.headers["Cache-Control"] = f"public, max-age={WEEK}"
    return response
