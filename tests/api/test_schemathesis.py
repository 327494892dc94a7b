"""Every operation of every service's committed OpenAPI document, fuzzed by schemathesis (issue 9, "Bad input").

Each service's app runs in process (WSGI) on the run's real database. Each operation is called with the token of a
role tests/access_matrix.py allows for it (an administrator's where that role may call it, else the first role
allowed), so every operation gets past the access check: the psychologist-only ones (attendance, amendments,
confidential notes, fidelity) with the token of the psychologist who facilitates a group seeded in sessions, and,
for every other positive case, with that group's cohort, session and enrolment ids in the path, so the operation
reaches a real record and not only a 404. For each operation schemathesis generates valid requests (positive) and requests that
break the document (negative), with a bounded number of examples and a derandomised Hypothesis, so the run is
the same every time. What must hold for every answer:
- never a 5xx;
- the status, content type, headers and body are those the document declares (schemathesis' conformance checks);
- a request that breaks the document is refused with a 4xx (negative data rejection);
- every 4xx is `application/problem+json` that says what was wrong: a non-empty `detail`, and `errors` on a 422.
The number of cases each service answered, and the time it took, is printed in every run's output (not only with
`-s`) and recorded as the test's `schemathesis_cases` property (JUnit XML).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from access_matrix import MATRIX, PUBLIC
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from qadam_contracts.roles import Role
from qadam_testing import Stack, bearer, seed_sessions_cohort
from qadam_tools.system import API_SERVICES
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = Path(__file__).resolve().parents[2]
REGION, DISTRICT = "Qoraqalpogʻiston Respublikasi", "Kegeyli"  # the seeded group's area, on its psychologist's token
EXAMPLES = 25  # per operation and generation mode: ~80 operations x 2 modes x 25 keeps the run near a minute
# ... but an operation that takes neither a query nor a body (the ids in its path its only input, or nothing) has one
# shape of case: an id (the seeded record's in every other positive case, else one that is nowhere) or a string that is
# not one; 25 of them were some 1,300 of the run's 4,100 cases and a quarter of its time, repeating what 10 show
IDS_ONLY_EXAMPLES = 10
# ... and a request that breaks the document (negative) is one broken part each time, refused with a 4xx before any
# work: 10 of them per operation answered every operation with the same statuses as 25 did (each service's operations
# and statuses, compared), in 2,810 cases where 25 took 3,770 (a third of the run's time)
NEGATIVE_EXAMPLES = 10
PROBLEM_JSON = "application/problem+json"


@schemathesis.serializer("application/pdf")
def _pdf_file(ctx: Any, value: Any) -> dict[str, Any]:
    """A file sent as it is: the copy of a paper whose bytes enrollment checks (`POST /documents/{number}/check`)."""
    return {"data": value if isinstance(value, bytes) else str(value).encode()}


def problem_details_on_client_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """A refused request is told what was wrong, in the agreed shape (DESIGN.md, HTTP APIs)."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.split(";")[0].strip() == PROBLEM_JSON, (
        f"{response.status_code} answered as {content_type!r}, not {PROBLEM_JSON}")
    body = json.loads(response.content)
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), f"{response.status_code} without a detail"
    assert body.get("status") == response.status_code, "the body's status differs from the answer's"
    if response.status_code == 422:
        assert isinstance(body.get("errors"), dict) and body["errors"], "a 422 that names no field"
    return True


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection, problem_details_on_client_errors]


def openapi_document(service: str, app: Any) -> dict[str, Any]:
    """The committed document, as it is: public operations say `security: []`, errors are documented as
    `application/problem+json`, and a problem may carry extension members (qadam.web)."""
    return dict(json.loads((ROOT / "services" / service / "openapi.json").read_text()))


def role_for(service: str, method: str, path: str) -> Role:
    """A role the declared matrix lets call the operation: the administrator where he may, else the first allowed."""
    allowed = MATRIX[service][(method, path)]
    if allowed == PUBLIC or Role.ADMINISTRATOR in allowed:
        return Role.ADMINISTRATOR
    return sorted(allowed)[0]


def examples_for(operation: Any, mode: GenerationMode) -> int:
    """How many cases of `mode` an operation gets: fewer where its only inputs are ids in its path, and fewer that
    break the document (see above)."""
    examples = EXAMPLES if operation.query or operation.body else IDS_ONLY_EXAMPLES
    return min(examples, NEGATIVE_EXAMPLES) if mode is GenerationMode.NEGATIVE else examples


