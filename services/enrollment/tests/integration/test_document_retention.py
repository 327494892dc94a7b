"""Documents under retention, on an enrollment database of their own: when a man's retention period is over, the
daily job purges the papers issued about him (their PDFs and facts, which hold his name, birth date and order), and
keeps their number, kind, dates, hashes and check code, so a printed copy still checks ("genuine, purged under the
retention rules") and so does the file's SHA-256; the append-only trigger lets exactly that purge through and refuses
any other change, and a purged row rewritten behind the triggers no longer checks."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from enrollment.app import create_app
from enrollment.retention import anonymise_expired
from enrollment_papers import Office, set_standing
from qadam import documents as kit
from qadam.db import make_engine, make_session_factory
from qadam_testing import Stack

CUTOFF = date(2021, 12, 1)
OLD_END = date(2020, 9, 1)  # his case ended before the cut-off


class Archive:
    """One man whose case ended long ago and one whose case is open, each with papers issued about him."""

    def __init__(self, stack: Stack, token: Any) -> None:
        self.url = stack.database_url("enrollment")
        self.office = Office(create_app(stack.base_settings("enrollment")).test_client(), token)
        cohort = self.office.cohort()
        self.old = self.office.enrolment(cohort, "Oʻtkir Xoʻjayev", "1981-02-11")
        self.open = self.office.enrolment(cohort, "Ǵayrat Ńurlanov", "1982-03-12")
        set_standing(self.url, self.old["id"], status="exited", status_reason="new_violence",
                     started_on=date(2020, 3, 2), finished_on=OLD_END)
        set_standing(self.url, self.open["id"], status="active", started_on=date(2026, 11, 3))
        self.old_papers = [self.paper(self.old, "exit_notice", language) for language in ("ru", "kaa")]
        self.open_paper = self.paper(self.open, "progress_report", "uz-Latn")
        self.registers = [self.register(cohort, [self.old, self.open]), self.register(cohort, [self.open])]
        self.sql("UPDATE protection_order SET issued_on = DATE '2020-02-20', expires_on = DATE '2020-04-20', "
                 "status = 'expired' WHERE id = :id", id=self.old["order"]["id"])

    def register(self, cohort: dict, marked: list[dict]) -> dict:
        """The register of a session held in 2020 (as sessions told it, and the men marked at it)."""
        session_id, at = uuid.uuid4(), "2020-04-06T09:00:00+00:00"
        self.sql("INSERT INTO session_view (session_id, cohort_id, number, kind, scheduled_at, place, status, "
                 "changed_at) VALUES (:s, :c, 1, 'group', :at, NULL, 'held', :at)", s=session_id, c=cohort["id"], at=at)
        for man in marked:
            self.sql("INSERT INTO attendance_record (enrolment_id, session_id, session_number, session_kind, "
                     "scheduled_at, status, recorded_at) VALUES (:e, :s, 1, 'group', :at, 'present', :at)",
                     e=man["id"], s=session_id, at=at)
        return self.office.ok("POST", f"/sessions/{session_id}/register", self.office.psychologist, {"language": "ru"})

    def paper(self, man: dict, kind: str, language: str) -> tuple[dict, bytes]:
        answer = self.office.issue(man, kind, language)
        return answer, self.office.pdf(answer["number"])

    def sql(self, statement: str, **values: Any) -> list[Any]:
        engine = make_engine(self.url)
        try:
            with engine.begin() as conn:
                result = conn.execute(sa.text(statement), values)
                return list(result.mappings()) if result.returns_rows else []
        finally:
            engine.dispose()

    def row(self, number: str) -> dict[str, Any]:
        [found] = self.sql("SELECT *, to_jsonb(document)::text AS whole FROM document WHERE number = :n", n=number)
        return dict(found)

    def check(self, answer: dict) -> dict:
        return self.office.ok("GET", f"/documents/{answer['number']}?check={answer['check_code']}", {}, status=200)


@pytest.fixture(scope="module")
def archive(servers, jwt_keys, token):
    stack = Stack(f"qadam_doc{uuid.uuid4().hex[:10]}", servers, jwt_keys, services=("enrollment",)).open()
    try:
        made = Archive(stack, token)
        before = {answer["number"]: made.row(answer["number"]) for answer, _pdf in made.old_papers}
        engine = make_engine(made.url, pool_size=1)
        try:
            result = anonymise_expired(make_session_factory(engine), cutoff=CUTOFF, batch_size=10)
        finally:
            engine.dispose()
        assert result.participants == 1
        yield made, before
    finally:
        stack.close()


def test_retention_purges_his_papers_and_keeps_their_number_kind_dates_hashes_and_code(archive):
    made, before = archive
    for answer, _pdf in made.old_papers:
        row, was = made.row(answer["number"]), before[answer["number"]]
        assert row["pdf"] is None and row["facts"] is None and row["purged_at"] is not None
        assert row["facts_sha256"] == kit.content_digest(was["facts"])
        for column in ("number", "kind", "enrolment_id", "language", "sha256", "check_code", "generated_by",
                       "generated_at"):
            assert row[column] == was[column], column
        assert made.old["person"]["full_name"] not in row["whole"] and made.old["order"]["number"] not in row["whole"]
        assert made.old["person"]["birth_date"] not in row["whole"]
    kept = made.row(made.open_paper[0]["number"])  # the man whose case is open keeps his papers whole
    assert kept["purged_at"] is None and kept["pdf"] is not None and made.open["person"]["full_name"] in kept["whole"]
    naming_him, not_naming_him = (made.row(r["number"]) for r in made.registers)  # a register names him by initials
    assert naming_him["purged_at"] is not None and naming_him["pdf"] is None
    assert made.old["participant_code"] not in naming_him["whole"] and made.check(made.registers[0])["genuine"] is True
    assert not_naming_him["purged_at"] is None and not_naming_him["pdf"] is not None
    [audited] = made.sql("SELECT record FROM audit_log WHERE route = 'retention:anonymise'")
    assert audited["record"]["documents_purged"] == len(made.old_papers) + 1


def test_a_purged_papers_printed_copy_and_file_still_check_as_genuine(archive):
    made, _before = archive
    answer, pdf = made.old_papers[0]
    checked = made.check(answer)
    assert checked["genuine"] is True and checked["kind"] == "exit_notice" and checked["purged_at"] is not None
    response = made.office.client.post(f"/documents/{answer['number']}/check", data=pdf, content_type="application/pdf")
    assert response.get_json()["genuine"] is True and response.get_json()["purged_at"] is not None
    gone = made.office.client.get(f"/documents/{answer['number']}/pdf", headers=made.office.inspector)
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"
    assert gone.get_json()["purged_at"]
    listed = made.office.ok("GET", f"/enrolments/{made.old['id']}/documents", made.office.inspector, status=200)
    assert {d["number"]: d["purged_at"] is not None for d in listed["items"]} == {
        a["number"]: True for a, _pdf in made.old_papers}
    assert made.check(made.open_paper[0])["purged_at"] is None


@pytest.mark.parametrize("statement", [
    "UPDATE document SET kind = 'progress_report' WHERE number = :purged",  # a purged paper changes no further
    "UPDATE document SET purged_at = now() WHERE number = :purged",
    "UPDATE document SET facts_sha256 = repeat('0', 64) WHERE number = :purged",
    "DELETE FROM document WHERE number = :purged",
    # a purge that changes anything else is no purge
    "UPDATE document SET pdf = NULL, facts = NULL, facts_sha256 = repeat('0', 64), purged_at = now(), "
    "check_code = '0000-0000' WHERE number = :whole",
    "UPDATE document SET pdf = NULL, facts = NULL, facts_sha256 = repeat('0', 64), purged_at = now() "
    "WHERE number = :whole",  # a digest other than the one kept at issue
    "UPDATE document SET pdf = NULL, facts = NULL, purged_at = now(), generated_at = now() WHERE number = :whole",
    "UPDATE document SET pdf = NULL, facts = NULL, facts_sha256 = NULL, purged_at = now() WHERE number = :whole",
    "UPDATE document SET pdf = NULL, facts_sha256 = repeat('0', 64), purged_at = now() WHERE number = :whole",
    "UPDATE document SET pdf = 'forged'::bytea WHERE number = :whole",
])
def test_the_trigger_refuses_every_change_but_the_purge(archive, statement):
    made, _before = archive
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        made.sql(statement, purged=made.old_papers[1][0]["number"], whole=made.open_paper[0]["number"])
    assert made.check(made.old_papers[1][0])["genuine"] is True and made.check(made.open_paper[0])["genuine"] is True


def test_a_purged_paper_rewritten_behind_the_triggers_no_longer_checks(archive):
    made, _before = archive
    answer = made.old_papers[1][0]
    engine = make_engine(made.url)
    try:  # someone who may switch the triggers off (the table's owner) rewrites the kept digest
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE document DISABLE TRIGGER document_append_only"))
            conn.execute(sa.text("UPDATE document SET facts_sha256 = :forged WHERE number = :n"),
                         {"n": answer["number"], "forged": kit.content_digest({"kind": "completion_certificate"})})
            conn.execute(sa.text("ALTER TABLE document ENABLE TRIGGER document_append_only"))
    finally:
        engine.dispose()
    assert made.check(answer)["genuine"] is False
