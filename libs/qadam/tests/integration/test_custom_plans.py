"""Every statement of a worker planned for its values (qadam.db.make_engine): a statement prepared while its table
was nearly empty still uses the index once the table has grown. (A plain connection keeps the generic plan it made
then, and reads the whole table for one row: risk's facts of one man took a scan of every mark.) A web process keeps
PostgreSQL's generic plans and renews its connections instead (qadam.db.make_web_engine)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from qadam.db import WEB_CONNECTION_SECONDS, make_engine, make_web_engine

ONE_MAN = "SELECT * FROM facts WHERE man = ANY($1::uuid[])"


def _plan_after_growth(engine: sa.Engine) -> str:
    """The plan of a statement prepared and run while its table held a few rows, once the table holds 20,000 (a
    temporary table: autovacuum never analyses it again, as it may not have analysed a real one yet)."""
    with engine.connect() as c:
        c.exec_driver_sql("CREATE TEMPORARY TABLE facts (id serial PRIMARY KEY, man uuid NOT NULL, said text)")
        c.exec_driver_sql("CREATE INDEX ON facts (man)")
        # its statistics read while it held a few rows, as autovacuum reads a new installation's tables
        c.exec_driver_sql("INSERT INTO facts (man, said) SELECT gen_random_uuid(), 'x' FROM generate_series(1, 5)")
        c.exec_driver_sql("ANALYZE facts")
        c.exec_driver_sql(f"PREPARE one_man(uuid[]) AS {ONE_MAN.replace('$1::uuid[]', '$1')}")
        for _ in range(8):  # past the five runs after which PostgreSQL may keep one generic plan
            c.exec_driver_sql("EXECUTE one_man(ARRAY[gen_random_uuid()])")
        c.exec_driver_sql("INSERT INTO facts (man, said) SELECT gen_random_uuid(), repeat('x', 50) "
                          "FROM generate_series(1, 20000)")
        plan = "\n".join(r[0] for r in c.exec_driver_sql(f"EXPLAIN EXECUTE one_man(ARRAY['{uuid.uuid4()}'::uuid])"))
        c.rollback()
        return plan


def test_a_statement_prepared_on_a_nearly_empty_table_uses_the_index_once_it_has_grown(stack):
    engine = make_engine(stack.database_url("risk"))
    try:
        with engine.connect() as c:
            assert c.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
        plan = _plan_after_growth(engine)
    finally:
        engine.dispose()
    assert "Index" in plan and "Seq Scan" not in plan, plan


def test_without_it_the_plan_made_on_the_nearly_empty_table_scans_the_grown_one(stack):
    """The hazard itself, on a connection of the driver's defaults: if PostgreSQL stops keeping such plans, this
    fails and the setting can go."""
    engine = sa.create_engine(stack.database_url("risk"), poolclass=sa.NullPool)
    try:
        plan = _plan_after_growth(engine)
    finally:
        engine.dispose()
    assert "Seq Scan" in plan, plan


def test_a_web_process_plans_once_and_renews_its_connections(stack):
    engine = make_web_engine(stack.database_url("risk"))
    try:
        with engine.connect() as c:
            assert c.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
        assert engine.pool._recycle == WEB_CONNECTION_SECONDS
    finally:
        engine.dispose()
