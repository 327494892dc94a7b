"""Databases: one per service, SQLAlchemy 2 engines and sessions, and the bus tables every service carries.

The outbox, inbox, idempotency and audit tables live in their own MetaData (`bus_metadata`): the kit's shared
migration branch (`qadam/migrations_shared`) makes them in every service's database, each service's Alembic check
compares them beside its own tables, and the relay and consumer here use them directly.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy import MetaData
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker

from .json_io import use_fast_json_loads

T = TypeVar("T")
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """The MetaData a service's DeclarativeBase uses: one naming convention for every constraint."""
    return MetaData(naming_convention=NAMING_CONVENTION)


bus_metadata = service_metadata()

outbox = sa.Table(
    "outbox",
    bus_metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True, comment="the event id, also the AMQP message_id"),
    sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
    sa.Column("exchange", sa.String(100), nullable=False),
    sa.Column("routing_key", sa.String(200), nullable=False),
    sa.Column("envelope", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Index("ix_outbox_unsent", "seq", postgresql_where=sa.text("sent_at IS NULL")),
)

inbox = sa.Table(
    "inbox",
    bus_metadata,
    sa.Column("message_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("type", sa.String(200), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("ix_inbox_received_at", "received_at"),
)

# A POST with an `Idempotency-Key` header: the key is taken in the request's own transaction, so a retry
# either finds the first request done (and gets its answer) or waits for it; nothing is recorded twice.
idempotency_record = sa.Table(
    "idempotency_record",
    bus_metadata,
    sa.Column("user_id", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False, comment="sha256 of method, path and body"),
    sa.Column("status", sa.Integer, comment="the first answer's status; NULL until it is stored"),
    sa.Column("response", JSONB),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("ix_idempotency_record_created_at", "created_at"),
)

# Who read or wrote what, through a service's API (qadam.audit): append-only, each row chained to the one before
# by `prev_hash`, so a changed or removed row shows when the chain is verified (`qadam audit verify`).
audit_log = sa.Table(
    "audit_log",
    bus_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user_id", sa.String(100), nullable=False),
    sa.Column("role", sa.String(30), nullable=False),
    sa.Column("action", sa.String(5), nullable=False, comment="read (GET, HEAD) or write"),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("route", sa.String(300), nullable=False, comment="the URL rule, never the path or query string"),
    sa.Column("record", JSONB, nullable=False, comment="the ids named in the path"),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("address", sa.String(64)),
    sa.Column("reason", sa.String(500), comment="X-Audit-Reason, when given"),
    sa.Column("correlation_id", sa.String(200)),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.CheckConstraint("action IN ('read', 'write')", name="action"),
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_user_id", "user_id", "at"),
)

# The channel the outbox's trigger NOTIFYs at each commit of new rows (the trigger is the shared migration
# qadam_0001's, which carries this name frozen): the relay LISTENs on it.
OUTBOX_CHANNEL = "qadam_outbox"


def make_engine(url: str, *, custom_plans: bool = True, **kwargs: Any) -> Engine:
    """An engine whose every statement is planned for the values it is given (`plan_cache_mode=force_custom_plan`),
    unless `custom_plans` is False.

    The driver prepares a statement run often, and PostgreSQL then plans a prepared statement once for any values
    (a generic plan) and keeps that plan until the table's statistics change. A plan made while a table was nearly
    empty (a new installation, a worker started on a fresh database) reads the whole table, and goes on doing so
    until autovacuum next analyses it: risk's facts of one man took a scan of every mark, some 4 ms a statement at
    60,000 marks and more with every mark after. Planned for the values, the index is used whatever the table held
    when the statement was first prepared. Web processes plan once (`make_web_engine`)."""
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
    options.update(kwargs)
    if custom_plans:
        connect_args = dict(options.pop("connect_args", {}))
        connect_args["options"] = " ".join(filter(None, (connect_args.get("options"), CUSTOM_PLANS)))
        options["connect_args"] = connect_args
    engine = sa.create_engine(url, **options)
    sa.event.listen(engine, "connect", use_fast_json_loads)  # json and jsonb read by orjson (qadam.json_io)
    return engine


CUSTOM_PLANS = "-c plan_cache_mode=force_custom_plan"
# a web process's connections are made again after this long: a generic plan made on a nearly empty table lasts no
# longer than that, whether or not autovacuum has analysed the table since
WEB_CONNECTION_SECONDS = 600


def make_web_engine(url: str) -> Engine:
    """A web process's engine: PostgreSQL's generic plans (a request's statements find rows by key, and planning each
    one again cost the write path a tenth of its marks a second: 377 against 341 /s), each connection renewed after
    WEB_CONNECTION_SECONDS. No ping per checkout (a round trip per request): a connection found dead answers 503 once,
    and SQLAlchemy then discards every pooled connection older than the failure, so the next request reconnects."""
    return make_engine(url, custom_plans=False, pool_pre_ping=False, pool_recycle=WEB_CONNECTION_SECONDS)


def make_session_factory(engine: Engine, *, publisher: str | None = None) -> sessionmaker[Session]:
    """Sessions over `engine`; made for a service (`publisher`), they refuse to write another producer's event."""
    return sessionmaker(engine, expire_on_commit=False, info={"publisher": publisher} if publisher else None)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


_LOCK_KEYS = sa.text("SELECT pg_advisory_xact_lock(h) FROM (SELECT hashtextextended(x, 0) AS h "
                     "FROM unnest(CAST(:names AS text[])) AS x ORDER BY x) AS ordered")


def locking(keys: Iterable[object]) -> tuple[sa.TextClause, dict[str, list[str]]]:
    """The statement of `lock_keys` and its parameters, to be sent with others (qadam.together)."""
    return _LOCK_KEYS, {"names": sorted({str(k) for k in keys})}


def lock_keys(session: Session, keys: Iterable[object]) -> None:
    """Transaction-scoped advisory locks on named things (ids, names), even before any row of them exists (FOR UPDATE
    locks nothing then). Taken in one sorted order, so two transactions cannot deadlock."""
    session.execute(*locking(keys))


def among(column: sa.ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any] | None = None, *,
          name: str | None = None) -> sa.ColumnElement[bool]:
    """`column IN values` with the values as one array parameter (`= ANY`): one statement however many there are.
    An IN list of n parameters is a statement of its own for each n, rendered and converted by the driver afresh
    every time and never prepared: on a consumer's hot path, where each batch asks for a different number of
    enrolments, that was a cost of its own. With `name` and no values: the parameter `name`, given at execution,
    so that a statement on a hot path is built once (building it and its cache key was a third of the CPU of
    evaluating one enrolment)."""
    item = column.type
    if isinstance(item, sa.String) and not isinstance(item, sa.Enum) and item.length is not None:
        item = sa.String()  # a longer value is not cut to the column's length (to match what it is not)
    if values is None:
        return column == sa.any_(sa.bindparam(name, type_=ARRAY(item)))
    return column == sa.any_(sa.bindparam(name, list(values), type_=ARRAY(item)))


