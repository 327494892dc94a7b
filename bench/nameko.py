"""nameko, the nearest Python framework for services over RabbitMQ, on the pipeline's hop, for comparison.

One service publishes attendance events with nameko's standalone event_dispatcher (a publisher confirm per
event, nameko's default), another consumes them with an @event_handler that writes one row per event into its
own PostgreSQL database; events per second from the first publish until the last row is committed. nameko
(with eventlet) lives in its own virtualenv, bench/.nameko-venv, made here on first use; bench/nameko_hop.py runs
in it. Anything that goes wrong comes back as {"error": ...}, so the rest of `make bench` runs on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

HERE = Path(__file__).resolve().parent
VENV = HERE / ".nameko-venv"
SCRIPT = HERE / "nameko_hop.py"
# Installed and run on Python 3.11 (2.14.1 is nameko's last release; 3.0.0rc11 runs the hop too, see nameko_hop.py).
REQUIREMENTS = (
    "nameko==2.14.1", "eventlet==0.41.3", "greenlet==3.5.6", "dnspython==2.9.2", "kombu==5.7.0", "amqp==5.4.2",
    "vine==5.1.0", "psycopg==3.3.9", "psycopg-binary==3.3.9", "Werkzeug==3.1.9", "MarkupSafe==3.0.4",
    "PyYAML==6.0.3", "mock==5.2.0", "path.py==12.5.0", "path==17.1.1", "six==1.17.0", "wrapt==2.5.2",
    "packaging==26.3", "requests==2.34.2", "urllib3==2.8.0", "idna==3.20", "charset-normalizer==3.5.2",
    "certifi==2026.10.18", "typing_extensions==4.16.0",
)
LOCAL_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672"


def ensure_venv() -> Path:
    """bench/.nameko-venv with REQUIREMENTS installed (again when they change); its python."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    wanted = "\n".join(REQUIREMENTS)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, text=True,
                       timeout=300)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS],
                   check=True, capture_output=True, text=True, timeout=900)
    stamp.write_text(wanted)
    return python


def _tail(text: str | bytes | None, limit: int = 300) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    lines = [line for line in (text or "").strip().splitlines() if line.strip() and not line[0].isspace()]
    return (lines[-1] if lines else "")[-limit:]


def _remove_leftovers(name: str) -> None:
    """What a run that was killed or failed may have left: its database and its vhost (each may be gone already)."""
    try:
        with psycopg.connect(LOCAL_DATABASE, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:
        print(f"bench.nameko: could not drop database {name}: {exc}", file=sys.stderr)
    try:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"bench.nameko: could not delete vhost {name}: {exc}", file=sys.stderr)


def run(count: int = 5000, *, confirms: bool = True, timeout: float = 600.0) -> dict[str, Any]:
    """Events per second nameko reaches on the hop, as nameko_hop.py reports it; or {"error": reason}.

    confirms=False publishes without publisher confirms (nameko's default, and this one's, is a confirm per event)."""
    try:
        python = ensure_venv()
    except subprocess.CalledProcessError as exc:
        return {"error": f"nameko could not be installed: {_tail(exc.stderr) or exc}"}
    except Exception as exc:
        return {"error": f"nameko could not be installed: {exc}"}
    name = f"qadam_bnk{int(time.time())}"
    args = [name, "--count", str(count), "--timeout", str(timeout), "--database-url", LOCAL_DATABASE,
            "--amqp-url", LOCAL_AMQP, *([] if confirms else ["--no-confirms"])]
    proc = subprocess.Popen([str(python), "-I", str(SCRIPT), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout + 120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        _remove_leftovers(name)
        return {"error": f"nameko_hop.py did not finish within {timeout + 120:.0f} s"}
    if proc.returncode != 0:
        _remove_leftovers(name)
        return {"error": f"nameko_hop.py failed (exit {proc.returncode}): {_tail(err)}"}
    try:
        return dict(json.loads(out.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return {"error": f"nameko_hop.py printed no result: {_tail(out) or _tail(err)}"}


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)))
