"""The audit log: every authenticated request to a service's API, kept append-only and hash-chained (DESIGN.md).

A row says who (user id and role), what (read or write, the method and the URL rule, the ids in the path), the
answer's status, when, from where (the client address) and why, when the caller gave a reason (`X-Audit-Reason`).
Never the path itself or the query string: a search for a name or a PINFL must not land in the log.

Each row's `hash` is sha256 over the previous row's hash and a canonical JSON of its own fields, so a row changed,
inserted or removed after the fact breaks the chain, which `qadam audit verify <service>` walks; with `--anchors`
it also checks the heads written down at earlier verifications, which catches rows removed from the end. The database
refuses UPDATE, DELETE and TRUNCATE of the table (triggers made by the kit's shared migration qadam_0003).

The row is appended after the view has answered, in a short transaction of its own that holds a fixed advisory
lock (so the rows of one service form one chain): the answer's status is known then, and a slow view never holds
the lock. If the row cannot be written, the answer is replaced by a 503: a read discloses nothing unrecorded. A
write has committed by then (its row would have to join the view's transaction, and hold the chain's lock for the
whole of it, to be atomic); the 503 and an error in the log say so, and a retry with its Idempotency-Key gets the
first answer, recorded this time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Flask, Response, g, request
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .auth import Principal, allow
from .db import audit_log, jsonable
from .errors import Problem, problem_response
from .log import current_correlation_id, get_logger
from .pages import PageArgs, page_schema, paginate
from .schema_fields import Integer
from .together import BEGIN, COMMIT, execute_together
from .web import SECRET_IN_PATH, read_session, route_of_request

log = get_logger(__name__)

REASON_HEADER = "X-Audit-Reason"
REASON_MAX = 500
GENESIS = "0" * 64  # the prev_hash of a service's first row
# pg_advisory_xact_lock key of the chain's tail (one chain per service database): the bytes of "qadamaud"
CHAIN_LOCK = int.from_bytes(b"qadamaud", "big") & 0x7FFFFFFFFFFFFFFF
READS = frozenset({"GET", "HEAD"})
HASHED = ("at", "user_id", "role", "action", "method", "route", "record", "status", "address", "reason",
          "correlation_id")


def canonical(entry: Mapping[str, Any]) -> str:
    """The row's hashed fields as one canonical JSON text (sorted keys, times as UTC ISO 8601)."""
    fields_ = {name: entry.get(name) for name in HASHED}
    at = fields_["at"]
    if isinstance(at, datetime):
        fields_["at"] = at.astimezone(UTC).isoformat()
    return json.dumps(fields_, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(entry)}".encode()).hexdigest()


def append(conn: Connection, entry: Mapping[str, Any]) -> int:
    """Append `entry` to the chain in the connection's (short, own) transaction; the new row's id.

    The chain's lock is taken in a statement of its own (a statement sees what committed before it began, so the
    head must be read by a later one); then one statement reads the head and inserts the row, its hash made by
    PostgreSQL from the head and the row's canonical text as `chain_hash` makes it (which `verify_chain` checks):
    the lock is held for two statements and the commit, not three."""
    conn.execute(_LOCK)
    row = {name: entry.get(name) for name in HASHED}
    return int(conn.execute(_APPEND, {**row, "canonical": canonical(row)}).scalar_one())


def _append_statement() -> sa.Insert:
    head = sa.select(sa.func.coalesce(
        sa.select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1).scalar_subquery(),
        sa.literal(GENESIS)).label("prev")).subquery("head")
    hashed = sa.func.encode(sa.func.sha256(sa.func.convert_to(
        head.c.prev + sa.literal("\n") + sa.bindparam("canonical", type_=sa.Text), sa.literal("UTF8"))),
        sa.literal("hex"))
    given = [sa.bindparam(name, type_=audit_log.c[name].type) for name in HASHED]
    return (audit_log.insert().from_select([*HASHED, "prev_hash", "hash"], sa.select(*given, head.c.prev, hashed))
            .returning(audit_log.c.id))


_LOCK = sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK))
_APPEND = _append_statement()


def append_at_once(engine: Engine, entry: Mapping[str, Any]) -> None:
    """Append `entry` to the chain in a transaction of its own, as `append` does, in one round trip: BEGIN, the
    chain's lock, the row and COMMIT sent together (qadam.together). PostgreSQL runs them one after another as it
    would have (the row's statement still sees what committed before it began, after the lock), and the chain's
    lock is held for no round trip of the network: four of them, every authenticated request, three of them
    holding the lock every other request of the service waits for."""
    row = {name: entry.get(name) for name in HASHED}
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        execute_together(conn, [(BEGIN, {}), (_LOCK, {}), (_APPEND, {**row, "canonical": canonical(row)}),
                                (COMMIT, {})])


