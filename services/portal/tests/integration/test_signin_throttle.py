"""Failed sign-ins throttled by address and by name, in the portal's own database (shared by every web process): a
name refused from the address that failed on it but not from another, an address refused for every name, a growing
delay (never a lock) on a name failed from many addresses, the proxy's header believed only when the proxy is trusted,
429 problem+json with Retry-After in each of the six languages, and every lockout in the audit log."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from portal import accounts
from portal.models import SignInAttempt, User, sign_in_failure
from portal_testkit import PASSWORD, add_user, csrf_of, make_app, new_client
from qadam.audit import verify_chain
from qadam.db import audit_log
from qadam_testing import Stack

LANGUAGES = ("uz-Latn", "uz-Cyrl", "ru", "kaa-Latn", "kaa-Cyrl", "en")


@pytest.fixture(scope="module")
def app(own_stack: Stack) -> Any:
    return make_app(own_stack)


def address() -> str:
    """An address of its own for each client of a test: tests do not count each other's failures."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


def browser(app: Any, at: str | None = None, **environ: str) -> Any:
    client = new_client(app)
    client.environ_base.update({"REMOTE_ADDR": at or address(), **environ})
    return client


def post_sign_in(client: Any, user_id: str, password: str = PASSWORD, **headers: str) -> Any:
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf_token": csrf_of(page.text), "username": user_id, "password": password},
                       headers=headers)


def fail(client: Any, user_id: str, times: int) -> list[int]:
    return [post_sign_in(client, user_id, f"guess-{n}").status_code for n in range(times)]


def test_five_failures_refuse_the_name_from_that_address_only_and_the_owner_still_signs_in_elsewhere(app):
    user_id = add_user(app)
    attacker = browser(app)
    assert fail(attacker, user_id, 4) == [401] * 4
    refused = post_sign_in(attacker, user_id, "guess-5")
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    retry = int(refused.headers["Retry-After"])
    assert 1 <= retry <= 15 * 60
    body = refused.get_json()
    assert body["status"] == 429 and body["retry_after"] == retry and body["title"] == "Too many failed sign-ins"
    assert "Try again after" in body["detail"]
    assert post_sign_in(attacker, user_id).status_code == 429  # the right password, from there, is refused too
    assert post_sign_in(browser(app), user_id).status_code == 302  # from the owner's own address it signs in


def test_insisting_while_refused_does_not_lengthen_the_refusal(app):
    user_id = add_user(app)
    attacker = browser(app)
    fail(attacker, user_id, 5)
    with app.extensions["qadam_sessions"]() as db:
        counted = db.execute(sa.select(sa.func.count()).select_from(sign_in_failure)
                             .where(sign_in_failure.c.subject == accounts.subject_of(app.extensions["qadam_settings"],
                                                                                     user_id))).scalar_one()
    assert fail(attacker, user_id, 5) == [429] * 5
    with app.extensions["qadam_sessions"]() as db:
        again = db.execute(sa.select(sa.func.count()).select_from(sign_in_failure)
                           .where(sign_in_failure.c.subject == accounts.subject_of(app.extensions["qadam_settings"],
                                                                                   user_id))).scalar_one()
    assert counted == again == 5


def test_a_refused_unknown_name_gets_the_same_answer_as_a_refused_real_one(app):
    user_id, nobody = add_user(app), f"nobody-{uuid.uuid4().hex[:6]}"
    real, unknown = browser(app), browser(app)
    assert fail(real, user_id, 5) == fail(unknown, nobody, 5) == [401] * 4 + [429]
    a, b = post_sign_in(real, user_id).get_json(), post_sign_in(unknown, nobody).get_json()
    assert set(a) == set(b) and (a["status"], a["title"]) == (b["status"], b["title"])
    assert a["detail"][:-10] == b["detail"][:-10]  # but for the time to try again after


def test_parallel_guesses_are_all_counted(app):
    user_id = add_user(app)
    at = address()

    def guess(n: int) -> int:
        return post_sign_in(browser(app, at), user_id, f"parallel-{n}").status_code  # type: ignore[no-any-return]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, range(8)))
    assert sorted(answers) == [401] * 4 + [429] * 4


