"""Data sealed at rest (confidential session notes, incident details) and its keys: a key file of Fernet keys, newest first.

Rotation: `add_key` puts a new key on top; what is written from then on uses it, what was written before
still opens with the older keys, and re-sealing everything with the newest (MultiFernet.rotate) lets the
old key be removed. The file is a secret: mount it, never commit it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

from .config import DEVELOPMENT_KEY_MARK, Settings
from .private_files import write_owner_only


class SealingKeyMissing(RuntimeError):
    pass


def _lines(path: Path) -> list[str]:
    try:
        lines = [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    except FileNotFoundError:
        raise SealingKeyMissing(f"No sealing key file at {path}: run `qadam keys` (development) or mount one.") from None
    if not lines:
        raise SealingKeyMissing(f"The sealing key file {path} holds no key.")
    return lines


def load(path: Path) -> MultiFernet:
    # cryptography (about 9 MB) is loaded when a key is first used: a worker imports the commands that seal notes,
    # but only its web process ever seals one
    from cryptography.fernet import Fernet, MultiFernet

    return MultiFernet([Fernet(line.encode()) for line in _lines(path)])


def derived_keys(settings: Settings, purpose: str) -> list[bytes]:
    """Keys for another purpose (signing links), derived from each sealing key, newest first: rotating the sealing
    keys rotates them too, and no second secret needs mounting."""
    return [hmac.new(base64.urlsafe_b64decode(line), purpose.encode(), hashlib.sha256).digest()
            for line in _lines(Path(settings.sealing_key_file).expanduser())]


def cipher(settings: Settings) -> MultiFernet:
    return load(Path(settings.sealing_key_file).expanduser())


def seal(settings: Settings, text: str) -> bytes:
    """Text sealed with the newest key (SealingKeyMissing without a key file)."""
    return cipher(settings).encrypt(text.encode())


def unseal(settings: Settings, sealed: bytes) -> str:
    return cipher(settings).decrypt(sealed).decode()


HEADER = "# newest first; keep older keys until everything is re-sealed\n"


def ensure(path: Path, *, development: bool = True) -> bool:
    """Create the key file with one key if it does not exist; True if it was created. A development file starts
    with a line that says so, and a process with QADAM_ENV=production refuses it."""
    if path.exists():
        return False
    from cryptography.fernet import Fernet

    _write(path, _mark(development) + HEADER + Fernet.generate_key().decode() + "\n")
    return True


def add_key(path: Path) -> None:
    """Put a new key on top (rotation's first step); a development file stays marked as one."""
    old = path.read_text() if path.exists() else ""
    body = "\n".join(line for line in old.splitlines() if not line.startswith("#"))
    from cryptography.fernet import Fernet

    development = old.startswith(DEVELOPMENT_KEY_MARK)
    _write(path, _mark(development) + HEADER + Fernet.generate_key().decode() + "\n" + body + ("\n" if body else ""))


def _mark(development: bool) -> str:
    return DEVELOPMENT_KEY_MARK + "\n" if development else ""


def _write(path: Path, text: str) -> None:
    write_owner_only(path, text)  # a reader never sees a half-written key file
