"""`Idempotency-Key` on POSTs that create or record (DESIGN.md): a retried request gets the first answer and
records nothing twice.

The key is taken in the request's own transaction (the first write of its unit of work), so:
- the first request and its key commit together, or neither does (a refused request can be sent again);
- a retry that arrives while the first is still running waits on the key's row, then replays its answer;
- the same key with a different request (another path or body) is a 422: a key names one request.
The first answer is stored right after the commit; a server stopping in between leaves the key without an
answer, and a retry then gets a 409 that says to look the result up rather than guess.
Keys belong to the user who sent them and are kept QADAM_IDEMPOTENCY_HOURS.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, json, request
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .db import idempotency_record
from .errors import Problem
from .log import get_logger

log = get_logger(__name__)
HEADER = "Idempotency-Key"
ANSWER_WAIT_TRIES, ANSWER_WAIT_SECONDS = 40, 0.05  # up to 2 s for a first request that has just committed
REPLAYED = "Idempotent-Replayed"


class _Replay(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def claim(session: Session) -> None:
    """Inside a unit of work: take the request's key, or replay / refuse if it was taken before."""
    key = request.headers.get(HEADER)
    principal = g.get("principal")
    if request.method != "POST" or not key or principal is None or g.get("qadam_idempotency"):
        return
    key = key.strip()
    if not 1 <= len(key) <= 200:
        raise Problem(422, f"{HEADER} is 1 to 200 characters (a UUID is a good key).")
    digest = hashlib.sha256(b"\n".join([request.method.encode(), request.full_path.encode(),
                                        request.get_data()])).hexdigest()
    cutoff = datetime.now(UTC) - timedelta(hours=current_app.extensions["qadam_settings"].idempotency_hours)
    where = (idempotency_record.c.user_id == principal.user_id, idempotency_record.c.key == key)
    insert = (pg_insert(idempotency_record).values(user_id=principal.user_id, key=key, request_hash=digest)
              .on_conflict_do_nothing().returning(idempotency_record.c.key))
    if session.execute(insert).first() is not None:  # the common case: a new key, one statement
        g.qadam_idempotency = (principal.user_id, key)
        return
    first = session.execute(sa.select(idempotency_record).where(*where)).one()
    if first.created_at < cutoff:  # older than the retention: a new request (the purge had not run yet)
        session.execute(sa.delete(idempotency_record).where(*where))
        session.execute(insert)
        g.qadam_idempotency = (principal.user_id, key)
        return
    if first.request_hash != digest:
        raise Problem(422, f"This {HEADER} was used for a different request; a new request takes a new key.")
    # We may have waited on the first request's key: it committed, and its answer is stored just after.
    for _ in range(ANSWER_WAIT_TRIES):
        if first.status is not None:
            break
        time.sleep(ANSWER_WAIT_SECONDS)
        first = session.execute(sa.select(idempotency_record).where(*where)).one()
    if first.status is None:
        raise Problem(409, f"A request with this {HEADER} was recorded, but its answer was not kept; look the result "
                           "up instead of sending the request again.")
    log.info("idempotent_replay", key=key, status=first.status)
    raise _Replay(first.status, first.response)


def init_idempotency(app: Flask) -> None:
    @app.after_request
    def _keep_first_answer(response: Response) -> Response:
        taken = g.pop("qadam_idempotency", None)
        if taken is None or response.status_code >= 400 or not response.is_json:
            return response
        user_id, key = taken
        try:
            with app.extensions["qadam_engine"].begin() as conn:
                conn.execute(sa.update(idempotency_record).where(
                    idempotency_record.c.user_id == user_id, idempotency_record.c.key == key)
                    .values(status=response.status_code, response=response.get_json()))
        except sa.exc.SQLAlchemyError:
            log.warning("idempotent_answer_not_kept", key=key, exc_info=True)
        return response

    @app.errorhandler(_Replay)
    def _replay(replay: _Replay) -> Response:
        response = app.response_class(json.dumps(replay.body), status=replay.status, mimetype="application/json")
        response.headers[REPLAYED] = "true"
        return response


def purge(conn: Connection, hours: int) -> int:
    cutoff = datetime.now(UTC) - timedelta(hours=hours)
    return int(conn.execute(sa.delete(idempotency_record).where(idempotency_record.c.created_at < cutoff)).rowcount or 0)
