"""Access, generated from every service's OpenAPI document and checked against the declared matrix (issue 9).

1. Every documented operation is declared in tests/access_matrix.py, and every declaration is documented.
2. Every operation, called with every role (and with no token): a role the matrix allows gets past the door (any
   answer but 401/403 or a 5xx: 200, 404 for an unknown id, 422 for an empty body); any other role gets exactly 403; no
   token exactly 401. These calls run on the in-process apps of a stack of their own, so that what an allowed
   empty call starts (a recompute) touches no other test's data.
3. Tokens expired, forged, of the wrong audience or issuer, of an unknown role, unsigned (`alg: none`) or signed
   with the public key as an HMAC secret: 401 on every protected operation of every service.
4. Record-level scoping with real data, built through the services' own APIs on the running system: a
   psychologist sees only the cohorts he facilitates, an inspector his district's and his assigned participants,
   a manager the lists of his region and never a confidential note, a token without its area nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import jwt
import pytest
from access_matrix import MATRIX, PUBLIC
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from qadam.auth import issue_token
from qadam.config import Settings
from qadam_contracts.roles import Role
from qadam_testing import Servers, Stack, wait_until
from story import Story

ROOT = Path(__file__).resolve().parents[2]
SERVICES = tuple(MATRIX)
METHODS = ("get", "post", "put", "patch", "delete")
REGION, DISTRICT, MAHALLA = "Qoraqalpogʻiston Respublikasi", "Nukus", "Doʻstlik"
OTHER_REGION, OTHER_DISTRICT = "Buxoro viloyati", "Gʻijduvon"


def documented(service: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path) -> the operation, as the service's committed OpenAPI document lists them (with the
    parameters declared for its whole path)."""
    document = json.loads((ROOT / "services" / service / "openapi.json").read_text())
    return {(method.upper(), path): {**operation, "parameters": item.get("parameters", []) + operation.get("parameters", [])}
            for path, item in document["paths"].items() for method, operation in item.items() if method in METHODS}


OPERATIONS = [(service, method, path) for service in SERVICES for method, path in documented(service)]


# -- 1. the matrix and the documents name the same operations -------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_every_documented_operation_is_declared_in_the_access_matrix(service: str) -> None:
    undeclared = sorted(set(documented(service)) - set(MATRIX[service]))
    assert not undeclared, (
        f"{service}'s OpenAPI document has operations the access matrix does not declare: "
        + ", ".join(f"{m} {p}" for m, p in undeclared)
        + ". Declare who may call each in tests/access_matrix.py (MATRIX[" + repr(service) + "]), as DESIGN.md's "
        "'Identity and access' says it should be.")


@pytest.mark.parametrize("service", SERVICES)
def test_every_access_matrix_entry_is_in_the_services_document(service: str) -> None:
    stale = sorted(set(MATRIX[service]) - set(documented(service)))
    assert not stale, (
        f"tests/access_matrix.py declares operations {service}'s OpenAPI document does not have: "
        + ", ".join(f"{m} {p}" for m, p in stale)
        + ". Remove them from the matrix, or regenerate the document (`make docs`) if the endpoint is new.")


def test_the_matrix_names_only_roles_a_token_can_carry() -> None:
    for service, rules in MATRIX.items():
        for operation, allowed in rules.items():
            assert allowed == PUBLIC or (allowed and set(allowed) <= set(Role)), (service, operation, allowed)


