"""What every service's HTTP surface shares: problem+json, tokens, deny-by-default, health, docs."""

from __future__ import annotations

import time

import marshmallow as ma
import pytest
from flask_smorest import Blueprint
from marshmallow import fields, validate
from qadam.auth import allow, generate_keypair, issue_token
from qadam.web import build_app
from qadam_contracts.roles import ACCESS_POLICY, Role
from qadam_testing import bearer


class Probe(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    sessions_required = fields.Integer(required=True)
    max_unexcused_absences = fields.Integer(required=True)


class Part(ma.Schema):
    kind = fields.String(required=True)
    details = fields.String(required=True)


class Parts(ma.Schema):
    parts = fields.List(fields.Nested(Part), required=True)

    @ma.validates("parts")
    def each_once(self, parts, **_):
        if len({part["kind"] for part in parts}) < len(parts):
            raise ma.ValidationError("Each part once.")


@pytest.fixture(scope="module")
def app(stack):
    return probe_app(stack.base_settings("enrollment"))


def probe_app(settings):
    """Enrollment's settings (its database) under routes of this module's own."""
    blp = Blueprint("probe", __name__)

    @blp.route("/forgotten")
    def forgotten():
        return {"secret": "no access rule was declared"}

    @blp.route("/echo", methods=["POST"])
    @allow(Role.MANAGER)
    @blp.arguments(Probe)
    @blp.response(201, Probe)
    def echo(data):
        return data

    @blp.route("/parts", methods=["PUT"])
    @allow(Role.MANAGER)
    @blp.arguments(Parts)
    def parts(data):
        return {}, 200

    @blp.route("/twice", methods=["POST"])
    @allow(Role.MANAGER)
    def twice():
        import sqlalchemy as sa
        from qadam.web import unit_of_work
        with unit_of_work() as s:
            s.execute(sa.text("INSERT INTO programme (id, lineage_id, name, sessions_required, max_unexcused_absences, "
                              "created_by) VALUES (gen_random_uuid(), gen_random_uuid(), 'probe: inserted twice', 1, 0, "
                              "'probe')"))
        return {}, 201

    @blp.route("/programmes/count")
    @allow(Role.MANAGER)
    def count():
        import sqlalchemy as sa
        from qadam.web import read_session
        with read_session() as s:
            return {"count": s.execute(sa.text("SELECT count(*) FROM programme")).scalar_one()}

    @blp.route("/boom")
    @allow(Role.ADMINISTRATOR)
    def boom():
        raise RuntimeError("database password is hunter2")

    return build_app("enrollment", [blp], settings, policy=ACCESS_POLICY)


@pytest.fixture
def client(app):
    return app.test_client()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"]
    return body


def test_malformed_request_is_422_problem_naming_the_bad_field(client, token):
    manager = token("mgr-1", "manager", region="Toshkent")
    body = assert_problem(client.post("/echo", json={"name": "", "sessions_required": "eight"},
                                      headers=bearer(manager)), 422)
    assert set(body["errors"]) == {"name", "sessions_required", "max_unexcused_absences"}
    assert "Not a valid integer" in body["errors"]["sessions_required"][0]


def test_errors_of_list_items_and_of_the_list_itself_are_one_422_problem(client, token):
    """marshmallow names a list's items by their index (an int) beside the list's own errors (`_schema`): keys that
    cannot be sorted together, which made the problem's JSON fail and the answer a 500 (found by schemathesis on
    enrollment's correction plan)."""
    manager = token("mgr-1", "manager", region="Toshkent")
    body = assert_problem(client.put("/parts", headers=bearer(manager), json={
        "parts": [{"kind": "health", "details": False}, {"kind": "health", "details": False}]}), 422)
    assert body["errors"]["parts"] == {"0": {"details": ["Not a valid string."]},
                                       "1": {"details": ["Not a valid string."]}, "_schema": ["Each part once."]}


def test_no_token_is_401_and_wrong_role_403(client, token):
    assert_problem(client.post("/echo", json={}), 401)
    auditor = token("aud-1", "auditor")
    body = assert_problem(client.post("/echo", json={}, headers=bearer(auditor)), 403)
    assert "auditor may not" in body["detail"]


def test_expired_forged_and_wrong_audience_tokens_are_refused(client, jwt_keys, tmp_path):
    private = jwt_keys[0].read_bytes()
    expired = issue_token(private, user_id="u", role="manager", issuer="qadam-portal", audience="qadam",
                          ttl_seconds=60, now=time.time() - 3600)
    assert "expired" in assert_problem(client.post("/echo", json={}, headers=bearer(expired)), 401)["detail"]
    generate_keypair(tmp_path / "k", tmp_path / "k.pub")
    forged = issue_token((tmp_path / "k").read_bytes(), user_id="u", role="administrator", issuer="qadam-portal",
                         audience="qadam")
    assert_problem(client.post("/echo", json={}, headers=bearer(forged)), 401)
    elsewhere = issue_token(private, user_id="u", role="manager", issuer="qadam-portal", audience="another-system")
    assert_problem(client.post("/echo", json={}, headers=bearer(elsewhere)), 401)


def test_losing_a_race_at_a_unique_constraint_is_a_409_not_a_500(client, token):
    manager = bearer(token("mgr-1", "manager", region="Toshkent"))
    assert client.post("/twice", headers=manager).status_code == 201
    body = assert_problem(client.post("/twice", headers=manager), 409)
    assert body["constraint"] == "uq_programme_name"


def test_cors_preflight_needs_no_token(client):
    assert client.options("/echo").status_code == 200


def test_endpoint_without_access_rule_is_closed_to_everyone(client, token):
    body = assert_problem(client.get("/forgotten", headers=bearer(token("admin", "administrator"))), 403)
    assert "no access rule" in body["detail"]


def test_unexpected_error_is_a_500_problem_without_internals(client, token):
    response = client.get("/boom", headers=bearer(token("admin", "administrator")))
    body = assert_problem(response, 500)
    assert body["title"] == "Internal Server Error" and "logged" in body["detail"]
    assert "hunter2" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    assert body["correlation_id"]


def test_unknown_path_and_wrong_method_are_problems_too(client):
    assert_problem(client.get("/nothing-here"), 404)
    assert_problem(client.delete("/healthz"), 405)


def test_request_id_is_echoed_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["X-Request-ID"]) == 36


