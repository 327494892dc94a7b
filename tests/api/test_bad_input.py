"""Bad input to the services, as it comes in the field (issue 9, "Bad input"): bodies over the size limit, bodies
that are not JSON, and names typed in every script and keyboard of Uzbekistan, stored and read back exactly.

The services keep text exactly as sent: no Unicode normalisation (NFC and NFD forms of one name are stored as two
different strings, each read back unchanged) and no trimming of invisible characters. Finding the same person
under another spelling is the name key's work (enrollment's duplicate search), not the stored name's.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from qadam_testing import bearer, seed_sessions_cohort

PROBLEM_JSON = "application/problem+json"
REGION, DISTRICT = "Qoraqalpogʻiston Respublikasi", "Nukus"
MAX_BODY = 1024 * 1024  # the apps' MAX_CONTENT_LENGTH

# a JSON endpoint per service that an administrator may call, with a body it would accept
JSON_ENDPOINTS = {
    "enrollment": ("/programmes", {"name": "Oversize", "region": REGION, "sessions_required": 12,
                                   "max_unexcused_absences": 3}),
    "sessions": (f"/cohorts/{uuid.uuid4()}/sessions", {"number": 1, "scheduled_at": "2026-12-01T10:00:00+05:00"}),
    "risk": ("/instruments", {"name": "Oversize", "questions": []}),
    "notify": ("/routing", {"rules": []}),
}

NAMES = {
    "uzbek latin with okina and apostrophe": "Oʻtkir Gʻafurov Saʼdullayevich",  # U+02BB, U+02BC as the standard asks
    "look-alike left quote": "O‘tkir G‘afurov",  # U+2018, as phones type it
    "look-alike right quote": "O’tkir Sa’dullayev",  # U+2019
    "ascii apostrophe": "O'tkir G'afurov Sa'dullayev",
    "backtick": "O`tkir G`afurov",
    "uzbek cyrillic": "Ўткир Ғафуров Қаҳҳорович",
    "russian cyrillic": "Щербаков Эдуард Юрьевич",
    "karakalpak latin": "Ájiniyaz Qosıbay ulı Ǵárezsiz Ńókis Ósiyo Úrgenish",
    "karakalpak cyrillic": "Әжинияз Қосыбай улы Ғәрезсиз Ңөкис Өсиё Үргениш",
    "combining acute (NFD)": "A\u0301jiniyaz N\u0301o\u0301kis",
    "precomposed (NFC)": "\u00c1jiniyaz \u0143\u00f3kis",
    "combining dot below and macron": "Ma\u0323\u0304qsud",
    "emoji": "Bahodir 🙂 👨‍👩‍👦",
    "zero-width space and joiners": "Oy\u200bbek Sar\u200cdor Jam\u200dshid",
    "byte order mark and word joiner": "\ufeffAkmal\u2060 Nazarov",
    "right-to-left mark": "Abdulla \u200fQodiriy",
    "leading and trailing spaces": "  Rustam  Hamidov  ",
    "arabic script": "عبدالله قادری",
    "astral plane letters": "𝐑𝐮𝐬𝐭𝐚𝐦 𐌰𐌱",
}


def assert_problem(response: Any, *statuses: int) -> dict[str, Any]:
    """A refusal in the agreed shape that says what was wrong."""
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == PROBLEM_JSON, response.mimetype
    body = response.get_json()
    assert body["status"] == response.status_code and body["detail"].strip()
    if response.status_code == 422:
        assert body["errors"], body
    return dict(body)


# -- oversized bodies ------------------------------------------------------------------------------------
@pytest.mark.parametrize("service", sorted(JSON_ENDPOINTS))
def test_a_body_over_one_mebibyte_is_refused_with_413_problem(service, app_for, token):
    client = app_for(service).test_client()
    path, _ = JSON_ENDPOINTS[service]
    body = b'{"name": "' + b"x" * MAX_BODY + b'"}'
    response = client.post(path, data=body, content_type="application/json",
                           headers=bearer(token("admin-big", "administrator")))
    problem = assert_problem(response, 413)
    assert "larger than 1 MiB" in problem["detail"]


def test_a_body_just_under_the_limit_is_read_and_judged_on_its_content(app_for, token):
    client = app_for("enrollment").test_client()
    person = {"full_name": "x" * (MAX_BODY - 500), "birth_date": "1980-01-01", "region": REGION, "district": DISTRICT}
    response = client.post("/participants", json=person,
                           headers=bearer(token("insp-big", "inspector", region=REGION, district=DISTRICT)))
    problem = assert_problem(response, 422)
    assert "full_name" in problem["errors"]


# -- bodies that are not JSON ---------------------------------------------------------------------------------
NOT_JSON = {
    "text/plain": ("text/plain", b'{"name": "x"}'),
    "form-encoded": ("application/x-www-form-urlencoded", b"name=x&region=y"),
    "multipart": ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n'),
    "xml": ("application/xml", b"<programme><name>x</name></programme>"),
    "no content type": (None, b'{"name": "x"}'),
    "malformed json": ("application/json", b'{"name": "x",'),
    "json with a bad utf-8 byte": ("application/json", b'{"name": "\xff\xfe"}'),
    "json array, not an object": ("application/json", b"[1, 2, 3]"),
    "json string, not an object": ("application/json", b'"programme"'),
    "json null": ("application/json", b"null"),
    "empty body": ("application/json", b""),
}


@pytest.mark.parametrize("service", sorted(JSON_ENDPOINTS))
@pytest.mark.parametrize("kind", sorted(NOT_JSON))
def test_a_body_that_is_not_a_json_object_is_a_4xx_problem_never_a_500(service, kind, app_for, token):
    client = app_for(service).test_client()
    path, _ = JSON_ENDPOINTS[service]
    content_type, body = NOT_JSON[kind]
    headers = bearer(token("admin-types", "administrator"))
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = client.post(path, data=body, headers=headers)
    problem = assert_problem(response, 400, 415, 422)
    if content_type is not None and not content_type.startswith("application/json"):
        assert problem["status"] == 415 and "application/json" in problem["detail"], problem


# -- a NUL character in a body that is otherwise valid ---------------------------------------------------------------
NUL_REGION = "Jizzax viloyati"  # a region no other test of the run scores or routes in


def nul_case(service: str, app_for: Callable[[str], Any], token: Callable[..., str], stack: Any) -> dict[str, Any]:
    """For each service a POST it would accept, but with a NUL in one text field: the client, path, headers, body
    (with the NUL), the field, and whether the same body without the NUL may be sent to prove it valid (not where
    accepting it would change what other tests of the run rely on: an instrument in force, the routing)."""
    client, tag = app_for(service).test_client(), uuid.uuid4().hex[:6]
    admin = bearer(token(f"admin-nul-{tag}", "administrator"))
    if service == "enrollment":
        return {"client": client, "path": "/programmes", "headers": admin, "field": "name", "control": True,
                "body": {"name": f"Nul\x00programme {tag}", "region": REGION, "sessions_required": 12,
                         "max_unexcused_absences": 3}}
    if service == "sessions":
        psy = f"psy-nul-{tag}"
        engine = sa.create_engine(stack.database_url("sessions"), poolclass=sa.NullPool)
        with engine.begin() as c:
            cohort = seed_sessions_cohort(c, region=REGION, district=DISTRICT, facilitator_ids=[psy])
        engine.dispose()
        return {"client": client, "path": f"/cohorts/{cohort}/sessions", "field": "topic", "control": True,
                "headers": bearer(token(psy, "psychologist", region=REGION, district=DISTRICT)),
                "body": {"number": 1, "scheduled_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
                         "topic": "Module\x001"}}
    if service == "risk":
        definition = {"id": f"nul-screen-{tag}", "name": "Nul\x00screen", "max_unknown": 0,
                      "items": [{"id": "breach", "text": {"en": "Breached an order before."},
                                 "answers": [{"value": "yes", "weight": 3}, {"value": "no", "weight": 0}]}],
                      "bands": [{"name": "lower", "min_score": 0, "level": "low"},
                                {"name": "higher", "min_score": 3, "level": "high"}]}
        return {"client": client, "path": "/instruments", "headers": admin, "field": "definition", "control": False,
                "body": {"region": NUL_REGION, "definition": definition}}
    routing = client.get("/routing", headers=admin)
    assert routing.status_code == 200, routing.get_data(as_text=True)
    return {"client": client, "path": "/routing", "headers": admin, "field": "note", "control": False,
            "body": {"rules": routing.get_json()["rules"], "note": "Re-saved\x00unchanged"}}


def stored(service: str, case: dict[str, Any]) -> Any:
    """What the service holds that the POST would have changed."""
    client, headers = case["client"], case["headers"]
    if service == "risk":
        return client.get("/instruments", headers=headers, query_string={"region": NUL_REGION}).get_json()
    if service == "notify":
        return client.get("/routing", headers=headers).get_json()["version"]
    if service == "sessions":
        return client.get(case["path"], headers=headers).get_json()
    return client.get("/programmes", headers=headers, query_string={"limit": 200}).get_json()["total"]


@pytest.mark.parametrize("service", sorted(JSON_ENDPOINTS))
def test_a_nul_character_in_an_otherwise_valid_body_is_refused_for_that_field_and_nothing_is_stored(
        service, app_for, token, stack):
    case = nul_case(service, app_for, token, stack)
    client, path, headers, body, field = (case[k] for k in ("client", "path", "headers", "body", "field"))
    before = stored(service, case)
    response = client.post(path, json=body, headers=headers)
    problem = assert_problem(response, 400, 422)
    if response.status_code == 422:  # validation names the field with the NUL, and no other
        assert {name.split(".")[0].split("[")[0] for name in problem["errors"]} == {field}, problem
    else:  # past validation, the database refused the value: the request is named as wrong, not the service
        detail = problem["detail"]
        assert "cannot be stored" in detail and "control characters" in detail, problem
        assert "NUL (0x00)" in detail or "Unicode escape" in detail, problem  # the NUL, and not something else
    assert stored(service, case) == before
    if case["control"]:  # the same body without the NUL is accepted: the NUL was what was refused
        clean = {k: v.replace("\x00", " ") if isinstance(v, str) else v for k, v in body.items()}
        accepted = client.post(path, json=clean, headers=headers)
        assert accepted.status_code == 201, accepted.get_data(as_text=True)


# -- JSON that Python's parser takes but no service can keep ------------------------------------------------------
PLACEHOLDER = "__bad_value__"
UNSAFE_JSON = {
    "nested 1,000 deep": "[" * 1000 + "]" * 1000,
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e999": "1e999",  # past a double's range: Python reads ±inf without asking parse_constant
    "-1e400": "-1e400",
    "a lone high surrogate": '"Module \\ud800 1"',
    "a lone low surrogate": '"\\udfff"',
}


def with_unsafe_value(service: str, case: dict[str, Any], value: str) -> bytes:
    """The case's valid body (without its NUL) as JSON text, with `value` (raw JSON) in its text field."""
    body = json.loads(json.dumps(case["body"]).replace("\\u0000", " "))
    if service == "risk":
        body["definition"]["name"] = PLACEHOLDER
    else:
        body[case["field"]] = PLACEHOLDER
    return json.dumps(body).replace(f'"{PLACEHOLDER}"', value).encode()


