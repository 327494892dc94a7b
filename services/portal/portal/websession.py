"""Who is at the keyboard: the sign-in cookie, idle and absolute timeouts, the token the pages call the services
with, CSRF protection, security headers, and deny-by-default access to every page.

Every page a signed-in user opens and every form they send is written to the portal's audit log (qadam.audit,
the same hash-chained log as the services'), with the user, the page's URL rule and the ids in its path.

Every view declares who may open it (`qadam.auth.allow(...)`, or `public`); a view that says neither is refused
to everyone. A page for signed-in users sends a browser without a sign-in to the sign-in page and back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
import structlog
from flask import Flask, Response, abort, current_app, g, redirect, request, url_for
from qadam import sealing
from qadam.auth import PUBLIC, access_rule, issue_token, mark_public_endpoint
from qadam.log import get_logger
from qadam.web import PAGE_HEADERS, settings_of_app
from qadam_contracts.roles import ACCESS_POLICY
from sqlalchemy.orm import Session, sessionmaker

from .accounts import now
from .models import LoginSession, User
from .settings import PortalSettings

log = get_logger(__name__)
FULL, PASSWORD_ONLY = "full", "password"
CSRF_FIELD = "csrf_token"
_TOUCH_EVERY = timedelta(seconds=30)  # last_seen is written at most this often per sign-in
# Pages a signed-in user who must still change their password, or a half-signed-in one, may open.
SIGN_IN_FLOW = frozenset({"auth.sign_in", "auth.second_factor", "auth.second_factor_setup", "auth.sign_out",
                          "auth.change_password", "static", "ops.healthz", "ops.readyz", "ops.metrics", "ops.jwks",
                          "auth.language"})
# Requests of a signed-in user that show or change nothing and so are not in the audit log: the typing keepalive.
UNRECORDED = frozenset({"auth.alive"})


def settings_now() -> PortalSettings:
    """The portal's settings, in a request."""
    return settings_of_app(PortalSettings)


def _without_user(endpoint: str) -> bool:
    """Requests nothing of which reads the user (the style sheet and scripts, health, metrics, keys): their sign-in
    cookie is not looked up (no query, no touch of its last_seen)."""
    return endpoint == "static" or endpoint.startswith("ops.")


def cookie_names(settings: PortalSettings) -> tuple[str, str]:
    """(sign-in cookie, CSRF cookie); `__Host-` pins them to this host and path `/`, over HTTPS only."""
    prefix = "__Host-" if settings.portal_secure_cookies else ""
    return f"{prefix}qadam_session", f"{prefix}qadam_csrf"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_address() -> str:
    return (request.remote_addr or "")[:64]


def start_session(db: Session, user: User, stage: str) -> str:
    """A new sign-in row (a new secret at every stage: a secret seen before the password cannot be promoted)."""
    secret = secrets.token_urlsafe(32)
    db.add(LoginSession(id=uuid.uuid4(), secret_hash=_digest(secret), user_id=user.id, stage=stage,
                        address=client_address(), user_agent=(request.user_agent.string or "")[:300]))
    g.new_session_secret = secret
    g.pop("clear_session_cookie", None)  # the old cookie is replaced by the new one, not deleted
    return secret


def end_current(db: Session, why: str) -> None:
    current = g.get("login")
    if current is not None:
        db.execute(sa.update(LoginSession).where(LoginSession.id == current.id, LoginSession.ended_at.is_(None))
                   .values(ended_at=now(), ended_why=why))
    g.clear_session_cookie = True


def sessions() -> sessionmaker[Session]:
    return current_app.extensions["qadam_sessions"]  # type: ignore[no-any-return]


