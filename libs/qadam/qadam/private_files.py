"""Files that hold secrets (signing keys, sealing keys, development tokens): readable by their owner only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_owner_only(path: Path, content: str | bytes) -> None:
    """Write `content` to `path` owner-only (0600) from the first byte, and whole or not at all: a reader never sees
    a half-written file, and a file there before (perhaps world-readable) is replaced, not rewritten in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content.encode() if isinstance(content, str) else content)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