@pytest.mark.parametrize("service", sorted(JSON_ENDPOINTS))
@pytest.mark.parametrize("kind", list(UNSAFE_JSON))
def test_json_nested_too_deep_nan_infinity_or_a_lone_surrogate_is_a_4xx_problem_and_nothing_is_stored(
        service, kind, app_for, token, stack):
    case = nul_case(service, app_for, token, stack)
    client, path, headers = case["client"], case["path"], case["headers"]
    before = stored(service, case)
    response = client.post(path, data=with_unsafe_value(service, case, UNSAFE_JSON[kind]),
                           headers={**headers, "Content-Type": "application/json"})
    problem = assert_problem(response, 400, 422)
    assert "Traceback" not in json.dumps(problem)
    if kind in ("1e999", "-1e400"):  # refused as the number it is, not as a number where text was expected
        assert problem["status"] == 400 and "beyond the largest number" in problem["detail"], problem
    assert stored(service, case) == before


@pytest.mark.parametrize("value", ["1e999", "-1e400"])
def test_a_number_past_a_doubles_range_in_a_number_field_is_a_400_problem_not_a_500(value, app_for, token, stack):
    case = nul_case("sessions", app_for, token, stack)
    body = json.dumps({**case["body"], "topic": "Module 1", "number": PLACEHOLDER}).replace(f'"{PLACEHOLDER}"', value)
    response = case["client"].post(case["path"], data=body.encode(),
                                   headers={**case["headers"], "Content-Type": "application/json"})
    problem = assert_problem(response, 400)
    assert f"`{value}` is beyond the largest number" in problem["detail"], problem


