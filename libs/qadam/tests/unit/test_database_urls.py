"""A service's database URL as libpq reads it for the connections outside the pool (the outbox relay's LISTEN, notify's
wake-ups): one server, or several of which the primary is taken (a failover pair, issue 22)."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict
from qadam.db import psycopg_dsn


def test_one_server_keeps_its_host_port_user_password_and_database():
    assert conninfo_to_dict(psycopg_dsn("postgresql+psycopg://qadam:s3cret@db.example:6543/qadam_sessions")) == {
        "host": "db.example", "port": "6543", "user": "qadam", "password": "s3cret", "dbname": "qadam_sessions"}


def test_servers_listed_host_by_host_reach_the_primary_among_them():
    dsn = psycopg_dsn("postgresql+psycopg://postgres@/qadam_sessions"
                      "?host=127.0.0.1:15432&host=127.0.0.1:15433&target_session_attrs=read-write")
    assert conninfo_to_dict(dsn) == {"host": "127.0.0.1,127.0.0.1", "port": "15432,15433", "user": "postgres",
                                     "dbname": "qadam_sessions", "target_session_attrs": "read-write"}


def test_servers_listed_as_hosts_and_ports_reach_the_primary_among_them():
    dsn = psycopg_dsn("postgresql+psycopg://postgres@/qadam_risk?host=pg-1,pg-2&port=5432,5433"
                      "&target_session_attrs=read-write&connect_timeout=3")
    assert conninfo_to_dict(dsn) == {"host": "pg-1,pg-2", "port": "5432,5433", "user": "postgres",
                                     "dbname": "qadam_risk", "target_session_attrs": "read-write",
                                     "connect_timeout": "3"}
