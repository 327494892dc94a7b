"""`qadam token` signs with the running system's development key wherever it is run from, or says where it
looked; it never sends anyone to make a key the running services would reject."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from qadam.auth import TokenVerifier, generate_keypair
from qadam.config import Settings
from qadam_contracts.roles import ACCESS_POLICY
from qadam_tools.keys import RunRecord, find_private_key, write_run_record


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout whose development keys `make run` made."""
    root = tmp_path / "checkout"
    generate_keypair(root / "var/keys/jwt-private.pem", root / "var/keys/jwt-public.pem")
    (root / "services/enrollment").mkdir(parents=True)
    return root


def _record(tmp_path: Path, checkout: Path) -> dict[str, str]:
    environ = {"QADAM_RUN_RECORD": str(tmp_path / "state/running.json")}
    write_run_record(RunRecord(checkout=str(checkout), private_key=str(checkout / "var/keys/jwt-private.pem"),
                               public_key=str(checkout / "var/keys/jwt-public.pem"), pid=1), environ)
    return environ


def test_the_running_systems_key_is_found_from_any_directory(tmp_path, checkout):
    environ = _record(tmp_path, checkout)
    found = find_private_key(Settings(), environ=environ, cwd=tmp_path)
    assert found.path == checkout / "var/keys/jwt-private.pem"


def test_the_record_is_readable_by_its_owner_only(tmp_path, checkout):
    _record(tmp_path, checkout)
    assert (tmp_path / "state/running.json").stat().st_mode & 0o077 == 0


def test_without_a_record_the_nearest_checkout_above_is_used(tmp_path, checkout):
    environ = {"QADAM_RUN_RECORD": str(tmp_path / "none.json")}
    found = find_private_key(Settings(), environ=environ, cwd=checkout / "services/enrollment")
    assert found.path == checkout / "var/keys/jwt-private.pem"


def test_a_key_named_in_the_environment_is_the_only_one_taken(tmp_path, checkout):
    environ = {**_record(tmp_path, checkout), "QADAM_JWT_PRIVATE_KEY_FILE": str(tmp_path / "missing.pem")}
    found = find_private_key(Settings.from_env("qadam", environ), environ=environ, cwd=checkout)
    assert found.path is None
    assert "missing.pem" in found.explain() and "QADAM_JWT_PRIVATE_KEY_FILE" in found.explain()


def test_with_no_key_anywhere_it_says_where_it_looked(tmp_path):
    environ = {"QADAM_RUN_RECORD": str(tmp_path / "none.json")}
    found = find_private_key(Settings(), environ=environ, cwd=tmp_path)
    assert found.path is None
    said = found.explain()
    assert str(tmp_path / "none.json") in said and str(tmp_path) in said and "make run" in said


def test_qadam_token_outside_the_checkout_signs_with_the_running_systems_key(tmp_path, checkout):
    environ = _record(tmp_path, checkout)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    made = subprocess.run([sys.executable, "-m", "qadam_tools.cli", "token", "--user", "u1", "--role", "manager",
                           "--region", "Toshkent"], cwd=elsewhere, env={"PATH": "/usr/bin:/bin", **environ},
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    verifier = TokenVerifier((checkout / "var/keys/jwt-public.pem").read_bytes(), policy=ACCESS_POLICY,
                             issuer="qadam-portal", audience="qadam")
    assert verifier.verify(made.stdout.strip()).user_id == "u1"
    assert not (elsewhere / "var").exists()


def test_qadam_token_with_no_key_anywhere_fails_saying_where_it_looked(tmp_path):
    made = subprocess.run([sys.executable, "-m", "qadam_tools.cli", "token", "--user", "u1", "--role", "manager"],
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "QADAM_RUN_RECORD": str(tmp_path / "r.json")},
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 1
    assert "looked at" in made.stderr and str(tmp_path / "r.json") in made.stderr
    assert not (tmp_path / "var").exists()


def test_qadam_keys_away_from_the_running_system_says_its_services_will_not_trust_them(tmp_path, checkout):
    environ = _record(tmp_path, checkout)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    made = subprocess.run([sys.executable, "-m", "qadam_tools.cli", "keys"], cwd=elsewhere,
                          env={"PATH": "/usr/bin:/bin", **environ}, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert (elsewhere / "var/keys/jwt-private.pem").exists()
    assert str(checkout / "var/keys/jwt-private.pem") in made.stderr and "do not trust" in made.stderr


def test_qadam_keys_marks_development_keys_and_with_production_writes_keys_production_takes(tmp_path):
    from qadam.config import DEVELOPMENT_KEY_MARK, ProductionRefusal, refuse_unfit_for_production

    for kind, flags in (("development", []), ("production", ["--production"])):
        folder = tmp_path / kind
        folder.mkdir()
        made = subprocess.run([sys.executable, "-m", "qadam_tools.cli", "keys", *flags], cwd=folder,
                              env={"PATH": "/usr/bin:/bin", "QADAM_RUN_RECORD": str(tmp_path / "none.json")},
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
    files = ("jwt-private.pem", "jwt-public.pem", "sealing-keys.txt")
    for name in files:
        assert (tmp_path / "development/var/keys" / name).read_text().startswith(DEVELOPMENT_KEY_MARK), name
        assert DEVELOPMENT_KEY_MARK not in (tmp_path / "production/var/keys" / name).read_text(), name

    def settings(kind: str) -> Settings:
        keys = tmp_path / kind / "var/keys"
        return Settings.from_env("qadam", {"QADAM_ENV": "production", "QADAM_JWT_PRIVATE_KEY_FILE": str(keys / files[0]),
                                           "QADAM_JWT_PUBLIC_KEY_FILE": str(keys / files[1]),
                                           "QADAM_SEALING_KEY_FILE": str(keys / files[2])})

    refuse_unfit_for_production(settings("production"))
    with pytest.raises(ProductionRefusal):
        refuse_unfit_for_production(settings("development"))