@pytest.mark.parametrize("kind", ["nested 1,000 deep", "NaN", "1e999", "a lone high surrogate"])
def test_the_refusal_of_unsafe_json_says_what_was_wrong(kind, app_for, token, stack):
    case = nul_case("sessions", app_for, token, stack)
    response = case["client"].post(case["path"], data=with_unsafe_value("sessions", case, UNSAFE_JSON[kind]),
                                   headers={**case["headers"], "Content-Type": "application/json"})
    detail = assert_problem(response, 400)["detail"]
    assert {"nested 1,000 deep": "nested deeper", "NaN": "`NaN` is not a number",
            "1e999": "`1e999` is beyond the largest number",
            "a lone high surrogate": "lone UTF-16 surrogate"}[kind] in detail, detail
    # a character above U+FFFF sent as a surrogate pair is a character like any other
    pair = case["client"].post(case["path"], data=with_unsafe_value("sessions", case, '"Module \\ud83d\\ude42"'),
                               headers={**case["headers"], "Content-Type": "application/json"})
    assert pair.status_code in (201, 409), pair.get_data(as_text=True)


# -- dates outside 1900-2100 -----------------------------------------------------------------------------------------
FAR_DATES = ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"]


def dated_case(what: str, value: str, app_for: Callable[[str], Any], token: Callable[..., str],
               stack: Any) -> tuple[Any, str, dict[str, str], dict[str, Any], str]:
    """(client, path, headers, body, field): a POST each service would judge on its date alone."""
    inspector = bearer(token("insp-dates", "inspector", region=REGION, district=DISTRICT))
    if what == "birth date":
        return (app_for("enrollment").test_client(), "/participants", inspector,
                {"full_name": "Sana Chegarasi", "birth_date": value, "region": REGION, "district": DISTRICT},
                "birth_date")
    if what == "order issued":
        return (app_for("enrollment").test_client(), "/protection-orders", inspector,
                {"number": "HO-DATES-1", "participant_id": str(uuid.uuid4()), "region": REGION, "district": DISTRICT,
                 "issued_on": value, "expires_on": "2100-12-31"}, "issued_on")
    if what == "incident":
        return (app_for("risk").test_client(), f"/enrolments/{uuid.uuid4()}/incidents", inspector,
                {"kind": "order_breach", "occurred_on": value, "severity": "serious"}, "occurred_on")
    if what == "assessment":
        return (app_for("risk").test_client(), f"/enrolments/{uuid.uuid4()}/assessments", inspector,
                {"answers": {}, "assessed_on": value}, "assessed_on")
    case = nul_case("sessions", app_for, token, stack)
    return case["client"], case["path"], case["headers"], {"number": 1, "scheduled_at": f"{value}T10:00:00+05:00"}, \
        "scheduled_at"