# -- 2. every operation, every role ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def matrix_stack(servers: Servers, jwt_keys: tuple[Path, Path]) -> Iterator[Stack]:
    """Fresh databases and vhost for the matrix's calls alone."""
    stack = Stack(f"qadam_m{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=SERVICES).open()
    yield stack
    stack.close()


@pytest.fixture(scope="module")
def clients(matrix_stack: Stack) -> Iterator[dict[str, Any]]:
    apps = {service: import_module(f"{service}.app").create_app(matrix_stack.base_settings(service))
            for service in SERVICES}
    yield {service: app.test_client() for service, app in apps.items()}
    for app in apps.values():  # give the connections back before the stack's databases are dropped
        app.extensions["qadam_engine"].dispose()


def user_of(role: Role) -> str:
    return f"{role.value}-matrix"


@pytest.fixture(scope="module")
def role_tokens(token: Callable[..., str]) -> dict[Role, str]:
    """A token for every role, with a whole area (region, district, mahalla), so no refusal comes from a missing area."""
    return {role: token(user_of(role), role.value, region=REGION, district=DISTRICT, mahalla=MAHALLA) for role in Role}


def concrete_path(path: str, operation: dict[str, Any], caller: str) -> str:
    """The path with its parameters filled: unknown ids, and for a user id the caller's own (one's own contact)."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "path":
            continue
        name, schema = parameter["name"], parameter.get("schema", {})
        if schema.get("format") == "uuid":
            value = str(uuid.uuid4())
        elif schema.get("type") == "integer":
            value = "999999"
        elif name == "user_id":
            value = caller
        else:
            value = f"no-such-{name}-{uuid.uuid4().hex[:6]}"
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"a path parameter of {path} is not described in the document"
    return path


def call(client: Any, method: str, path: str, bearer: str | None) -> Any:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return client.open(path, method=method, json=body, headers=headers)


def _problem(response: Any) -> str:
    return f"{response.status_code} {response.get_data(as_text=True)[:300]}"


@pytest.mark.parametrize(("service", "method", "path"), OPERATIONS, ids=[f"{s}:{m}:{p}" for s, m, p in OPERATIONS])
def test_every_role_is_let_in_or_refused_as_the_matrix_declares(clients: dict[str, Any], role_tokens: dict[Role, str],
                                                                service: str, method: str, path: str) -> None:
    allowed = MATRIX[service].get((method, path))
    if allowed is None:
        pytest.fail(f"{method} {path} of {service} is not in tests/access_matrix.py: declare who may call it")
    operation = documented(service)[(method, path)]
    client = clients[service]
    wrong = []
    anonymous = call(client, method, concrete_path(path, operation, "anonymous"), None)
    if allowed == PUBLIC:
        if anonymous.status_code in (401, 403) or anonymous.status_code >= 500:
            wrong.append(f"no token: expected to be let in and answered, got {_problem(anonymous)}")
    elif anonymous.status_code != 401:
        wrong.append(f"no token: expected 401, got {_problem(anonymous)}")
    for role in Role:
        response = call(client, method, concrete_path(path, operation, user_of(role)), role_tokens[role])
        if allowed == PUBLIC or role in allowed:
            if response.status_code in (401, 403):
                wrong.append(f"{role.value}: allowed, but refused with {_problem(response)}")
            elif response.status_code >= 500:  # let in, then failed: the door is right, the service is not
                wrong.append(f"{role.value}: allowed, but the service failed with {_problem(response)}")
        elif response.status_code != 403:
            wrong.append(f"{role.value}: not allowed, expected 403, got {_problem(response)}")
        elif not response.content_type.startswith("application/problem+json"):
            wrong.append(f"{role.value}: the 403 is not problem+json ({response.content_type})")
    assert not wrong, f"{service} {method} {path}:\n  " + "\n  ".join(wrong)


# -- 2b. the analyst: aggregates, never a man's record -----------------------------------------------------------------
# The aggregate routes, each asked as a dashboard asks it (notify reports one region at a time); every other route
# returns a man's record, a code or a free text, or changes something, and refuses an analyst.
AGGREGATES = {("enrollment", "GET", "/reports/completion"), ("notify", "GET", "/figures"),
              ("sessions", "GET", "/reports/fidelity"), ("sessions", "GET", "/reports/workload"),
              ("enrollment", "GET", "/reports/rollup"), ("notify", "GET", "/figures/regions"),
              ("enrollment", "GET", "/reports/outcomes")}


def test_the_analysts_routes_are_the_aggregates_and_nothing_else() -> None:
    assert {(service, method, path) for service, method, path in OPERATIONS
            if MATRIX[service][(method, path)] != PUBLIC and Role.ANALYST in MATRIX[service][(method, path)]} == AGGREGATES


@pytest.fixture(scope="module")
def analysts(token: Callable[..., str]) -> dict[str, str]:
    """An analyst of the whole country (his token names no region) and one of a region."""
    return {"national": token("analyst-national-matrix", Role.ANALYST.value),
            "regional": token("analyst-regional-matrix", Role.ANALYST.value, region=REGION)}


@pytest.mark.parametrize("reach", ["national", "regional"])
def test_an_analyst_is_refused_every_route_but_the_aggregates(clients: dict[str, Any], analysts: dict[str, str],
                                                              reach: str) -> None:
    wrong = []
    for service, method, path in OPERATIONS:
        if MATRIX[service][(method, path)] == PUBLIC or (service, method, path) in AGGREGATES:
            continue
        operation = documented(service)[(method, path)]
        response = call(clients[service], method, concrete_path(path, operation, f"analyst-{reach}-matrix"),
                        analysts[reach])
        if response.status_code != 403:
            wrong.append(f"{method} {path} of {service}: expected 403, got {_problem(response)}")
    assert not wrong, f"a {reach} analyst got past a door that is not an aggregate's:\n  " + "\n  ".join(wrong)


def test_a_national_analyst_reads_the_whole_country_or_any_region(clients: dict[str, Any],
                                                                  analysts: dict[str, str]) -> None:
    national = {"Authorization": f"Bearer {analysts['national']}"}
    enrollment, notify = clients["enrollment"], clients["notify"]
    country = enrollment.get("/reports/completion", headers=national)
    assert country.status_code == 200 and country.get_json()["region"] is None, _problem(country)
    for region in (REGION, OTHER_REGION):
        report = enrollment.get("/reports/completion", headers=national, query_string={"region": region})
        assert report.status_code == 200 and report.get_json()["region"] == region, _problem(report)
        figures = notify.get("/figures", headers=national, query_string={"region": region})
        assert figures.status_code == 200 and figures.get_json()["region"] == region, _problem(figures)
    # the alert figures come one region at a time, as for an administrator
    assert notify.get("/figures", headers=national).status_code == 422


def test_a_regional_analyst_reads_his_region_and_is_refused_another(clients: dict[str, Any],
                                                                    analysts: dict[str, str]) -> None:
    regional = {"Authorization": f"Bearer {analysts['regional']}"}
    enrollment, notify = clients["enrollment"], clients["notify"]
    for asked in ({}, {"region": REGION}):
        report = enrollment.get("/reports/completion", headers=regional, query_string=asked)
        assert report.status_code == 200 and report.get_json()["region"] == REGION, _problem(report)
        figures = notify.get("/figures", headers=regional, query_string=asked)
        assert figures.status_code == 200 and figures.get_json()["region"] == REGION, _problem(figures)
    for client, path in ((enrollment, "/reports/completion"), (notify, "/figures")):
        other = client.get(path, headers=regional, query_string={"region": OTHER_REGION})
        assert other.status_code == 403 and other.content_type.startswith("application/problem+json"), _problem(other)


# -- 3. tokens that must not open anything --------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def bad_tokens(jwt_keys: tuple[Path, Path]) -> dict[str, str]:
    """Tokens a service must refuse, each with an administrator's claims (the widest door, if it opened)."""
    private, public_pem = jwt_keys[0].read_bytes(), jwt_keys[1].read_bytes()
    settings = Settings()
    good = {"issuer": settings.jwt_issuer, "audience": settings.jwt_audience, "user_id": "intruder",
            "role": Role.ADMINISTRATOR, "region": REGION, "district": DISTRICT}
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    now = int(time.time())
    claims = {"sub": "intruder", "role": "administrator", "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
              "iat": now, "exp": now + 3600}
    unsigned_header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    hs_header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    hs_signature = _b64(hmac.new(public_pem, f"{hs_header}.{payload}".encode(), hashlib.sha256).digest())
    return {
        "expired": issue_token(private, **good, ttl_seconds=600, now=time.time() - 7200),
        "forged (another key)": issue_token(other_key, **good),
        "wrong audience": issue_token(private, **{**good, "audience": "someone-else"}),
        "wrong issuer": issue_token(private, **{**good, "issuer": "https://evil.example"}),
        "unknown role": jwt.encode({**claims, "role": "superuser"}, private, algorithm="RS256"),
        "alg none": f"{unsigned_header}.{payload}.",
        "HS256 with the public key": f"{hs_header}.{payload}.{hs_signature}",
        "no expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, private, algorithm="RS256"),
        "not a token": "not-a-jwt",
        "tampered claims": _tampered(issue_token(private, **{**good, "role": Role.PSYCHOLOGIST}), claims),
        # signed with the portal's key, but not as the portal signs: living a year, or `exp` as text
        "living a year": issue_token(private, **good, ttl_seconds=365 * 86400),
        "exp as text": jwt.encode({**claims, "exp": str(now + 600)}, private, algorithm="RS256"),
    }


def _tampered(token: str, claims: dict[str, Any]) -> str:
    """A real token whose payload was swapped for an administrator's, its signature kept."""
    header, _, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


@pytest.mark.parametrize("service", SERVICES)
def test_expired_forged_and_foreign_tokens_are_refused_with_401(clients: dict[str, Any], bad_tokens: dict[str, str],
                                                                service: str) -> None:
    protected = [(m, p, op) for (m, p), op in documented(service).items() if MATRIX[service].get((m, p)) != PUBLIC]
    assert protected
    wrong = []
    for kind, bad in bad_tokens.items():
        for method, path, operation in protected:
            response = call(clients[service], method, concrete_path(path, operation, "intruder"), bad)
            if response.status_code != 401:
                wrong.append(f"{kind}: {method} {path} answered {_problem(response)}")
    assert not wrong, f"{service} let a bad token through:\n  " + "\n  ".join(wrong)


# -- 4. record-level scoping, with real data --------------------------------------------------------------------------
def status(story: Story, method: str, service: str, path: str, who: str) -> int:
    return story.call(method, service, path, who).status_code


@pytest.fixture(scope="module")
def scoped(system: Any, token: Callable[..., str]) -> dict[str, Any]:
    """Two groups, one in Nukus (Qoraqalpogʻiston), one in Gʻijduvon (Buxoro); a session with attendance and a
    confidential note in the Nukus one; every projection they need arrived in sessions and risk."""
    here = Story(system.urls, token)
    there = Story(system.urls, token, region=OTHER_REGION, district=OTHER_DISTRICT)
    group, far_group = here.set_up_group(participants=1), there.set_up_group(participants=1)
    cohort_id = group["cohort"]["id"]
    enrolment = group["enrolments"][0]
    wait_until(lambda: status(here, "GET", "sessions", f"/cohorts/{cohort_id}/sessions", here.psychologist) == 200,
               timeout=20, what="sessions to learn of the cohort")
    session = here.schedule(cohort_id, 1, days_ago=2)
    wait_until(lambda: here.call("POST", "sessions", f"/sessions/{session['id']}/attendance", here.psychologist,
                                 {"marks": [{"enrolment_id": enrolment["id"], "status": "present"}]}).status_code == 201,
               timeout=20, what="the roster to reach sessions")
    note = here.ok("POST", "sessions", f"/sessions/{session['id']}/notes", here.psychologist,
                   {"enrolment_id": enrolment["id"], "text": "Spoke of his anger at home; keep an eye."})
    wait_until(lambda: status(here, "GET", "risk", f"/enrolments/{enrolment['id']}/risk", here.psychologist) == 200,
               timeout=20, what="risk to learn of the enrolment")
    s = here.suffix
    return {
        "here": here, "there": there, "group": group, "far_group": far_group, "session": session, "note": note,
        "enrolment": enrolment, "participant_id": enrolment["participant_id"],
        # the same district's other psychologist, who does not facilitate this cohort
        "colleague": token(f"psy-colleague-{s}", "psychologist", region=REGION, district=DISTRICT),
        # an inspector of the same region's other district, and one of the same district, neither assigned
        "next_district_inspector": token(f"insp-chimboy-{s}", "inspector", region=REGION, district="Chimboy"),
        "district_inspector": token(f"insp-nukus-{s}", "inspector", region=REGION, district=DISTRICT),
        "supervisor": token(f"sup-{s}", "supervisor", region=REGION),
        "administrator": here.admin,
    }


def ids(page: dict[str, Any]) -> set[str]:
    return {str(item["id"]) for item in page["items"]}


@pytest.mark.e2e
def test_a_psychologist_sees_only_the_cohorts_he_facilitates(scoped: dict[str, Any]) -> None:
    here, there = scoped["here"], scoped["there"]
    cohort_id, session_id = scoped["group"]["cohort"]["id"], scoped["session"]["id"]
    enrolment_id, participant_id = scoped["enrolment"]["id"], scoped["participant_id"]
    mine = [("enrollment", f"/cohorts/{cohort_id}"), ("enrollment", f"/enrolments/{enrolment_id}"),
            ("enrollment", f"/participants/{participant_id}"), ("sessions", f"/cohorts/{cohort_id}/sessions"),
            ("sessions", f"/sessions/{session_id}"), ("sessions", f"/sessions/{session_id}/attendance"),
            ("sessions", f"/sessions/{session_id}/notes"), ("sessions", f"/enrolments/{enrolment_id}/attendance"),
            ("risk", f"/enrolments/{enrolment_id}/risk")]
    for service, path in mine:
        assert status(here, "GET", service, path, here.psychologist) == 200, (service, path)
        # neither the same district's other psychologist nor another region's: no telling that it exists
        assert status(here, "GET", service, path, scoped["colleague"]) == 404, (service, path)
        assert status(here, "GET", service, path, there.psychologist) == 404, (service, path)
    assert cohort_id in ids(here.ok("GET", "enrollment", "/cohorts", here.psychologist, status=200))
    assert cohort_id not in ids(here.ok("GET", "enrollment", "/cohorts", scoped["colleague"], status=200))
    assert cohort_id not in ids(here.ok("GET", "enrollment", "/cohorts", there.psychologist, status=200))
    assert session_id in ids(here.ok("GET", "sessions", "/sessions", here.psychologist, status=200))
    assert session_id not in ids(here.ok("GET", "sessions", "/sessions", scoped["colleague"], status=200))
    # nor may the colleague write into a group that is not his
    assert here.call("POST", "sessions", f"/sessions/{session_id}/notes", scoped["colleague"],
                     {"enrolment_id": enrolment_id, "text": "not mine to write"}).status_code == 404


@pytest.mark.e2e
def test_a_404_for_a_record_outside_the_callers_area_reads_exactly_as_one_for_a_record_that_does_not_exist(
        scoped: dict[str, Any]) -> None:
    """No telling what exists: the body of a refusal is the body for an id that names nothing, byte for byte but for
    the id itself (one request id for both, as the story sends)."""
    here, there = scoped["here"], scoped["there"]
    enrolment_id, participant_id = scoped["enrolment"]["id"], scoped["participant_id"]
    session_id, cohort_id = scoped["session"]["id"], scoped["group"]["cohort"]["id"]
    reads = [("enrollment", "/enrolments/{}", enrolment_id), ("enrollment", "/participants/{}", participant_id),
             ("enrollment", "/cohorts/{}", cohort_id), ("sessions", "/sessions/{}", session_id),
             ("sessions", "/sessions/{}/attendance", session_id), ("sessions", "/enrolments/{}/attendance", enrolment_id),
             ("sessions", "/cohorts/{}/sessions", cohort_id), ("risk", "/enrolments/{}/risk", enrolment_id),
             ("risk", "/enrolments/{}/incidents", enrolment_id)]
    for who in (scoped["next_district_inspector"], there.inspector, there.psychologist, scoped["colleague"]):
        for service, path, existing in reads:
            nothing = str(uuid.uuid4())
            refused = here.call("GET", service, path.format(existing), who)
            missing = here.call("GET", service, path.format(nothing), who)
            assert refused.status_code == missing.status_code == 404, (service, path, refused.status_code)
            assert refused.content.replace(existing.encode(), nothing.encode()) == missing.content, (service, path)
    # referring a man of another region to one's own group: as for a man who does not exist
    far_cohort = scoped["far_group"]["cohort"]["id"]
    referral = {"cohort_id": far_cohort, "inspector_id": there.inspector_id, "psychologist_id": there.psychologist_id,
                "referral_source": "inspector_initiative"}
    nothing = str(uuid.uuid4())
    refused = here.call("POST", "enrollment", "/enrolments", there.inspector, {**referral, "participant_id": participant_id})
    missing = here.call("POST", "enrollment", "/enrolments", there.inspector, {**referral, "participant_id": nothing})
    assert refused.status_code == missing.status_code == 422, refused.text
    assert refused.content.replace(participant_id.encode(), nothing.encode()) == missing.content


@pytest.mark.e2e
def test_an_inspector_sees_his_districts_participants_and_no_others(scoped: dict[str, Any]) -> None:
    here, there = scoped["here"], scoped["there"]
    enrolment_id, participant_id = scoped["enrolment"]["id"], scoped["participant_id"]
    session_id = scoped["session"]["id"]
    reads = [("enrollment", f"/enrolments/{enrolment_id}"), ("enrollment", f"/participants/{participant_id}"),
             ("sessions", f"/sessions/{session_id}/attendance"), ("sessions", f"/enrolments/{enrolment_id}/attendance"),
             ("risk", f"/enrolments/{enrolment_id}/risk")]
    for service, path in reads:
        assert status(here, "GET", service, path, here.inspector) == 200, (service, path)  # assigned, and his district
        assert status(here, "GET", service, path, scoped["district_inspector"]) == 200, (service, path)  # his district
        assert status(here, "GET", service, path, scoped["next_district_inspector"]) == 404, (service, path)
        assert status(here, "GET", service, path, there.inspector) == 404, (service, path)
    # a page as long as a page can be: other tests of the run register men in the same district too
    everyone = "/participants?page_size=100"
    assert participant_id in ids(here.ok("GET", "enrollment", everyone, here.inspector, status=200))
    assert participant_id not in ids(here.ok("GET", "enrollment", everyone, there.inspector, status=200))
    assert enrolment_id not in ids(here.ok("GET", "enrollment", "/enrolments", scoped["next_district_inspector"],
                                           status=200))
    assert status(here, "GET", "sessions", f"/sessions/{session_id}/notes", here.inspector) == 403


@pytest.mark.e2e
def test_an_inspector_assigned_an_enrolment_outside_his_district_sees_it_in_enrollment_and_risk(
        scoped: dict[str, Any], token: Callable[..., str]) -> None:
    here = scoped["here"]
    inspector_id = f"insp-assigned-{here.suffix}"
    assigned = token(inspector_id, "inspector", region=REGION, district="Chimboy")
    person = here.ok("POST", "enrollment", "/participants", here.inspector, {
        "full_name": f"Bahodir Assigned {here.suffix}", "birth_date": "1990-01-02", "region": REGION,
        "district": DISTRICT, "preferred_language": "uz-Latn"})
    enrolment = here.ok("POST", "enrollment", "/enrolments", here.manager, {  # the manager assigns staff
        "participant_id": person["id"], "cohort_id": scoped["group"]["cohort"]["id"], "inspector_id": inspector_id,
        "psychologist_id": here.psychologist_id, "referral_source": "inspector_initiative"})
    assert status(here, "GET", "enrollment", f"/enrolments/{enrolment['id']}", assigned) == 200
    assert status(here, "GET", "enrollment", f"/participants/{person['id']}", assigned) == 200
    wait_until(lambda: status(here, "GET", "risk", f"/enrolments/{enrolment['id']}/risk", here.inspector) == 200,
               timeout=20, what="risk to learn of the enrolment")
    assert status(here, "GET", "risk", f"/enrolments/{enrolment['id']}/risk", assigned) == 200
    # another inspector of that district, not assigned: nothing
    stranger = token(f"insp-stranger-{here.suffix}", "inspector", region=REGION, district="Chimboy")
    assert status(here, "GET", "enrollment", f"/enrolments/{enrolment['id']}", stranger) == 404
    assert status(here, "GET", "risk", f"/enrolments/{enrolment['id']}/risk", stranger) == 404
    scoped["assigned"] = (enrolment["id"], assigned)


@pytest.mark.e2e
def test_an_inspector_assigned_an_enrolment_outside_his_district_sees_its_attendance(
        scoped: dict[str, Any], token: Callable[..., str]) -> None:
    here = scoped["here"]
    if "assigned" not in scoped:
        test_an_inspector_assigned_an_enrolment_outside_his_district_sees_it_in_enrollment_and_risk(scoped, token)
    enrolment_id, assigned = scoped["assigned"]
    wait_until(lambda: status(here, "GET", "sessions", f"/enrolments/{enrolment_id}/attendance", here.inspector)
               == 200, timeout=20, what="the roster to reach sessions")
    assert status(here, "GET", "sessions", f"/enrolments/{enrolment_id}/attendance", assigned) == 200
    # another inspector of his district, not assigned: nothing; nor does the assignment open the cohort's sessions
    stranger = token(f"insp-stranger-{here.suffix}", "inspector", region=REGION, district="Chimboy")
    assert status(here, "GET", "sessions", f"/enrolments/{enrolment_id}/attendance", stranger) == 404
    cohort_id = scoped["group"]["cohort"]["id"]
    assert status(here, "GET", "sessions", f"/cohorts/{cohort_id}/sessions", assigned) == 404


@pytest.mark.e2e
def test_a_manager_sees_his_regions_lists_and_never_a_confidential_note(scoped: dict[str, Any]) -> None:
    here, there = scoped["here"], scoped["there"]
    cohort_id, session_id, enrolment_id = (scoped["group"]["cohort"]["id"], scoped["session"]["id"],
                                           scoped["enrolment"]["id"])
    assert cohort_id in ids(here.ok("GET", "enrollment", "/cohorts", here.manager, status=200))
    assert cohort_id not in ids(here.ok("GET", "enrollment", "/cohorts", there.manager, status=200))
    assert enrolment_id in ids(here.ok("GET", "enrollment", "/enrolments", here.manager, status=200))
    assert enrolment_id not in ids(here.ok("GET", "enrollment", "/enrolments", there.manager, status=200))
    assert session_id in ids(here.ok("GET", "sessions", "/sessions", here.manager, status=200))
    assert session_id not in ids(here.ok("GET", "sessions", "/sessions", there.manager, status=200))
    assert status(here, "GET", "enrollment", f"/cohorts/{cohort_id}", there.manager) == 404
    assert status(here, "GET", "sessions", f"/sessions/{session_id}/attendance", there.manager) == 404
    # aggregates: his own region's report, not another's
    assert here.ok("GET", "enrollment", "/reports/completion", here.manager, status=200)["region"] == REGION
    assert status(here, "GET", "enrollment", f"/reports/completion?region={OTHER_REGION}", here.manager) == 403
    # a participant's personal record is not a manager's to read
    assert status(here, "GET", "enrollment", f"/participants/{scoped['participant_id']}", here.manager) == 403
    # confidential notes: their psychologist only; whatever the rank, everyone else is refused
    for who in (here.manager, here.inspector, scoped["supervisor"], scoped["administrator"]):
        assert status(here, "GET", "sessions", f"/sessions/{session_id}/notes", who) == 403
    notes = here.ok("GET", "sessions", f"/sessions/{session_id}/notes", here.psychologist, status=200)
    assert [n["id"] for n in notes] == [scoped["note"]["id"]]


@pytest.mark.e2e
def test_a_token_without_the_area_its_role_needs_sees_nothing(scoped: dict[str, Any], token: Callable[..., str]) -> None:
    here = scoped["here"]
    cohort_id, session_id, enrolment_id = (scoped["group"]["cohort"]["id"], scoped["session"]["id"],
                                           scoped["enrolment"]["id"])
    s = here.suffix
    no_region_manager = token(f"mgr-nowhere-{s}", "manager")
    no_district_inspector = token(f"insp-nowhere-{s}", "inspector", region=REGION)
    no_region_supervisor = token(f"sup-nowhere-{s}", "supervisor")
    for who in (no_region_manager, no_district_inspector, no_region_supervisor):
        assert ids(here.ok("GET", "enrollment", "/cohorts", who, status=200)) == set()
        assert ids(here.ok("GET", "enrollment", "/enrolments", who, status=200)) == set()
        assert ids(here.ok("GET", "sessions", "/sessions", who, status=200)) == set()
        assert status(here, "GET", "enrollment", f"/cohorts/{cohort_id}", who) == 404
        assert status(here, "GET", "enrollment", f"/enrolments/{enrolment_id}", who) == 404
        assert status(here, "GET", "sessions", f"/sessions/{session_id}", who) == 404
        assert status(here, "GET", "risk", f"/enrolments/{enrolment_id}/risk", who) == 404
    assert status(here, "GET", "enrollment", "/reports/completion", no_region_manager) == 403


@pytest.mark.e2e
def test_an_assigned_inspectors_token_without_a_district_sees_nothing(scoped: dict[str, Any],
                                                                      token: Callable[..., str]) -> None:
    """His own user id, the one the enrolment names as its inspector, but no district on the token: the assignment
    opens nothing either (a token without the area its role needs sees nothing, whoever it names)."""
    here = scoped["here"]
    enrolment_id, participant_id = scoped["enrolment"]["id"], scoped["participant_id"]
    assert scoped["enrolment"]["inspector_id"] == here.inspector_id  # he IS the enrolment's inspector
    no_district = token(here.inspector_id, "inspector", region=REGION)
    reads = [("enrollment", f"/enrolments/{enrolment_id}"), ("enrollment", f"/participants/{participant_id}"),
             ("enrollment", f"/enrolments/{enrolment_id}/transitions"), ("risk", f"/enrolments/{enrolment_id}/risk"),
             ("sessions", f"/enrolments/{enrolment_id}/attendance")]
    for service, path in reads:
        assert status(here, "GET", service, path, here.inspector) == 200, (service, path)  # with his district: his
        assert status(here, "GET", service, path, no_district) == 404, (service, path)
    for service, path in [("enrollment", "/enrolments"), ("enrollment", "/participants"), ("risk", "/flags")]:
        answer = here.call("GET", service, path, no_district)
        assert answer.status_code == 200 and answer.json()["items"] == [], (service, path, answer.text[:300])


@pytest.mark.e2e
def test_a_psychologists_token_without_an_area_sees_nothing(scoped: dict[str, Any], token: Callable[..., str]) -> None:
    here = scoped["here"]
    no_area = token(here.psychologist_id, "psychologist")  # his own id, but no region or district
    cohort_id, session_id = scoped["group"]["cohort"]["id"], scoped["session"]["id"]
    for service, path in [("enrollment", f"/cohorts/{cohort_id}"), ("enrollment", f"/participants/{scoped['participant_id']}"),
                          ("sessions", f"/sessions/{session_id}/notes"),
                          ("risk", f"/enrolments/{scoped['enrolment']['id']}/risk")]:
        assert status(here, "GET", service, path, no_area) == 404, (service, path)
    for service, path in [("enrollment", "/cohorts"), ("enrollment", "/enrolments"), ("sessions", "/sessions"),
                          ("risk", "/flags")]:  # and the lists hold nothing of his
        answer = here.call("GET", service, path, no_area)
        assert answer.status_code == 200 and answer.json()["items"] == [], (service, path)
    with_area = token(here.psychologist_id, "psychologist", region=here.region, district=here.district)
    assert status(here, "GET", "enrollment", f"/cohorts/{cohort_id}", with_area) == 200  # the same man, with his area
