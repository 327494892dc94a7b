"""`/docs`: Swagger UI over the service's `/openapi.json`, served by the service itself, so that it works without
the internet (an Uzbek data centre may not reach a CDN) and under the same strict Content-Security-Policy as every
page Qadam serves (`script-src 'self'`: no inline script; its start is `static/api-docs.js`).

Swagger UI's files come from a Python package that ships them (flask-swagger-ui: its `dist` folder, Swagger UI 5),
installed with the kit's other dependencies, pinned by constraints.txt; only its files are used, not its blueprint.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, send_from_directory, url_for
from markupsafe import escape

from .web import PAGE_HEADERS

SWAGGER_UI = Path(str(files("flask_swagger_ui"))) / "dist"  # its files only, not its blueprint
OWN = Path(__file__).parent / "static"
# the files the page loads: Swagger UI's, and the script that starts it
SERVED = {"swagger-ui.css": SWAGGER_UI, "swagger-ui-bundle.js": SWAGGER_UI,
          "swagger-ui-standalone-preset.js": SWAGGER_UI, "favicon-32x32.png": SWAGGER_UI, "api-docs.js": OWN}

bp = Blueprint("api-docs-ui", __name__)


@bp.get("/docs")
def page() -> Response:
    def asset(name: str) -> str:
        return str(escape(url_for("api-docs-ui.asset", filename=name)))

    title = escape(current_app.config.get("API_TITLE", "API"))
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{asset('swagger-ui.css')}">
<link rel="icon" type="image/png" href="{asset('favicon-32x32.png')}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{escape(url_for('api-docs.openapi_json'))}"></div>
<script src="{asset('swagger-ui-bundle.js')}"></script>
<script src="{asset('swagger-ui-standalone-preset.js')}"></script>
<script src="{asset('api-docs.js')}"></script>
</body>
</html>
"""
    return Response(html, mimetype="text/html", headers={**PAGE_HEADERS, "Cache-Control": "no-cache"})


@bp.get("/docs/<path:filename>")
def asset(filename: str) -> Response:
    folder = SERVED.get(filename)
    if folder is None:
        abort(404)
    response = send_from_directory(folder, filename, max_age=86400)
    response.headers.update(PAGE_HEADERS)
    return response


def init_api_docs(app: Flask) -> None:
    """`/docs` and its files, open to anyone (as `/openapi.json` is)."""
    from .auth import mark_public_endpoint

    app.register_blueprint(bp)
    for endpoint in ("api-docs-ui.page", "api-docs-ui.asset"):
        mark_public_endpoint(app, endpoint)