def given_rows(table: sa.Table, columns: Sequence[str], name: str = "rows") -> sa.TableValuedAlias:
    """Rows given as one JSON parameter `name` (`rows_json`), read as `table`'s `columns` (jsonb_to_recordset): a
    statement that inserts from it is the same however many rows there are, compiled and prepared once. A multi-row
    VALUES is a new statement for each number of rows, converted by the driver afresh; an executemany binds and
    sends every row on its own."""
    return (sa.func.jsonb_to_recordset(sa.cast(sa.bindparam(name, type_=sa.Text), JSONB))
            .table_valued(*(sa.column(c, table.c[c].type) for c in columns)).render_derived(with_types=True))


# orjson writes what json.dumps wrote here, several times faster (a recompute's 400,000 flag and event rows: a fifth
# of its time in json.dumps): ids as their text as it writes them itself; days and times handed to `_as_text` as
# before (str(), which PostgreSQL reads back), not in its own form; int keys as text, as json writes them
_ROWS_JSON = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def rows_json(rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows as the JSON parameter of `given_rows` (ids, times and decimals as their text, which PostgreSQL reads
    back). Any other value JSON cannot hold is refused, not written as its repr (a set would land in an array column
    as the text "{'a', 'b'}")."""
    return _dumps(list(rows), _as_text)


def _as_text(value: Any) -> str:
    if isinstance(value, uuid.UUID | datetime | date | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a value a row holds: {value!r}")


def jsonable(data: Any) -> Any:
    """Data as it will read back from a JSONB column (ids, dates and times as their strings)."""
    return json.loads(_dumps(data, str))


def _dumps(data: Any, default: Callable[[Any], Any]) -> str:
    """orjson's text of `data`; where it holds a whole number past 64 bits (orjson's limit: a version or a count
    someone typed, 10**20, which PostgreSQL then refuses with a problem of its own), json's, which writes any."""
    try:
        return orjson.dumps(data, default=default, option=_ROWS_JSON).decode()
    except orjson.JSONEncodeError as e:
        if "64-bit" not in str(e):
            raise
        return json.dumps(data, default=default, ensure_ascii=False, separators=(",", ":"))


