"""RFC 9457 problem details for every error a service returns, and the exceptions that map to them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, json
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .log import current_correlation_id, get_logger

PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)


class Problem(HTTPException):
    """An error a user can act on: status, a short title, a detail that says what would be right."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, **extensions: Any) -> None:
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.extensions = extensions


def conflict(detail: str, **extensions: Any) -> Problem:
    return Problem(409, detail, **extensions)


def not_found(what: str, ident: object) -> Problem:
    """The 404 of a record asked for by id, whether it does not exist or is not the caller's to see: the two must
    read the same, byte for byte, so name what the caller asked for and the id they sent, never a record found
    behind it (a session's cohort, an enrolment's participant)."""
    return Problem(404, f"No {what} with id {ident} exists (or it is not yours to see).")


def unprocessable(detail: str, errors: dict[str, Any]) -> Problem:
    return Problem(422, detail, errors=errors)


def problem_response(status: int, title: str, detail: str | None = None, **extensions: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    cid = current_correlation_id()
    if cid:
        body["correlation_id"] = cid
    body.update({k: _text_keys(v) for k, v in extensions.items() if v is not None})
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def _text_keys(value: Any) -> Any:
    """`value` with every mapping's keys as text, as JSON has them: marshmallow names a list's items by their index
    (an int) beside the list's own errors (`_schema`), keys that the sorted JSON could not put in order (a 500)."""
    if isinstance(value, Mapping):
        return {str(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_text_keys(v) for v in value]
    return value


def http_exception_to_problem(error: HTTPException) -> Response:
    status = error.code or 500
    title = getattr(error, "title", None) or error.name
    extensions: dict[str, Any] = dict(getattr(error, "extensions", {}) or {})
    detail = error.description
    if isinstance(error, RequestEntityTooLarge) and detail == RequestEntityTooLarge.description:
        detail = _too_large_detail()
    data = getattr(error, "data", None)  # set by webargs / flask-smorest abort
    if data:
        if "messages" in data:
            extensions["errors"] = _flatten_locations(data["messages"])
            detail = "The request is not valid: see `errors` for each field and what it expects."
        if "errors" in data:
            extensions["errors"] = data["errors"]
        if "message" in data:
            detail = data["message"]
    response = problem_response(status, title, detail, **extensions)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="qadam"'
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _too_large_detail() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    size = f"{limit / (1024 * 1024):g} MiB" if limit else "the size this service accepts"
    return f"The request body is larger than {size}; send less in one request (split a long list into several)."


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors by location (json, query); one location is the common case, so lift it."""
    if len(messages) == 1:
        only = next(iter(messages.values()))
        if isinstance(only, dict):
            return only
    return messages


# SQLSTATEs that mean "the database is away", not "this request is wrong": admin shutdown, cannot connect, ...
_UNAVAILABLE = frozenset({"57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006"})


def register_problem_handlers(app: Flask) -> None:
    """Make every 4xx and 5xx a problem+json body: never an HTML page, never a stack trace. (Flask picks the
    handler of the most specific class: an IntegrityError or a DataError never reaches `_database`.)"""

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return http_exception_to_problem(error)

    @app.errorhandler(IntegrityError)
    def _integrity(error: IntegrityError) -> Response:
        # Two requests racing past a check-then-insert meet at a unique constraint: the loser gets a 409.
        diag = getattr(error.orig, "diag", None)
        if getattr(error.orig, "sqlstate", None) == "23505":
            constraint = getattr(diag, "constraint_name", None)
            return http_exception_to_problem(conflict(
                "This conflicts with a record that exists already; look it up instead of creating it again.",
                constraint=constraint))
        log.exception("integrity_error")
        return http_exception_to_problem(Problem(500, "Something went wrong on our side; it has been logged.",
                                                 title="Internal Server Error"))

    @app.errorhandler(DataError)
    def _data(error: DataError) -> Response:
        # A value that passed the request's validation but not the database's types (a number past bigint, text
        # with a NUL byte): the request is wrong, not the service. Validation should catch it first; this is the
        # net under it, so the client hears what to change instead of a 500.
        reason = getattr(getattr(error.orig, "diag", None), "message_primary", None) or str(error.orig).splitlines()[0]
        log.warning("data_error", error=reason)
        return http_exception_to_problem(Problem(
            400, f"A value in the request cannot be stored or searched for ({reason}); send a smaller or shorter "
                 "value, without control characters.", title="Bad Request"))

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError) -> Response:
        sqlstate = getattr(error.orig, "sqlstate", "")
        # A connection that could not be made (refused, reset, "the database system is starting up" while it
        # restarts) fails in the driver before any statement, with no SQLSTATE: unavailable, not a bug.
        refused = isinstance(error, OperationalError) and sqlstate is None
        if error.connection_invalidated or refused or sqlstate in _UNAVAILABLE:
            # The database restarted or is unreachable: nothing was written; the client may simply retry.
            log.warning("database_unavailable", error=repr(error.orig))
            response = http_exception_to_problem(Problem(
                503, "The database is unavailable for a moment; nothing was saved. Try again.",
                title="Service Unavailable"))
            response.headers["Retry-After"] = "1"
            return response
        return _unexpected(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled_error", error=type(error).__name__)
        return http_exception_to_problem(
            Problem(500, "Something went wrong on our side; it has been logged. Try again, or give its correlation_id "
                         "to those who run this service.", title="Internal Server Error")
        )