@pytest.mark.parametrize("what", ["birth date", "order issued", "incident", "assessment", "session"])
@pytest.mark.parametrize("value", FAR_DATES)
def test_a_date_outside_1900_to_2100_is_a_422_naming_the_range(what, value, app_for, token, stack):
    client, path, headers, body, field = dated_case(what, value, app_for, token, stack)
    problem = assert_problem(client.post(path, json=body, headers=headers), 422)
    assert "1900-01-01 to 2100-12-31" in json.dumps(problem["errors"][field]), problem


@pytest.mark.parametrize("field", ["since", "until"])
@pytest.mark.parametrize("value", FAR_DATES)
def test_a_date_outside_1900_to_2100_in_a_query_string_is_a_422_naming_the_range_not_a_500(
        field, value, app_for, token):
    """Notify's alert figures count days from `since` to `until`: 9999-12-31 plus a day was an OverflowError."""
    client = app_for("notify").test_client()
    response = client.get("/figures", headers=bearer(token("admin-dates", "administrator")),
                          query_string={"region": REGION, field: value})
    problem = assert_problem(response, 422)
    assert "1900-01-01 to 2100-12-31" in json.dumps(problem["errors"]), problem


def test_a_session_on_the_last_day_of_2100_is_taken(app_for, token, stack):
    client, path, headers, body, _ = dated_case("session", "2100-12-31", app_for, token, stack)
    created = client.post(path, json=body, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)


