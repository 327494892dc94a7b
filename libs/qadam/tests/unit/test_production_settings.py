"""QADAM_ENV=production: the settings loader's check at start refuses development keys and links to the machine
itself, naming the setting; development checks nothing; and a key marked as a development one still works."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from qadam import sealing
from qadam.auth import AccessPolicy, TokenVerifier, generate_keypair, issue_token
from qadam.config import (
    DEVELOPMENT_KEY_MARK,
    ProductionRefusal,
    Settings,
    local_link_problem,
    refuse_unfit_for_production,
    setting,
)

POLICY = AccessPolicy.of({"inspector"}, everywhere=(), district_scoped={"inspector"}, audit_readers=())


def keys(folder: Path, *, development: bool) -> dict[str, str]:
    private, public, sealed = folder / "jwt-private.pem", folder / "jwt-public.pem", folder / "sealing-keys.txt"
    generate_keypair(private, public, development=development)
    sealing.ensure(sealed, development=development)
    return {"QADAM_JWT_PRIVATE_KEY_FILE": str(private), "QADAM_JWT_PUBLIC_KEY_FILE": str(public),
            "QADAM_SEALING_KEY_FILE": str(sealed)}


def refusal(settings: Settings) -> ProductionRefusal:
    with pytest.raises(ProductionRefusal) as caught:
        refuse_unfit_for_production(settings)
    return caught.value


def test_production_refuses_each_development_key_and_names_its_setting(tmp_path):
    environ = {"QADAM_ENV": "production", **keys(tmp_path, development=True)}
    refused = refusal(Settings.from_env("risk", environ))

    assert {p.env for p in refused.problems} == {"QADAM_JWT_PRIVATE_KEY_FILE", "QADAM_JWT_PUBLIC_KEY_FILE",
                                                 "QADAM_SEALING_KEY_FILE"}
    assert refused.code.startswith("risk: QADAM_ENV=production")  # what the process prints as it exits
    assert "QADAM_SEALING_KEY_FILE" in refused.code and "qadam keys --production" in refused.code
    assert isinstance(refused, SystemExit)


def test_production_keys_start_and_development_checks_nothing(tmp_path):
    production = keys(tmp_path / "prod", development=False)
    refuse_unfit_for_production(Settings.from_env("risk", {"QADAM_ENV": "production", **production}))
    refuse_unfit_for_production(Settings.from_env("risk", keys(tmp_path / "dev", development=True)))


def test_one_development_key_among_production_ones_is_refused(tmp_path):
    environ = {"QADAM_ENV": "production", **keys(tmp_path / "prod", development=False)}
    environ["QADAM_SEALING_KEY_FILE"] = keys(tmp_path / "dev", development=True)["QADAM_SEALING_KEY_FILE"]
    assert [p.env for p in refusal(Settings.from_env("sessions", environ)).problems] == ["QADAM_SEALING_KEY_FILE"]


def test_a_rotated_development_sealing_file_stays_a_development_one(tmp_path):
    path = Path(keys(tmp_path, development=True)["QADAM_SEALING_KEY_FILE"])
    sealing.add_key(path)
    assert path.read_text().startswith(DEVELOPMENT_KEY_MARK)
    assert len(sealing.load(path)._fernets) == 2  # both keys still read past the mark


def test_an_unknown_environment_is_refused():
    with pytest.raises(SystemExit, match="QADAM_ENV='prod' is not one of development, production"):
        refuse_unfit_for_production(Settings.from_env("risk", {"QADAM_ENV": "prod"}))


def test_marked_development_keys_still_sign_and_verify_tokens(tmp_path):
    environ = keys(tmp_path, development=True)
    private, public = Path(environ["QADAM_JWT_PRIVATE_KEY_FILE"]), Path(environ["QADAM_JWT_PUBLIC_KEY_FILE"])
    assert private.read_text().startswith(DEVELOPMENT_KEY_MARK + "\n-----BEGIN PRIVATE KEY-----")
    token = issue_token(private.read_bytes(), user_id="insp-1", role="inspector", issuer="qadam-portal",
                        audience="qadam", now=time.time())
    verifier = TokenVerifier(public.read_bytes(), policy=POLICY, issuer="qadam-portal", audience="qadam")
    assert verifier.verify(token).user_id == "insp-1"


@dataclass(frozen=True)
class LinkSettings(Settings):
    link_url: str = setting("QADAM_TEST_LINK_URL", "", "a link people follow")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "https://localhost/alerts", "http://[::1]:8004/ack",
                                 "http://0.0.0.0:8000", "http://portal.localhost", "http://127.1.2.3", "", "portal"])
def test_a_link_to_the_machine_itself_is_a_problem_naming_its_setting(url):
    settings = LinkSettings(link_url=url)
    problem = local_link_problem(settings, "link_url")
    assert problem is not None and problem.env == "QADAM_TEST_LINK_URL"


@pytest.mark.parametrize("url", ["https://portal.qadam.example.uz", "https://10.0.4.7/ack", "http://qadam.uz:8080"])
def test_a_public_link_is_no_problem(url):
    settings = LinkSettings(link_url=url)
    assert local_link_problem(settings, "link_url") is None
