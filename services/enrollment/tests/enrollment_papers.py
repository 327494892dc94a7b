"""What enrollment's papers' tests share (test_documents.py, test_registers.py): an office of staff in one district
over the HTTP API, the shipped words' vocabulary for the no-English check, and where the first pages are drawn."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pypdf import PdfReader
from qadam.db import make_engine
from qadam_contracts.vocabulary import LANGUAGES
from qadam_testing import bearer
from qadam_testing.english import read_vocabulary
from qadam_words import words
from qadam_words.catalogs import LOCALE_NAMES, TRANSLATIONS
from qadam_words.vocabulary import PROGRAMME_TEMPLATES

ROOT = Path(__file__).resolve().parents[3]
PICTURES = ROOT / "var" / "documents"
REGION, DISTRICT = "Qoraqalpogʻiston Respublikasi", "Nukus"
LOCALES = {language: LOCALE_NAMES.get(language, language.replace("-", "_")) for language in LANGUAGES if language != "en"}
VOCABULARY = read_vocabulary(sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po")), LOCALES)


def read_paper(pdf: bytes, picture: str | None = None) -> str:
    """A paper's text as pypdf reads it (whitespace as one space); its first page drawn as
    var/documents/<picture>.png (git ignores it) for a person to look at, where `pdftoppm` is installed."""
    if picture is not None and shutil.which("pdftoppm"):
        PICTURES.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", "-",
                        str(PICTURES / picture)], input=pdf, check=True)
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def said(language: str, msgid: str, **values: Any) -> str:
    """What enrollment's words say for `msgid` in `language`, whitespace as one space (as `read_paper` gives it)."""
    return " ".join(words("enrollment", language).gettext(msgid, **values).split())


def digits() -> str:
    return str(uuid.uuid4().int)[:8]  # a name's suffix of digits: no letters to read as English


class Office:
    def __init__(self, client: Any, token: Any) -> None:
        s = digits()
        self.client, self.s = client, s
        self.inspector_id, self.psychologist_id = f"insp-{s}", f"psy-{s}"
        area = {"region": REGION, "district": DISTRICT}
        self.manager = bearer(token(f"mgr-{s}", "manager", region=REGION))
        self.inspector = bearer(token(self.inspector_id, "inspector", **area))
        self.supervisor = bearer(token(f"sup-{s}", "supervisor", region=REGION))
        self.psychologist = bearer(token(self.psychologist_id, "psychologist", **area))
        self.support = bearer(token(f"inson-{s}", "support_worker", **area))

    def ok(self, method: str, path: str, who: dict, json: Any = None, status: int = 201) -> Any:
        response = self.client.open(path, method=method, headers=who, json=json)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.get_data(as_text=True)}"
        return response.get_json()

    def statutory(self) -> dict:
        page = 1
        while batch := self.ok("GET", f"/programmes?page_size=100&page={page}", self.manager, status=200)["items"]:
            for p in batch:
                if p["name"] == PROGRAMME_TEMPLATES["statutory"].name and not p.get("retired"):
                    return p
            page += 1
        raise AssertionError("the shipped statutory programme is missing")

    def cohort(self) -> dict:
        return self.ok("POST", "/cohorts", self.manager, {
            "programme_id": self.statutory()["id"], "name": f"Nukus guruhi {self.s}", "region": REGION,
            "district": DISTRICT, "facilitator_ids": [self.psychologist_id], "start_date": "2026-11-02"})

    def enrolment(self, cohort: dict, name: str, born: str) -> dict:
        person = self.ok("POST", "/participants", self.inspector, {
            "full_name": f"{name} {digits()}", "birth_date": born, "region": REGION, "district": DISTRICT})
        issued = date(2026, 11, 1)
        order = self.ok("POST", "/protection-orders", self.inspector, {
            "number": f"HO-NUK-{digits()}", "participant_id": person["id"], "region": REGION, "district": DISTRICT,
            "issued_on": issued.isoformat(), "expires_on": (issued + timedelta(days=60)).isoformat()})
        return self.ok("POST", "/enrolments", self.inspector, {
            "participant_id": person["id"], "cohort_id": cohort["id"], "referral_source": "protection_order",
            "protection_order_id": order["id"], "inspector_id": self.inspector_id,
            "psychologist_id": self.psychologist_id}) | {"person": person, "order": order}

    def issue(self, enrolment: dict, kind: str, language: str, who: dict | None = None, status: int = 201,
              **more: Any) -> Any:
        author = who or (self.psychologist if kind == "completion_certificate" else self.inspector)
        return self.ok("POST", f"/enrolments/{enrolment['id']}/documents", author,
                       {"kind": kind, "language": language, **more}, status=status)

    def pdf(self, number: str, who: dict | None = None) -> bytes:
        response = self.client.get(f"/documents/{number}/pdf", headers=who or self.inspector)
        assert response.status_code == 200 and response.mimetype == "application/pdf", response.get_data(as_text=True)
        return bytes(response.data)


def set_standing(url: str, enrolment_id: str, **values: Any) -> None:
    """His standing and figures as sessions' marks and the moves would have left them (seeded as the reports' tests
    seed theirs: plain SQL on enrollment's own table)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE enrolment SET {', '.join(f'{k} = :{k}' for k in values)} WHERE id = :id"),
                     {**values, "id": enrolment_id})
    engine.dispose()
