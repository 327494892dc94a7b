"""The demo region is seeded and each demo user signs in and lands on their start page."""

from __future__ import annotations

import pytest
from portal.demo import DEMO_USERS


@pytest.mark.parametrize("user", [u.id for u in DEMO_USERS])
def test_each_demo_user_lands_on_their_start_page(client_for, user):
    client = client_for(user, "en")
    response = client.get("/")
    assert response.status_code == 302
