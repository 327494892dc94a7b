"""Compressed answers for a slow line: a WSGI middleware that gzips text (HTML, CSS, JavaScript, JSON, SVG, CSV)
for a client that accepts it.

Wrap an application's `wsgi_app` with `Gzip`. Each answer of a compressible type, of `minimum_size` bytes or more,
is sent gzipped when the request's Accept-Encoding takes gzip; every such answer says `Vary: Accept-Encoding`, so
that a cache keeps both forms apart. Left as they are: answers already encoded, partial ones (206, Content-Range),
answers to HEAD, and other types (images, spreadsheets: compressed already). The answer is read whole before it is
compressed: meant for pages, style sheets and scripts, not for long streams."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator
from typing import Any

COMPRESSIBLE = ("text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "application/problem+json", "image/svg+xml", "text/csv", "text/plain", "application/xml", "text/xml")
StartResponse = Callable[..., Any]
MAX_KEPT = 256  # compressed answers kept by their strong tag


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (`gzip`, `*`, not `gzip;q=0`)."""
    taken: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name:
            taken[name.strip().lower()] = quality
    if "gzip" in taken:
        return taken["gzip"] > 0
    return taken.get("*", 0) > 0


class Gzip:
    """`app.wsgi_app = Gzip(app.wsgi_app)`: see the module's doc."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], *, minimum_size: int = 512,
                 level: int = 6, types: tuple[str, ...] = COMPRESSIBLE) -> None:
        self.app, self.minimum_size, self.level, self.types = app, minimum_size, level, types
        # an answer with a strong tag is the same bytes every time (a static file): compressed once, kept
        self._packed: dict[str, bytes] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        wanted = environ.get("REQUEST_METHOD") != "HEAD" and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        answer: dict[str, Any] = {}
        written: list[bytes] = []

        def held(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            answer.update(status=status, headers=headers, exc_info=exc_info)
            return written.append

        body = self.app(environ, held)
        if not answer:  # an application that starts its answer only once iterated
            body = _read_whole(body)
        status, headers, exc_info = answer["status"], list(answer["headers"]), answer["exc_info"]
        if not self._compressible(status, headers):
            start_response(status, headers, exc_info)
            return _chain(written, body)
        headers = _vary(headers)
        if not wanted:
            start_response(status, headers, exc_info)
            return _chain(written, body)
        data = b"".join(written) + b"".join(_read_whole(body))
        if len(data) < self.minimum_size:
            start_response(status, headers, exc_info)
            return [data]
        packed = self._compress(data, dict((k.lower(), v) for k, v in headers).get("etag", ""))
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(packed)))]
        headers = [(k, _etag_of_gzip(v) if k.lower() == "etag" else v) for k, v in headers]
        start_response(status, headers, exc_info)
        return [packed]

    def _compress(self, data: bytes, tag: str) -> bytes:
        if not tag or tag.startswith("W/"):
            return gzip.compress(data, compresslevel=self.level, mtime=0)
        if tag not in self._packed:
            if len(self._packed) >= MAX_KEPT:
                self._packed.clear()
            self._packed[tag] = gzip.compress(data, compresslevel=self.level, mtime=0)
        return self._packed[tag]

    def _compressible(self, status: str, headers: list[tuple[str, str]]) -> bool:
        if status[:3] in ("204", "206", "304") or int(status[:3]) < 200:
            return False
        named = {k.lower(): v for k, v in headers}
        if "content-encoding" in named or "content-range" in named:
            return False
        kind = named.get("content-type", "").split(";")[0].strip().lower()
        return kind in self.types


def _vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for i, (key, value) in enumerate(headers):
        if key.lower() == "vary":
            if "accept-encoding" not in value.lower() and value.strip() != "*":
                headers[i] = (key, f"{value}, Accept-Encoding")
            return headers
    return [*headers, ("Vary", "Accept-Encoding")]


def _etag_of_gzip(tag: str) -> str:
    """The compressed form is another representation, so its tag is weak: the same content, other bytes (as nginx
    does). A browser sends it back in If-None-Match, and the application's weak comparison still matches its own
    strong tag: a 304, not the whole file again."""
    if tag.startswith("W/"):
        return tag
    return "W/" + tag


def _read_whole(body: Iterable[bytes]) -> list[bytes]:
    try:
        return list(body)
    finally:
        if hasattr(body, "close"):
            body.close()


def _chain(first: list[bytes], rest: Iterable[bytes]) -> Iterable[bytes]:
    if not first:
        return rest
    return _Chained(first, rest)


class _Chained:
    """What the application wrote with `write()` before it returned, then its iterable; closed as WSGI asks."""

    def __init__(self, first: list[bytes], rest: Iterable[bytes]) -> None:
        self.first, self.rest = first, rest

    def __iter__(self) -> Iterator[bytes]:
        yield from self.first
        yield from self.rest

    def close(self) -> None:
        if hasattr(self.rest, "close"):
            self.rest.close()
