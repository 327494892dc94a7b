"""Every operation of every service's committed OpenAPI document, fuzzed by schemathesis (issue 9, "Bad input").

Each service's app runs in process (WSGI) on the run's real database; an administrator calls it, since that role
may call most endpoints. For each operation schemathesis generates valid requests (positive) and requests that
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("enrollment", "sessions", "risk", "notify")
EXAMPLES = 25  # per operation and generation mode: ~80 operations x 2 modes x 25 keeps the run near a minute
PROBLEM_JSON = "application/problem+json"


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


def fuzz(schema: Any, app: Any, headers: dict[str, str]) -> int:
    """Run every operation of `schema` against `app`; the number of cases sent."""
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink])
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                nonlocal sent
                sent += 1
                response = case.call(app=app, headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                # nothing in this operation can be made invalid (no parameters, no body, no token needed)
    return sent


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_survives_generated_input(service: str, app_for: Callable[[str], Any],
                                                  token: Callable[..., str], record_property: Any,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    app = app_for(service)
    schema = schemathesis.openapi.from_dict(openapi_document(service, app))
    # Every case carries the administrator's token (sent by `fuzz`): tokens missing, forged or of the wrong role are
    # the access-matrix test's matter. Unknown query parameters are ignored by design (webargs' default for the
    # query string, so a cache-buster or a newer client's filter does no harm), so none are added as "invalid".
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    headers = {"Authorization": f"Bearer {token('fuzz-admin', 'administrator')}"}
    started = time.perf_counter()
    cases = fuzz(schema, app, headers)
    elapsed = time.perf_counter() - started
    record_property("schemathesis_cases", cases)
    with capsys.disabled():  # the count is part of every run's output, not only with -s
        print(f"\nschemathesis: {service}: {cases} cases in {elapsed:.1f}s")
    assert cases > 0