def note(**facts: Any) -> None:
    """Add facts to the current request's audit row (its `record`, beside the ids in the path): what a lookup found
    that the path does not say, e.g. that it matched a man of another area. Never what was searched for."""
    g.setdefault("audit_facts", {}).update(facts)


def entry_for(principal: Principal, status: int) -> dict[str, Any]:
    """The audit row of the current request, answered with `status`."""
    rule = route_of_request()
    record = dict(request.view_args or {}) | g.get("audit_facts", {})
    if SECRET_IN_PATH in rule:  # a signed link's secret is a bearer token: its route names it, the row does not
        record.pop("token", None)
    return {
        "at": datetime.now(UTC),
        "user_id": principal.user_id[:100],
        "role": principal.role,
        "action": "read" if request.method in READS else "write",
        "method": request.method,
        "route": rule[:300],
        "record": jsonable(record),
        "status": status,
        "address": (request.remote_addr or "")[:64] or None,
        "reason": _reason()[:REASON_MAX] or None,
        "correlation_id": current_correlation_id() or None,
    }


def _reason() -> str:
    return request.headers.get(REASON_HEADER, "").replace("\x00", "").strip()


def init_audit(app: Flask, on_failure: Callable[[], Response] | None = None) -> None:
    """Record every request that carried a verified token (refusals included), after its answer is known.
    `on_failure` makes the answer given instead when the row cannot be written (default: a problem+json 503)."""

    @app.before_request
    def _check_reason() -> None:
        if len(_reason()) > REASON_MAX:
            raise Problem(422, f"{REASON_HEADER} is at most {REASON_MAX} characters; say why in a sentence.")

    @app.after_request
    def _record(response: Response) -> Response:
        principal: Principal | None = g.get("principal")
        if principal is None:  # public endpoints, and requests refused before a token was verified
            return response
        engine: Engine = app.extensions["qadam_engine"]
        try:
            append_at_once(engine, entry_for(principal, response.status_code))
        except Exception:  # whatever failed, the request must not pass unrecorded
            log.error("audit_not_recorded", method=request.method,
                      route=route_of_request(),
                      status=response.status_code, exc_info=True)
            if on_failure is not None:
                return on_failure()
            return problem_response(503, "Service Unavailable", "The access could not be recorded in the audit log, "
                                    "so its answer is withheld; try again in a moment.")
        return response


# -- verification -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Break:
    """A row whose stored hash or link to the row before it is wrong."""

    id: int
    problem: str


def verify_chain(conn: Connection, *, batch: int = 5000) -> tuple[int, list[Break]]:
    """Walk the chain in id order: (rows checked, every break found)."""
    checked, breaks, prev_hash, prev_id = 0, [], GENESIS, None
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(
        sa.select(audit_log).order_by(audit_log.c.id))
    for row in result.mappings():
        checked += 1
        if row["prev_hash"] != prev_hash:
            before = f"row {prev_id}" if prev_id is not None else "the start of the chain"
            breaks.append(Break(row["id"], f"prev_hash does not link to {before} (a row before it was changed, "
                                           "removed or inserted)"))
        if chain_hash(row["prev_hash"], dict(row)) != row["hash"]:
            breaks.append(Break(row["id"], "hash does not match the row's contents (the row was changed)"))
        prev_hash, prev_id = row["hash"], row["id"]
    return checked, breaks


def chain_head(conn: Connection) -> tuple[int, str] | None:
    """(id, hash) of the chain's newest row, or None when the log is empty."""
    row = conn.execute(sa.select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).first()
    return (int(row[0]), str(row[1])) if row is not None else None


# -- anchors: the chain's head, kept outside the database ----------------------------------------------
# The chain shows a row changed, inserted or removed before the newest, but rows removed from the end (or a
# chain rebuilt from the start by someone who can switch the triggers off) leave a chain that checks. An anchor
# is the head (id, hash) written down elsewhere at a verification: later, that row must still be there, unchanged.
@dataclass(frozen=True)
class Anchor:
    service: str
    id: int
    hash: str
    at: str