def test_an_address_failing_on_many_names_is_refused_for_every_name_and_other_addresses_are_not(own_stack):
    small = make_app(own_stack, portal_address_failures=6)
    user_id = add_user(small)
    sprayer = browser(small)
    for _ in range(6):
        post_sign_in(sprayer, f"name-{uuid.uuid4().hex[:6]}", "Password1!")
    refused = post_sign_in(sprayer, user_id)  # a name it never tried, with its right password
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert post_sign_in(browser(small), user_id).status_code == 302
    with small.extensions["qadam_engine"].connect() as conn:
        kinds = [r["record"]["lockout"] for r in conn.execute(sa.select(audit_log).where(
            audit_log.c.address == sprayer.environ_base["REMOTE_ADDR"], audit_log.c.status == 429)).mappings()]
    assert kinds == ["address"]  # the lockout of the address is audited, once


def test_the_forwarded_address_is_believed_only_behind_a_trusted_proxy(own_stack, app):
    user_id = add_user(app)
    proxy = address()
    # no trusted proxy: X-Forwarded-For is the client's own word, and changing it escapes nothing
    statuses = [post_sign_in(browser(app, proxy), user_id, f"guess-{n}", **{"X-Forwarded-For": address()}).status_code
                for n in range(6)]
    assert statuses == [401] * 4 + [429] * 2

    trusted = make_app(own_stack, portal_trusted_proxies=1)
    other = add_user(trusted)
    attacker, owner = address(), address()
    statuses = [post_sign_in(browser(trusted, proxy), other, f"guess-{n}", **{"X-Forwarded-For": attacker}).status_code
                for n in range(6)]
    assert statuses == [401] * 4 + [429] * 2
    assert post_sign_in(browser(trusted, proxy), other, **{"X-Forwarded-For": owner}).status_code == 302
    with trusted.extensions["qadam_sessions"]() as db:
        seen = set(db.execute(sa.select(SignInAttempt.address).where(SignInAttempt.user_id == other)).scalars())
    assert seen == {attacker, owner}


def enrol_second_factor(app: Any, user_id: str) -> str:
    secret = pyotp.random_base32()
    with app.extensions["qadam_sessions"].begin() as db:
        user = db.get(User, user_id)
        user.totp_secret = accounts.sealing.seal(app.extensions["qadam_settings"], secret)
        user.totp_enabled_at = accounts.now()
    return secret


