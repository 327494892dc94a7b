"""Every setting Qadam reads, in one place, from environment variables with working local defaults.

Each field names its variable and says what it is for; the README's settings table is generated
from this file (`qadam settings --markdown`) and a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# gunicorn's access log without the query string: a search for a name or a PINFL must not land in a log file
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
API_SERVICES = ("enrollment", "sessions", "risk", "notify")  # the JSON APIs, each with its OpenAPI document
SERVICES = (*API_SERVICES, "portal")  # portal: the web pages people use, and sign-in


def _setting(env: str, default: Any, help: str) -> Any:
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    """Settings of one service process. `service` is not read from the environment."""

    service: str = "qadam"
    database_url: str = _setting(
        "QADAM_DATABASE_URL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/qadam_{service}",
        "SQLAlchemy URL of the service's own database; `{service}` is replaced by the service name.",
    )
    amqp_url: str = _setting(
        "QADAM_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F", "RabbitMQ URL (vhost included)."
    )
    log_format: str = _setting("QADAM_LOG_FORMAT", "json", "`json` (one JSON object a line) or `console` (readable).")
    log_level: str = _setting("QADAM_LOG_LEVEL", "INFO", "Lowest level written: DEBUG, INFO, WARNING, ERROR.")
    jwt_public_key_file: str = _setting(
        "QADAM_JWT_PUBLIC_KEY_FILE", "var/keys/jwt-public.pem", "PEM file of the RS256 key the services verify tokens with."
    )
    jwt_private_key_file: str = _setting(
        "QADAM_JWT_PRIVATE_KEY_FILE",
        "var/keys/jwt-private.pem",
        "PEM file of the RS256 signing key: the portal signs users' tokens with it (and `qadam token` in development).",
    )
    sealing_key_file: str = _setting(
        "QADAM_SEALING_KEY_FILE", "var/keys/sealing-keys.txt",
        "sessions and risk: Fernet keys (newest first) that seal confidential notes and incident details at rest; "
        "`qadam keys` makes one for development.")
    jwks_url: str = _setting(
        "QADAM_JWKS_URL", "",
        "Where the services fetch the portal's published keys (`<portal>/.well-known/jwks.json`); empty: they read "
        "QADAM_JWT_PUBLIC_KEY_FILE instead.")
    jwt_issuer: str = _setting("QADAM_JWT_ISSUER", "qadam-portal", "Expected `iss` of every token.")
    jwt_audience: str = _setting("QADAM_JWT_AUDIENCE", "qadam", "Expected `aud` of every token.")
    jwt_leeway_seconds: int = _setting("QADAM_JWT_LEEWAY_SECONDS", 30, "Clock skew tolerated on `exp` and `iat`.")
    portal_url: str = _setting(
        "QADAM_PORTAL_URL", "http://127.0.0.1:8000", "Base of the links that alerts carry into the portal."
    )
    time_zone: str = _setting(
        "QADAM_TIME_ZONE", "Asia/Tashkent",
        "Time zone of the dates people read (participant codes' year, dates in flag reasons); storage is UTC.",
    )
    page_size_max: int = _setting("QADAM_PAGE_SIZE_MAX", 100, "Largest page a list endpoint returns.")
    idempotency_hours: int = _setting(
        "QADAM_IDEMPOTENCY_HOURS", 24, "How long a POST's Idempotency-Key and its first answer are kept for retries.")
    report_min_cell: int = _setting(
        "QADAM_REPORT_MIN_CELL", 5,
        "Reports hide a group of fewer enrolments than this, and any count from 1 to this minus 1 (DOMAIN.md: 5).")
    plan_due_working_days: int = _setting(
        "QADAM_PLAN_DUE_WORKING_DAYS", 2,
        "Working days after a protection order within which its correction plan is due (Resolution No. 441).")
    working_weekdays: str = _setting(
        "QADAM_WORKING_WEEKDAYS", "1,2,3,4,5",
        "ISO weekdays that are working days (Monday = 1); `1,2,3,4,5,6` for a six-day week.")
    public_holidays: str = _setting(
        "QADAM_PUBLIC_HOLIDAYS", "",
        "Public holidays that are not working days, as comma-separated ISO dates (e.g. 2026-03-21,2026-09-01).")
    order_expiry_warning_days: int = _setting(
        "QADAM_ORDER_EXPIRY_WARNING_DAYS", 7, "Days before a protection order expires when an unfinished programme is flagged.")
    order_scan_seconds: float = _setting(
        "QADAM_ORDER_SCAN_SECONDS", 300.0, "How often enrollment's worker looks for overdue plans and expiring orders.")
    retention_days: int = _setting(
        "QADAM_RETENTION_DAYS", 1826,
        "enrollment: a participant whose enrolments all ended (completed and followed up, closed, exited, excluded) "
        "and whose protection orders all expired longer ago than this is anonymised by `python -m "
        "enrollment.retention`; the figures reports need are kept (5 years: see README, Deployment and data "
        "protection).")
    retention_batch_size: int = _setting(
        "QADAM_RETENTION_BATCH_SIZE", 500, "enrollment: participants the retention command anonymises in one transaction.")
    consumer_prefetch: int = _setting(
        "QADAM_CONSUMER_PREFETCH", 500,
        "Unacknowledged messages a consumer holds at once; what has arrived is handled in one transaction.")
    relay_batch_size: int = _setting("QADAM_RELAY_BATCH_SIZE", 200, "Outbox rows the relay claims in one transaction.")
    relay_sweep_seconds: float = _setting(
        "QADAM_RELAY_SWEEP_SECONDS",
        5.0,
        "Longest the relay waits without a NOTIFY before it looks at the outbox anyway (safety net, not the trigger).",
    )
    outbox_retention_hours: int = _setting(
        "QADAM_OUTBOX_RETENTION_HOURS", 72, "Sent outbox rows and inbox ids older than this are purged."
    )
    inbox_retention_hours: int = _setting(
        "QADAM_INBOX_RETENTION_HOURS", 168, "Inbox ids (duplicate detection) are kept this long."
    )
    risk_recompute_poll_seconds: float = _setting(
        "QADAM_RISK_RECOMPUTE_POLL_SECONDS", 5.0,
        "risk: how often the worker looks for a requested recompute (after the rules change, or asked for).")
    risk_sweep_hours: float = _setting(
        "QADAM_RISK_SWEEP_HOURS", 24.0,
        "risk: how often every open enrolment is re-evaluated anyway, for the rules that read the calendar "
        "(an assessment falling due); 0 turns the sweep off.")
    risk_recompute_chunk: int = _setting(
        "QADAM_RISK_RECOMPUTE_CHUNK", 1000, "risk: enrolments evaluated in one transaction of a recompute.")
    call_scan_seconds: float = _setting(
        "QADAM_CALL_SCAN_SECONDS", 60.0,
        "sessions: how often the worker looks for calls after an unexcused absence that are overdue (each is "
        "published once as `sessions.call.overdue`).")
    incident_details_max: int = _setting(
        "QADAM_RISK_INCIDENT_DETAILS_MAX", 4000, "risk: longest incident details accepted, in characters.")
    smtp_host: str = _setting("QADAM_SMTP_HOST", "127.0.0.1", "notify: SMTP server for e-mail alerts.")
    smtp_port: int = _setting("QADAM_SMTP_PORT", 1025, "notify: SMTP port.")
    smtp_sender: str = _setting("QADAM_SMTP_SENDER", "alerts@qadam.local", "notify: From address of e-mail alerts.")
    smtp_timeout_seconds: float = _setting("QADAM_SMTP_TIMEOUT_SECONDS", 10.0, "notify: SMTP connect and send timeout.")
    sms_gateway_url: str = _setting(
        "QADAM_SMS_GATEWAY_URL", "",
        "notify: URL of the HTTP SMS gateway (or an adapter in front of Eskiz, Play Mobile...) that takes a POST of "
        'JSON `{"to", "text", "id"}`. Empty: SMS off.')
    sms_gateway_token: str = _setting(
        "QADAM_SMS_GATEWAY_TOKEN", "", "notify: bearer token sent to the SMS gateway. Empty: SMS off.")
    telegram_api_url: str = _setting(
        "QADAM_TELEGRAM_API_URL", "https://api.telegram.org", "notify: base URL of the Telegram Bot API.")
    telegram_bot_token: str = _setting(
        "QADAM_TELEGRAM_BOT_TOKEN", "", "notify: token of the Telegram bot that sends alerts. Empty: Telegram off.")
    channel_timeout_seconds: float = _setting(
        "QADAM_CHANNEL_TIMEOUT_SECONDS", 10.0, "notify: connect and read timeout of the SMS gateway and Telegram.")
    delivery_max_attempts: int = _setting(
        "QADAM_DELIVERY_MAX_ATTEMPTS", 8, "notify: attempts on one channel before a delivery is marked failed."
    )
    delivery_backoff_seconds: float = _setting(
        "QADAM_DELIVERY_BACKOFF_SECONDS", 2.0, "notify: first retry delay of a failed delivery; doubles each attempt."
    )
    escalate_critical_seconds: float = _setting(
        "QADAM_ESCALATE_CRITICAL_SECONDS", 1800.0,
        "notify: an unacknowledged critical alert goes to the recipient's supervisor after this long (and again up "
        "the chain), with a reminder to the recipient.")
    escalate_high_seconds: float = _setting(
        "QADAM_ESCALATE_HIGH_SECONDS", 14400.0, "notify: the same for a high alert.")
    escalation_max_steps: int = _setting(
        "QADAM_ESCALATION_MAX_STEPS", 3, "notify: how many supervisors up the chain an alert is escalated at most.")
    escalation_scan_seconds: float = _setting(
        "QADAM_ESCALATION_SCAN_SECONDS", 15.0,
        "notify: how often the worker looks for alerts to escalate and digests to send.")
    digest_hour: int = _setting(
        "QADAM_DIGEST_HOUR", 8, "notify: local hour (QADAM_TIME_ZONE) from which each day's digest of lower alerts goes.")
    ack_link_url: str = _setting(
        "QADAM_ACK_LINK_URL", "http://127.0.0.1:8004/ack",
        "notify: base of the signed acknowledgement link in messages (notify's public `/ack/{token}`).")
    ack_link_days: int = _setting("QADAM_ACK_LINK_DAYS", 7, "notify: how long a signed acknowledgement link works.")
    enrollment_url: str = _setting("QADAM_ENROLLMENT_URL", "http://127.0.0.1:8001", "portal: base URL of enrollment's API.")
    sessions_url: str = _setting("QADAM_SESSIONS_URL", "http://127.0.0.1:8002", "portal: base URL of sessions' API.")
    risk_url: str = _setting("QADAM_RISK_URL", "http://127.0.0.1:8003", "portal: base URL of risk's API.")
    notify_url: str = _setting("QADAM_NOTIFY_URL", "http://127.0.0.1:8004", "portal: base URL of notify's API.")
    portal_api_timeout_seconds: float = _setting(
        "QADAM_PORTAL_API_TIMEOUT_SECONDS", 10.0, "portal: how long a page waits for a service's answer.")
    portal_token_ttl_seconds: int = _setting(
        "QADAM_PORTAL_TOKEN_TTL_SECONDS", 300,
        "portal: life of the RS256 token it signs for a signed-in user's calls to the services (renewed as it nears "
        "its end). The services read it too: they refuse a token that lives longer (`exp` - `iat`) than this plus "
        "QADAM_JWT_LEEWAY_SECONDS, so set it alike for all of them.")
    portal_idle_minutes: int = _setting(
        "QADAM_PORTAL_IDLE_MINUTES", 30, "portal: a sign-in with no request for this long is signed out.")
    portal_session_hours: int = _setting(
        "QADAM_PORTAL_SESSION_HOURS", 12, "portal: a sign-in ends after this long, however busy.")
    portal_lockout_failures: int = _setting(
        "QADAM_PORTAL_LOCKOUT_FAILURES", 5,
        "portal: failed sign-ins in a row (password or code) that lock an account.")
    portal_lockout_minutes: int = _setting(
        "QADAM_PORTAL_LOCKOUT_MINUTES", 15, "portal: how long a locked account stays locked.")
    portal_secure_cookies: bool = _setting(
        "QADAM_PORTAL_SECURE_COOKIES", True,
        "portal: cookies only over HTTPS (browsers also allow them on http://localhost); turn off only for a "
        "plain-HTTP trial on a closed network.")
    portal_trusted_proxies: int = _setting(
        "QADAM_PORTAL_TRUSTED_PROXIES", 0,
        "portal: reverse proxies (an ingress, a load balancer) in front of it whose X-Forwarded-For and "
        "X-Forwarded-Proto it believes: the client's address in sign-in records, HTTPS in links. 0: none.")
    portal_totp_roles: str = _setting(
        "QADAM_PORTAL_TOTP_ROLES", "manager,administrator",
        "portal: roles that must sign in with a second factor (TOTP); anyone else may turn it on.")
    prometheus_multiproc_dir: str = _setting(
        "PROMETHEUS_MULTIPROC_DIR", "", "Directory shared by gunicorn workers for `/metrics` (empty: one process)."
    )
    fault_exit_after_commit: str = _setting(
        "QADAM_FAULT_EXIT_AFTER_COMMIT",
        "",
        "Fault injection for reliability tests only: an event type; the consumer exits hard (code 75) right after "
        "committing its first event of that type, before the ack. Empty: off.",
    )

    @classmethod
    def from_env(cls, service: str, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every setting from `environ` (default: the process environment); `overrides` win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {"service": service}
        for f in dataclasses.fields(cls):
            name = f.metadata.get("env")
            if name and name in env:
                values[f.name] = _coerce(f.type, env[name], name)
        values.update(overrides)
        settings = cls(**values)
        return dataclasses.replace(settings, database_url=settings.database_url.replace("{service}", service))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def working_weekdays_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.working_weekdays.split(",") if d.strip())

    @property
    def public_holidays_set(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(d.strip()) for d in self.public_holidays.split(",") if d.strip())

    @property
    def totp_roles(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.portal_totp_roles.split(",") if r.strip())

    def key_path(self, which: str) -> Path:
        return Path(self.jwt_public_key_file if which == "public" else self.jwt_private_key_file).expanduser()


def _coerce(type_name: Any, raw: str, env_name: str) -> Any:
    kind = type_name if isinstance(type_name, str) else type_name.__name__
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
    except ValueError:
        raise SystemExit(f"{env_name}={raw!r} is not a valid {kind}") from None
    return raw


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every setting: the README's table."""
    rows = []
    for f in dataclasses.fields(Settings):
        if "env" in f.metadata:
            default = f.default
            shown = "" if default == "" else str(default).lower() if isinstance(default, bool) else str(default)
            rows.append((f.metadata["env"], shown, f.metadata["help"]))
    return rows
