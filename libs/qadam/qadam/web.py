"""What every service's Flask app shares: the API document, errors, auth, correlation ids, health, metrics.

`create_service_app` is called by each service's `create_app`; the service adds its blueprints.
"""

from __future__ import annotations

import http
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar, overload

import marshmallow as ma
import sqlalchemy as sa
import structlog
from flask import Flask, Response, abort, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import fields
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException

from . import idempotency, json_io, tracing
from .auth import AccessPolicy, TokenVerifier, init_auth, mark_public_endpoint, public
from .bodies import refuse_bodies_not_json
from .bus import broker_reachable
from .config import Settings, load_settings, refuse_unfit_for_production
from .db import make_session_factory, make_web_engine, transaction
from .errors import PROBLEM_JSON, http_exception_to_problem, register_problem_handlers
from .log import configure_logging, get_logger, new_correlation_id
from .metrics import gauge
from .schema_fields import Integer
from .tracing import configure_tracing

AppSettings = TypeVar("AppSettings", bound=Settings)

log = get_logger(__name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")

HTTP_REQUESTS = Counter("qadam_http_requests_total", "HTTP requests answered", ["service", "method", "endpoint", "status"])
HTTP_LATENCY = Histogram("qadam_http_request_seconds", "HTTP request duration", ["service", "endpoint"],
                         buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))


