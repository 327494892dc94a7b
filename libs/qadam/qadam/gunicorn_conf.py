"""gunicorn's settings for every Qadam web process (`gunicorn -c python:qadam.gunicorn_conf ...`): the image's
entry point, `make run` and the tests' running system all serve with these; each adds its bind and workers.

- the access log on stdout, without query strings (they can carry a name or a PINFL being searched for);
- errors on stdout too (the container's log);
- no control socket: every master on a machine would share ~/.gunicorn/gunicorn.ctl, and all but the first log
  an error about it;
- with QADAM_WEB_METRICS_PORT, a second listener on that port at the first bind's address: the internal one, where
  `/metrics` answers (`qadam.web.init_metrics_listener`); the Services and the Ingress reach the public port only.
"""

import os
import sys
from typing import Any

from qadam.config import ACCESS_LOG_FORMAT, Settings, load_settings, refuse_unfit_for_production

accesslog = "-"
access_log_format = ACCESS_LOG_FORMAT
errorlog = "-"
control_socket_disable = True


def web_threads(service: str) -> int:
    """The threads a service's web workers serve with: its setting QADAM_WEB_THREADS (a service's own settings may
    ask for more than the kit's one by default)."""
    return load_settings(service).web_threads


# the image sets SERVICE; gunicorn_argv passes --threads, which wins over this
threads = web_threads(os.environ.get("SERVICE") or "qadam")

# QADAM_ENV=production with a setting fit for development only: the master stops here, saying which, rather than
# each worker refusing as the app is built and gunicorn starting it again and again
if os.environ.get("SERVICE"):
    refuse_unfit_for_production(load_settings(os.environ["SERVICE"]))


def internal_bind(binds: list[str], port: int) -> str | None:
    """The internal listener's address: the first bind's host with `port` (None for port 0, or a unix socket)."""
    if not port or not binds or binds[0].startswith(("unix:", "fd://")):
        return None
    host = binds[0].rsplit(":", 1)[0] if ":" in binds[0] else binds[0]
    return f"{host}:{port}"


def on_starting(server: Any) -> None:
    """Before the master opens its sockets: add the internal listener (QADAM_WEB_METRICS_PORT) to what was bound."""
    binds = list(server.cfg.bind)
    extra = internal_bind(binds, Settings.from_env("qadam").web_metrics_port)
    if extra is not None and extra not in binds:
        server.cfg.set("bind", [*binds, extra])


def gunicorn_argv(service: str, bind: str, workers: int) -> list[str]:
    """The command that serves `service` with these settings, up to the app (which the caller appends)."""
    return [sys.executable, "-m", "gunicorn", "-c", "python:qadam.gunicorn_conf", "--workers", str(workers),
            "--threads", str(web_threads(service)), "--bind", bind]
