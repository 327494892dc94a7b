"""Alembic, the same way for every service: each service's migrations/env.py is two lines that call here."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.operations import Operations
from sqlalchemy import MetaData, engine_from_config, pool
from sqlalchemy.dialects import postgresql

from .db import OUTBOX_CHANNEL, append_only_trigger_sql, bus_metadata, ensure_database, notify_trigger_sql


def alembic_config(service: str, database_url: str) -> Config:
    package = import_module(service)
    script_location = Path(package.__file__).parent / "migrations"  # type: ignore[arg-type]
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    """Create the service's database if needed and bring it to `revision`."""
    ensure_database(database_url)
    command.upgrade(alembic_config(service, database_url), revision)


def run_env(service_metadata: MetaData) -> None:
    """Body of every service's migrations/env.py: online migrations over the service's and the bus tables."""
    config = context.config
    target = [service_metadata, bus_metadata]
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


def create_bus_tables_v1(op: Operations) -> None:
    """The outbox (with its NOTIFY trigger) and the inbox, as of bus schema v1.

    Spelt out rather than taken from `bus_metadata`, so that a migration written today still creates
    exactly this when the tables change later (that change gets a `..._v2` step of its own).
    """
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_inbox")),
    )
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False, comment="the event id, also the AMQP message_id"),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("exchange", sa.String(length=100), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("seq", name=op.f("uq_outbox_seq")),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["seq"], unique=False, postgresql_where=sa.text("sent_at IS NULL"))
    create_notify_trigger(op, "outbox", OUTBOX_CHANNEL)


def create_idempotency_table_v1(op: Operations) -> None:
    """The table behind `Idempotency-Key` (qadam.db.idempotency_record), as it stands in this version."""
    op.create_table(
        "idempotency_record",
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False, comment="sha256 of method, path and body"),
        sa.Column("status", sa.Integer(), nullable=True, comment="the first answer's status; NULL until it is stored"),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_index("ix_idempotency_record_created_at", "idempotency_record", ["created_at"], unique=False)


def drop_idempotency_table_v1(op: Operations) -> None:
    op.drop_table("idempotency_record")


def create_audit_table_v1(op: Operations) -> None:
    """The audit log (qadam.db.audit_log) and the triggers that keep it append-only, as of this version."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=5), nullable=False, comment="read (GET, HEAD) or write"),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("route", sa.String(length=300), nullable=False,
                  comment="the URL rule, never the path or query string"),
        sa.Column("record", postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                  comment="the ids named in the path"),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True, comment="X-Audit-Reason, when given"),
        sa.Column("correlation_id", sa.String(length=200), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("action IN ('read', 'write')", name=op.f("ck_audit_log_action")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_user_id", "audit_log", ["user_id", "at"], unique=False)
    op.execute(append_only_trigger_sql("audit_log")[0])


def drop_audit_table_v1(op: Operations) -> None:
    op.execute(append_only_trigger_sql("audit_log")[1])
    op.drop_table("audit_log")


def drop_bus_tables_v1(op: Operations) -> None:
    drop_notify_trigger(op, "outbox", OUTBOX_CHANNEL)
    op.drop_table("outbox")
    op.drop_table("inbox")


def create_notify_trigger(op: Operations, table: str, channel: str) -> None:
    op.execute(notify_trigger_sql(table, channel)[0])


def drop_notify_trigger(op: Operations, table: str, channel: str) -> None:
    op.execute(notify_trigger_sql(table, channel)[1])
