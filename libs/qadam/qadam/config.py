"""The settings loader, and the settings every service process reads, from environment variables with working local
defaults.

A service's own settings are a frozen subclass of `Settings` in `<service>/settings.py`, named `<Service>Settings`,
whose fields are made with `setting(...)` like these. Each field names its variable and says what it is for; the
README's settings tables are generated from these classes (`qadam settings`) and a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

# gunicorn's access log without the query string: a search for a name or a PINFL must not land in a log file
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def setting(env: str, default: Any, help: str) -> Any:
    """A settings field read from the environment variable `env`; `help` is its line in the README."""
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    """Settings of one service process. `service` is not read from the environment."""

    service: str = "qadam"
    env: str = setting(
        "QADAM_ENV", "development",
        "`development` or `production`. `production`: every web process and worker refuses to start, naming the "
        "setting, while a setting is fit for development only (a key made by `qadam keys` without `--production`, a "
        "link on 127.0.0.1 or localhost, a channel the routing uses without its secret, SMTP without TLS...).")
    database_url: str = setting(
        "QADAM_DATABASE_URL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/qadam_{service}",
        "SQLAlchemy URL of the service's own database; `{service}` is replaced by the service name. For a primary "
        "with standbys, name them all and ask for the one that takes writes: "
        "`postgresql+psycopg://qadam@/qadam_{service}?host=pg-1:5432&host=pg-2:5432&target_session_attrs=read-write` "
        "(after a failover every new connection, the pool's and the relay's, finds the promoted standby).",
    )
    amqp_url: str = setting(
        "QADAM_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F",
        "RabbitMQ URL (vhost included), as the service's own user (`qadam-<service>`); for a cluster, one URL per node, "
        "comma-separated: a process connects to one that answers (from a random start, so connections spread) and, "
        "when its node goes away, to a live one.")
    amqp_declare: bool = setting(
        "QADAM_AMQP_DECLARE", True,
        "`true`: a process declares the exchanges and queues it uses at start (development, tests). `false`: it only "
        "checks that they exist, for a user that may configure nothing (production: the topology comes from the "
        "broker's definitions or the Messaging Topology Operator, declared by `qadam-setup`).")
    log_format: str = setting("QADAM_LOG_FORMAT", "json", "`json` (one JSON object a line) or `console` (readable).")
    log_level: str = setting("QADAM_LOG_LEVEL", "INFO", "Lowest level written: DEBUG, INFO, WARNING, ERROR.")
    otel_endpoint: str = setting(
        "QADAM_OTEL_ENDPOINT", "",
        "OpenTelemetry collector's OTLP/HTTP base URL (`http://collector:4318`): each web process and worker sends its "
        "traces there (`<url>/v1/traces`, protobuf), named by the service; the W3C `traceparent` travels in every "
        "event's envelope, so a request and every consumer it reaches are one trace. Empty: no traces at all.")
    jwt_public_key_file: str = setting(
        "QADAM_JWT_PUBLIC_KEY_FILE", "var/keys/jwt-public.pem", "PEM file of the RS256 key the services verify tokens with."
    )
    jwt_private_key_file: str = setting(
        "QADAM_JWT_PRIVATE_KEY_FILE",
        "var/keys/jwt-private.pem",
        "PEM file of the RS256 signing key: the identity provider signs users' tokens with it (and `qadam token` in "
        "development).",
    )
    sealing_key_file: str = setting(
        "QADAM_SEALING_KEY_FILE", "var/keys/sealing-keys.txt",
        "Fernet keys (newest first) that seal what is kept secret at rest, and from which the signing keys of links "
        "and cookies are derived; `qadam keys` makes one for development.")
    jwks_url: str = setting(
        "QADAM_JWKS_URL", "",
        "Where the services fetch the identity provider's published keys (`<issuer>/.well-known/jwks.json`); empty: "
        "they read QADAM_JWT_PUBLIC_KEY_FILE instead.")
    jwt_issuer: str = setting("QADAM_JWT_ISSUER", "qadam-portal", "Expected `iss` of every token.")
    jwt_audience: str = setting("QADAM_JWT_AUDIENCE", "qadam", "Expected `aud` of every token.")
    jwt_leeway_seconds: int = setting("QADAM_JWT_LEEWAY_SECONDS", 30, "Clock skew tolerated on `exp` and `iat`.")
    time_zone: str = setting(
        "QADAM_TIME_ZONE", "Asia/Tashkent",
        "Time zone of the dates people read (participant codes' year, dates in flag reasons); storage is UTC.",
    )
    page_size_max: int = setting("QADAM_PAGE_SIZE_MAX", 100, "Largest page a list endpoint returns.")
    idempotency_hours: int = setting(
        "QADAM_IDEMPOTENCY_HOURS", 24, "How long a POST's Idempotency-Key and its first answer are kept for retries.")
    report_min_cell: int = setting(
        "QADAM_REPORT_MIN_CELL", 5,
        "Reports hide a group of fewer records than this, and any count from 1 to this minus 1 (DOMAIN.md: 5); "
        "every service that reports or shows figures reads it, so that a cell hidden in one is hidden in all.")
    consumer_prefetch: int = setting(
        "QADAM_CONSUMER_PREFETCH", 500,
        "Unacknowledged messages a consumer holds at once; what has arrived is handled in one transaction.")
    relay_batch_size: int = setting("QADAM_RELAY_BATCH_SIZE", 200, "Outbox rows the relay claims in one transaction.")
    relay_sweep_seconds: float = setting(
        "QADAM_RELAY_SWEEP_SECONDS",
        5.0,
        "Longest the relay waits without a NOTIFY before it looks at the outbox anyway (safety net, not the trigger).",
    )
    outbox_retention_hours: int = setting(
        "QADAM_OUTBOX_RETENTION_HOURS", 72, "Sent outbox rows and inbox ids older than this are purged."
    )
    inbox_retention_hours: int = setting(
        "QADAM_INBOX_RETENTION_HOURS", 168, "Inbox ids (duplicate detection) are kept this long."
    )
    token_ttl_seconds: int = setting(
        "QADAM_TOKEN_TTL_SECONDS", 300,
        "Life of the RS256 token the identity provider signs for a signed-in user's calls (renewed as it nears its "
        "end). Every service reads it: they refuse a token that lives longer (`exp` - `iat`) than this plus "
        "QADAM_JWT_LEEWAY_SECONDS, so set it alike for all of them.")
    web_threads: int = setting(
        "QADAM_WEB_THREADS", 1, "Threads of each gunicorn worker of the web process (a service may ask for more).")
    prometheus_multiproc_dir: str = setting(
        "PROMETHEUS_MULTIPROC_DIR", "", "Directory shared by gunicorn workers for `/metrics` (empty: one process)."
    )
    web_metrics_port: int = setting(
        "QADAM_WEB_METRICS_PORT", 0,
        "Port of the web process's internal listener (gunicorn binds it beside the public one, same address): "
        "`/metrics` answers there and nowhere else, and that listener answers `/metrics`, `/healthz` and `/readyz` "
        "only, so no Ingress or Service in front of the public port can hand the metrics out. 0: no such listener, "
        "`/metrics` on the public port (one machine in development); the images and Kubernetes set 9100.")
    worker_http_port: int = setting(
        "QADAM_WORKER_HTTP_PORT", 0,
        "Port of the worker's own HTTP server: `/healthz` (its loops beating: 503 naming a hung one) and `/metrics` "
        "(Prometheus). 0: no server (one machine running several workers); Kubernetes sets 9100.")
    worker_http_host: str = setting(
        "QADAM_WORKER_HTTP_HOST", "0.0.0.0", "Address the worker's HTTP server listens on (with QADAM_WORKER_HTTP_PORT).")
    worker_hang_seconds: float = setting(
        "QADAM_WORKER_HANG_SECONDS", 120.0,
        "A worker loop silent this long past what it announced (each turn it looks at its stop event; a wait announces "
        "its length) is hung: the worker's `/healthz` answers 503 naming it, and Kubernetes restarts the pod.")
    fault_exit_after_commit: str = setting(
        "QADAM_FAULT_EXIT_AFTER_COMMIT",
        "",
        "Fault injection for reliability tests only: an event type; the consumer exits hard (code 75) right after "
        "committing its first event of that type, before the ack. Empty: off.",
    )

    @classmethod
    def from_env(cls, service: str, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
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
    def production(self) -> bool:
        return self.env == "production"

    def production_problems(self) -> list[SettingProblem]:
        """What keeps these settings from production, each naming its setting (empty: fit). A service's class adds
        its own checks to these (super()'s first); `refuse_unfit_for_production` calls it at start."""
        problems: list[SettingProblem] = []
        for name in ("jwt_private_key_file", "jwt_public_key_file", "sealing_key_file"):
            problem = development_key_problem(self, name)
            if problem:
                problems.append(problem)
        return problems

    def env_name(self, field_name: str) -> str:
        """The environment variable of a field (`log_level` -> `QADAM_LOG_LEVEL`)."""
        return str(next(f for f in dataclasses.fields(self) if f.name == field_name).metadata["env"])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def key_path(self, which: str) -> Path:
        return Path(self.jwt_public_key_file if which == "public" else self.jwt_private_key_file).expanduser()


ENVIRONMENTS = ("development", "production")
# the first line of every key file `qadam keys` makes for development (and `make run`, and the tests): a production
# process refuses a key file that starts so; `qadam keys --production` writes none
DEVELOPMENT_KEY_MARK = "# Qadam development key (made by `qadam keys`): QADAM_ENV=production refuses it"


@dataclass(frozen=True)
class SettingProblem:
    """Why a setting is not fit for production: `env` names the variable, `why` says what is wrong and what is right."""

    env: str
    why: str

    def __str__(self) -> str:
        return f"{self.env}: {self.why}"


class ProductionRefusal(SystemExit):
    """A process with QADAM_ENV=production was given settings fit for development only; it does not start. Its
    message names every such setting (a SystemExit: the process ends with it, the message on stderr, exit code 1)."""

    def __init__(self, service: str, problems: Iterable[SettingProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{service}: QADAM_ENV=production, and these settings are fit for development only; "
                         f"not starting:\n{lines}")


def refuse_unfit_for_production(settings: Settings, *more: SettingProblem) -> None:
    """Raise ProductionRefusal where QADAM_ENV=production and the settings (their own checks, and `more` that the
    caller found, e.g. in its database) are not fit for it. Called as every web process and worker starts."""
    if settings.env not in ENVIRONMENTS:
        raise SystemExit(f"QADAM_ENV={settings.env!r} is not one of {', '.join(ENVIRONMENTS)}")
    if not settings.production:
        return
    problems = [*settings.production_problems(), *more]
    if problems:
        raise ProductionRefusal(settings.service, problems)


def development_key_problem(settings: Settings, field_name: str) -> SettingProblem | None:
    """The key file a field names, when it is a development one (it starts with DEVELOPMENT_KEY_MARK). A file that
    is missing or unreadable is not judged here: whatever reads it says so."""
    path = Path(str(getattr(settings, field_name))).expanduser()
    try:
        with path.open(encoding="utf-8", errors="replace") as key:
            first = key.readline().strip()
    except OSError:
        return None
    if first != DEVELOPMENT_KEY_MARK:
        return None
    return SettingProblem(settings.env_name(field_name), f"{path} is a development key (made by `qadam keys`); make "
                          "the production keys with `qadam keys --production` and mount them (deploy/k8s/secret.yaml)")


LOCAL_HOSTS = ("localhost", "localhost.localdomain")


def local_link_problem(settings: Settings, field_name: str) -> SettingProblem | None:
    """A link people follow (in a message, on a page) that points at this machine (127.0.0.1, ::1, localhost,
    0.0.0.0): it works for nobody else. None when the field's URL names another host."""
    url = str(getattr(settings, field_name))
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return SettingProblem(settings.env_name(field_name),
                              f"{url!r} names no host; give the address users open, e.g. https://qadam.example.uz")
    local = host in LOCAL_HOSTS or host.endswith(".localhost")
    try:
        address = ipaddress.ip_address(host)
        local = local or address.is_loopback or address.is_unspecified
    except ValueError:
        pass
    if not local:
        return None
    return SettingProblem(settings.env_name(field_name), f"{url} points at the machine that reads it, so a link "
                          "made of it opens for nobody else; give the public address users open (the Ingress)")


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


def settings_class(service: str) -> type[Settings]:
    """The settings class of `service`: `<Service>Settings` in its `<service>.settings` module; these, the kit's,
    for a process that is no service (a tool)."""
    try:
        module = import_module(f"{service}.settings")
    except ModuleNotFoundError as missing:
        if missing.name not in (service, f"{service}.settings"):
            raise
        return Settings
    found: type[Settings] = getattr(module, f"{service.capitalize()}Settings")
    return found


def load_settings(service: str, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """`service`'s settings from `environ` (default: the process environment), `overrides` winning."""
    return settings_class(service).from_env(service, environ, **overrides)


def settings_table(kind: type[Settings] = Settings) -> list[tuple[str, str, str]]:
    """(variable, default, meaning) of every setting of `kind`: the README's table. For a service's class, only
    what it adds to the kit's or reads with another default."""
    inherited = {f.name: f for f in dataclasses.fields(Settings)} if kind is not Settings else {}
    rows = []
    for f in dataclasses.fields(kind):
        if "env" not in f.metadata:
            continue
        base = inherited.get(f.name)
        if base is not None and base.default == f.default and base.metadata == f.metadata:
            continue
        default = f.default
        shown = "" if default == "" else str(default).lower() if isinstance(default, bool) else str(default)
        rows.append((f.metadata["env"], shown, f.metadata["help"]))
    return rows
