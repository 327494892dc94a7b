"""Signing in and out: password, then the second factor where it is on (and its first setup where the role
requires it), failed sign-ins throttled by name and address (429; accounts.py says the rule), a forced
change of a temporary password, signing out everywhere, the user's language and second factor."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import segno
import sqlalchemy as sa
from flask import Blueprint, Response, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime
from qadam import audit
from qadam.auth import allow, public
from qadam.errors import problem_response
from qadam.log import current_correlation_id
from qadam.web import route_of_request
from qadam_contracts.roles import STAFF_ROLES
from sqlalchemy.orm import Session

from .. import accounts
from ..i18n import LANGUAGE_COOKIE, LOCALES
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import SignInAttempt, User
from ..websession import FULL, PASSWORD_ONLY, client_address, end_current, sessions, settings_now, start_session

bp = Blueprint("auth", __name__)
EVERYONE = STAFF_ROLES
SIGNED_OUT_WHY = {"idle", "expired", "password_changed", "deactivated", "signed_out", "signed_out_everywhere"}


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (never `//elsewhere` or a full address): no open redirect after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Any:
    why = request.args.get("why") if request.args.get("why") in SIGNED_OUT_WHY else None
    next_page = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.get("user") is not None and g.login.stage == FULL:
            return redirect(next_page or url_for("home.index"))
        return render_template("auth/sign_in.html", why=why, next=next_page, error=None, username="")
    username = (request.form.get("username") or "").strip().lower()
    password = request.form.get("password") or ""
    settings = settings_now()
    with sessions().begin() as db:
        result = accounts.check_password(db, settings, username, password, client_address())
        record_lockout(db, result)
        if result.outcome == "ok":
            assert result.user is not None
            end_current(db, "signed_in_again")
            stage = PASSWORD_ONLY if accounts.needs_second_factor(settings, result.user) else FULL
            start_session(db, result.user, stage)
            enrolled = result.user.totp_enabled_at is not None
    if result.outcome == "refused":
        return refused(result, username=username, next_page=next_page)
    if result.outcome != "ok":
        return render_template("auth/sign_in.html", why=None, next=next_page, error="wrong", username=username), 401
    if stage == FULL:
        return redirect(next_page or url_for("home.index"))
    target = "auth.second_factor" if enrolled else "auth.second_factor_setup"
    return redirect(url_for(target, next=next_page))


def _half_signed_in() -> User | None:
    login, user = g.get("login"), g.get("user")
    if login is None or user is None or login.stage != PASSWORD_ONLY:
        return None
    return user  # type: ignore[no-any-return]


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def second_factor() -> Any:
    user = _half_signed_in()
    next_page = safe_next(request.values.get("next"))
    if user is None or user.totp_enabled_at is None:
        return redirect(url_for("auth.sign_in"))
    if request.method == "GET":
        return render_template("auth/code.html", error=None, next=next_page)
    settings = settings_now()
    with sessions().begin() as db:
        result = accounts.check_code(db, settings, user.id, request.form.get("code") or "", client_address())
        record_lockout(db, result)
        if result.outcome == "ok":
            assert result.user is not None
            end_current(db, "second_factor_done")
            start_session(db, result.user, FULL)
        elif result.outcome == "refused":
            end_current(db, "locked")
    if result.outcome == "ok":
        return redirect(next_page or url_for("home.index"))
    if result.outcome == "refused":
        return refused(result, username=user.id, next_page=None)
    return render_template("auth/code.html", error="wrong_code", next=next_page), 401


def _qr_data_uri(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, dark="#000", light="#fff", xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@bp.route("/sign-in/second-factor", methods=["GET", "POST"])
@public
def second_factor_setup() -> Any:
    """First sign-in of a role that requires a second factor: scan the code into an authenticator app, confirm
    with the code it shows. The secret waits in the form (signed by nobody: it is checked against the code)."""
    user = _half_signed_in()
    next_page = safe_next(request.values.get("next"))
    if user is None or user.totp_enabled_at is not None:
        return redirect(url_for("auth.sign_in"))
    return _setup_page(user, next_page)


def _setup_page(user: User, next_page: str | None) -> Any:
    settings = settings_now()
    secret = request.form.get("secret") if request.method == "POST" else None
    if not secret or len(secret) != 32 or not secret.isalnum():
        secret = accounts.new_totp_secret()
    error = None
    if request.method == "POST":
        with sessions().begin() as db:
            fresh = db.get(User, user.id, with_for_update=True)
            assert fresh is not None
            if accounts.enable_second_factor(db, settings, fresh, secret, request.form.get("code") or ""):
                db.add(SignInAttempt(user_id=fresh.id, outcome="second_factor_enabled", address=client_address()))
                if g.login.stage == PASSWORD_ONLY:
                    end_current(db, "second_factor_done")
                    start_session(db, fresh, FULL)
                done = True
            else:
                done = False
        if done:
            flash(_("Second factor is on. You will be asked for a code at each sign-in."), "success")
            return redirect(next_page or url_for("home.index"))
        error = "wrong_code"
    uri = accounts.totp_uri(secret, user)
    return render_template("auth/second_factor_setup.html", secret=secret, qr=_qr_data_uri(uri), error=error,
                           next=next_page), (401 if error else 200)


@bp.post("/sign-out")
@public
def sign_out() -> Any:
    with sessions().begin() as db:
        end_current(db, "signed_out")
    return redirect(url_for("auth.sign_in", why="signed_out"))


@bp.post("/sign-out/everywhere")
@allow(*EVERYONE)
def sign_out_everywhere() -> Any:
    with sessions().begin() as db:
        accounts.end_sessions(db, g.user.id, "signed_out_everywhere")
    g.clear_session_cookie = True
    return redirect(url_for("auth.sign_in", why="signed_out_everywhere"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*EVERYONE)
def change_password() -> Any:
    """One's own password changed: the current one, then the new one twice. A wrong current one is a failed
    sign-in; enough of them lock the account and end this sign-in."""
    if request.method == "GET":
        return render_template("auth/password.html", errors={})
    current, new = request.form.get("current") or "", request.form.get("new") or ""
    errors = new_password_errors(new=new, repeat=request.form.get("repeat") or "")
    outcome = change_own_password(current=current, new=new, errors=errors)
    if isinstance(outcome, accounts.SignIn):
        return refused(outcome, username=g.user.id, next_page=None)
    if errors:
        return render_template("auth/password.html", errors=errors), 422
    flash(_("Your password is changed, and you are signed out on every other device."), "success")
    return redirect(url_for("home.index"))


def new_password_errors(*, new: str, repeat: str) -> dict[str, str]:
    """What is wrong with the new password as typed twice, by form field."""
    errors: dict[str, str] = {}
    if new != repeat:
        errors["repeat"] = _("The two new passwords differ.")
    problems = accounts.password_problems(new, g.user.id)
    if problems:
        errors["new"] = " ".join(PASSWORD_PROBLEMS[p]() for p in problems)
    return errors


PasswordChange = Literal["changed", "refused"] | accounts.SignIn


def change_own_password(*, current: str, new: str, errors: dict[str, str]) -> PasswordChange:
    """The signed-in user's password changed to `new` when `current` is theirs and `errors` (the new one's) is
    empty; what is wrong is added to `errors`. The sign-in refusal (a SignIn) when guessing at this screen has
    refused the name from this address (now or before): this sign-in is ended then."""
    settings = settings_now()
    with sessions().begin() as db:
        attempt = accounts.Attempt(db, settings, g.user.id, client_address())  # before the row lock, as a sign-in
        user = db.get(User, g.user.id, with_for_update=True)
        assert user is not None
        refusal = attempt.refused(user.id)
        if refusal is None and not accounts.verify_password(user.password_hash, current):
            errors["current"] = _("This is not your current password.")
            failed = attempt.failed(user.id, "wrong_current_password")
            if failed.outcome != "refused":
                return "refused"
            refusal = failed
            record_lockout(db, refusal)
        if refusal is not None:
            end_current(db, "locked")  # guessing at a signed-in screen ends this sign-in
            return refusal
        if accounts.verify_password(user.password_hash, new):
            errors["new"] = _("Choose a password different from the one you have.")
            return "refused"
        if errors:
            return "refused"
        accounts.change_password(db, settings, user, new, keep_session=g.login.id)
        db.add(SignInAttempt(user_id=user.id, outcome="password_changed", address=client_address()))
    return "changed"


# -- refused sign-ins ------------------------------------------------------------------------------------------
def refused(result: accounts.SignIn, *, username: str, next_page: str | None) -> Response:
    """429 with Retry-After: the sign-in page again for a browser, problem+json for anything else; the same words
    whichever limit refused, and whether or not the name exists."""
    assert result.refusal is not None
    moment = datetime.now(UTC)
    retry = result.refusal.retry_after(moment)
    until = format_datetime(result.refusal.until, "HH:mm:ss")
    if "text/html" in request.headers.get("Accept", ""):
        page = render_template("auth/sign_in.html", why=None, next=next_page, error="refused", username=username,
                               until=until)
        response = make_response(page, 429)
    else:
        response = problem_response(
            429, _("Too many failed sign-ins"),
            _("Too many failed sign-ins from here or on this name. Try again after %(time)s.", time=until),
            retry_after=retry)
    response.headers["Retry-After"] = str(retry)
    return response


def record_lockout(db: Session, result: accounts.SignIn) -> None:
    """A refusal that this attempt started goes into the audit log (the hash-chained one every page is in), in the
    sign-in's own transaction: the failure that set it off is counted only if it is recorded."""
    if not result.started or result.refusal is None:
        return
    audit.append(db.connection(), {
        "at": datetime.now(UTC), "user_id": result.subject[:100], "role": "anonymous", "action": "write",
        "method": request.method, "route": route_of_request(),
        "record": {"lockout": result.refusal.kind, "until": result.refusal.until.isoformat()},
        "status": 429, "address": client_address() or None, "reason": None,
        "correlation_id": current_correlation_id() or None})


