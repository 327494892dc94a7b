"""A man of Nukus whose inspector may ask to move him to a group of another district of the demo region: the district
added to the region's areas as the administrator's page does (the portal publishes it to enrollment), two groups of
the demo programme (one in Nukus, one there) formed by the region's manager and the man referred to the first by his
inspector, through enrollment's API (what the pages then do is the test's business)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests
from portal.areas import ensure_district
from portal.demo import DEMO_USERS
from qadam.auth import issue_token
from qadam.config import Settings
from qadam.db import make_engine, make_session_factory
from qadam_testing import wait_until

USERS = {u.id: u for u in DEMO_USERS}
INSPECTOR, SUPERVISOR, MANAGER, PSYCHOLOGIST = "insp-nukus-1", "sup-nukus", "mgr-karakalpakstan", "psy-nukus-1"
ELSEWHERE = "Chimboy"  # a district of the demo region other than Nukus


def man_to_move(demo: dict[str, Any], jwt_keys: tuple[Path, Path], portal_database_url: str) -> dict[str, Any]:
    """{"enrolment": the man referred in Nukus, "home": his group, "away": a group of another district}."""
    engine = make_engine(portal_database_url)
    try:
        with make_session_factory(engine).begin() as db:
            ensure_district(db, USERS[INSPECTOR].region, ELSEWHERE)
    finally:
        engine.dispose()
    url, suffix = demo["urls"]["enrollment"], uuid.uuid4().hex[:6]
    home_district = USERS[INSPECTOR].district

    def call(user_id: str, path: str, body: dict[str, Any]) -> requests.Response:
        user, defaults = USERS[user_id], Settings()
        token = issue_token(jwt_keys[0].read_bytes(), user_id=user.id, role=user.role, region=user.region,
                            district=user.district, issuer=defaults.jwt_issuer, audience=defaults.jwt_audience,
                            ttl_seconds=600)
        return requests.post(url + path, json=body, timeout=10, headers={"Authorization": f"Bearer {token}"})

    def cohort(district: str) -> requests.Response:
        return call(MANAGER, "/cohorts", {
            "programme_id": demo["cohort"]["programme_id"], "name": f"{district}, group {suffix}",
            "region": USERS[INSPECTOR].region, "district": district, "facilitator_ids": [PSYCHOLOGIST],
            "start_date": date.today().isoformat(), "capacity": 12})

    home = cohort(home_district)
    # enrollment knows the district once the portal's event has reached it
    away = wait_until(lambda: (made := cohort(ELSEWHERE)).status_code != 422 and made, timeout=30,
                      what=f"enrollment to know {ELSEWHERE}")
    assert home.status_code == away.status_code == 201, (home.text, away.text)
    today = date.today()
    referred = call(INSPECTOR, "/referrals", {
        "participant": {"full_name": f"Bahodir Qodirov {suffix}", "birth_date": "1987-03-21",
                        "region": USERS[INSPECTOR].region, "district": home_district},
        "order": {"number": f"HO-MOVE-{suffix}", "region": USERS[INSPECTOR].region, "district": home_district,
                  "issued_on": today.isoformat(), "expires_on": (today + timedelta(days=90)).isoformat(),
                  "condition_codes": ["no_contact", "correction_programme"]},
        "enrolment": {"cohort_id": home.json()["id"], "inspector_id": INSPECTOR, "psychologist_id": PSYCHOLOGIST}})
    assert referred.status_code == 201, referred.text
    return {"enrolment": referred.json()["enrolment"], "home": home.json(), "away": away.json()}
