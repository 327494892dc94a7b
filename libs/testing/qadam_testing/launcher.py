"""The running system's processes started from an interpreter that has imported their libraries already.

A test run starts some hundred service processes (each running system's web processes and workers, started again
after a crash or a restart). Each `python -m gunicorn ...` or `python -m <service>.worker` spent about a second of
CPU importing SQLAlchemy, psycopg, Flask, marshmallow, structlog, pika and the kit before doing anything, on a
machine whose two cores the tests keep busy. The launcher is one process per test worker, started on first use,
that imports those once (the third-party libraries and the kit, never a service's own package: each process still
imports its service, its models and its settings itself, as it does when deployed) and then forks each process
asked of it:

- the child starts a session of its own (as `start_new_session` did), points stdin at /dev/null and stdout and
  stderr at its log file, takes exactly the environment and working directory asked for, and runs the module as
  `python -m` does (`runpy`, as `__main__`); its exit status is the module's (`SystemExit`, `os._exit`, a signal);
- the launcher reaps it and writes its exit status where `Launched.poll` reads it; `Launched` answers as much of
  `subprocess.Popen` as the harness and the tests use (pid, poll, wait, returncode).

Only `python -m <module> ...` is launched so; anything else is started as before (`subprocess.Popen`). The module
`gunicorn_conf` reads its service's settings when imported, so it is not imported here: gunicorn imports it in the
child, from the child's environment.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import io
import json
import os
import runpy
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

# what every service process imports before it reaches its own code (`python -X importtime`): the libraries and
# the kit's mechanisms. No service package, and nothing that reads a setting when imported.
PRELOAD = (
    "sqlalchemy", "sqlalchemy.orm", "sqlalchemy.dialects.postgresql", "psycopg", "psycopg_pool", "flask",
    "flask_smorest", "marshmallow", "webargs", "werkzeug", "jinja2", "babel", "flask_babel", "structlog", "pika",
    "prometheus_client", "requests", "opentelemetry.trace", "gunicorn.app.wsgiapp", "gunicorn.workers.gthread",
    "gunicorn.workers.sync", "qadam.web", "qadam.worker", "qadam.outbox", "qadam.inbox", "qadam.auth", "qadam.audit",
    "qadam.idempotency", "qadam.db", "qadam.events", "qadam.config", "qadam_contracts", "qadam_words",
)


def _preload() -> None:
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            __import__(name)
    # a library that started a thread when imported would leave it out of every child (fork copies one thread)
    assert threading.active_count() == 1, f"a preloaded module started a thread: {threading.enumerate()}"


def _name_this_process(name: str) -> None:
    """The process's name as the kernel keeps it (Linux's PR_SET_NAME, 15 bytes): gunicorn's workers, forked from the
    child, and its threads take it too."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(15, name.encode()[:15], 0, 0, 0)


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become the process asked for, run it, and never return."""
    code: Any = 1
    try:
        os.setsid()
        _name_this_process(request["name"])
        # the signals' dispositions a new interpreter starts with: SIGPIPE and SIGXFSZ ignored (a write to a closed
        # socket raises BrokenPipeError, not a death: a gunicorn worker answering a browser that went away), SIGINT
        # raising KeyboardInterrupt, the rest as the system has them
        for sig in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        devnull = os.open(os.devnull, os.O_RDONLY)
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # nothing of the launcher's (as Popen's close_fds)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        # the streams the launcher made when it started (block-buffered, over a pipe) are made again over the log,
        # as a new interpreter would make them (line-buffered where PYTHONUNBUFFERED is unset: a text log)
        unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own stream, for its whole life
        sys.stdout = io.TextIOWrapper(open(1, "wb", buffering=0 if unbuffered else -1, closefd=False),  # noqa: SIM115
                                      line_buffering=True, write_through=unbuffered, encoding="utf-8")
        sys.stderr = io.TextIOWrapper(open(2, "wb", buffering=0, closefd=False),  # noqa: SIM115
                                      line_buffering=True, write_through=True, encoding="utf-8",
                                      errors="backslashreplace")
        sys.argv = [request["module"], *request["args"]]
        sys.path[0] = request["cwd"]  # as `python -m` puts the working directory first
        try:
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exit_:
            code = exit_.code
        except BaseException:  # noqa: BLE001 - printed and the exit status 1, as the interpreter does
            traceback.print_exc()
            code = 1
        with contextlib.suppress(BaseException):
            threading._shutdown()  # type: ignore[attr-defined]  # its threads joined, as at an interpreter's exit
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()  # then what the module registered runs
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        if code is None:
            code = 0
        elif not isinstance(code, int):
            with contextlib.suppress(BaseException):
                print(code, file=sys.stderr, flush=True)
            code = 1
        os._exit(code)


def _serve(status_dir: Path) -> None:
    """The launcher's loop: a request (one JSON line) on stdin is a child forked, its pid answered on stdout; each
    child that ends is reaped and its exit status written to `status_dir/<pid>`. Ends when stdin closes."""
    children: set[int] = set()
    stdin = sys.stdin.buffer
    while True:
        readable, _, _ = select.select([stdin], [], [], 0.05)
        if readable:
            line = stdin.readline()
            if not line:
                break
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _child(request)
            children.add(pid)
            (status_dir / str(pid)).unlink(missing_ok=True)  # an earlier child's, whose pid the system gave again
            sys.stdout.write(f"{pid}\n")
            sys.stdout.flush()
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                children.clear()
                break
            if pid == 0:
                break
            children.discard(pid)
            written = status_dir / f".{pid}"
            written.write_text(str(os.waitstatus_to_exitcode(status)))
            written.rename(status_dir / str(pid))


UNKNOWN_EXIT = 255  # a child that ended after its launcher: its exit status went to init


class Launched:
    """A process the launcher forked: what of `subprocess.Popen` the harness uses."""

    def __init__(self, pid: int, launcher: Launcher, args: list[str]) -> None:
        self.pid, self.args, self.launcher = pid, args, launcher
        self.returncode: int | None = None
        self._status = launcher.status_dir / str(pid)

    def poll(self) -> int | None:
        if self.returncode is None:
            if self._status.exists():
                self.returncode = int(self._status.read_text())
            elif self.launcher.popen.poll() is not None:  # the launcher ended: nobody will write its status
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    self.returncode = UNKNOWN_EXIT
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(0.02)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Launcher:
    """This test process's launcher (one, started on first use, ended at exit)."""

    _lock = threading.Lock()
    _running: Launcher | None = None

    def __init__(self) -> None:
        self.status_dir = Path(tempfile.mkdtemp(prefix="qadam-launcher-"))
        # this file run as a script, not `-m qadam_testing.launcher`: that would import the package, and with it
        # the harness, pytest and qadam.gunicorn_conf (which reads its service's settings when imported)
        self.popen = subprocess.Popen([sys.executable, __file__, str(self.status_dir)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, start_new_session=True)

    @classmethod
    def shared(cls) -> Launcher:
        with cls._lock:
            if cls._running is None or cls._running.popen.poll() is not None:
                cls._running = cls()
                atexit.register(cls._running.close)
            return cls._running

    def launch(self, argv: list[str], env: dict[str, str], log: Path, cwd: str | None = None,
               name: str | None = None) -> Launched:
        """Fork `python -m <module> <args>` (`argv` as for Popen, its interpreter this one); `name`: what `ps -o comm`,
        `top` and process accounting call it (its first 15 characters), where a forked child would otherwise show
        the launcher's name and command line like every other."""
        assert argv[0] == sys.executable and argv[1] == "-m", argv
        log.open("ab").close()  # there at once, as with Popen: a test may read it before the child has run
        request = {"module": argv[2], "args": argv[3:], "env": env, "log": str(log), "cwd": cwd or os.getcwd(),
                   "name": name or argv[2]}
        assert self.popen.stdin is not None and self.popen.stdout is not None
        with self._lock:
            self.popen.stdin.write(json.dumps(request).encode() + b"\n")
            self.popen.stdin.flush()
            answer = self.popen.stdout.readline()
        if not answer.strip():
            raise RuntimeError(f"the launcher ended (exit status {self.popen.poll()})")
        return Launched(int(answer), self, argv)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            assert self.popen.stdin is not None
            self.popen.stdin.close()
            self.popen.wait(10)
        shutil.rmtree(self.status_dir, ignore_errors=True)


def launchable(argv: list[str]) -> bool:
    """Whether `argv` is `python -m <module> ...` run by this interpreter (what the launcher starts)."""
    return len(argv) >= 3 and argv[0] == sys.executable and argv[1] == "-m"


if __name__ == "__main__":
    sys.path[0] = os.getcwd()  # not this file's folder (its siblings are no top-level modules), as `-m` has it
    _preload()
    assert "qadam.gunicorn_conf" not in sys.modules and "qadam_testing" not in sys.modules, "imported too much"
    _serve(Path(sys.argv[1]))
