"""create_app for the portal: server-rendered pages (little JavaScript, light on a slow connection), sign-in, the
published keys (JWKS), health and metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, render_template, request
from qadam.audit import init_audit
from qadam.config import refuse_unfit_for_production
from qadam.db import make_session_factory, make_web_engine
from qadam.errors import problem_response
from qadam.log import configure_logging, get_logger
from qadam.sealing import derived_keys
from qadam.web import init_correlation, init_metrics_listener
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import SERVICE
from .assets import init_assets
from .backend import ServiceError
from .i18n import init_i18n
from .settings import PortalSettings
from .views import admin, auth, documents, home, inspector, manager, manager_national, ops, psychologist, supervisor, support
from .websession import init_websession

log = get_logger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The portal; `config` overrides settings read from the environment (and `TESTING` and the like)."""
    overrides = dict(config or {})
    flask_config = {k: overrides.pop(k) for k in list(overrides) if k.isupper()}
    settings = PortalSettings.from_env(SERVICE, **overrides)
    refuse_unfit_for_production(settings)
    configure_logging(SERVICE, fmt=settings.log_format, level=settings.log_level)
    app = Flask(SERVICE)
    app.config.update(MAX_CONTENT_LENGTH=1024 * 1024, TEMPLATES_AUTO_RELOAD=False, **flask_config)
    app.extensions["qadam_settings"] = settings
    init_assets(app)  # static files named by their content, cached long; pages, styles and scripts gzipped
    if settings.portal_trusted_proxies:  # behind an ingress: the client's address and scheme from its headers
        n = settings.portal_trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    engine = make_web_engine(settings.database_url)
    app.extensions["qadam_engine"] = engine
    app.extensions["qadam_sessions"] = make_session_factory(engine)
    init_correlation(app, SERVICE)
    init_metrics_listener(app, settings.web_metrics_port)  # /metrics on the internal port only
    init_i18n(app, settings.time_zone)
    init_websession(app, settings)
    # after the sign-in check, which names the user (g.principal) for the audit row; a page that cannot be
    # recorded is not shown
    init_audit(app, on_failure=lambda: Response(render_template("error.html", status=503, reason="audit"), 503))
    # Flask's own signed cookie carries only one-off messages ("saved") to the next page
    app.secret_key = derived_keys(settings, "portal-flash")[0]
    app.config.update(SESSION_COOKIE_NAME=("__Host-" if settings.portal_secure_cookies else "") + "qadam_flash",
                      SESSION_COOKIE_SECURE=settings.portal_secure_cookies, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    home.init_menu(app)
    for module in (ops, auth, home, psychologist, inspector, supervisor, manager, manager_national, admin, support, documents):
        app.register_blueprint(module.bp)
    _error_pages(app)
    return app


_NOT_GIVEN_BACK = ("csrf", "idem", "password", "secret", "code", "next")


def _error_pages(app: Flask) -> None:
    """Errors as pages in the user's language (JSON endpoints answer problem+json); never a stack trace."""

    def page(status: int, reason: str) -> tuple[str, int]:
        return render_template("error.html", status=status, reason=reason), status

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        status = error.code or 500
        if request.path.startswith(("/.well-known", "/healthz", "/readyz", "/metrics")):
            return problem_response(status, error.name)
        reason = "csrf" if error.description == "csrf" else str(status)
        return page(status, reason)

    @app.errorhandler(ServiceError)
    def _service(error: ServiceError) -> Any:
        # a page that could not get what it needs from a service: say which and why, in words
        status = error.status if error.status in (401, 403, 404, 409, 422, 503) else 502
        g.service_error = error
        if request.method == "POST" and status >= 500:
            # a service away while a form was sent: give back what was typed, so that nothing has to be typed again
            g.typed = [(name, value) for name, value in request.form.items(multi=True)
                       if value.strip() and not any(word in name for word in _NOT_GIVEN_BACK)]
        return page(status, f"service_{status}")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        log.exception("unhandled_error", error=type(error).__name__)
        return page(500, "500")
