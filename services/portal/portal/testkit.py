"""Helpers for tests that use the portal's pages as a browser would: sign in, find a form's CSRF token."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp

from .demo import DEMO_USERS, DemoUser

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def new_client(app: Any) -> Any:
    """A browser-like test client of the in-process portal, over HTTPS (its cookies are secure)."""
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: Any, user: DemoUser | str, password: str | None = None) -> Any:
    """Sign `user` in through the pages (password, then a code where their second factor is on)."""
    demo = user if isinstance(user, DemoUser) else next(u for u in DEMO_USERS if u.id == user)
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf_of(page.text), "username": demo.id,
                                              "password": password or demo.password})
    if demo.totp_secret and response.status_code == 302 and "/sign-in/code" in response.headers["Location"]:
        page = client.get(response.headers["Location"])
        for _ in range(2):  # a code works once: if this step's was used by an earlier sign-in, wait for the next
            response = client.post("/sign-in/code", data={"csrf_token": csrf_of(page.text),
                                                           "code": pyotp.TOTP(demo.totp_secret).now()})
            if response.status_code != 401:
                break
            time.sleep(30.5 - time.time() % 30)
    assert response.status_code == 302, response.text[:2000]
    return response
