"""The story every end-to-end test tells, through the services' HTTP APIs as their users would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from qadam.events import envelope_of
from qadam_contracts.portal import UserChanged
from qadam_testing import publish_envelope

REGION, DISTRICT = "Qoraqalpogʻiston Respublikasi", "Nukus"


@dataclass
class Story:
    urls: dict[str, str]
    token: Any
    request_id: str = field(default_factory=lambda: f"story-{uuid.uuid4()}")
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    region: str = REGION  # where the story's staff work and its group meets
    district: str = DISTRICT

    def __post_init__(self) -> None:
        s = self.suffix
        self.manager = self.token(f"mgr-{s}", "manager", region=self.region)
        self.inspector_id, self.psychologist_id = f"insp-{s}", f"psy-{s}"
        self.inspector = self.token(self.inspector_id, "inspector", region=self.region, district=self.district)
        self.psychologist = self.token(self.psychologist_id, "psychologist", region=self.region, district=self.district)
        self.admin = self.token(f"admin-{s}", "administrator")

    def call(self, method: str, service: str, path: str, who: str, json: Any = None, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {who}", "X-Request-ID": self.request_id}
        return requests.request(method, self.urls[service] + path, json=json, headers=headers, timeout=15, **kw)

    def ok(self, method: str, service: str, path: str, who: str, json: Any = None, status: int = 201) -> Any:
        response = self.call(method, service, path, who, json)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def set_up_group(self, participants: int = 2, name: str = "Aziz Karimov",
                     template: str = "statutory") -> dict[str, Any]:
        """A programme (the statutory one unless told), a cohort in the story's district (Nukus unless told),
        participants enrolled, contacts on file."""
        programme = self.ok("POST", "enrollment", "/programmes", self.manager, {
            "name": f"{template} correction {self.suffix}", "template": template, "region": self.region})
        cohort = self.ok("POST", "enrollment", "/cohorts", self.manager, {
            "programme_id": programme["id"], "name": f"{self.district} group {self.suffix}", "region": self.region,
            "district": self.district, "facilitator_ids": [self.psychologist_id], "start_date": "2026-10-05"})
        enrolments = []
        for i in range(participants):
            person = self.ok("POST", "enrollment", "/participants", self.inspector, {
                "full_name": f"{name} {i} {self.suffix}", "birth_date": "1988-03-14", "region": self.region,
                "district": self.district, "preferred_language": "kaa"})
            enrolment = self.ok("POST", "enrollment", "/enrolments", self.inspector, {
                "participant_id": person["id"], "cohort_id": cohort["id"], "inspector_id": self.inspector_id,
                "psychologist_id": self.psychologist_id, "referral_source": "inspector_initiative"})
            for action in ("assess", "start"):  # intake assessment, then the first session
                enrolment = self.ok("POST", "enrollment", f"/enrolments/{enrolment['id']}/transitions", self.psychologist,
                                    {"action": action})
            enrolments.append(enrolment)
        for user in (self.inspector_id, self.psychologist_id):
            self.ok("PUT", "notify", f"/contacts/{user}", self.admin,
                    {"email": f"{user}@mahalla.uz", "language": "uz-Latn"}, status=200)
        return {"programme": programme, "cohort": cohort, "enrolments": enrolments}

    def schedule(self, cohort_id: str, number: int, days_ago: int) -> dict[str, Any]:
        when = (datetime.now(UTC) - timedelta(days=days_ago)).replace(microsecond=0)
        return self.ok("POST", "sessions", f"/cohorts/{cohort_id}/sessions", self.psychologist,
                       {"number": number, "scheduled_at": when.isoformat(), "topic": f"Module {number}"})

    def record(self, session_id: str, marks: list[tuple[str, str]]) -> dict[str, Any]:
        return self.ok("POST", "sessions", f"/sessions/{session_id}/attendance", self.psychologist,
                       {"marks": [{"enrolment_id": e, "status": s} for e, s in marks]})


def staff_member(amqp_url: str, story: Story, user_id: str, role: str, **fields: Any) -> None:
    """A user as the portal (the identity provider, not running in these tests) announces one on the bus: the
    services' staff directories learn of them from it."""
    data = {"user_id": user_id, "role": role, "region": story.region, "district": story.district,
            "language": "uz-Latn", "email": f"{user_id}@mahalla.uz", "active": True, "version": 1, **fields}
    publish_envelope(amqp_url, envelope_of(UserChanged(**data), correlation_id=story.request_id, causation_id=None))
