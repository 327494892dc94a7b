"""The services verify the portal's tokens against its published keys (JWKS): the key a token names is fetched,
a rotated key is picked up, and a token whose key is not published is refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from qadam.auth import TokenVerifier, generate_keypair, issue_token, jwks_document
from qadam.errors import Problem
from qadam_contracts.roles import ACCESS_POLICY, Role


class KeyServer:
    """A local HTTP server publishing a JWKS document that a test can change, counting fetches."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                owner.fetches += 1
                body = json.dumps(owner.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[bytes, bytes]]:
    made = {}
    for name in ("old", "new", "stranger"):
        generate_keypair(tmp_path / f"{name}.pem", tmp_path / f"{name}.pub")
        made[name] = ((tmp_path / f"{name}.pem").read_bytes(), (tmp_path / f"{name}.pub").read_bytes())
    return made


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    server = KeyServer()
    yield server
    server.stop()


def sign(private: bytes, **claims: Any) -> str:
    return issue_token(private, user_id="insp-1", role=Role.INSPECTOR, issuer="qadam-portal", audience="qadam",
                       region="Buxoro viloyati", district="Buxoro", **claims)


def test_a_token_is_verified_with_the_published_key_it_names(keys, key_server):
    key_server.document = jwks_document(keys["old"][1])
    verifier = TokenVerifier(None, policy=ACCESS_POLICY, issuer="qadam-portal", audience="qadam", jwks_url=key_server.url)
    principal = verifier.verify(sign(keys["old"][0]))
    assert (principal.user_id, principal.role, principal.district) == ("insp-1", Role.INSPECTOR, "Buxoro")
    kid = jwt.get_unverified_header(sign(keys["old"][0]))["kid"]
    assert key_server.document["keys"][0]["kid"] == kid


def test_a_rotated_key_is_fetched_when_a_token_first_names_it(keys, key_server):
    key_server.document = jwks_document(keys["old"][1])
    verifier = TokenVerifier(None, policy=ACCESS_POLICY, issuer="qadam-portal", audience="qadam", jwks_url=key_server.url,
                             jwks_cooldown=0)
    verifier.verify(sign(keys["old"][0]))
    key_server.document = jwks_document(keys["new"][1], keys["old"][1])  # the portal rotates: both published
    assert verifier.verify(sign(keys["new"][0])).user_id == "insp-1"
    assert verifier.verify(sign(keys["old"][0], now=None)).user_id == "insp-1"
    assert key_server.fetches == 2


def test_a_token_signed_with_a_key_the_portal_does_not_publish_is_refused(keys, key_server):
    key_server.document = jwks_document(keys["old"][1])
    verifier = TokenVerifier(None, policy=ACCESS_POLICY, issuer="qadam-portal", audience="qadam", jwks_url=key_server.url)
    with pytest.raises(Problem) as refused:
        verifier.verify(sign(keys["stranger"][0]))
    assert refused.value.code == 401
    # a forger naming the published key's id still fails the signature check
    kid = key_server.document["keys"][0]["kid"]
    forged = jwt.encode({"sub": "x", "role": "administrator", "iss": "qadam-portal", "aud": "qadam", "iat": 1,
                         "exp": 4102444800}, keys["stranger"][0], algorithm="RS256", headers={"kid": kid})
    with pytest.raises(Problem) as refused:
        verifier.verify(forged)
    assert refused.value.code == 401


def test_an_unreachable_key_server_is_a_503_not_a_401(keys):
    verifier = TokenVerifier(None, policy=ACCESS_POLICY, issuer="qadam-portal", audience="qadam",
                             jwks_url="http://127.0.0.1:9/.well-known/jwks.json")
    with pytest.raises(Problem) as unavailable:
        verifier.verify(sign(keys["old"][0]))
    assert unavailable.value.code == 503


def test_the_keys_are_fetched_before_the_first_request_needs_them(keys, key_server):
    key_server.document = jwks_document(keys["old"][1])
    verifier = TokenVerifier(None, policy=ACCESS_POLICY, issuer="qadam-portal", audience="qadam", jwks_url=key_server.url)
    verifier.prefetch().join(5)
    assert key_server.fetches == 1
    verifier.verify(sign(keys["old"][0]))
    assert key_server.fetches == 1  # the request found the keys already there