# -- numbers ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [0.005, 2.5, True, "3.5"])
def test_a_fraction_where_a_whole_number_is_asked_is_refused_not_cut_off(value, app_for, token):
    """schemathesis found `max_unexcused_absences: 0.005` stored as 0 (marshmallow's Integer truncates)."""
    client = app_for("enrollment").test_client()
    manager = bearer(token("mgr-numbers", "manager", region=REGION))
    name = f"Numbers {uuid.uuid4().hex[:6]}"
    response = client.post("/programmes", headers=manager, json={
        "name": name, "sessions_required": 12, "max_unexcused_absences": value, "region": REGION})
    assert_problem(response, 422)
    assert "max_unexcused_absences" in json.dumps(response.get_json()["errors"])
    listed = client.get("/programmes", headers=manager, query_string={"limit": 200}).get_json()["items"]
    assert name not in {p["name"] for p in listed}
    whole = client.post("/programmes", headers=manager, json={
        "name": name, "sessions_required": 12, "max_unexcused_absences": 2.0, "region": REGION})
    assert whole.status_code == 201 and whole.get_json()["max_unexcused_absences"] == 2


def test_a_place_name_with_control_characters_is_refused_even_in_a_report_s_filter(app_for, token):
    """schemathesis found a region of control characters in the completion report's query string reaching the
    spreadsheet's writer (500): a place's name never has one."""
    client = app_for("enrollment").test_client()
    admin = bearer(token("admin-places", "administrator"))
    for fmt in ("json", "xlsx", "csv"):
        response = client.get("/reports/completion", headers=admin,
                              query_string={"region": "Nukus\x1d\x0e", "format": fmt})
        assert_problem(response, 422)
        assert "region" in json.dumps(response.get_json()["errors"])
    assert client.get("/reports/completion", headers=admin,
                      query_string={"region": REGION, "format": "xlsx"}).status_code == 200
    for fmt in ("json", "xlsx", "csv"):  # the outcome report reads its region the same way
        response = client.get("/reports/outcomes", headers=admin,
                              query_string={"region": "Nukus\x1d\x0e", "format": fmt})
        assert_problem(response, 422)
        assert "region" in json.dumps(response.get_json()["errors"])
    assert client.get("/reports/outcomes", headers=admin,
                      query_string={"region": REGION, "format": "xlsx"}).status_code == 200


# -- names, stored exactly ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def enrollment(app_for: Callable[[str], Any], token: Callable[..., str]) -> dict[str, Any]:
    client = app_for("enrollment").test_client()
    inspector = bearer(token("insp-unicode", "inspector", region=REGION, district=DISTRICT))
    manager = bearer(token("mgr-unicode", "manager", region=REGION))
    programme = client.post("/programmes", headers=manager, json={
        "name": f"Unicode {uuid.uuid4().hex[:6]}", "sessions_required": 12, "max_unexcused_absences": 3,
        "region": REGION})
    assert programme.status_code == 201, programme.get_data(as_text=True)
    return {"client": client, "inspector": inspector, "manager": manager, "programme": programme.get_json()["id"]}


# Invisible in a name, and what makes two equal-looking names two strings: refused, saying where (issue 16).
INVISIBLE_IN_NAMES = {"emoji": 12, "zero-width space and joiners": 3, "byte order mark and word joiner": 1,
                      "right-to-left mark": 9}  # label: the position of the first character refused


@pytest.mark.parametrize("label", [label for label in NAMES if label not in INVISIBLE_IN_NAMES])
def test_a_participants_name_is_stored_and_read_back_exactly_in_its_composed_form(label, enrollment):
    client, name = enrollment["client"], unicodedata.normalize("NFC", NAMES[label])
    # a birth date of its own per name: the same name and birth date would be reported as a possible duplicate
    born = date(1960, 1, 1) + timedelta(days=list(NAMES).index(label) * 97 + uuid.uuid4().int % 90)
    created = client.post("/participants", headers=enrollment["inspector"], json={
        "full_name": name, "birth_date": born.isoformat(), "region": REGION, "district": DISTRICT,
        "not_a_duplicate_of": []})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["full_name"] == name
    again = client.get(f"/participants/{created.get_json()['id']}", headers=enrollment["inspector"])
    assert again.status_code == 200 and again.get_json()["full_name"] == name


