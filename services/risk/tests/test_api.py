"""Risk's API: who sees which flags."""

from __future__ import annotations

import uuid


def bearer(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


def test_flags_are_seen_by_the_district_and_the_responsible_people_only(app_for, token, risk_db, events_for, deliver):
    settings, factory, _ = risk_db
    enrolment = uuid.uuid4()
    enrolled, marks = events_for(enrolment, ["unexcused", "unexcused"])  # Urganch, insp-r / psy-r
    deliver(settings, factory, [enrolled, *marks])
    client = app_for("risk").test_client()
    path = f"/flags?enrolment_id={enrolment}"

    def total(t: str) -> int:
        return client.get(path, headers=bearer(t)).get_json()["total"]

    assert total(token("insp-other", "inspector", region="Xorazm viloyati", district="Urganch")) == 1
    assert total(token("psy-r", "psychologist", region="Xorazm viloyati", district="Urganch")) == 1
    assert total(token("mgr-x", "manager", region="Xorazm viloyati")) == 1
    assert total(token("insp-elsewhere", "inspector", region="Xorazm viloyati", district="Xiva")) == 0
    assert total(token("psy-other", "psychologist", region="Xorazm viloyati", district="Urganch")) == 0
    assert total(token("mgr-other", "manager", region="Buxoro viloyati")) == 0
    assert total(token("mgr-no-region", "manager")) == 0