class ProblemApi(Api):
    """flask-smorest, but every error it raises becomes RFC 9457 problem+json."""

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        return http_exception_to_problem(error)

    def _register_responses(self) -> None:
        """flask-smorest's shared error answers, documented as what they are: `application/problem+json`."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class ProblemSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE  # RFC 9457 extension members: a 409 names `existing_code`, `possible_duplicates`, ...

    type = fields.String()
    title = fields.String()
    status = Integer()
    detail = fields.String()
    correlation_id = fields.String()
    errors = fields.Dict(metadata={"description": "What was wrong with each field"})


ProblemApi.ERROR_SCHEMA = ProblemSchema  # type: ignore[assignment]


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider writing with orjson (`qadam.json_io`): Flask's values, keys sorted as Flask sorts them,
    non-ASCII as UTF-8; what orjson cannot write (an integer past 64 bits), and an indented answer (debug), Flask's
    own way. A country's report by cohort (2.6 MB) took 28 ms to write Flask's way, 5 ms this way."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if all(k == "separators" and tuple(v) == (",", ":") for k, v in kwargs.items()):  # compact, as answers are
            text = json_io.dumps(obj, default=self.default, sort_keys=self.sort_keys)
            if text is not None:
                return text
        return super().dumps(obj, **kwargs)


def create_service_app(settings: Settings, *, title: str, policy: AccessPolicy, version: str = "1.0",
                       verifier: TokenVerifier | None = None) -> tuple[Flask, ProblemApi]:
    """A service's app under `policy` (the roles its tokens may carry, how far each reaches, who reads its audit log);
    a `verifier` given (tests, the API document) must hold the same policy."""
    if verifier is not None and verifier.policy != policy:
        raise ValueError("the token verifier's access policy is not the app's")
    refuse_unfit_for_production(settings)
    configure_logging(settings.service, fmt=settings.log_format, level=settings.log_level)
    app = Flask(settings.service)
    app.json = FastJSONProvider(app)  # orjson's speed, Flask's values (qadam.json_io)
    app.config.update(
        API_TITLE=f"Qadam {title}",
        API_VERSION=version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        # no OPENAPI_SWAGGER_UI_PATH: flask-smorest's page loads Swagger UI from a CDN with an inline script;
        # qadam.api_docs serves /docs from the service itself
        MAX_CONTENT_LENGTH=1 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.extensions["qadam_settings"] = settings
    engine = make_web_engine(settings.database_url)
    app.extensions["qadam_engine"] = engine
    app.extensions["qadam_sessions"] = make_session_factory(engine, publisher=settings.service)

    register_problem_handlers(app)
    api = ProblemApi(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "security": [{"bearer": []}]})
    _mark_document_views_public(app)
    from .api_docs import init_api_docs  # it serves pages with this module's PAGE_HEADERS

    init_api_docs(app)
    init_correlation(app, settings.service)  # first: auth failures must carry the correlation id too
    if configure_tracing(settings):  # next: a request refused by auth is traced too
        init_tracing(app)
    init_metrics_listener(app, settings.web_metrics_port)  # before auth: /metrics elsewhere is 404, not 401
    init_auth(app, verifier or TokenVerifier.from_settings(settings, policy))
    refuse_bodies_not_json(app)  # after auth: a request without a token hears 401 first, whatever it sent
    from .audit import init_audit, search_blueprint  # audit's search uses this module's pagination

    init_audit(app)  # registered before idempotency: the first answer of a write is kept even if its audit fails
    idempotency.init_idempotency(app)
    api.register_blueprint(_operations_blueprint())
    api.register_blueprint(search_blueprint(policy.audit_readers))
    return app, api


def build_app(service: str, blueprints: list[Blueprint], config: Mapping[str, Any] | None = None, *,
              policy: AccessPolicy, verifier: TokenVerifier | None = None) -> Flask:
    """A service's app: its settings (`<service>.settings`) from the environment, `config` overriding them, then its
    blueprints, its access decided under `policy`."""
    settings = load_settings(service, **dict(config or {}))
    app, api = create_service_app(settings, title=service, policy=policy, verifier=verifier)
    for blp in blueprints:
        api.register_blueprint(blp)
    return app


def _mark_document_views_public(app: Flask) -> None:
    for endpoint in app.view_functions:
        if endpoint.startswith("api-docs.") or endpoint == "static":
            mark_public_endpoint(app, endpoint)


SECRET_IN_PATH = "<string:token>"  # name a route's secret part so, and its path is never logged


def route_of_request() -> str:
    """The URL rule the request matched (`/participants/<uuid:participant_id>`), never its path; "unmatched" for
    a 404 of routing. What metrics, the access log and the audit log name a request by."""
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def init_correlation(app: Flask, service: str) -> None:
    """Every request gets a correlation id (X-Request-ID, or a new one), is counted, timed and logged once."""

    @app.before_request
    def _bind() -> None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        cid = incoming if _REQUEST_ID.match(incoming) else new_correlation_id()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=cid)

    @app.after_request
    def _finish(response: Response) -> Response:
        ctx = structlog.contextvars.get_contextvars()
        response.headers["X-Request-ID"] = ctx.get("correlation_id", "")
        endpoint = route_of_request()
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        if endpoint != "/metrics":
            HTTP_REQUESTS.labels(service, request.method, endpoint, response.status_code).inc()
            HTTP_LATENCY.labels(service, endpoint).observe(elapsed)
        # a route whose path is a secret (a signed link is a bearer token) is logged by its pattern, not its path
        path = endpoint if SECRET_IN_PATH in endpoint else request.path
        log.info("http_request", method=request.method, path=path, status=response.status_code,
                 duration_ms=round(elapsed * 1000, 2))
        return response

    @app.teardown_request
    def _clear(_exc: BaseException | None) -> None:
        structlog.contextvars.clear_contextvars()


def init_tracing(app: Flask) -> None:
    """One server span per request (qadam.tracing), child of the caller's `traceparent` header if it sent one: the
    events the request writes to the outbox carry it. Only where tracing is on: otherwise no hook at all."""

    @app.before_request
    def _start_span() -> None:
        g.trace_span = tracing.enter_server_span(request.method, request.headers.get("traceparent"))

    @app.after_request
    def _answered(response: Response) -> Response:
        entered = g.get("trace_span")
        if entered is not None:
            tracing.answered(entered[0], method=request.method, route=route_of_request(),
                             status=response.status_code)
        return response

    @app.teardown_request
    def _end_span(exc: BaseException | None) -> None:
        entered = g.pop("trace_span", None)
        if entered is not None:
            tracing.leave_server_span(entered, exc)


# what the internal listener (QADAM_WEB_METRICS_PORT) answers; /metrics answers there only
INTERNAL_PATHS = frozenset({"/metrics", "/healthz", "/readyz"})


def local_port(environ: Mapping[str, Any]) -> int | None:
    """The port of this machine the request came in on: that of gunicorn's socket, never a header. (A proxy's
    X-Forwarded-Host, which ProxyFix believes behind an ingress, rewrites SERVER_PORT: `Host: example...:9100` would
    otherwise pass for the internal listener.) Outside gunicorn, the server's own SERVER_PORT before ProxyFix."""
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        try:
            return int(sock.getsockname()[1])
        except (OSError, IndexError, TypeError, ValueError):
            return None
    original = environ.get("werkzeug.proxy_fix.orig") or environ
    try:
        return int(original.get("SERVER_PORT", ""))
    except ValueError:
        return None