def test_health_readiness_metrics_and_documents_need_no_token(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready == {"status": "ok", "checks": {"database": True, "broker": True}}
    assert b"qadam_http_requests_total" in client.get("/metrics").data
    spec = client.get("/openapi.json").get_json()
    assert "/echo" in spec["paths"] and "/readyz" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_a_broker_outage_leaves_a_web_process_ready_and_shows_in_its_answer_and_metrics(stack):
    # the outbox keeps what requests write while the broker is away: taking the web pods out would stop what works
    app = build_app("enrollment", [], {**stack.base_settings("enrollment"), "amqp_url": "amqp://guest:guest@127.0.0.1:1/%2F"},
                    policy=ACCESS_POLICY)
    body = app.test_client().get("/readyz")
    assert body.status_code == 200 and body.get_json() == {"status": "ok", "checks": {"database": True, "broker": False}}
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'qadam_broker_up{service="enrollment"} 0.0' in metrics
    assert 'qadam_database_up{service="enrollment"} 1.0' in metrics


def test_a_database_that_does_not_answer_takes_the_web_process_out(stack):
    app = build_app("enrollment", [], {**stack.base_settings("enrollment"),
                                       "database_url": "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"},
                    policy=ACCESS_POLICY)
    body = app.test_client().get("/readyz")
    assert body.status_code == 503 and body.get_json() == {"status": "unavailable",
                                                           "checks": {"database": False, "broker": True}}
    assert 'qadam_database_up{service="enrollment"} 0.0' in app.test_client().get("/metrics").get_data(as_text=True)


def test_a_database_restart_costs_one_503_and_the_pool_recovers(isolated_stack, token):
    import sqlalchemy as sa
    # a database of its own: every connection to it is ended, and the worker's other apps (a service's tests that
    # run on this worker later) keep theirs
    stack = isolated_stack("enrollment")
    client = probe_app(stack.base_settings("enrollment")).test_client()
    manager = bearer(token("mgr-1", "manager", region="Toshkent"))
    assert client.get("/programmes/count", headers=manager).status_code == 200  # a pooled connection now exists
    admin = sa.create_engine(stack.database_url("enrollment"))
    with admin.connect() as c:  # what a PostgreSQL restart does to the pool's connections
        killed = c.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    admin.dispose()
    assert killed >= 1
    response = client.get("/programmes/count", headers=manager)
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "1" and "nothing was saved" in body["detail"]
    assert client.get("/programmes/count", headers=manager).status_code == 200


def test_a_database_that_refuses_connections_or_is_starting_up_is_a_503_not_a_500(stack, token):
    # Found by the fault suite (tests/chaos): while PostgreSQL restarts, a new connection is refused or told "the
    # database system is starting up"; psycopg raises that at connect with no SQLSTATE, and it answered 500 when the
    # database was back in time for the audit row. Here the view's connection is refused; the audit's is not.
    import sqlalchemy as sa
    from qadam_testing import free_port

    blp = Blueprint("down", __name__)
    refusing = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/postgres")

    @blp.route("/count")
    @allow(Role.MANAGER)
    def count():
        with refusing.connect() as c:
            return {"count": c.execute(sa.text("SELECT 1")).scalar_one()}

    app = build_app("enrollment", [blp], stack.base_settings("enrollment"), policy=ACCESS_POLICY)
    response = app.test_client().get("/count", headers=bearer(token("mgr-1", "manager", region="Toshkent")))
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "1" and "nothing was saved" in body["detail"]


def _signed(private: bytes, **claims) -> str:
    """A token with exactly these claims (over a good manager's), signed with the portal's key: what a careless or
    hostile issuer holding a key could send."""
    import jwt
    now = int(time.time())
    base = {"sub": "mgr-1", "role": "manager", "region": "Toshkent", "iss": "qadam-portal", "aud": "qadam",
            "iat": now, "exp": now + 60}
    return jwt.encode({**base, **claims}, private, algorithm="RS256")


def test_a_token_living_longer_than_the_portal_ever_issues_is_refused(client, jwt_keys, stack):
    private = jwt_keys[0].read_bytes()
    longest = stack.settings("enrollment").token_ttl_seconds
    fine = issue_token(private, user_id="mgr-1", role="manager", issuer="qadam-portal", audience="qadam",
                       region="Toshkent", ttl_seconds=longest)
    assert client.get("/programmes/count", headers=bearer(fine)).status_code == 200
    for ttl in (longest + 3600, 365 * 86400):
        forever = issue_token(private, user_id="mgr-1", role="manager", issuer="qadam-portal", audience="qadam",
                              region="Toshkent", ttl_seconds=ttl)
        body = assert_problem(client.get("/programmes/count", headers=bearer(forever)), 401)
        assert "longer than" in body["detail"] and str(longest) in body["detail"]


def test_the_longest_token_life_follows_the_portals_setting_read_by_the_services(stack, jwt_keys):
    from qadam.auth import TokenVerifier
    from qadam.errors import Problem
    private = jwt_keys[0].read_bytes()
    verifier = TokenVerifier.from_settings(stack.settings("enrollment", token_ttl_seconds=300, jwt_leeway_seconds=30),
                                           ACCESS_POLICY)
    ok = issue_token(private, user_id="u", role="manager", issuer="qadam-portal", audience="qadam", ttl_seconds=330)
    assert verifier.verify(ok).user_id == "u"
    hour = issue_token(private, user_id="u", role="manager", issuer="qadam-portal", audience="qadam", ttl_seconds=331)
    with pytest.raises(Problem, match="longer than the 300"):
        verifier.verify(hour)


@pytest.mark.parametrize("exp", ["9999999999", "tomorrow", None, True, [9999999999], {"at": 9999999999}])
def test_a_token_whose_exp_is_not_a_number_is_refused(exp, client, jwt_keys):
    private = jwt_keys[0].read_bytes()
    assert client.get("/programmes/count", headers=bearer(_signed(private))).status_code == 200  # the control
    body = assert_problem(client.get("/programmes/count", headers=bearer(_signed(private, exp=exp))), 401)
    assert "exp" in body["detail"] or "expired" in body["detail"]


def test_a_token_whose_iat_is_text_is_refused(client, jwt_keys):
    private = jwt_keys[0].read_bytes()
    assert_problem(client.get("/programmes/count", headers=bearer(_signed(private, iat=str(int(time.time()))))), 401)


@pytest.mark.parametrize("setting", [None, "900"])
def test_qadam_seed_on_its_own_signs_demo_tokens_for_as_long_as_make_run_s(setting, jwt_keys, monkeypatch):
    """`make run` set the 12 hours only for itself: `qadam seed` run alone signed 5-minute demo tokens."""
    import jwt
    from qadam.auth import TokenVerifier
    from qadam.config import Settings
    from qadam_tools.demo import sign_demo_tokens

    monkeypatch.setenv("QADAM_JWT_PRIVATE_KEY_FILE", str(jwt_keys[0]))
    monkeypatch.setenv("QADAM_JWT_PUBLIC_KEY_FILE", str(jwt_keys[1]))
    monkeypatch.setenv("QADAM_TOKEN_TTL_SECONDS", setting or "")
    if setting is None:
        monkeypatch.delenv("QADAM_TOKEN_TTL_SECONDS")
    tokens = sign_demo_tokens()
    assert set(tokens) == {"MANAGER", "INSPECTOR", "PSYCHOLOGIST", "ADMIN"}
    lives = {(c := jwt.decode(t, options={"verify_signature": False}))["exp"] - c["iat"] for t in tokens.values()}
    assert lives == {12 * 3600 if setting is None else 900}
    # and the services `make run` starts in that environment take them
    verifier = TokenVerifier.from_settings(Settings.from_env("enrollment"), ACCESS_POLICY)
    assert verifier.verify(tokens["MANAGER"]).role == "manager"


def test_the_demo_tokens_file_is_readable_by_its_owner_only(tmp_path):
    import stat

    from qadam_tools.demo import write_demo_tokens
    path = tmp_path / "var" / "demo-tokens.env"
    write_demo_tokens(path, {"MANAGER": "eyJ.a.b"}, {"sessions": "http://127.0.0.1:8002"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "export MANAGER=eyJ.a.b\nexport SESSIONS=http://127.0.0.1:8002\n"