def fuzz(schema: Any, app: Any, service: str, headers_for: Callable[[Role], dict[str, str]],
         seeded: dict[str, str], answers: dict[str, Counter[int]]) -> int:
    """Run every operation of `schema` against `app`, each with the headers of a role allowed to call it; in every
    other positive case the path parameters named in `seeded` are set to those records. The number of cases sent;
    the statuses each operation ("METHOD path") answered are counted in `answers`."""
    sent = 0

    def runner(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> Callable[[], None]:
        @settings(max_examples=examples_for(operation, mode), derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink])
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            nonlocal sent
            sent += 1
            # a negative case keeps its parameters: replacing one could make it valid
            if mode is GenerationMode.POSITIVE and sent % 2 and case.path_parameters:
                for name in case.path_parameters:
                    if name in seeded:
                        case.path_parameters[name] = seeded[name]
            response = case.call(app=app, headers=headers)
            answers.setdefault(f"{operation.method.upper()} {operation.path}", Counter())[response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        return run

    for result in schema.get_all_operations():
        operation = result.ok()
        headers = headers_for(role_for(service, operation.method.upper(), operation.path))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                runner(operation, mode, headers)()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                # nothing in this operation can be made invalid (no parameters, no body, no token needed)
    return sent


@pytest.fixture
def seeded_group(service: str, app_for: Callable[[str], Any], token: Callable[..., str],
                 stack: Stack) -> Iterator[tuple[str, dict[str, str]]]:
    """For sessions: a group (cohort, roster of two) as enrollment's events would leave it, one past session with
    both men marked; its psychologist's id and the ids by path parameter name. Nothing for the other services."""
    if service != "sessions":
        yield "psy-fuzz", {}
        return
    psy, enrolments = f"psy-fuzz-{uuid.uuid4().hex[:6]}", [uuid.uuid4(), uuid.uuid4()]
    engine = sa.create_engine(stack.database_url("sessions"), poolclass=sa.NullPool)
    with engine.begin() as c:
        cohort = seed_sessions_cohort(c, region=REGION, district=DISTRICT, facilitator_ids=[psy], sessions_required=12,
                                      roster={e: f"P-2026-{970000 + i:06d}" for i, e in enumerate(enrolments)})
    client, headers = app_for("sessions").test_client(), bearer(token(psy, "psychologist", region=REGION,
                                                                      district=DISTRICT))
    session = client.post(f"/cohorts/{cohort}/sessions", headers=headers, json={
        "number": 1, "scheduled_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat()})
    assert session.status_code == 201, session.get_data(as_text=True)
    session_id = session.get_json()["id"]
    # the second man missed it without excuse: his psychologist owes him a call, whose outcome can be recorded
    marked = client.post(f"/sessions/{session_id}/attendance", headers=headers, json={
        "marks": [{"enrolment_id": str(enrolments[0]), "status": "present"},
                  {"enrolment_id": str(enrolments[1]), "status": "unexcused"}]})
    assert marked.status_code == 201, marked.get_data(as_text=True)
    [call] = client.get("/calls", headers=headers).get_json()["items"]
    yield psy, {"cohort_id": str(cohort), "session_id": session_id, "enrolment_id": str(enrolments[0]),
                "call_id": call["id"]}
    with engine.begin() as c:  # these enrolments exist nowhere else: keep their events off the shared bus
        c.execute(sa.text("DELETE FROM outbox WHERE envelope->'data'->>'cohort_id' = :c"), {"c": str(cohort)})
    engine.dispose()


@pytest.mark.parametrize("service", API_SERVICES)
def test_every_operation_survives_generated_input(service: str, app_for: Callable[[str], Any],
                                                  token: Callable[..., str], record_property: Any,
                                                  seeded_group: tuple[str, dict[str, str]],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    app = app_for(service)
    schema = schemathesis.openapi.from_dict(openapi_document(service, app))
    # Every case carries a token of a role the access matrix allows for its operation (sent by `fuzz`): tokens
    # missing, forged or of the wrong role are the access-matrix test's matter. Unknown query parameters are ignored
    # by design (webargs' default for the query string, so a cache-buster or a newer client's filter does no harm),
    # so none are added as "invalid".
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    psychologist, seeded = seeded_group
    tokens = {role: token(psychologist if role is Role.PSYCHOLOGIST else f"fuzz-{role.value}", role.value,
                          region=REGION, district=DISTRICT) for role in Role}
    tokens[Role.ADMINISTRATOR] = token("fuzz-admin", "administrator")  # across every area
    started = time.perf_counter()
    answers: dict[str, Counter[int]] = {}
    cases = fuzz(schema, app, service, lambda role: bearer(tokens[role]), seeded, answers)
    elapsed = time.perf_counter() - started
    record_property("schemathesis_cases", cases)
    with capsys.disabled():  # the count is part of every run's output, not only with -s
        print(f"\nschemathesis: {service}: {cases} cases in {elapsed:.1f}s")
    assert cases > 0
    # every operation was called, and got past the access check with the token the matrix allows it
    assert set(answers) == {f"{method} {path}" for method, path in MATRIX[service]}
    refused = sorted(op for op, statuses in answers.items() if not set(statuses) - {401, 403})
    assert not refused, f"only ever refused (401/403), so never fuzzed past the access check: {refused}"
    if seeded:  # the seeded group was reached: its psychologist's own operations answered with a 2xx
        own = {f"{method} {path}" for (method, path), allowed in MATRIX[service].items() if allowed == {Role.PSYCHOLOGIST}}
        # (a generated attendance body names enrolments that are not on the roster: always refused, 422)
        own.discard("POST /sessions/{session_id}/attendance")
        reached = {op for op, statuses in answers.items() if any(200 <= status < 300 for status in statuses)}
        assert own and own <= reached, f"never answered 2xx: {sorted(own - reached)}"
