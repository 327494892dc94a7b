"""The shared branch changed how the tables every service carries are made, not what a database holds.

`migrations_before_shared_branch/<service>.sql` is each service's database as the code before the shared branch
(commit d1e65a5, where each service created its own copies of the outbox, inbox, idempotency and audit tables)
left it when migrated from nothing: `pg_dump --no-owner --no-privileges --inserts`, the `\\restrict` lines and
comments taken out. A fresh database migrated today must hold the same (tables, columns, constraints, indexes,
triggers, functions, and the rows the migrations ship), and a database in that state must upgrade to what a
fresh one holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from qadam.db import ensure_database, psycopg_dsn
from qadam.migrations import alembic_config, upgrade

BEFORE = Path(__file__).parent / "migrations_before_shared_branch"
# Each service's head before the shared branch; its revision ids are kept, so this target still means that state.
HEAD_BEFORE = {"enrollment": "0006", "sessions": "0012", "risk": "0007", "notify": "0006", "portal": "0003"}
# The last revision of each service before its first shared table beyond the bus tables was made (its
# idempotency revision; the portal made that table in 0001, so: before its audit log).
BEFORE_IDEMPOTENCY = {"enrollment": "0002", "sessions": "0002", "risk": "0002", "notify": "0002", "portal": "0001"}
# Values a migration draws afresh on every run: compared by kind, not by value.
DRAWN = {"uuid": "<uuid>", "timestamp with time zone": "<time>", "timestamp without time zone": "<time>"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    identity: str
    comment: str | None


@dataclass(frozen=True)
class Schema:
    """What a database holds, in terms that do not depend on the order things were made in."""

    tables: dict[str, tuple[Column, ...]]
    constraints: frozenset[tuple[str, str, str]]
    indexes: frozenset[tuple[str, str, str]]
    triggers: frozenset[tuple[str, str, str]]
    functions: frozenset[tuple[str, str]]
    sequences: frozenset[tuple[Any, ...]]
    rows: dict[str, tuple[str, ...]]


def describe(url: str) -> Schema:
    """The schema `public` of the database at `url`, and its rows with drawn ids and times masked."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as c:
            tables: dict[str, list[Column]] = {}
            for r in c.execute(sa.text(
                    "SELECT cl.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, "
                    "pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity, col_description(cl.oid, a.attnum) AS cmt "
                    "FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid "
                    "JOIN pg_namespace n ON n.oid = cl.relnamespace "
                    "LEFT JOIN pg_attrdef d ON d.adrelid = cl.oid AND d.adnum = a.attnum "
                    "WHERE n.nspname = 'public' AND cl.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 "
                    "AND NOT a.attisdropped ORDER BY cl.relname, a.attnum")):
                tables.setdefault(r.relname, []).append(
                    Column(r.attname, r.type, r.attnotnull, r.dflt, r.attidentity, r.cmt))

            def triples(sql: str) -> frozenset[tuple[str, str, str]]:
                return frozenset((str(a), str(b), str(d)) for a, b, d in c.execute(sa.text(sql)))

            constraints = frozenset((table, name, _check_form(definition)) for table, name, definition in triples(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace"))
            indexes = triples("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
            triggers = triples("SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                               "WHERE NOT tgisinternal")
            functions = frozenset((r[0], r[1]) for r in c.execute(sa.text(
                "SELECT proname, pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = 'public'::regnamespace")))
            sequences = frozenset(tuple(r) for r in c.execute(sa.text(
                "SELECT sequencename, data_type::text, start_value, increment_by, cycle FROM pg_sequences "
                "WHERE schemaname = 'public'")))
            rows = {}
            for table, columns in tables.items():
                drawn = {col.name: DRAWN[col.type] for col in columns if col.type in DRAWN}
                found = c.execute(sa.text(f'SELECT to_jsonb(t) FROM public."{table}" t')).scalars()
                rows[table] = tuple(sorted(repr(sorted({k: drawn.get(k, v) if v is not None else None
                                                        for k, v in row.items()}.items())) for row in found))
    finally:
        engine.dispose()
    return Schema({t: tuple(cols) for t, cols in tables.items()}, constraints, indexes, triggers, functions, sequences,
                  rows)


def _check_form(definition: str) -> str:
    """A CHECK constraint without its casts and parentheses. PostgreSQL prints `action IN ('read', 'write')` over a
    varchar as `= ANY ((ARRAY['read'::character varying, ...])::text[])`, which reads back from a dump as the same
    test printed `= ANY (ARRAY[('read'::character varying)::text, ...])`: one constraint, two spellings."""
    if not definition.startswith("CHECK"):
        return definition
    for noise in ("::text[]", "::text", "::character varying", "(", ")", " "):
        definition = definition.replace(noise, "")
    return definition


def load(url: str, dump: Path) -> None:
    """A database made from a plain-SQL dump (run as one script, as psql would)."""
    ensure_database(url)
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:
        conn.execute(dump.read_text(encoding="utf-8").encode())


def version(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as c:
            return set(c.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", HEAD_BEFORE)
def test_a_fresh_database_holds_what_the_copies_made_and_one_they_made_upgrades_to_the_same(database, service):
    existing, fresh = database(f"{service}_existing"), database(f"{service}_fresh")
    load(existing, BEFORE / f"{service}.sql")
    assert version(existing) == {HEAD_BEFORE[service]}

    upgrade(service, fresh, HEAD_BEFORE[service])

    expected, got = describe(existing), describe(fresh)
    assert got.tables == expected.tables
    assert got.constraints == expected.constraints
    assert got.indexes == expected.indexes
    assert got.triggers == expected.triggers
    assert got.functions == expected.functions
    assert got.sequences == expected.sequences
    assert got.rows == expected.rows

    upgrade(service, existing)
    upgrade(service, fresh)

    assert describe(existing) == describe(fresh)
    assert version(existing) == version(fresh)
    command.check(alembic_config(service, existing))  # and the models still match it


@pytest.mark.parametrize("service", BEFORE_IDEMPOTENCY)
def test_a_database_stopped_before_its_idempotency_revision_gets_the_shared_tables_it_lacked(database, service):
    older, fresh = database(f"{service}_older"), database(f"{service}_fresh")
    upgrade(service, older, BEFORE_IDEMPOTENCY[service])
    assert version(older) == {BEFORE_IDEMPOTENCY[service]}  # as the service copies left it: no shared revision named
    missing = {"idempotency_record", "audit_log"} if service != "portal" else {"audit_log"}
    assert not missing & set(describe(older).tables)

    upgrade(service, older)
    upgrade(service, fresh)

    assert describe(older) == describe(fresh)


@pytest.mark.parametrize("service", HEAD_BEFORE)
def test_the_shared_branch_leaves_the_tables_a_service_made_before_in_place(database, service):
    """A database whose version table no longer says what it holds: the shared revisions find their tables there."""
    existing = database(f"{service}_unversioned")
    load(existing, BEFORE / f"{service}.sql")
    engine = sa.create_engine(existing, poolclass=sa.NullPool)
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM alembic_version"))
    engine.dispose()
    before = describe(existing)

    command.upgrade(alembic_config(service, existing), "qadam@head")

    after = describe(existing)
    assert version(existing) == {"qadam_0003"}
    assert (after.tables, after.constraints, after.indexes, after.triggers, after.functions) == (
        before.tables, before.constraints, before.indexes, before.triggers, before.functions)