# -- tokens for the services -----------------------------------------------------------------------------------
class TokenCache:
    """The signed-in user's short-lived token, signed once and reused until it nears its end. The signing key is
    read at the first token, not when the app is made (a migration job's app may have no key to read)."""

    def __init__(self) -> None:
        self._tokens: dict[uuid.UUID, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._private_key: bytes | None = None

    def _key(self, settings: PortalSettings) -> bytes:
        if self._private_key is None:
            self._private_key = settings.key_path("private").read_bytes()
        return self._private_key

    def token(self, settings: PortalSettings, login_id: uuid.UUID, user: User) -> str:
        with self._lock:
            held = self._tokens.get(login_id)
        if held is not None and held[1] - time.time() > 60:
            return held[0]
        ttl = settings.token_ttl_seconds
        token = issue_token(self._key(settings), user_id=user.id, role=user.role, issuer=settings.jwt_issuer,
                            audience=settings.jwt_audience, region=user.region, district=user.district,
                            mahalla=user.mahalla, ttl_seconds=ttl)
        with self._lock:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[login_id] = (token, time.time() + ttl)
        return token

    def forget(self, login_id: uuid.UUID) -> None:
        with self._lock:
            self._tokens.pop(login_id, None)


def current_token() -> str:
    login = g.get("login")
    if login is None or g.get("user") is None or login.stage != FULL:
        abort(401)
    cache: TokenCache = current_app.extensions["portal_tokens"]
    return cache.token(settings_now(), login.id, g.user)


# -- CSRF ------------------------------------------------------------------------------------------------------
def _csrf_key(settings: PortalSettings) -> bytes:
    return sealing.derived_keys(settings, "portal-csrf")[0]


def csrf_token() -> str:
    """The hidden field every form carries: an HMAC of this browser's CSRF cookie (set on first visit)."""
    seed = g.get("csrf_seed")
    if seed is None:
        seed = request.cookies.get(cookie_names(settings_now())[1]) or ""
        if len(seed) < 20:
            seed = secrets.token_urlsafe(24)
            g.set_csrf_cookie = seed
        g.csrf_seed = seed
    return hmac.new(current_app.extensions["portal_csrf_key"], seed.encode(), hashlib.sha256).hexdigest()


def _csrf_valid() -> bool:
    seed = request.cookies.get(cookie_names(settings_now())[1]) or ""
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    if not seed or not sent:
        return False
    expected = hmac.new(current_app.extensions["portal_csrf_key"], seed.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sent)


def _same_origin() -> bool:
    """A form posted from another site is refused even before the token is checked."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host


# -- the request's user ----------------------------------------------------------------------------------------
def _load_login(settings: PortalSettings) -> None:
    g.login = g.user = None
    secret = request.cookies.get(cookie_names(settings)[0])
    if not secret:
        return
    with sessions()() as db:
        row = db.execute(sa.select(LoginSession, User).join(User, User.id == LoginSession.user_id)
                         .where(LoginSession.secret_hash == _digest(secret))).first()
        if row is None:
            g.clear_session_cookie = True
            return
        login, user = row
        moment = now()
        why = None
        if login.ended_at is not None:
            why = login.ended_why or "signed_out"
        elif not user.active:
            why = "deactivated"
        elif moment - login.last_seen_at > timedelta(minutes=settings.portal_idle_minutes):
            why = "idle"
        elif moment - login.created_at > timedelta(hours=settings.portal_session_hours):
            why = "expired"
        if why is not None:
            if login.ended_at is None:
                db.execute(sa.update(LoginSession).where(LoginSession.id == login.id)
                           .values(ended_at=moment, ended_why=why))
                db.commit()
            current_app.extensions["portal_tokens"].forget(login.id)
            g.clear_session_cookie = True
            g.signed_out_why = why
            return
        if moment - login.last_seen_at > _TOUCH_EVERY:
            db.execute(sa.update(LoginSession).where(LoginSession.id == login.id).values(last_seen_at=moment))
            db.commit()
        db.expunge_all()
    g.login, g.user = login, user
    structlog.contextvars.bind_contextvars(user_id=user.id, role=user.role)


def _authorise() -> Any:
    endpoint = request.endpoint or ""
    if endpoint not in current_app.view_functions:
        return None  # 404 / 405: routing answers
    if _without_user(endpoint):
        g.login = g.user = None
    else:
        _load_login(settings_now())
    rule = access_rule(current_app, endpoint, request.method)
    login, user = g.login, g.user
    if login is not None and login.stage == FULL and rule != PUBLIC and endpoint not in UNRECORDED:
        # qadam.audit records the request once it is answered, whatever the answer (a CSRF refusal included)
        g.principal = ACCESS_POLICY.principal(user.id, user.role, user.region, user.district, user.mahalla)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not (_same_origin() and _csrf_valid()):
        log.warning("csrf_refused", endpoint=endpoint)
        abort(400, description="csrf")
    if rule == PUBLIC:
        return None
    if login is None or login.stage != FULL:
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.sign_in", next=target, why=g.get("signed_out_why")))
    if user.must_change_password and endpoint not in SIGN_IN_FLOW:
        return redirect(url_for("auth.change_password"))
    if rule is None:
        log.warning("page_without_access_rule", endpoint=endpoint)
        abort(403)
    assert isinstance(rule, frozenset)
    if user.role not in rule:
        abort(403)
    return None


CSP = PAGE_HEADERS["Content-Security-Policy"]  # the same for every page Qadam serves


def _finish(response: Response) -> Response:
    settings = settings_now()
    session_cookie, csrf_cookie = cookie_names(settings)
    secure = settings.portal_secure_cookies
    if g.get("new_session_secret"):
        response.set_cookie(session_cookie, g.new_session_secret, httponly=True, secure=secure, samesite="Lax",
                            path="/")
    elif g.get("clear_session_cookie"):
        response.delete_cookie(session_cookie, path="/", secure=secure, httponly=True, samesite="Lax")
    if g.get("set_csrf_cookie"):
        # Lax, not Strict: a link from an alert in Telegram or e-mail must not replace the token of forms already
        # open in other tabs (the hidden field, not the cookie's SameSite, is what stops a forged post)
        response.set_cookie(csrf_cookie, g.set_csrf_cookie, httponly=True, secure=secure, samesite="Lax", path="/")
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.update({k: v for k, v in PAGE_HEADERS.items() if k != "Content-Security-Policy"})
    headers["Referrer-Policy"] = "same-origin"
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")  # pages carry personal data: never kept by a shared device's cache
    return response


def init_websession(app: Flask, settings: PortalSettings) -> None:
    app.extensions["portal_tokens"] = TokenCache()
    app.extensions["portal_csrf_key"] = _csrf_key(settings)
    mark_public_endpoint(app, "static")  # the style sheet, also on the sign-in page
    app.before_request(_authorise)
    app.after_request(_finish)
    app.jinja_env.globals.update(csrf_token=csrf_token, CSRF_FIELD=CSRF_FIELD)