@pytest.mark.parametrize("label", list(INVISIBLE_IN_NAMES))
def test_a_participants_name_with_an_invisible_character_is_refused_saying_where(label, enrollment):
    response = enrollment["client"].post("/participants", headers=enrollment["inspector"], json={
        "full_name": NAMES[label], "birth_date": "1981-04-04", "region": REGION, "district": DISTRICT})
    body = assert_problem(response, 422)
    assert f"Character {INVISIBLE_IN_NAMES[label]} " in body["errors"]["full_name"][0]


def test_nfc_and_nfd_forms_of_one_name_are_stored_as_one_composed_form(enrollment):
    client = enrollment["client"]
    forms = ["\u00c1jiniyaz \u0143\u00f3kisov", "A\u0301jiniyaz N\u0301o\u0301kisov"]  # NFC, then NFD
    kept = []
    for i, name in enumerate(forms):
        created = client.post("/participants", headers=enrollment["inspector"], json={
            "full_name": name, "birth_date": f"197{i}-03-0{i + 1}", "region": REGION, "district": DISTRICT})
        assert created.status_code == 201, created.get_data(as_text=True)
        kept.append(client.get(f"/participants/{created.get_json()['id']}",
                               headers=enrollment["inspector"]).get_json()["full_name"])
    assert kept == [forms[0], forms[0]]


def test_a_name_with_a_nul_character_is_refused_with_a_problem_not_a_500(enrollment):
    response = enrollment["client"].post("/participants", headers=enrollment["inspector"], json={
        "full_name": "Akmal\x00Nazarov", "birth_date": "1981-04-04", "region": REGION, "district": DISTRICT})
    assert_problem(response, 400, 422)


@pytest.mark.parametrize("label", ["uzbek latin with okina and apostrophe", "karakalpak latin", "combining acute (NFD)",
                                   "emoji", "zero-width space and joiners", "uzbek cyrillic"])
def test_a_cohort_name_is_stored_and_read_back_exactly(label, enrollment):
    client, name = enrollment["client"], NAMES[label]
    created = client.post("/cohorts", headers=enrollment["manager"], json={
        "programme_id": enrollment["programme"], "name": name, "region": REGION, "district": DISTRICT,
        "facilitator_ids": ["psy-unicode"], "start_date": "2026-12-07"})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["name"] == name
    again = client.get(f"/cohorts/{created.get_json()['id']}", headers=enrollment["manager"])
    assert again.status_code == 200 and again.get_json()["name"] == name


@pytest.fixture(scope="module")
def session_of_a_group(app_for, token, stack) -> dict[str, Any]:
    """A cohort known to sessions (as enrollment's events would leave it) and one of its sessions."""
    engine = sa.create_engine(stack.database_url("sessions"))
    cohort, psy = uuid.uuid4(), f"psy-{uuid.uuid4().hex[:6]}"
    with engine.begin() as c:
        seed_sessions_cohort(c, cohort_id=cohort, region=REGION, district=DISTRICT, facilitator_ids=[psy])
    engine.dispose()
    client = app_for("sessions").test_client()
    headers = bearer(token(psy, "psychologist", region=REGION, district=DISTRICT))
    created = client.post(f"/cohorts/{cohort}/sessions", headers=headers, json={
        "number": 1, "scheduled_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat()})
    assert created.status_code == 201, created.get_data(as_text=True)
    return {"client": client, "headers": headers, "session": created.get_json()["id"]}


def test_note_texts_are_stored_and_read_back_exactly(session_of_a_group):
    client, headers, sid = (session_of_a_group[k] for k in ("client", "headers", "session"))
    texts = [NAMES[label] + "\nʻ ʼ ‘ ’ ' — ".join(["", ""]) + label for label in NAMES]
    for text in texts:
        written = client.post(f"/sessions/{sid}/notes", headers=headers, json={"text": text})
        assert written.status_code == 201, written.get_data(as_text=True)
    read = client.get(f"/sessions/{sid}/notes", headers=headers)
    assert read.status_code == 200
    assert sorted(n["text"] for n in read.get_json()) == sorted(texts)
