"""What request bodies the services read: JSON only. A body in another format is refused with 415 saying so,
instead of being read as no body at all (which answers "missing field" for fields the client did send). A JSON
body that Python's parser takes but that is not JSON a service can keep (NaN, a lone surrogate, nesting past any
body of ours, a number too large for a double such as 1e999) is refused with 400 before a view sees it.

The body is parsed here and again by the arguments' parser: webargs reads the raw bytes with its own `json.loads`
(not `request.get_json`), and Werkzeug's cache of a parsed body is a private attribute, so there is no supported
way to hand this parse on."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

# No body of Qadam's nests deeper than a handful of levels (an instrument's items' answers); far under the depth
# where Python's parser and marshmallow recurse out of stack (about 1,000), which answered 500.
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


class _NotJsonNumber(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJsonNumber(f"`{name}` is not a number JSON has (RFC 8259); send a number, or null.")


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or exponent as a float; one past a double's range (1e999, -1e400), which
    Python reads as ±inf without asking `parse_constant`, is refused as Infinity itself is."""
    value = float(text)
    if not math.isfinite(value):
        raise _NotJsonNumber(f"`{text}` is beyond the largest number this API takes (about 1.8e308); "
                             f"send a finite number, or null.")
    return value


def json_body_refusal(raw: bytes) -> str | None:
    """Why a body that parses as JSON (in Python's lenient reading) cannot be taken, or None. A body that does not
    parse at all is None too: the arguments' parser answers that with its own 400."""
    try:
        document = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotJsonNumber as exc:
        return str(exc)
    except RecursionError:
        return f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels; no request of this API nests so deep."
    except ValueError:
        return None
    return _refusal_within(document)


def _refusal_within(document: Any) -> str | None:
    """Walks the document without recursion: too deep, or a lone surrogate in a string or a key."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return ("A string holds a lone UTF-16 surrogate (such as \\ud800), which is no character and "
                        "cannot be stored; send the text as UTF-8, or a surrogate pair for a character above U+FFFF.")
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels; no request of this API nests so deep."
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
    return None


def takes_json_body(app: Flask, endpoint: str, method: str) -> bool:
    """Whether the view behind `endpoint` and `method` reads a JSON body (flask-smorest `@blp.arguments`)."""
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, method.lower(), None) if view_class is not None else view
    parameters = getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(p.get("in") == "json" for p in parameters)


def refuse_bodies_not_json(app: Flask) -> None:
    """A request to a JSON endpoint that carries a body of another type (text/plain, a form, XML, none named) is
    a 415 problem. A request without a body goes on, so authentication and validation answer it as before."""

    @app.before_request
    def _json_bodies_only() -> None:
        if request.method not in ("POST", "PUT", "PATCH") or request.endpoint is None:
            return
        if request.is_json:
            refusal = json_body_refusal(request.get_data(cache=True))
            if refusal:
                raise BadRequest(refusal)
            return
        has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "")
        if has_body and takes_json_body(app, request.endpoint, request.method):
            sent = request.headers.get("Content-Type") or "no Content-Type"
            raise UnsupportedMediaType(f"This endpoint reads a JSON body: send it with `Content-Type: application/json` "
                                       f"(this request sent {sent}).")
