"""The administrator's pages, used as an administrator would: staff accounts (a new user with a temporary password,
edits that reach notify, switching an account off, a new password, unlocking, a new second factor), the areas and
the programmes. Other roles are refused; every page is translated in every language."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from portal.demo import DISTRICT, REGION
from portal_testkit import csrf_of, new_client
from qadam_contracts.vocabulary import LANGUAGES
from qadam_testing import wait_until

PASSWORD_SHOWN = re.compile(r'id="temporary-password">([^<]+)<')
ADMIN_PAGES = ("/admin/users", "/admin/users?q=a&role=psychologist&active=yes", "/admin/users/new",
               "/admin/users/psy-nukus-1", "/admin/users/admin-1", "/admin/areas", "/admin/programmes",
               "/admin/escalations")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def post(client: Any, path: str, data: dict[str, str], *, form_page: str = "/admin/users/new") -> Any:
    """POST a form as the browser would, with the CSRF token of a page of the same client."""
    token = csrf_of(client.get(form_page).text)
    return client.post(path, data={"csrf_token": token, **data})


def error_of(page: str, name: str) -> str:
    """The error shown beside a field (tied to it by aria-describedby), or ''."""
    found = re.search(rf'<span class="error" id="{re.escape(name)}-error">([^<]*)</span>', page)
    if found is None:
        return ""
    assert re.search(rf'id="{re.escape(name)}"[^>]*aria-describedby="[^"]*{re.escape(name)}-error', page), name
    return html.unescape(found.group(1))


def sign_in_with(app: Any, user_id: str, password: str) -> tuple[Any, Any]:
    """A fresh browser signing in with a password: (client, answer to the sign-in POST)."""
    client = new_client(app)
    page = client.get("/sign-in")
    answer = client.post("/sign-in", data={"csrf_token": csrf_of(page.text), "username": user_id,
                                           "password": password})
    return client, answer


def user_form(**changes: str) -> dict[str, str]:
    values = {"id": unique("staff"), "display_name": "Shahnoza Oʻrinova", "role": "psychologist", "region": REGION,
              "district": DISTRICT, "mahalla": "", "email": "", "phone": "+998 90 123-45-67",
              "telegram_chat_id": "", "language": "uz-Latn", "supervisor_id": "sup-nukus",
              "quiet_start": "22:00", "quiet_end": "07:00"}
    values["email"] = f"{values['id']}@example.uz"
    values.update(changes)
    return values


def create_user(admin: Any, **changes: str) -> tuple[str, str, dict[str, str]]:
    """(user id, temporary password shown, the form sent)"""
    form = user_form(**changes)
    answer = post(admin, "/admin/users/new", form)
    assert answer.status_code == 201, answer.text[:3000]
    shown = PASSWORD_SHOWN.search(answer.text)
    assert shown, "the temporary password is on the page"
    return form["id"], html.unescape(shown.group(1)), form


def change_own_password(client: Any, current: str, new: str) -> None:
    page = client.get("/account/password")
    answer = client.post("/account/password", data={"csrf_token": csrf_of(page.text), "current": current,
                                                     "new": new, "repeat": new})
    assert answer.status_code == 302, answer.text[:2000]


@pytest.fixture(scope="module")
def admin(client_for: Any) -> Any:
    return client_for("admin-1", "en")


@pytest.fixture(scope="module")
def region_district(admin: Any) -> tuple[str, str]:
    """The demo district, added to the Area table through the areas page (only regions are there at first)."""
    page = admin.get("/admin/areas")
    if f"<strong>{DISTRICT}</strong>" not in page.text:
        answer = post(admin, "/admin/areas", {"kind": "district", "district_region": REGION,
                                              "district_name": DISTRICT}, form_page="/admin/areas")
        assert answer.status_code == 302, answer.text[:2000]
    return REGION, DISTRICT


def contact(engine: sa.Engine, user_id: str) -> Any:
    with engine.connect() as db:
        return db.execute(sa.text("SELECT role, region, district, email, phone, active, version, quiet_start "
                                  "FROM contact WHERE user_id = :id"), {"id": user_id}).mappings().first()


# -- who may ---------------------------------------------------------------------------------------------------
def test_a_psychologist_is_refused_every_admin_page(client_for):
    psychologist = client_for("psy-nukus-1", "en")
    for path in ADMIN_PAGES:
        assert psychologist.get(path).status_code == 403, path
    refused = post(psychologist, "/admin/users/new", user_form(id="made-by-psy"), form_page="/account")
    assert refused.status_code == 403
    for action in ("password", "unlock", "second-factor", "active"):
        assert post(psychologist, f"/admin/users/insp-nukus-1/{action}", {"active": "0"},
                    form_page="/account").status_code == 403
    admin = client_for("admin-1", "en")
    assert admin.get("/admin/users/made-by-psy").status_code == 404


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_admin_page_is_translated(client_for, region_district, language):
    admin = client_for("admin-1", language)
    for path in ADMIN_PAGES:
        answer = admin.get(path)
        assert answer.status_code == 200, (path, language)
        assert answer.headers.get("X-Qadam-Missing-Translations") is None, (path, language)
        assert f'<html lang="{language}">' in answer.text
    # a form with its errors, and the page with a temporary password
    refused = post(admin, "/admin/users/new", {"id": "", "role": "psychologist", "phone": "12", "quiet_start": "x"})
    assert refused.status_code == 422
    assert refused.headers.get("X-Qadam-Missing-Translations") is None, language
    created = post(admin, "/admin/users/new", user_form())
    assert created.status_code == 201
    assert created.headers.get("X-Qadam-Missing-Translations") is None, language
    refused = post(admin, "/admin/areas", {"kind": "district", "district_region": REGION, "district_name": ""},
                   form_page="/admin/areas")
    assert refused.status_code == 422
    assert refused.headers.get("X-Qadam-Missing-Translations") is None, language


# -- a new user ------------------------------------------------------------------------------------------------
def test_a_new_user_signs_in_once_with_the_temporary_password_and_must_change_it(portal_app, admin, database,
                                                                                  region_district):
    user_id, temporary, form = create_user(admin, display_name="Dilshod Qoʻchqorov")
    client, answer = sign_in_with(portal_app, user_id, temporary)
    assert answer.status_code == 302
    assert client.get("/").headers["Location"].endswith("/account/password")
    assert client.get("/account").headers["Location"].endswith("/account/password")  # nowhere else first
    change_own_password(client, temporary, "my-own-pass-2026")
    assert client.get("/account").status_code == 200

    assert sign_in_with(portal_app, user_id, temporary)[1].status_code == 401
    assert sign_in_with(portal_app, user_id, "my-own-pass-2026")[1].status_code == 302

    row = wait_until(lambda: contact(database("notify"), user_id), what="the new user in notify's contacts")
    assert (row["role"], row["region"], row["district"], row["email"], row["phone"]) == (
        "psychologist", REGION, DISTRICT, form["email"], "+998901234567")
    assert str(row["quiet_start"]).startswith("22:00")

    listed = admin.get(f"/admin/users?q={user_id}").text
    assert "Dilshod Qoʻchqorov" in listed and "Users found: 1." in listed


def test_a_user_name_taken_already_is_refused_beside_the_field(admin, region_district):
    for taken in ("psy-nukus-1", "PSY-Nukus-1 "):
        answer = post(admin, "/admin/users/new", user_form(id=taken, display_name="Someone Else"))
        assert answer.status_code == 422
        assert "psy-nukus-1 is taken" in error_of(answer.text, "id")
    assert "Someone Else" not in admin.get("/admin/users?q=Someone").text


def test_the_area_a_role_needs_is_checked(admin, region_district):
    answer = post(admin, "/admin/users/new", user_form(district=""))
    assert answer.status_code == 422
    assert "works in a district" in error_of(answer.text, "district")

    answer = post(admin, "/admin/users/new", user_form(role="inspector", region="", district=""))
    assert answer.status_code == 422
    assert error_of(answer.text, "region") and error_of(answer.text, "district")

    answer = post(admin, "/admin/users/new", user_form(role="administrator", district=""))
    assert answer.status_code == 422
    assert "nationally" in error_of(answer.text, "region")

    answer = post(admin, "/admin/users/new", user_form(district="Nowhere"))
    assert answer.status_code == 422
    assert "not in the region" in error_of(answer.text, "district")

    create_user(admin, role="manager", district="", supervisor_id="")  # a region is enough for a manager
    create_user(admin, role="administrator", region="", district="", supervisor_id="")


def test_wrong_details_are_refused_each_beside_its_field_and_nothing_is_created(admin, region_district):
    form = user_form(id="Bad Name!", display_name=" ", phone="+99890123", email="not-an-address",
                     telegram_chat_id="@someone", language="de", supervisor_id="psy-nukus-1", quiet_start="22:00",
                     quiet_end="", role="chief")
    answer = post(admin, "/admin/users/new", form)
    assert answer.status_code == 422
    for name in ("id", "display_name", "phone", "email", "telegram_chat_id", "language", "supervisor_id",
                 "quiet_end", "role"):
        assert error_of(answer.text, name), name
    assert 'class="notice error" role="alert"' in answer.text  # the summary at the top
    assert "Users found: 0." in admin.get("/admin/users?q=bad+name").text


# -- an existing user ------------------------------------------------------------------------------------------
def test_editing_the_email_raises_the_version_in_notify(admin, database, region_district):
    user_id, _password, form = create_user(admin)
    first = wait_until(lambda: contact(database("notify"), user_id), what="the new user in notify")
    form.pop("id")
    answer = post(admin, f"/admin/users/{user_id}", {**form, "email": "new.address@example.uz"})
    assert answer.status_code == 302
    assert "Saved." in admin.get(answer.headers["Location"]).text
    row = wait_until(lambda: (r := contact(database("notify"), user_id)) and r["email"] == "new.address@example.uz" and r,
                     what="the new e-mail in notify")
    assert row["version"] > first["version"]

    # the same again changes nothing and publishes nothing
    answer = post(admin, f"/admin/users/{user_id}", {**form, "email": "new.address@example.uz"})
    assert "Nothing changed." in admin.get(answer.headers["Location"]).text

    answer = post(admin, f"/admin/users/{user_id}", {**form, "phone": "0901234567"})
    assert answer.status_code == 422
    assert "+998901234567" in error_of(answer.text, "phone")


def test_switching_an_account_off_signs_the_user_out_and_on_again_lets_them_in(portal_app, admin, database,
                                                                                 region_district):
    user_id, temporary, _form = create_user(admin)
    client, answer = sign_in_with(portal_app, user_id, temporary)
    assert answer.status_code == 302
    assert client.get("/account/password").status_code == 200

    off = post(admin, f"/admin/users/{user_id}/active", {"active": "0"})
    assert off.status_code == 302
    assert "switched off" in admin.get(off.headers["Location"]).text
    gone = client.get("/account/password")
    assert gone.status_code == 302 and "/sign-in" in gone.headers["Location"]
    assert sign_in_with(portal_app, user_id, temporary)[1].status_code == 401
    wait_until(lambda: (r := contact(database("notify"), user_id)) and r["active"] is False, what="notify sees it off")
    assert user_id in admin.get("/admin/users?active=no").text
    assert "Users found: 0." in admin.get("/admin/users?active=yes&q=" + user_id).text

    on = post(admin, f"/admin/users/{user_id}/active", {"active": "1"})
    assert on.status_code == 302
    assert sign_in_with(portal_app, user_id, temporary)[1].status_code == 302


def test_an_administrator_cannot_switch_off_or_demote_themselves(admin):
    answer = post(admin, "/admin/users/admin-1/active", {"active": "0"})
    assert "cannot switch off your own" in admin.get(answer.headers["Location"]).text
    assert admin.get("/admin/users").status_code == 200
    answer = post(admin, "/admin/users/admin-1", {"display_name": "Aziza Karimova", "role": "auditor",
                                                  "region": REGION, "language": "en"})
    assert answer.status_code == 422
    assert "own administrator role" in error_of(answer.text, "role")


def test_a_password_reset_gives_a_new_temporary_password_and_signs_the_user_out(portal_app, admin,
                                                                                 region_district):
    user_id, temporary, _form = create_user(admin)
    client, _answer = sign_in_with(portal_app, user_id, temporary)
    change_own_password(client, temporary, "chosen-by-me-2026")
    assert client.get("/account").status_code == 200

    answer = post(admin, f"/admin/users/{user_id}/password", {})
    assert answer.status_code == 200
    renewed = html.unescape(PASSWORD_SHOWN.search(answer.text).group(1))  # type: ignore[union-attr]
    assert renewed not in (temporary, "chosen-by-me-2026")
    signed_out = client.get("/account")
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]
    assert sign_in_with(portal_app, user_id, "chosen-by-me-2026")[1].status_code == 401
    client, answer = sign_in_with(portal_app, user_id, renewed)
    assert answer.status_code == 302
    assert client.get("/account").headers["Location"].endswith("/account/password")
    page = admin.get(f"/admin/users/{user_id}").text
    assert "Temporary: they must choose their own" in page


def test_a_locked_account_is_shown_and_can_be_unlocked(portal_app, admin, region_district):
    user_id, temporary, _form = create_user(admin)
    for _ in range(portal_app.extensions["qadam_settings"].portal_lockout_failures):
        sign_in_with(portal_app, user_id, "wrong-password-0")
    assert sign_in_with(portal_app, user_id, temporary)[1].status_code == 429  # refused: even the right one
    listed = admin.get(f"/admin/users?q={user_id}").text
    assert "Locked" in listed
    page = admin.get(f"/admin/users/{user_id}").text
    assert "Sign-ins refused until" in page and "Wrong password: sign-ins paused" in page

    answer = post(admin, f"/admin/users/{user_id}/unlock", {})
    assert "The account is unlocked." in admin.get(answer.headers["Location"]).text
    assert 'class="state-locked"' not in admin.get(f"/admin/users?q={user_id}").text
    assert sign_in_with(portal_app, user_id, temporary)[1].status_code == 302


def test_a_reset_second_factor_is_set_up_again_at_the_next_sign_in(portal_app, admin, region_district):
    user_id, temporary, _form = create_user(admin, role="manager", district="", supervisor_id="")
    client, answer = sign_in_with(portal_app, user_id, temporary)
    assert "/sign-in/second-factor" in answer.headers["Location"]  # a manager's role requires one
    setup = client.get(answer.headers["Location"]).text
    secret = re.search(r'name="secret" value="([A-Z2-7]{32})"', setup).group(1)  # type: ignore[union-attr]
    done = client.post("/sign-in/second-factor", data={"csrf_token": csrf_of(setup), "secret": secret,
                                                       "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    change_own_password(client, temporary, "manager-own-2026")
    assert client.get("/account").status_code == 200
    page = admin.get(f"/admin/users/{user_id}").text
    assert "On since" in page and client.get("/account").status_code == 200

    answer = post(admin, f"/admin/users/{user_id}/second-factor", {})
    assert "set up a new one at the next sign-in" in admin.get(answer.headers["Location"]).text
    assert client.get("/account").status_code == 302  # signed out
    _client, again = sign_in_with(portal_app, user_id, "manager-own-2026")
    assert "/sign-in/second-factor" in again.headers["Location"]  # set up anew, not asked for the old code


def test_the_users_page_finds_by_name_in_either_script_and_by_role(client_for, admin, region_district):
    client_for("psy-nukus-1")  # signed in, so that she has sign-ins to show
    user_id, _password, _form = create_user(admin, display_name="Дилором Эргашева")
    assert user_id in admin.get("/admin/users?q=dilorom").text  # typed in Latin, stored in Cyrillic
    assert user_id in admin.get("/admin/users?q=Дилором").text
    inspectors = admin.get("/admin/users?role=inspector").text
    assert "insp-nukus-1" in inspectors and "psy-nukus-1" not in inspectors
    regional = admin.get("/admin/users?region=" + REGION).text
    assert "psy-nukus-1" in regional and "admin-1" not in regional
    psychologist = admin.get("/admin/users/psy-nukus-1").text
    assert "Password accepted" in psychologist  # her sign-ins, and where she is signed in
    assert "Not signed in anywhere." not in psychologist


# -- areas -----------------------------------------------------------------------------------------------------
def test_districts_and_mahallas_are_added_once(admin, region_district):
    district = unique("Tumani")
    added = post(admin, "/admin/areas", {"kind": "district", "district_region": REGION, "district_name": district},
                 form_page="/admin/areas")
    assert added.status_code == 302
    page = admin.get("/admin/areas").text
    assert f"District {district} is added to Republic of Karakalpakstan." in page  # REGION, named in English
    again = post(admin, "/admin/areas", {"kind": "district", "district_region": REGION,
                                         "district_name": "  " + district.upper()}, form_page="/admin/areas")
    assert again.status_code == 422
    assert "already" in error_of(again.text, "district_name")

    district_id = re.search(rf'<option value="(\d+)">{re.escape(district)}</option>', page).group(1)  # type: ignore[union-attr]
    added = post(admin, "/admin/areas", {"kind": "mahalla", "mahalla_district": district_id,
                                         "mahalla_name": "Oʻzbekiston"}, form_page="/admin/areas")
    assert added.status_code == 302
    again = post(admin, "/admin/areas", {"kind": "mahalla", "mahalla_district": district_id,
                                         "mahalla_name": "oʻzbekiston"}, form_page="/admin/areas")
    assert again.status_code == 422
    assert "already" in error_of(again.text, "mahalla_name")
    nowhere = post(admin, "/admin/areas", {"kind": "mahalla", "mahalla_district": "999999", "mahalla_name": "X"},
                   form_page="/admin/areas")
    assert nowhere.status_code == 422 and error_of(nowhere.text, "mahalla_district")

    # the new places are offered for users, and taken
    create_user(admin, district=district, mahalla="Oʻzbekiston", supervisor_id="")
    assert district in admin.get("/admin/users/new").text


def known_district(engine: sa.Engine, region: str, district: str) -> Any:
    with engine.connect() as db:
        return db.execute(sa.text("SELECT mahallas, active, version FROM known_district "
                                  "WHERE region = :r AND district = :d"), {"r": region, "d": district}).mappings().first()


def test_the_areas_reach_enrollment_which_takes_its_districts_from_them(admin, region_district, database):
    # the demo seed published the demo district; a district added here is published too, and its mahallas
    demo = wait_until(lambda: known_district(database("enrollment"), REGION, DISTRICT), what="the demo district")
    assert "Qizketken" in demo["mahallas"] and demo["active"]
    district = unique("Tuman")
    post(admin, "/admin/areas", {"kind": "district", "district_region": REGION, "district_name": district},
         form_page="/admin/areas")
    first = wait_until(lambda: known_district(database("enrollment"), REGION, district), what="the district")
    assert (first["mahallas"], first["version"]) == ([], 1)
    page = admin.get("/admin/areas").text
    district_id = re.search(rf'<option value="(\d+)">{re.escape(district)}</option>', page).group(1)  # type: ignore[union-attr]
    post(admin, "/admin/areas", {"kind": "mahalla", "mahalla_district": district_id, "mahalla_name": "Guliston"},
         form_page="/admin/areas")
    grown = wait_until(lambda: (r := known_district(database("enrollment"), REGION, district)) and r["version"] == 2
                       and r, what="its mahalla")
    assert grown["mahallas"] == ["Guliston"]


def test_a_support_worker_added_here_can_be_named_for_an_enrolment_in_enrollment(admin, region_district, database):
    user_id, _temporary, _form = create_user(admin, role="support_worker", supervisor_id="")

    def member() -> Any:
        with database("enrollment").connect() as db:
            return db.execute(sa.text("SELECT role, region, active, version FROM staff_member WHERE user_id = :u"),
                              {"u": user_id}).mappings().first()

    row = wait_until(member, what="the support worker in enrollment's staff directory")
    assert (row["role"], row["region"], row["active"]) == ("support_worker", REGION, True)


# -- programmes ------------------------------------------------------------------------------------------------
def test_a_programme_is_defined_from_a_template_and_enrollments_refusals_show_by_the_fields(admin):
    name = unique("Statutory")
    answer = post(admin, "/admin/programmes", {"name": name, "template": "statutory", "region": ""},
                  form_page="/admin/programmes")
    assert answer.status_code == 302, answer.text[:2000]
    page = admin.get("/admin/programmes").text
    assert f"Programme {name} is defined." in page
    row = page.split(f"<td>{name}</td>")[1].split("</tr>")[0]
    assert "Statutory correction programme (Uzbekistan)" in row and "National" in row and "Version 1" in row

    regional = unique("Group")
    answer = post(admin, "/admin/programmes", {"name": regional, "template": "extended_group", "region": REGION},
                  form_page="/admin/programmes")
    assert answer.status_code == 302
    row = admin.get("/admin/programmes").text.split(f"<td>{regional}</td>")[1].split("</tr>")[0]
    assert "Republic of Karakalpakstan" in row and "<td class=\"num\">24</td>" in row  # REGION, in English

    taken = post(admin, "/admin/programmes", {"name": name, "template": "statutory", "region": ""},
                 form_page="/admin/programmes")
    assert taken.status_code == 422
    assert "exists already" in error_of(taken.text, "name")

    too_long = post(admin, "/admin/programmes", {"name": "x" * 201, "template": "statutory", "region": ""},
                    form_page="/admin/programmes")
    assert too_long.status_code == 422
    assert "200" in error_of(too_long.text, "name")  # enrollment's own words

    unchosen = post(admin, "/admin/programmes", {"name": "Any", "template": "", "region": "Atlantis"},
                    form_page="/admin/programmes")
    assert unchosen.status_code == 422
    assert error_of(unchosen.text, "template") and error_of(unchosen.text, "region")


def test_administrators_see_the_alerts_nobody_could_be_escalated_to_from_their_menu(client_for):
    admin = client_for("admin-1", "en")
    page = admin.get("/admin/escalations")
    assert page.status_code == 200 and "Nobody to escalate to" in page.text
    assert 'href="/admin/escalations"' in admin.get("/admin/users").text  # in the menu
    assert "Alerts waiting:" in page.text