def read_anchors(path: Path, service: str) -> list[Anchor]:
    """The anchors of `service` in the file (JSON lines of several services); none when it does not exist yet.
    A last line without its newline is an append cut short (a crash mid-write): it is left out, not an error."""
    if not path.exists():
        return []
    anchors = []
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines[-1].strip():
        log.warning("audit_anchor_incomplete", file=str(path), line=len(lines))
    for number, line in enumerate(lines[:-1], start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            anchor = Anchor(str(d["service"]), int(d["id"]), str(d["hash"]), str(d["at"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number} is not an anchor ({exc})") from None
        if anchor.service == service:
            anchors.append(anchor)
    return anchors


def check_anchors(conn: Connection, anchors: list[Anchor]) -> list[Break]:
    """Every anchored row still in the chain with the hash it had: a break for each that is not."""
    breaks = []
    for anchor in anchors:
        held = conn.execute(sa.select(audit_log.c.hash).where(audit_log.c.id == anchor.id)).scalar()
        if held is None:
            breaks.append(Break(anchor.id, f"was the chain's head when anchored at {anchor.at} and is gone: rows "
                                           "were removed from the end of the chain"))
        elif held != anchor.hash:
            breaks.append(Break(anchor.id, f"differs from its anchor of {anchor.at}: the chain was rebuilt"))
    return breaks


def write_anchor(path: Path, service: str, head: tuple[int, str]) -> Anchor:
    """Append the head to the anchors file (created with its folder when needed)."""
    anchor = Anchor(service, head[0], head[1], datetime.now(UTC).isoformat(timespec="seconds"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        if f.tell() and not path.read_bytes().endswith(b"\n"):
            f.write("\n")  # after a line cut short by a crash: the new anchor starts a line of its own
        f.write(json.dumps(anchor.__dict__, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return anchor


@dataclass(frozen=True)
class Verification:
    checked: int
    breaks: list[Break]
    head: tuple[int, str] | None


def verify_service(database_url: str, anchors: Sequence[Anchor] = ()) -> Verification:
    """Walk the chain of the database at `database_url` and check it against `anchors`."""
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        # one snapshot for the walk, the head and the anchors: the head anchored is a row that was checked
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            checked, breaks = verify_chain(conn)
            return Verification(checked, breaks + check_anchors(conn, list(anchors)), chain_head(conn))
    finally:
        engine.dispose()


# -- search -------------------------------------------------------------------------------------------
class AuditQuery(PageArgs):
    user_id = fields.String(validate=[validate.Length(min=1, max=100), validate.Regexp(r"^[^\x00]*$")])
    since = fields.AwareDateTime(default_timezone=UTC, metadata={"description": "From this time on (inclusive)."})
    until = fields.AwareDateTime(default_timezone=UTC, metadata={"description": "Before this time (exclusive)."})
    route = fields.String(validate=[validate.Length(min=1, max=300), validate.Regexp(r"^[^\x00]*$")],
                          metadata={"description": "A URL rule exactly, e.g. /participants/<uuid:participant_id>."})
    action = fields.String(validate=validate.OneOf(["read", "write"]))
    up_to_id = Integer(validate=validate.Range(min=1), metadata={
        "description": "Only entries up to this id: the first page's newest, so that later pages stay put while new "
                       "entries (the search itself among them) are added."})


class AuditEntrySchema(ma.Schema):
    id = Integer(required=True)
    at = fields.DateTime(required=True)
    user_id = fields.String(required=True)
    role = fields.String(required=True)
    action = fields.String(required=True)
    method = fields.String(required=True)
    route = fields.String(required=True)
    record = fields.Dict(required=True, metadata={"description": "The ids named in the path."})
    status = Integer(required=True)
    address = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    correlation_id = fields.String(allow_none=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


AuditPage = page_schema(AuditEntrySchema, "AuditPage")


def search_blueprint(readers: Iterable[str]) -> Blueprint:
    """GET /audit: this service's audit log, newest first, for the `readers` roles (the access policy's audit readers;
    all of it: the log holds ids, never names, and reading it is reviewing the whole service's record of access)."""
    blp = Blueprint("audit", __name__, description="Who read or wrote what through this service's API")

    @blp.route("/audit")
    @allow(*readers)
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditPage)
    def search(args: dict[str, Any]) -> dict[str, Any]:
        """Search the audit log by user, time, route and action."""
        with read_session() as session:
            return search_page(session, args)

    return blp


def search_page(session: Session, args: Mapping[str, Any]) -> dict[str, Any]:
    """A page of the audit log, newest first, narrowed by the AuditQuery fields given in `args`."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc())
    if args.get("user_id") is not None:
        query = query.where(audit_log.c.user_id == args["user_id"])
    if args.get("since") is not None:
        query = query.where(audit_log.c.at >= args["since"])
    if args.get("until") is not None:
        query = query.where(audit_log.c.at < args["until"])
    if args.get("route") is not None:
        query = query.where(audit_log.c.route == args["route"])
    if args.get("action") is not None:
        query = query.where(audit_log.c.action == args["action"])
    if args.get("up_to_id") is not None:
        query = query.where(audit_log.c.id <= args["up_to_id"])
    return paginate(session, query, dict(args), row=lambda r: dict(r._mapping))
