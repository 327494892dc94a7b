"""Qadam's test harness, and its pytest plugin (`-p qadam_testing`, in the repository's pytest settings).

A distribution of its own (libs/testing, `qadam-testing`): the runtime kit (`qadam`) ships no test code.
- `harness`: where the servers are, a stack of fresh databases and a vhost, the services as processes, real SMTP,
  SMS and Telegram stand-ins, the broker as a producer sees it, and the fixtures every test may take;
- `handled`: waiting for a consumer to have handled an event, told by its inbox (`wait_for_handled`);
- `tiers`: the unit tier (`tests/unit`) refuses network, database and processes;
- `private_servers`: a PostgreSQL cluster, a RabbitMQ node and a 3-node RabbitMQ cluster of the fault suites' own;
- `modules`: a migration loaded from its file (`module_at`);
- `otlp`: an OpenTelemetry collector's OTLP/HTTP trace receiver (`OtlpReceiver`), keeping the spans it is sent.
"""

from __future__ import annotations

from .broker_access import loaded_definitions
from .handled import Handled, HandledLog
from .harness import (
    TEST_TOKEN_TTL_SECONDS,
    FakeSmsGateway,
    FakeTelegram,
    MailCatcher,
    Process,
    RunningSystem,
    Servers,
    Stack,
    app_for,
    bearer,
    broker_channel,
    close_vhost_connections,
    create_vhost,
    database_url_for,
    declare_topology,
    delete_vhost,
    find_servers,
    flush_vhosts,
    free_port,
    isolated_stack,
    jwt_keys,
    logged,
    mail,
    migrated_back,
    production_key_files,
    publish_envelope,
    publish_raw,
    queue_depth,
    seed_sessions_cohort,
    servers,
    set_policies,
    sms_gateway,
    stack,
    telegram,
    token,
    vhost_url,
    wait_until,
    web_process,
    worker_process,
)
from .modules import module_at
from .otlp import OtlpReceiver, ReceivedSpan
from .round_trips import round_trips
from .tiers import pytest_runtest_call, pytest_runtest_setup, pytest_runtest_teardown, pytest_xdist_make_scheduler

__all__ = [
    "TEST_TOKEN_TTL_SECONDS", "FakeSmsGateway", "FakeTelegram", "Handled", "HandledLog", "MailCatcher", "Process",
    "RunningSystem", "Servers", "Stack", "app_for", "bearer", "broker_channel", "close_vhost_connections",
    "create_vhost", "database_url_for", "declare_topology", "delete_vhost", "find_servers", "flush_vhosts", "free_port",
    "isolated_stack", "jwt_keys", "loaded_definitions",
    "OtlpReceiver", "ReceivedSpan",
    "logged", "mail", "migrated_back", "module_at", "production_key_files", "publish_envelope", "publish_raw", "set_policies",
    "pytest_runtest_call",
    "pytest_runtest_setup", "pytest_runtest_teardown", "pytest_xdist_make_scheduler", "queue_depth", "round_trips",
    "seed_sessions_cohort", "servers",
    "sms_gateway", "stack", "telegram", "token", "vhost_url", "wait_until", "web_process", "worker_process",
]