PASSWORD_PROBLEMS = {
    "password_too_short": lambda: _("Use at least %(n)s characters.", n=accounts.PASSWORD_MIN),
    "password_contains_name": lambda: _("Do not put your user name in it."),
    "password_too_simple": lambda: _("Use more different characters."),
    "password_predictable": lambda: _("It is too easy to guess: avoid rows of the keyboard, runs such as 1234, and "
                                      "repeats."),
    "password_common": lambda: _("It is one of the passwords people use most, which are tried first; choose "
                                 "another."),
}


@bp.get("/account/alive")
@allow(*EVERYONE)
def alive() -> Any:
    """Someone is typing (static/keepalive.js): the request itself keeps the sign-in from going idle."""
    return "", 204


@bp.route("/account", methods=["GET"])
@allow(*EVERYONE)
def account() -> Any:
    with sessions()() as db:
        attempts = db.execute(sa.select(SignInAttempt).where(SignInAttempt.user_id == g.user.id)
                              .order_by(SignInAttempt.at.desc()).limit(10)).scalars().all()
    return render_template("auth/account.html", attempts=attempts, outcome_names=OUTCOME_NAMES)


OUTCOME_NAMES = {
    "password_ok": _l("Password accepted"), "code_ok": _l("Signed in with a code"),
    "wrong_password": _l("Wrong password"), "wrong_code": _l("Wrong code"),
    "wrong_password_locked": _l("Wrong password: sign-ins paused"),
    "wrong_code_locked": _l("Wrong code: sign-ins paused"),
    "locked": _l("Refused: account locked"),  # kept by sign-ins before throttling by address
    "inactive": _l("Refused: account switched off"),
    "password_changed": _l("Password changed"), "second_factor_enabled": _l("Second factor turned on"),
    "wrong_current_password": _l("Wrong password when changing it"),
    "wrong_current_password_locked": _l("Wrong password when changing it: sign-ins paused"),
}


@bp.route("/account/second-factor", methods=["GET", "POST"])
@allow(*EVERYONE)
def account_second_factor() -> Any:
    """Anyone may turn the second factor on for themselves."""
    if g.user.totp_enabled_at is not None:
        return redirect(url_for("auth.account"))
    return _setup_page(g.user, url_for("auth.account"))


@bp.post("/language")
@public
def language() -> Any:
    """Choose the language: kept on the user (it also sets the language of their alerts), or in a cookie before
    sign-in."""
    chosen = request.form.get("language")
    back = safe_next(request.form.get("next")) or url_for("home.index")
    if chosen not in LOCALES:
        return redirect(back)
    if g.get("user") is not None:
        with sessions().begin() as db:
            user = db.get(User, g.user.id, with_for_update=True)
            assert user is not None
            accounts.update_user(db, user, {"language": chosen})
    response = make_response(redirect(back))
    response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, samesite="Lax", httponly=True,
                        secure=settings_now().portal_secure_cookies)
    return response
