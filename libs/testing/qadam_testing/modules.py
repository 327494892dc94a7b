"""A migration (or any file that is not an importable module) loaded from its path: migrations stand alone, so a
test reaches what one carries frozen in itself (its rules, texts, folding) by loading its file."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def module_at(path: Path, name: str | None = None) -> ModuleType:
    """The module in the file at `path` (named `name`, else the file's stem), loaded afresh."""
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    assert spec is not None and spec.loader is not None, f"no module at {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
