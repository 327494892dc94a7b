"""The supply chain: third-party packages reach .venv, CI and the images only from a lock with every file's hash, and
the locks say what constraints.txt pins. `make lock` writes them; these fail while a pin, a lock and the packages'
own dependency lists disagree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGE_PACKAGES = ["libs/qadam", "libs/contracts", "libs/words", "tools", "services/enrollment", "services/sessions",
                  "services/risk", "services/notify", "services/portal"]
LOCAL = {"qadam", "qadam-contracts", "qadam-words", "qadam-tools", "qadam-testing", "enrollment", "sessions", "risk",
         "notify", "portal"}
BUILD = {"pip", "setuptools"}  # what builds Qadam's own packages with --no-build-isolation
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` line of a constraints or requirements file."""
    found = {}
    for line in path.read_text().splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[canonical(match.group(1))] = match.group(2)
    return found


def locked(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of a hashed lock (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    entries = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            entries[canonical(match.group(1))] = (match.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
    return entries


def requirement_name(requirement: str) -> str:
    return canonical(re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0])


def test_the_development_lock_pins_every_constraint_at_its_version_and_hashes_every_package():
    lock = locked(ROOT / "requirements.lock")
    constraints = pins(ROOT / "constraints.txt")
    assert constraints
    for name, version in constraints.items():
        assert name in lock, f"{name} is pinned in constraints.txt but not in requirements.lock: run `make lock`"
        assert lock[name][0] == version, f"{name}: constraints.txt {version}, requirements.lock {lock[name][0]}"
    for name, (_, hashes) in lock.items():
        assert hashes, f"requirements.lock: {name} has no hash"
    assert BUILD <= set(lock), "pip and setuptools come from the lock too"


def test_the_runtime_lock_is_what_the_images_packages_ask_for_at_the_constrained_versions():
    wanted = {requirement_name(r) for package in IMAGE_PACKAGES
              for r in tomllib.loads((ROOT / package / "pyproject.toml").read_text())["project"]["dependencies"]}
    wanted -= LOCAL
    listed = {requirement_name(line) for line in (ROOT / "deploy/requirements-runtime.in").read_text().splitlines()
              if line.strip() and not line.startswith(("#", "-"))}
    assert listed == wanted | BUILD, f"deploy/requirements-runtime.in: missing {wanted - listed}, extra {listed - wanted - BUILD}"
    lock = locked(ROOT / "deploy/requirements-runtime.lock")
    constraints = pins(ROOT / "constraints.txt")
    assert listed <= set(lock)
    for name, (version, hashes) in lock.items():
        assert hashes, f"deploy/requirements-runtime.lock: {name} has no hash"
        if name in constraints:
            assert version == constraints[name], f"{name}: constraints.txt {constraints[name]}, runtime lock {version}"
    assert not {"pytest", "mypy", "playwright", "ruff", "uv"} & set(lock), "the images carry no development tool"


def test_make_install_ci_and_the_images_install_third_party_packages_from_the_locks_only():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile
    installs = [line for line in makefile.splitlines() if "pip install" in line]
    assert all("--require-hashes" in line or "--no-deps" in line for line in installs), installs
    assert "make test" in (ROOT / ".ci/run").read_text()  # CI installs through make
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    runs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert runs and all("--require-hashes" in line or "--no-deps" in line for line in runs), runs
    assert "requirements-runtime.lock" in dockerfile
