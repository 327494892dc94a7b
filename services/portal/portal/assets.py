"""The portal's static files for a slow line: each named with a hash of its content (`portal.3f9c0a1b2d.css`), so
that a browser keeps it for a year and asks again only once it has changed; pages, style sheets and scripts sent
gzipped (qadam.compression). The favicon at /favicon.ico is an ops route (views/ops.py).

`url_for('static', filename='portal.css')` gives the hashed name by itself: templates name files as before. A file
asked for by its plain name (an old bookmark, a test) is still served, to be revalidated each time."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, send_from_directory
from qadam.compression import Gzip

YEAR = 365 * 24 * 3600
HASH_LENGTH = 10


def hashed_name(name: str, content: bytes) -> str:
    """`portal.css` -> `portal.<first 10 hex digits of the SHA-256 of its content>.css`."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


def static_names(folder: Path) -> dict[str, str]:
    """Each file under `folder` (its path there, with /) -> its hashed name."""
    return {p.relative_to(folder).as_posix(): hashed_name(p.relative_to(folder).as_posix(), p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def init_assets(app: Flask) -> None:
    folder = Path(app.static_folder or "")
    hashed = static_names(folder)
    plain = {v: k for k, v in hashed.items()}
    app.extensions["portal_static_names"] = hashed

    @app.url_defaults
    def _hashed(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in hashed:
            values["filename"] = hashed[values["filename"]]

    def static(filename: str) -> Response:
        if filename in plain:  # its name changes with its content: kept as long as a browser likes
            response = send_from_directory(folder, plain[filename], max_age=YEAR)
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            return response
        response = send_from_directory(folder, filename, max_age=0)
        response.headers["Cache-Control"] = "no-cache"  # kept, but asked again (If-None-Match) before each use
        return response

    app.view_functions["static"] = static
    app.wsgi_app = Gzip(app.wsgi_app)  # type: ignore[method-assign]
