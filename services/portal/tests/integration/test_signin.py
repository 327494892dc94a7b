"""Signing in, on the portal's own database: argon2 passwords, lockout, the second factor (required for managers and
administrators), idle timeout, sign-out everywhere on a password change, CSRF, cookies and headers, and no page
without a declared access rule."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from portal import accounts
from portal.models import LoginSession, SignInAttempt, User, sign_in_failure
from portal_testkit import PASSWORD, add_user, csrf_of, make_app, new_client
from qadam.auth import access_rule
from qadam_testing import Stack


@pytest.fixture(scope="module")
def app(own_stack: Stack) -> Any:
    return make_app(own_stack)


def post_sign_in(client: Any, user_id: str, password: str = PASSWORD, next_page: str | None = None) -> Any:
    page = client.get("/sign-in")
    data = {"csrf_token": csrf_of(page.text), "username": user_id, "password": password}
    if next_page:
        data["next"] = next_page
    return client.post("/sign-in", data=data)


def user_row(app: Any, user_id: str) -> User:
    with app.extensions["qadam_sessions"]() as db:
        user = db.get(User, user_id)
        assert user is not None
        db.expunge(user)
        return user


def test_a_password_is_stored_as_an_argon2id_hash_and_signs_in(app):
    user_id = add_user(app)
    assert user_row(app, user_id).password_hash.startswith("$argon2id$")
    client = new_client(app)
    response = post_sign_in(client, user_id)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


def test_production_hashes_a_password_with_rfc_9106s_parameters_and_hashes_a_cheaper_one_again_at_sign_in(own_stack,
                                                                                                           app):
    """The tests' portal hashes passwords with argon2's cheapest parameters (QADAM_PORTAL_PASSWORD_HASH=cheapest, the
    test harness's); production's (the default) are RFC 9106's second recommended set, and a password stored with
    others is hashed with them at its next sign-in."""
    production = make_app(own_stack, portal_password_hash="rfc9106")
    user_id = add_user(app)
    assert user_row(app, user_id).password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert post_sign_in(new_client(production), user_id).status_code == 302
    assert user_row(app, user_id).password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert post_sign_in(new_client(app), user_id).status_code == 302  # checked with the parameters it names


def test_a_wrong_password_or_unknown_name_gets_the_same_answer(app):
    user_id = add_user(app)
    wrong = post_sign_in(new_client(app), user_id, "not-the-password")
    unknown = post_sign_in(new_client(app), "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "The user name or password is wrong." in wrong.text and "The user name or password is wrong." in unknown.text


def test_five_failures_are_answered_429_from_that_address(app):
    """(test_signin_throttle.py has the whole rule: by address, by name, the delay, the languages, the audit.)"""
    user_id = add_user(app)
    client = new_client(app)
    client.environ_base["REMOTE_ADDR"] = "192.0.2.5"
    for _ in range(4):
        assert "is wrong" in post_sign_in(client, user_id, "guess").text
    assert post_sign_in(client, user_id, "guess").status_code == 429
    assert post_sign_in(client, user_id).status_code == 429  # the right password, from there, changes nothing
    with app.extensions["qadam_sessions"]() as db:
        outcomes = db.execute(sa.select(SignInAttempt.outcome).where(SignInAttempt.user_id == user_id)
                              .order_by(SignInAttempt.id)).scalars().all()
    assert outcomes == ["wrong_password"] * 4 + ["wrong_password_locked"]
    with app.extensions["qadam_sessions"].begin() as db:  # the window's quarter of an hour has passed
        db.execute(sa.update(sign_in_failure).values(at=sign_in_failure.c.at - timedelta(minutes=16)))
    assert post_sign_in(client, user_id).status_code == 302


def test_a_manager_must_set_up_the_second_factor_before_any_page_and_each_code_works_once(app):
    user_id = add_user(app, role="manager", district=None)
    client = new_client(app)
    response = post_sign_in(client, user_id, next_page="/account")
    assert response.headers["Location"].startswith("/sign-in/second-factor")
    assert client.get("/account").status_code == 302  # half signed in: no page yet
    setup = client.get(response.headers["Location"])
    secret = re.search(r'id="totp-secret">([A-Z2-7]{32})<', setup.text).group(1)
    assert 'src="data:image/svg+xml;base64,' in setup.text  # the QR code, drawn here: no outside service
    wrong = client.post("/sign-in/second-factor", data={"csrf_token": csrf_of(setup.text), "secret": secret,
                                                        "code": "000000"})
    assert wrong.status_code == 401
    code = pyotp.TOTP(secret).now()
    done = client.post("/sign-in/second-factor?next=/account", data={
        "csrf_token": csrf_of(setup.text), "secret": secret, "code": code})
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    assert user_row(app, user_id).totp_secret != secret.encode()  # sealed at rest

    again = new_client(app)
    response = post_sign_in(again, user_id)
    assert response.headers["Location"].startswith("/sign-in/code")
    page = again.get(response.headers["Location"])
    reused = again.post("/sign-in/code", data={"csrf_token": csrf_of(page.text), "code": code})
    assert reused.status_code == 401 and "already used" in reused.text
    assert again.get("/account").status_code == 302


def test_an_inspector_signs_in_with_a_password_alone_unless_they_turned_the_second_factor_on(app):
    user_id = add_user(app)
    client = new_client(app)
    assert post_sign_in(client, user_id).headers["Location"] == "/"
    page = client.get("/account/second-factor")
    secret = re.search(r'id="totp-secret">([A-Z2-7]{32})<', page.text).group(1)
    client.post("/account/second-factor", data={"csrf_token": csrf_of(page.text), "secret": secret,
                                                "code": pyotp.TOTP(secret).now()})
    assert post_sign_in(new_client(app), user_id).headers["Location"].startswith("/sign-in/code")


def test_a_sign_in_left_idle_ends(own_stack):
    idle_app = make_app(own_stack, portal_idle_minutes=0)
    user_id = add_user(idle_app)
    client = new_client(idle_app)
    post_sign_in(client, user_id)
    response = client.get("/account")
    assert response.status_code == 302 and "why=idle" in response.headers["Location"]
    assert "You were signed out after a while without activity." in client.get(response.headers["Location"]).text
    with idle_app.extensions["qadam_sessions"]() as db:
        assert db.execute(sa.select(LoginSession.ended_why).where(LoginSession.user_id == user_id)).scalar_one() == "idle"


def test_changing_the_password_signs_out_every_other_device(app):
    user_id = add_user(app)
    laptop, tablet = new_client(app), new_client(app)
    post_sign_in(laptop, user_id)
    post_sign_in(tablet, user_id)
    page = laptop.get("/account/password")
    new = "yangi-parol-Nukus-77"
    response = laptop.post("/account/password", data={"csrf_token": csrf_of(page.text), "current": PASSWORD,
                                                      "new": new, "repeat": new})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200  # the device that changed it stays signed in
    assert tablet.get("/account").status_code == 302
    assert post_sign_in(new_client(app), user_id).status_code == 401  # the old password is gone
    assert post_sign_in(new_client(app), user_id, new).status_code == 302


def test_a_weak_new_password_is_refused_with_the_reasons_by_the_field(app):
    user_id = add_user(app)
    client = new_client(app)
    post_sign_in(client, user_id)
    page = client.get("/account/password")
    response = client.post("/account/password", data={"csrf_token": csrf_of(page.text), "current": PASSWORD,
                                                      "new": "short", "repeat": "short"})
    assert response.status_code == 422
    assert 'id="new-error"' in response.text and "Use at least 10 characters." in response.text
    assert 'aria-invalid="true"' in response.text


@pytest.mark.parametrize("weak", ["1234567890", "password12", "qwertyuiop"])
def test_a_common_or_guessable_new_password_is_refused_in_the_users_language(app, weak):
    user_id = add_user(app, language="ru")
    client = new_client(app)
    post_sign_in(client, user_id)
    page = client.get("/account/password")
    response = client.post("/account/password", data={"csrf_token": csrf_of(page.text), "current": PASSWORD,
                                                      "new": weak, "repeat": weak})
    assert response.status_code == 422 and 'id="new-error"' in response.text
    assert ("Это один из самых распространённых паролей" in response.text
            or "Его слишком легко угадать" in response.text), response.text
    assert post_sign_in(new_client(app), user_id, weak).status_code == 401  # the old password still holds


def test_sign_out_everywhere(app):
    user_id = add_user(app)
    one, two = new_client(app), new_client(app)
    post_sign_in(one, user_id)
    post_sign_in(two, user_id)
    page = one.get("/account")
    one.post("/sign-out/everywhere", data={"csrf_token": csrf_of(page.text)})
    assert one.get("/account").status_code == 302
    assert two.get("/account").status_code == 302


def test_a_temporary_password_must_be_changed_before_anything_else(app):
    user_id = add_user(app)
    with app.extensions["qadam_sessions"].begin() as db:
        db.execute(sa.update(User).where(User.id == user_id).values(must_change_password=True))
    client = new_client(app)
    post_sign_in(client, user_id)
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"


def test_a_form_without_its_token_or_from_another_site_is_refused(app):
    user_id = add_user(app)
    client = new_client(app)
    no_token = client.post("/sign-in", data={"username": user_id, "password": PASSWORD})
    assert no_token.status_code == 400 and "The form has expired" in no_token.text
    page = client.get("/sign-in")
    forged = client.post("/sign-in", data={"csrf_token": "0" * 64, "username": user_id, "password": PASSWORD})
    assert forged.status_code == 400
    elsewhere = client.post("/sign-in", data={"csrf_token": csrf_of(page.text), "username": user_id,
                                              "password": PASSWORD}, headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 400
    other_browser = new_client(app)  # a token is bound to its own browser's cookie
    other_browser.get("/sign-in")
    stolen = other_browser.post("/sign-in", data={"csrf_token": csrf_of(page.text), "username": user_id,
                                                  "password": PASSWORD})
    assert stolen.status_code == 400


def test_cookies_are_secure_and_pages_carry_security_headers(app):
    user_id = add_user(app)
    client = new_client(app)
    page = client.get("/sign-in")
    headers = page.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Cache-Control"] == "no-store"
    csrf_cookie = next(c for c in headers.getlist("Set-Cookie") if c.startswith("__Host-qadam_csrf="))
    assert all(flag in csrf_cookie for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"))
    response = client.post("/sign-in", data={"csrf_token": csrf_of(page.text), "username": user_id,
                                             "password": PASSWORD})
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-qadam_session="))
    assert all(flag in session_cookie for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"))


def test_after_sign_in_only_a_path_on_this_site_is_followed(app):
    user_id = add_user(app)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = post_sign_in(new_client(app), user_id, next_page=target)
        assert response.headers["Location"] == "/", target
    assert post_sign_in(new_client(app), user_id, next_page="/account").headers["Location"] == "/account"


def test_every_page_declares_who_may_open_it(app):
    undeclared = [endpoint for endpoint, _view in app.view_functions.items()
                  if access_rule(app, endpoint, "GET") is None]
    assert undeclared == []


def test_a_page_without_a_sign_in_sends_the_browser_to_sign_in_and_back(app):
    response = new_client(app).get("/account?tab=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/account")


def test_a_deactivated_user_is_signed_out(app):
    user_id = add_user(app)
    client = new_client(app)
    post_sign_in(client, user_id)
    with app.extensions["qadam_sessions"].begin() as db:
        user = db.get(User, user_id)
        accounts.update_user(db, user, {"active": False})
    assert client.get("/account").status_code == 302
    assert post_sign_in(new_client(app), user_id).status_code == 401


def test_every_change_of_a_user_is_published_with_a_higher_version(app):
    user_id = add_user(app, email="a@example.uz")
    with app.extensions["qadam_sessions"].begin() as db:
        user = db.get(User, user_id)
        assert accounts.update_user(db, user, {"email": "b@example.uz"})
        assert not accounts.update_user(db, user, {"email": "b@example.uz"})  # nothing changed: nothing published
    with app.extensions["qadam_sessions"]() as db:
        rows = db.execute(sa.text("SELECT envelope FROM outbox WHERE envelope->>'type' = 'portal.user.changed' "
                                  "AND envelope->'data'->>'user_id' = :u ORDER BY seq"), {"u": user_id}).scalars().all()
    assert [(r["data"]["version"], r["data"]["email"]) for r in rows] == [(1, "a@example.uz"), (2, "b@example.uz")]


def test_the_style_sheet_loads_before_sign_in_and_is_cached(app):
    response = new_client(app).get("/static/portal.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")


def test_the_first_administrator_is_made_from_the_command_line_and_must_change_the_password(app, own_stack,
                                                                                            monkeypatch, capsys):
    from portal import manage

    for name, value in own_stack.environment("portal").items():
        monkeypatch.setenv(name, value)
    assert manage.main(["create-user", "first-admin", "--name", "Birinchi Administrator", "--role",
                        "administrator", "--language", "en"]) == 0
    password = capsys.readouterr().out.split("temporary password ")[1].split()[0]
    assert manage.main(["create-user", "first-admin", "--name", "Again", "--role", "administrator"]) == 1
    client = new_client(app)
    response = post_sign_in(client, "first-admin", password)
    assert response.headers["Location"].startswith("/sign-in/second-factor")  # an administrator: a code too


def test_guessing_the_current_password_at_a_signed_in_screen_locks_and_signs_out(app):
    user_id = add_user(app)
    client = new_client(app)
    post_sign_in(client, user_id)
    for attempt in range(5):
        page = client.get("/account/password")
        response = client.post("/account/password", data={"csrf_token": csrf_of(page.text), "current": f"guess{attempt}",
                                                          "new": "yangi-parol-Nukus-77", "repeat": "yangi-parol-Nukus-77"})
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert client.get("/account").status_code == 302
    assert post_sign_in(new_client(app), user_id).status_code == 429  # from the same address


def test_the_new_password_must_differ_from_the_current_one(app):
    user_id = add_user(app)
    client = new_client(app)
    post_sign_in(client, user_id)
    page = client.get("/account/password")
    response = client.post("/account/password", data={"csrf_token": csrf_of(page.text), "current": PASSWORD,
                                                      "new": PASSWORD, "repeat": PASSWORD})
    assert response.status_code == 422 and "different from the one you have" in response.text


def test_typing_keeps_a_sign_in_alive(app):
    user_id = add_user(app)
    client = new_client(app)
    post_sign_in(client, user_id)
    assert re.search(r'src="/static/keepalive\.[0-9a-f]{10}\.js"', client.get("/account").text)
    with app.extensions["qadam_sessions"].begin() as db:
        db.execute(sa.update(LoginSession).where(LoginSession.user_id == user_id)
                   .values(last_seen_at=accounts.now() - timedelta(minutes=20)))
    assert client.get("/account/alive").status_code == 204
    with app.extensions["qadam_sessions"]() as db:
        seen = db.execute(sa.select(LoginSession.last_seen_at).where(LoginSession.user_id == user_id,
                                                                     LoginSession.ended_at.is_(None))).scalar_one()
    assert accounts.now() - seen < timedelta(minutes=1)


def test_what_was_typed_comes_back_when_a_service_is_away(own_stack):
    # no service listens at these addresses: the note cannot be saved
    lonely = make_app(own_stack, sessions_url="http://127.0.0.1:9", enrollment_url="http://127.0.0.1:9")
    user_id = add_user(lonely, role="psychologist")
    client = new_client(lonely)
    post_sign_in(client, user_id)
    token = csrf_of(client.get("/account").text)
    note = "Uzoq yozilgan eslatma: u bugun gʻazablanishni boshqarish haqida gapirdi."
    response = client.post(f"/sessions/{uuid.uuid4()}/notes", data={"csrf_token": token, "text": note,
                                                                    "idem": str(uuid.uuid4())})
    assert response.status_code == 503
    assert "What you typed was not saved" in response.text and note in response.text
    assert token not in response.text.split("<main", 1)[1].split("</main>")[0]
