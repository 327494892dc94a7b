"""The version in force (qadam.db.InForce): read once per transaction, parsed once per version, and read again by the
transaction that writes a new one, or by the next transaction after another one committed a new one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from qadam.db import InForce, make_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Version(Base):
    __tablename__ = "in_force_version"
    version: Mapped[int] = mapped_column(primary_key=True)
    words: Mapped[str]


@pytest.fixture
def engine(stack):
    engine = make_engine(stack.database_url("risk"))
    with engine.begin() as c:
        c.execute(sa.text("DROP TABLE IF EXISTS in_force_version"))
        Base.metadata.create_all(c)
        c.execute(sa.insert(Version.__table__), [{"version": 1, "words": "first"}])
    yield engine
    with engine.begin() as c:
        c.execute(sa.text("DROP TABLE in_force_version"))
    engine.dispose()


def _counting(engine) -> list[str]:
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    return statements


def test_one_read_of_the_version_per_transaction_and_one_parse_per_version(engine):
    parsed: list[int] = []
    in_force = InForce(Version.version, Version.words, lambda v, words: parsed.append(v) or f"{words}@{v}")
    statements = _counting(engine)
    with Session(engine) as s, s.begin():
        assert [in_force(s) for _ in range(5)] == ["first@1"] * 5
    assert sum("max(" in sql for sql in statements) == 1
    with Session(engine) as s, s.begin():  # a transaction of its own reads the version again, parses nothing again
        assert in_force(s) == "first@1"
    assert sum("max(" in sql for sql in statements) == 2
    assert parsed == [1]


def test_a_version_committed_by_another_transaction_is_in_force_in_the_next_one(engine):
    in_force = InForce(Version.version, Version.words, lambda v, words: f"{words}@{v}")
    with Session(engine) as s, s.begin():
        assert in_force(s) == "first@1"
        with engine.begin() as other:
            other.execute(sa.insert(Version.__table__), [{"version": 2, "words": "second"}])
        assert in_force(s) == "first@1"  # the transaction keeps the version it read
    with Session(engine) as s, s.begin():
        assert in_force(s) == "second@2"


def test_the_transaction_that_writes_a_version_reads_its_own(engine):
    in_force = InForce(Version.version, Version.words, lambda v, words: f"{words}@{v}")
    with Session(engine) as s, s.begin():
        assert in_force(s) == "first@1"
        s.add(Version(version=2, words="second"))
        s.flush()
        assert in_force(s) == "second@2"
