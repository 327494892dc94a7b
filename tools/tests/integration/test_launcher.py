"""The test harness's launcher (qadam_testing.launcher): a process forked from it is the process `python -m` would
have started: its own session, exactly the environment and directory asked for, its output in its log as it
writes it, its exit status (an exit code, `os._exit`, a signal) told as subprocess.Popen tells it; and no service's
package imported before its own code runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from qadam_testing import wait_until
from qadam_testing.launcher import Launcher

PROBE = textwrap.dedent("""
    import json, os, signal, sys, time
    print(json.dumps({"signals": {name: str(signal.getsignal(getattr(signal, name)))
                                  for name in ("SIGINT", "SIGTERM", "SIGPIPE", "SIGXFSZ", "SIGCHLD", "SIGHUP")},
                      "argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ), "sid": os.getsid(0),
                      "services": sorted(m for m in sys.modules if m.split(".")[0] in
                                         ("enrollment", "sessions", "risk", "notify", "portal")),
                      "sqlalchemy": "sqlalchemy" in sys.modules, "comm": open("/proc/self/comm").read().strip()}))
    how = sys.argv[1]
    if how == "exit":
        sys.exit(int(sys.argv[2]))
    if how == "_exit":
        os._exit(int(sys.argv[2]))
    if how == "raise":
        raise RuntimeError("the probe broke")
    if how == "pipe":  # a write to a pipe nobody reads: BrokenPipeError, as in any Python process, not a death
        read, write = os.pipe()
        os.close(read)
        try:
            os.write(write, b"x")
        except BrokenPipeError:
            sys.exit(4)
    if how == "wait":
        print("waiting", file=sys.stderr)
        time.sleep(60)
""")


@pytest.fixture
def launch(tmp_path: Path):
    (tmp_path / "probe.py").write_text(PROBE)
    launcher = Launcher.shared()

    def run(*args: str, env: dict[str, str] | None = None, name: str | None = None):
        log = tmp_path / f"probe-{len(list(tmp_path.glob('*.log')))}.log"
        return launcher.launch([sys.executable, "-m", "probe", *args], env or {"QADAM_PROBE": "1"}, log,
                               cwd=str(tmp_path), name=name), log

    return run


def said(log: Path) -> dict:
    return json.loads(log.read_text().splitlines()[0])


def test_the_child_has_its_own_session_the_environment_and_directory_asked_and_the_libraries_but_no_service(launch,
                                                                                                          tmp_path):
    os.environ["QADAM_NOT_PASSED"] = "1"
    try:
        child, log = launch("exit", "0", env={"QADAM_PROBE": "yes", "PATH": "/usr/bin"})
        assert child.wait(30) == 0
    finally:
        del os.environ["QADAM_NOT_PASSED"]
    out = said(log)
    assert out["env"] == {"QADAM_PROBE": "yes", "PATH": "/usr/bin"}
    assert out["cwd"] == str(tmp_path) and out["argv"] == ["exit", "0"]
    assert out["sid"] == child.pid  # a session (and process group) of its own: killpg reaches it and its children
    assert out["services"] == [] and out["sqlalchemy"] is True
    assert out["comm"] == "probe"  # named after its module, not the launcher (`ps -o comm`, `top`, accounting)


def test_a_child_is_named_as_asked_in_the_kernels_15_characters(launch):
    child, log = launch("exit", "0", name="enrollment-worker")
    assert child.wait(30) == 0
    assert said(log)["comm"] == "enrollment-work"


def test_the_signals_are_handled_as_in_a_new_interpreter(launch, tmp_path):
    child, log = launch("exit", "0")
    assert child.wait(30) == 0
    fresh = subprocess.run([sys.executable, "-m", "probe", "exit", "0"], cwd=tmp_path, capture_output=True, text=True,
                           env={}, check=True)
    assert said(log)["signals"] == json.loads(fresh.stdout.splitlines()[0])["signals"]


@pytest.mark.parametrize(("how", "status"), [(("exit", "3"), 3), (("_exit", "75"), 75), (("raise",), 1),
                                             (("pipe",), 4)])
def test_the_exit_status_is_the_modules(launch, how, status):
    child, log = launch(*how)
    assert child.wait(30) == status and child.poll() == status and child.returncode == status
    if how == ("raise",):
        assert "RuntimeError: the probe broke" in log.read_text()


def test_output_reaches_the_log_as_it_is_written_and_a_signal_ends_it_as_popen_tells(launch):
    child, log = launch("wait")
    wait_until(lambda: "waiting" in log.read_text(), timeout=30, what="the probe's line while it runs")
    assert child.poll() is None
    os.killpg(child.pid, signal.SIGTERM)
    assert child.wait(30) == -signal.SIGTERM
