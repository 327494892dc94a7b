"""Tokens on their own: expiry by the verifier's clock, and the development keys on disk (no server)."""

from __future__ import annotations

import time

import pytest
from qadam.auth import AccessPolicy, generate_keypair, issue_token

# the kit knows no role by name: its tests give it a policy of their own
POLICY = AccessPolicy.of({"inspector"}, everywhere=(), district_scoped={"inspector"}, audit_readers=())


def test_a_remembered_token_is_still_refused_once_it_expires(jwt_keys):
    from qadam.auth import TokenVerifier
    from qadam.errors import Problem
    private, public = jwt_keys
    now = [float(int(time.time()))]
    verifier = TokenVerifier(public.read_bytes(), policy=POLICY, issuer="qadam-portal", audience="qadam", leeway=0,
                             clock=lambda: now[0])
    short = issue_token(private.read_bytes(), user_id="insp-1", role="inspector", issuer="qadam-portal",
                        audience="qadam", ttl_seconds=2, region="Buxoro viloyati", now=now[0])
    assert verifier.verify(short).user_id == "insp-1"
    assert verifier.verify(short).region == "Buxoro viloyati"  # the second time from memory, same answer
    now[0] += 3.1  # past its two seconds, by the verifier's clock
    with pytest.raises(Problem, match="expired"):
        verifier.verify(short)


def test_development_keys_are_readable_by_their_owner_only_even_over_a_world_readable_file(tmp_path):
    import stat
    private, public = tmp_path / "keys" / "jwt-private.pem", tmp_path / "keys" / "jwt-public.pem"
    private.parent.mkdir()
    private.write_text("an old key, world-readable")
    private.chmod(0o644)
    generate_keypair(private, public)
    for path in (private, public):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert b"\n-----BEGIN PRIVATE KEY-----" in private.read_bytes()