class InForce(Generic[T]):
    """The newest version of something kept as versioned data in a table (rules, routing), parsed once per version in
    this process. Its version is read once per transaction (a consumer's batch of events reads it once, not once for
    each event), and again after the transaction itself writes a version (`_forget_versions_written`)."""

    def __init__(self, version: Any, data: Any, parse: Callable[[int, Any], T]) -> None:
        self._version, self._data, self._parse = version, data, parse
        self._parsed: dict[int, T] = {}
        self._newest = sa.select(sa.func.max(version))
        self.table = version.class_.__table__

    def __call__(self, session: Session) -> T:
        version = self._version_known(session)
        if version is None:
            version = session.execute(self._newest).scalar_one()
        return self.settle(session, version)

    def known(self, session: Session) -> T | None:
        """What is in force, if this transaction has read its version already; None if not (read `newest`, with
        other statements perhaps, and `settle` it)."""
        version = self._version_known(session)
        return None if version is None else self.settle(session, version)

    @property
    def newest(self) -> sa.Select[Any]:
        """The statement that reads the version in force (one row, one column)."""
        return self._newest

    def _version_known(self, session: Session) -> Any:
        known = session.info.get(_IN_FORCE, {}).get(self)
        transaction = session.get_transaction()
        return known[1] if known is not None and known[0] is transaction and transaction is not None else None

    def settle(self, session: Session, version: Any) -> T:
        """What is in force at `version`, as read in this transaction (`newest`): later calls in it read no
        version again."""
        seen: dict[InForce[Any], tuple[Any, Any]] = session.info.setdefault(_IN_FORCE, {})
        seen[self] = (session.get_transaction(), version)
        if version not in self._parsed:
            data = session.execute(sa.select(self._data).where(self._version == version)).scalar_one()
            self._parsed[version] = self._parse(version, data)
        return self._parsed[version]

    def forget(self) -> None:
        """Parse again on next use (a test that took its versions back out)."""
        self._parsed.clear()


_IN_FORCE = "qadam.in_force"  # session.info: {InForce: (the transaction, the version it read)}


@sa.event.listens_for(Session, "after_flush")
def _forget_versions_written(session: Session, _context: Any) -> None:
    """A transaction that writes a new version reads the version in force again."""
    seen = session.info.get(_IN_FORCE)
    if seen:
        written = {getattr(row, "__table__", None) for row in session.new}
        for in_force in [i for i in seen if i.table in written]:
            del seen[in_force]


def psycopg_dsn(url: str) -> str:
    """A libpq connection string from a SQLAlchemy URL (for LISTEN connections outside the pool), read as the engine
    reads it: a URL naming several servers (`?host=a:5432&host=b:5432&target_session_attrs=read-write`, or
    `?host=a,b&port=5432,5432&...`) reaches whichever of them is the primary, as the pool's connections do. Rendering
    the URL again for libpq kept the repeated `host` as one server named "b:5432"."""
    from psycopg.conninfo import make_conninfo
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    args, options = PGDialect_psycopg().create_connect_args(make_url(url))
    given = {k: ",".join(map(str, v)) if isinstance(v, list | tuple) else str(v)
             for k, v in options.items() if v is not None}
    return make_conninfo(*args, **given)


def ensure_database(url: str) -> bool:
    """Create the database named in `url` if it does not exist; True when it was created."""
    u = make_url(url)
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}).scalar()
            if exists:
                return False
            conn.execute(sa.text(f'CREATE DATABASE "{u.database}"'))
            return True
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    u = make_url(url)
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    finally:
        admin.dispose()
