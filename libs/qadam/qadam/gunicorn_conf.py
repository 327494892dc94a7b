"""gunicorn's settings for every Qadam web process (`gunicorn -c python:qadam.gunicorn_conf ...`): the image's
entry point, `make run` and the tests' running system all serve with these; each adds its bind and workers.

- the access log on stdout, without query strings (they can carry a name or a PINFL being searched for);
- errors on stdout too (the container's log);
- no control socket: every master on a machine would share ~/.gunicorn/gunicorn.ctl, and all but the first log
  an error about it.
"""

import os
import sys

from qadam.config import ACCESS_LOG_FORMAT

accesslog = "-"
access_log_format = ACCESS_LOG_FORMAT
errorlog = "-"
control_socket_disable = True


def threads_for(service: str) -> int:
    """The portal serves with threads: its pages wait on the services, which may ask it for its keys meanwhile."""
    return 4 if service == "portal" else 1


# the image sets SERVICE (and may set WEB_THREADS); gunicorn_argv passes --threads, which wins over this
threads = int(os.environ.get("WEB_THREADS") or threads_for(os.environ.get("SERVICE", "")))


def gunicorn_argv(service: str, bind: str, workers: int) -> list[str]:
    """The command that serves `service` with these settings, up to the app (which the caller appends)."""
    return [sys.executable, "-m", "gunicorn", "-c", "python:qadam.gunicorn_conf", "--workers", str(workers),
            "--threads", str(threads_for(service)), "--bind", bind]