def init_metrics_listener(app: Flask, port: int) -> None:
    """With an internal port (QADAM_WEB_METRICS_PORT, which `qadam.gunicorn_conf` binds beside the public address):
    `/metrics` answers 404 on the public port, and the internal listener answers only /metrics, /healthz and /readyz.
    Port 0: nothing changes (development on one machine)."""
    if not port:
        return

    @app.before_request
    def _only_metrics_inside() -> None:
        internal = local_port(request.environ) == port
        if (request.path == "/metrics" and not internal) or (internal and request.path not in INTERNAL_PATHS):
            abort(404)


def _operations_blueprint() -> Blueprint:
    blp = Blueprint("operations", __name__, description="Liveness, readiness and metrics")

    @blp.route("/healthz")
    @blp.response(200, HealthSchema)
    @blp.doc(security=[])
    @public
    def healthz() -> dict[str, Any]:
        """The process is alive."""
        return {"status": "ok"}

    @blp.route("/readyz")
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema)
    @blp.doc(security=[])
    @public
    def readyz() -> Any:
        """Ready when the database answers (503 when it does not).

        Whether the broker answers is said too, as information only: the outbox keeps what is written while it is
        away, so a broker outage never takes a web process out."""
        return readiness()

    @blp.route("/metrics")
    @blp.doc(responses={200: {"description": "Prometheus text format"}}, security=[])
    @public
    def metrics() -> Response:
        """Prometheus metrics of this service's web processes."""
        return metrics_response()

    return blp


def readiness() -> tuple[dict[str, Any], int]:
    """/readyz's answer: ready when the app's database answers. The broker's state is in the body as information only:
    a request writes its events into the outbox in its own transaction and the worker's relay sends them when the
    broker is back, so taking every web pod out while it is away would stop what still works."""
    settings: Settings = current_app.extensions["qadam_settings"]
    checks = {"database": _database_ready(), "broker": broker_reachable(settings.amqp_url)}
    status = 200 if checks["database"] else 503
    return {"status": "ok" if status == 200 else "unavailable", "checks": checks}, status


def metrics_response() -> Response:
    """/metrics: Prometheus text of this web process (or of all gunicorn workers, with a multiprocess directory), and
    whether its database and the broker answer now (`qadam_database_up`, `qadam_broker_up`)."""
    settings: Settings = current_app.extensions["qadam_settings"]
    if settings.prometheus_multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=settings.prometheus_multiproc_dir)
        text = generate_latest(registry)
    else:
        text = generate_latest()
    return Response(text + generate_latest(_reachability(settings)), mimetype=CONTENT_TYPE_LATEST)


def _reachability(settings: Settings) -> CollectorRegistry:
    """The database's and the broker's state, read at the scrape (families made now, not gauges: a gauge of a web
    process would be a file per gunicorn worker, each as old as the request that last set it)."""
    families = [gauge(name, f"1 when {what} answered this scrape", ["service"], {(settings.service,): 1.0 if up else 0.0})
                for name, up, what in (("qadam_database_up", _database_ready(), "the service's database"),
                                       ("qadam_broker_up", broker_reachable(settings.amqp_url), "the broker"))]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return registry


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


class HealthSchema(ma.Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.Boolean())


def _database_ready() -> bool:
    try:
        with current_app.extensions["qadam_engine"].connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False


@overload
def settings_of_app() -> Settings: ...


@overload
def settings_of_app(kind: type[AppSettings]) -> AppSettings: ...


def settings_of_app(kind: type[Settings] = Settings) -> Settings:
    """The settings the app was built with; `kind` (the service's own class) types them for what only it reads."""
    settings = current_app.extensions["qadam_settings"]
    if not isinstance(settings, kind):
        raise TypeError(f"this app runs on {type(settings).__name__}, not {kind.__name__}")
    return settings


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for a request's writes (domain rows and outbox rows commit together)."""
    factory: sessionmaker[Session] = current_app.extensions["qadam_sessions"]
    with transaction(factory) as session:
        idempotency.claim(session)  # a POST with an Idempotency-Key: the key commits with the writes
        yield session


@contextmanager
def read_session() -> Iterator[Session]:
    factory: sessionmaker[Session] = current_app.extensions["qadam_sessions"]
    with factory() as session:
        yield session


# -- pages for browsers ---------------------------------------------------------------------------
# What a page Qadam serves to a browser may do: its own scripts and styles only, no frames, nowhere to post but
# itself. A service's own server-rendered pages send the same.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
                "Cross-Origin-Opener-Policy": "same-origin"}


