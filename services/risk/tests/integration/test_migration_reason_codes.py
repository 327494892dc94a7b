"""Migration 0012 on a database whose flags hold only English sentences: each sentence form risk wrote is read back
into its code and parameters (rendering them gives the sentence again), a flag no form fits keeps its sentences as
text, and the downgrade leaves the sentences as they were."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import command
from qadam_testing import migrated_back
from qadam_words.reasons import RULE_DESCRIPTIONS, render, v1_sentence

IN_A_ROW, IN_ALL, RATE = RULE_DESCRIPTIONS[0], RULE_DESCRIPTIONS[1], RULE_DESCRIPTIONS[2]
# what flags said before 0012, one of every form (and the rule's line after it, where it has one)
STORED: dict[str, list[str]] = {
    "consecutive": ["2 unexcused absences in a row: sessions 2 and 3 (2026-10-08 to 2026-10-11).",
                    f"{IN_A_ROW} (flags 2 or more in a row)."],
    "unexcused": ["2 unexcused absences in all: sessions 1 and 4 (the second on 2026-10-14).",
                  f"{IN_ALL} (flags 2 or more in all)."],
    "rate": ["3 of his last 6 sessions missed without excuse (sessions 1, 3 and 5, up to 2026-11-20).",
             f"{RATE} (flags 50% or more of the last 6)."],
    "sign": ["Warning sign recorded by the facilitator at session 4 on 2026-11-03: a threat to kill, and 1 more "
             "time(s) within 14 days.", RULE_DESCRIPTIONS[4]],
    "sign_heard": ["Warning sign recorded by the facilitator on 2026-11-03: talk of suicide.", "An amber sign."],
    "incident": ["Incident reported by the prevention inspector: breach of the protection order on 2026-11-01 "
                 "(severe).", RULE_DESCRIPTIONS[12]],
    "concern": ["A safety concern was reported by victim support on 2026-11-03, level critical."],
    "intake": ["The risk assessment of 2026-10-01 (qadam-intake) scored 7: band very high.", RULE_DESCRIPTIONS[19]],
    "exit": ["Exit from the programme is proposed: 4 unexcused absences in all; the programme allows 3. 3 unexcused "
             "absences in a row; the programme allows 2 in a row.", RULE_DESCRIPTIONS[22]],
    "plan": ["The correction plan of his protection order (issued 2026-11-20) was due on 2026-11-24 and is not agreed "
             "yet.", RULE_DESCRIPTIONS[21]],
    "order": ["His protection order expires on 2026-12-10 (5 days left) while his programme and his follow-up period "
              "are unfinished.", RULE_DESCRIPTIONS[20]],
    "call": ["The psychologist's call after his unexcused absence on 2026-11-02 (session 5) was due by 2026-11-04 "
             "14:00 and is not recorded.", RULE_DESCRIPTIONS[23]],
    "cluster": ["3 signals of level medium or high within 42 days: Warning sign recorded by the facilitator on "
                "2026-10-01: separation from his partner; A safety concern was reported by victim support on "
                "2026-10-05, level medium; A new protection order was issued on 2026-10-09, 120 days after the one "
                "before (2026-06-11).", RULE_DESCRIPTIONS[25]],
    "combination": ["Together within 90 days: separation from his partner (2026-10-01); controlling behaviour "
                    "(2026-10-08); a safety concern reported by victim support.", RULE_DESCRIPTIONS[26]],
    "first_assessment": ["No risk assessment since he was enrolled on 2026-10-01; a new one was due by 2026-10-15.",
                         RULE_DESCRIPTIONS[27]],
    "assessment": ["The last risk assessment was on 2026-09-01; a new one was due by 2026-09-29.",
                   RULE_DESCRIPTIONS[27]],
    "repeat": ["A new protection order was issued on 2026-11-01, 120 days after the one before (2026-07-04).",
               RULE_DESCRIPTIONS[24]],
    "unreadable": ["Something an early version wrote.", "A red sign."],
}


def test_stored_sentences_become_codes_and_an_unreadable_flag_keeps_its_text(isolated_stack):
    config, engine = migrated_back(isolated_stack("risk"), "risk", "0011")
    ids = {name: uuid.uuid4() for name in STORED}
    enrolment = uuid.uuid4()
    with engine.begin() as c:
        for name, reasons in STORED.items():
            c.execute(sa.text(
                "INSERT INTO flag (id, enrolment_id, participant_code, region, district, rule_id, rule_version, level, "
                "fact_key, reasons, evidence, status, fact_ids) VALUES (:id, :e, 'P-2026-000001', 'R', 'D', :r, 1, "
                "'high', :fk, :reasons, CAST('{}' AS jsonb), 'open', '{}')"),
                {"id": ids[name], "e": enrolment, "r": f"rule.{name}", "fk": name, "reasons": reasons})

    command.upgrade(config, "heads")  # the service's own head and the shared branch's

    with engine.connect() as c:
        codes = {r.id: r.reason_codes for r in c.execute(sa.text("SELECT id, reason_codes FROM flag"))}
    by_name = {name: codes[fid] for name, fid in ids.items()}
    # each sentence read back renders as the sentence it was (the one form whose wording moved on excepted)
    for name, reasons in STORED.items():
        if name in ("unexcused", "unreadable"):
            continue
        assert [v1_sentence(code) for code in by_name[name]] == reasons, name
        assert by_name[name][0]["code"] != "text", name
    assert by_name["unexcused"] == [
        {"code": "unexcused_absences", "params": {"count": 2, "sessions": [1, 4], "threshold": 2, "on": "2026-10-14"}},
        {"code": "rule_in_all", "params": {"description": IN_ALL, "threshold": 2}}]
    assert by_name["sign"][0] == {"code": "warning_sign", "params": {
        "sign": "threat_to_kill", "on": "2026-11-03", "session": 4, "more": 1, "within_days": 14}}
    assert by_name["concern"] == [{"code": "concern", "params": {"on": "2026-11-03", "level": "critical"}}]
    assert by_name["order"][0] == {"code": "order_expiring", "params": {
        "expires_on": "2026-12-10", "days_left": 5, "programme": True, "follow_up": True}}
    assert [d["code"] for d in by_name["exit"][0]["params"]["details"]] == ["exit_unexcused", "exit_consecutive"]
    assert [i["code"] for i in by_name["cluster"][0]["params"]["of"]] == ["warning_sign", "concern", "repeat_order"]
    assert by_name["combination"][0]["params"]["facts"][-1] == {"fact": "victim_support", "on": None}
    assert by_name["unreadable"] == [{"code": "text", "params": {"text": "Something an early version wrote."}},
                                     {"code": "text", "params": {"text": "A red sign."}}]
    # and they read in Karakalpak now; the unreadable one as it was written
    assert render(by_name["order"][0], "kaa").startswith("Onıń qorǵaw orderiniń múddeti 10.12.2026 kúni")
    assert render(by_name["unreadable"][0], "kaa") == "Something an early version wrote."

    command.downgrade(config, "0011")
    with engine.connect() as c:
        columns = {col["name"] for col in sa.inspect(c).get_columns("flag")}
        kept = {r.id: list(r.reasons) for r in c.execute(sa.text("SELECT id, reasons FROM flag"))}
    assert "reason_codes" not in columns
    assert kept == {ids[name]: reasons for name, reasons in STORED.items()}
    command.upgrade(config, "heads")
    with engine.connect() as c:
        again = {r.id: r.reason_codes for r in c.execute(sa.text("SELECT id, reason_codes FROM flag"))}
    engine.dispose()
    assert again == codes