def test_a_name_failed_from_many_addresses_is_delayed_not_locked_and_its_owner_signs_in_with_the_code(own_stack):
    delayed = make_app(own_stack, portal_account_delay_after=3, portal_account_delay_most_seconds=4)
    user_id = add_user(delayed, role="manager", district=None)
    secret = enrol_second_factor(delayed, user_id)
    # three addresses, one failure each: no address is refused, but the third failure slows the name down
    assert [fail(browser(delayed), user_id, 1)[0] for _ in range(3)] == [401, 401, 429]
    slowed = post_sign_in(browser(delayed), user_id, "guess-from-a-fourth")
    assert slowed.status_code == 429 and 1 <= int(slowed.headers["Retry-After"]) <= 4
    for _ in range(6):  # however many addresses insist, the delay never grows past its most
        answer = post_sign_in(browser(delayed), user_id, "guess-again")
        assert answer.status_code in (401, 429) and int(answer.headers.get("Retry-After", "0")) <= 4
    with delayed.extensions["qadam_sessions"].begin() as db:  # the few seconds of the delay have passed
        db.execute(sa.update(sign_in_failure).values(at=sign_in_failure.c.at - timedelta(seconds=5)))
    owner = browser(delayed)
    answer = post_sign_in(owner, user_id)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/sign-in/code")
    page = owner.get("/sign-in/code")
    done = owner.post("/sign-in/code", data={"csrf_token": csrf_of(page.text), "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and owner.get("/account").status_code == 200


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_refusal_is_said_in_the_users_language_as_a_page_and_as_problem_json(app, language):
    user_id = add_user(app)
    client = browser(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    fail(client, user_id, 5)
    problem = post_sign_in(client, user_id)
    page = post_sign_in(client, user_id, Accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert problem.status_code == page.status_code == 429
    assert page.mimetype == "text/html" and page.headers["Retry-After"].isdigit()
    detail = problem.get_json()["detail"]
    assert detail.split()[0] in page.text  # the page says what the problem says
    if language == "en":
        assert problem.get_json()["title"] == "Too many failed sign-ins"
    else:
        assert problem.get_json()["title"] != "Too many failed sign-ins" and "Try again" not in detail


def test_every_lockout_is_in_the_audit_log_and_the_chain_holds(app):
    user_id = add_user(app)
    at = address()
    fail(browser(app, at), user_id, 5)
    fail(browser(app, at), user_id, 3)  # refused: not a new lockout
    with app.extensions["qadam_engine"].connect() as conn:
        rows = conn.execute(sa.select(audit_log).where(audit_log.c.user_id == user_id)).mappings().all()
        checked, breaks = verify_chain(conn)
    assert len(rows) == 1
    row = rows[0]
    assert (row["route"], row["status"], row["address"], row["role"]) == ("/sign-in", 429, at, "anonymous")
    record = row["record"] if isinstance(row["record"], dict) else json.loads(row["record"])
    assert record["lockout"] == "pair" and "until" in record
    assert checked >= 1 and breaks == []
    with app.extensions["qadam_sessions"]() as db:
        outcomes = db.execute(sa.select(SignInAttempt.outcome).where(SignInAttempt.user_id == user_id)
                              .order_by(SignInAttempt.id)).scalars().all()
    assert outcomes == ["wrong_password"] * 4 + ["wrong_password_locked"]


def test_guessing_the_code_refuses_that_address_even_with_the_password_known(app):
    user_id = add_user(app, role="manager", district=None)
    secret = enrol_second_factor(app, user_id)
    at = address()
    client = browser(app, at)
    post_sign_in(client, user_id)
    for _ in range(4):
        page = client.get("/sign-in/code")
        assert client.post("/sign-in/code", data={"csrf_token": csrf_of(page.text), "code": "000000"}).status_code == 401
    post_sign_in(client, user_id)  # the right password again does not start the count afresh
    page = client.get("/sign-in/code")
    refused = client.post("/sign-in/code", data={"csrf_token": csrf_of(page.text), "code": "000000"})
    assert refused.status_code == 429
    assert client.get("/account").status_code == 302  # the half sign-in has ended
    assert post_sign_in(browser(app, at), user_id).status_code == 429
    owner = browser(app)
    assert post_sign_in(owner, user_id).headers["Location"].startswith("/sign-in/code")
    page = owner.get("/sign-in/code")
    assert owner.post("/sign-in/code", data={"csrf_token": csrf_of(page.text),
                                             "code": pyotp.TOTP(secret).now()}).status_code == 302


def test_passwords_codes_and_password_changes_on_one_user_at_once_all_get_an_answer(app):
    """The throttle's locks and the user's row are taken in one order by every path (no deadlock, no 500)."""
    user_id = add_user(app, role="manager", district=None)
    enrol_second_factor(app, user_id)
    halfway = []
    for _ in range(3):
        client = browser(app)
        assert post_sign_in(client, user_id).headers["Location"].startswith("/sign-in/code")
        halfway.append(client)

    def wrong_password(n: int) -> int:
        return post_sign_in(browser(app), user_id, f"parallel-{n}").status_code  # type: ignore[no-any-return]

    def wrong_code(client: Any) -> int:
        page = client.get("/sign-in/code")
        return client.post("/sign-in/code", data={"csrf_token": csrf_of(page.text), "code": "000000"}).status_code  # type: ignore[no-any-return]

    with ThreadPoolExecutor(6) as pool:
        answers = [f.result() for f in [pool.submit(wrong_password, n) for n in range(6)]
                   + [pool.submit(wrong_code, c) for c in halfway]]
    assert set(answers) <= {401, 429}
