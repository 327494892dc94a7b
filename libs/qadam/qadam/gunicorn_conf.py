"""gunicorn's settings for every Qadam web process (`gunicorn -c python:qadam.gunicorn_conf ...`): the image's
entry point, `make run` and the tests' running system all serve with these; each adds its bind and workers.

- the access log on stdout, without query strings (they can carry a name or a PINFL being searched for);
- errors on stdout too (the container's log);
- no control socket: every master on a machine would share ~/.gunicorn/gunicorn.ctl, and all but the first log
  an error about it.
"""

import os
import sys

from qadam.config import ACCESS_LOG_FORMAT, load_settings, refuse_unfit_for_production

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


def gunicorn_argv(service: str, bind: str, workers: int) -> list[str]:
    """The command that serves `service` with these settings, up to the app (which the caller appends)."""
    return [sys.executable, "-m", "gunicorn", "-c", "python:qadam.gunicorn_conf", "--workers", str(workers),
            "--threads", str(web_threads(service)), "--bind", bind]
