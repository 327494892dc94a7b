"""Statements sent together (qadam.together): in one round trip (libpq's own trace of the protocol shows every
statement sent before any answer comes back), run in the order given inside the session's transaction, answered as
rows with their columns' names and values as SQLAlchemy reads them, and their errors raised as SQLAlchemy raises
them."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from qadam.db import among, given_rows, locking, make_engine, rows_json
from qadam.together import execute_together
from qadam_testing import round_trips
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "together_thing"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str]
    tags: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(sa.Uuid), server_default="{}")
    facts: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    weight: Mapped[int] = mapped_column(default=7)  # filled in by SQLAlchemy, not by PostgreSQL
    serial: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)


THINGS = Thing.__table__
_GIVEN = given_rows(THINGS, ("id", "name"))
ADD = insert(THINGS).from_select(["id", "name"], sa.select(_GIVEN.c.id, _GIVEN.c.name)).returning(THINGS.c.id)
READ = sa.select(Thing.id, Thing.name, Thing.tags, Thing.facts).where(among(Thing.id, name="ids")).order_by(Thing.name)
COUNT = sa.select(sa.func.count()).select_from(THINGS)
ONE = sa.select(sa.literal(1))


@pytest.fixture
def engine(stack):
    engine = make_engine(stack.database_url("risk"))
    with engine.begin() as c:
        c.execute(sa.text("DROP TABLE IF EXISTS together_thing"))
        Base.metadata.create_all(c)
    yield engine
    with engine.begin() as c:
        c.execute(sa.text("DROP TABLE together_thing"))
    engine.dispose()


def test_every_statement_goes_in_one_round_trip_in_order_and_each_answers_its_rows(engine):
    a, b = uuid.uuid4(), uuid.uuid4()
    with Session(engine) as s, s.begin():
        s.execute(COUNT)  # the transaction begun: what follows is the statements alone
        with round_trips(s) as turns:
            answers = execute_together(s, [
                locking(["thing-a", "thing-b"]),
                (ADD, {"rows": rows_json([{"id": a, "name": "alpha"}, {"id": b, "name": "beta"}])}),
                (READ, {"ids": [str(b), str(a)]}),  # ids as text, as callers give them: the column's type converts them
                (COUNT, {}),
            ])
    assert turns == [4]
    locked, added, read, counted = answers
    assert len(locked) == 2  # a row for each lock taken
    assert sorted(r.id for r in added) == sorted([a, b])
    assert [(r.id, r.name, r.tags, r.facts) for r in read] == [(a, "alpha", [], {}), (b, "beta", [], {})]
    assert read[0]._asdict() == {"id": a, "name": "alpha", "tags": [], "facts": {}}
    assert counted == [(2,)]


def test_a_read_sees_what_the_session_holds_and_what_earlier_statements_wrote(engine):
    first, second, tag = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with Session(engine) as s, s.begin():
        s.add(Thing(id=first, name="pending", tags=[tag], facts={"n": 1}))  # flushed first, as a query would
        (_, read) = execute_together(s, [(ADD, {"rows": rows_json([{"id": second, "name": "written"}])}),
                                         (READ, {"ids": [first, second]})])
    assert [(r.name, r.tags, r.facts) for r in read] == [("pending", [tag], {"n": 1}), ("written", [], {})]


def test_an_error_is_raised_as_sqlalchemy_raises_it_and_the_transaction_keeps_nothing(engine):
    same = uuid.uuid4()
    with pytest.raises(sa.exc.IntegrityError), Session(engine) as s, s.begin():
        execute_together(s, [(ADD, {"rows": rows_json([{"id": same, "name": "one"}])}),
                             (ADD, {"rows": rows_json([{"id": same, "name": "two"}])}),
                             (COUNT, {})])
    with Session(engine) as s:
        assert s.execute(COUNT).scalar_one() == 0
        assert execute_together(s, [(COUNT, {})]) == [[(0,)]]  # the connection is fit to use again


def test_a_lock_held_elsewhere_is_waited_for_before_the_statements_after_it(engine):
    with Session(engine) as holder, holder.begin():
        execute_together(holder, [locking(["held"])])
        with Session(engine) as s, s.begin():
            s.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                execute_together(s, [locking(["held"]), (ADD, {"rows": rows_json([{"id": uuid.uuid4(),
                                                                                 "name": "late"}])})])
    with Session(engine) as s:
        assert s.execute(COUNT).scalar_one() == 0


def test_the_columns_python_defaults_are_filled_in_as_sqlalchemy_would(engine):
    given = uuid.uuid4()
    with Session(engine) as s, s.begin():
        execute_together(s, [(ADD, {"rows": rows_json([{"id": given, "name": "defaulted"}])})])
        row = s.execute(sa.select(Thing.weight, Thing.serial).where(Thing.id == given)).one()
    assert row.weight == 7 and isinstance(row.serial, uuid.UUID)


def test_nothing_to_send_sends_nothing(engine):
    with Session(engine) as s:
        assert execute_together(s, []) == []


def test_a_connection_lost_fails_one_unit_of_work_and_the_pool_makes_the_others_again(stack):
    """As SQLAlchemy does with a disconnect it meets itself: after a restart every pooled connection is dead, and
    the first failure has the pool make the others again at their next checkout (a worker pings none), so the next
    unit of work goes through instead of failing once for each connection pooled."""
    engine = make_engine(stack.database_url("risk"), pool_size=3, max_overflow=0, pool_pre_ping=False)
    held = [engine.connect() for _ in range(3)]
    pids = [c.execute(sa.text("SELECT pg_backend_pid()")).scalar() for c in held]
    for c in held:
        c.close()
    with sa.create_engine(stack.database_url("risk"), poolclass=sa.NullPool).connect() as admin:
        admin.execute(sa.text("SELECT pg_terminate_backend(p) FROM unnest(CAST(:p AS int[])) AS p"), {"p": pids})
    with pytest.raises(sa.exc.OperationalError), Session(engine) as s, s.begin():
        execute_together(s, [(ONE, {})])
    for _ in range(3):
        with Session(engine) as s, s.begin():
            assert execute_together(s, [(ONE, {})]) == [[(1,)]]
    engine.dispose()
