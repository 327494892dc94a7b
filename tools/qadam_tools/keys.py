"""Where the running development system's signing key is, wherever a command is run from.

`make run` makes its keys under the checkout it runs in (`var/keys/`) and writes where they are to a per-user
record; `qadam token` and the demo seed read the key from there, so that a token made in another directory is
signed with the key the running services trust (and nobody is sent to `qadam keys`, which would make a new one
they reject)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from qadam.config import Settings
from qadam.private_files import write_owner_only

PRIVATE_KEY_ENV = "QADAM_JWT_PRIVATE_KEY_FILE"
CHECKOUT_KEY = Path("var/keys/jwt-private.pem")  # the development key, relative to the checkout


@dataclass(frozen=True)
class RunRecord:
    """What `make run` leaves for the commands run beside it."""

    checkout: str
    private_key: str
    public_key: str
    pid: int


@dataclass(frozen=True)
class FoundKey:
    """The signing key found (or None), and every place looked at, in order, with what was there."""

    path: Path | None
    looked: tuple[str, ...]

    def explain(self) -> str:
        """Why no key was found, for the person who ran the command."""
        places = "\n".join(f"  - {place}" for place in self.looked)
        return (f"no development signing key found; looked at:\n{places}\n"
                "Start the system with `make run` in the checkout (it makes the keys and records where they are), "
                f"or set {PRIVATE_KEY_ENV} to the key the running services trust. `qadam keys` makes a NEW pair, "
                "which services already running would reject.")


def run_record_path(environ: Mapping[str, str] | None = None) -> Path:
    """The per-user record of the running system: $QADAM_RUN_RECORD, else $XDG_STATE_HOME/qadam/running.json
    (~/.local/state by default)."""
    env = os.environ if environ is None else environ
    if env.get("QADAM_RUN_RECORD"):
        return Path(env["QADAM_RUN_RECORD"]).expanduser()
    state = Path(env["XDG_STATE_HOME"]) if env.get("XDG_STATE_HOME") else Path(env.get("HOME", "~")) / ".local/state"
    return (state / "qadam" / "running.json").expanduser()


def write_run_record(record: RunRecord, environ: Mapping[str, str] | None = None) -> Path:
    """Record where the running system's keys are (readable by its owner only: it names a private key)."""
    path = run_record_path(environ)
    write_owner_only(path, json.dumps(asdict(record), indent=2) + "\n")
    return path


def read_run_record(environ: Mapping[str, str] | None = None) -> RunRecord | None:
    """The record `make run` left, or None where there is none (or it cannot be read)."""
    try:
        raw = json.loads(run_record_path(environ).read_text())
        return RunRecord(**raw)
    except (OSError, ValueError, TypeError):
        return None


def find_private_key(settings: Settings, *, environ: Mapping[str, str] | None = None,
                     cwd: Path | None = None) -> FoundKey:
    """The key to sign development tokens with: the one named by QADAM_JWT_PRIVATE_KEY_FILE when it is set (and
    nothing else: an explicit choice is not second-guessed); else the running system's, from its record; else the
    checkout's `var/keys/jwt-private.pem` in this directory or the nearest one above it."""
    env = os.environ if environ is None else environ
    if env.get(PRIVATE_KEY_ENV):
        named = settings.key_path("private")
        if named.is_file():
            return FoundKey(named, (f"{named} ({PRIVATE_KEY_ENV})",))
        return FoundKey(None, (f"{named} ({PRIVATE_KEY_ENV}): no such file",))
    looked = []
    record_path = run_record_path(env)
    record = read_run_record(env)
    if record is None:
        looked.append(f"{record_path} (the record `make run` writes): none")
    elif Path(record.private_key).is_file():
        return FoundKey(Path(record.private_key), (f"{record_path} -> {record.private_key}",))
    else:
        looked.append(f"{record_path} -> {record.private_key}: no such file")
    start = (cwd or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        candidate = directory / CHECKOUT_KEY
        if candidate.is_file():
            return FoundKey(candidate, (*looked, str(candidate)))
    looked.append(f"{CHECKOUT_KEY} in {start} and every directory above it: none")
    return FoundKey(None, tuple(looked))
