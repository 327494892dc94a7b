"""Alembic, the same way for every service: each service's migrations/env.py is two lines that call here.

A service's history is its own `migrations/versions` (branch label: the service's name) plus the kit's shared
branch (`qadam/migrations_shared`, label "qadam": outbox, inbox, idempotency keys, audit log), which its revisions
name in `depends_on`. So there are two heads to speak of: upgrade to `heads`; base a new service revision on
`<service>@head`, and a change to a shared table on `qadam@head` (then a service revision that depends on it).
A migration carries what it needs frozen in itself: it imports Alembic, SQLAlchemy and the standard library only.
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, engine_from_config, pool

from .db import bus_metadata, ensure_database

SHARED_VERSIONS = Path(__file__).parent / "migrations_shared"


def alembic_config(service: str, database_url: str) -> Config:
    """The Alembic configuration of `service` on `database_url`: its own revisions and the shared branch."""
    package = import_module(service)
    script_location = Path(package.__file__).parent / "migrations"  # type: ignore[arg-type]
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join([str(script_location / "versions"), str(SHARED_VERSIONS)]))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, database_url: str, revision: str = "heads") -> None:
    """Create the service's database if needed and bring it to `revision` (every head: the service's own and any
    revision of the shared branch that no service revision depends on yet)."""
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
