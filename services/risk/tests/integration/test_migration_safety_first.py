"""Migration 0006 on a database that ran before it: what her support worker reported leaves the flags and the level
history already stored, and the new rule set is put in force with a recompute."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from importlib.resources import files

import sqlalchemy as sa
from alembic import command
from qadam_testing import migrated_back


def test_an_existing_database_gets_the_new_rules_and_her_reports_redacted_in_what_it_stored(isolated_stack):
    config, engine = migrated_back(isolated_stack("risk"), "risk", "0005")
    enrolment, hers, his = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    hers_flag, his_flag = uuid.uuid4(), uuid.uuid4()
    reported = datetime(2026, 11, 3, 8, tzinfo=UTC)
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM rule_set WHERE version > 1"))  # as it was before 0006
        c.execute(sa.text("DELETE FROM recompute"))
        for iid, source, kind in ((hers, "victim_support", "victim_fear"), (his, "inspector", "arrest")):
            c.execute(sa.text(
                "INSERT INTO incident (id, enrolment_id, participant_code, kind, occurred_on, severity, source, "
                "reported_by, reported_at, region, district) VALUES (:id, :e, 'P-2026-000001', :k, :on, 'serious', "
                ":s, 'x', :at, 'R', 'D')"), {"id": iid, "e": enrolment, "k": kind, "on": date(2026, 11, 1), "s": source,
                                             "at": reported})
        for fid, iid, rule, source, kind, words in (
                (hers_flag, hers, "incident.victim_fear", "victim_support", "victim_fear",
                 "Incident reported by her support worker: the victim says she is afraid of him on 2026-11-01."),
                (his_flag, his, "incident.new_violence", "inspector", "arrest",
                 "Incident reported by the prevention inspector: an arrest on 2026-11-01 (serious).")):
            c.execute(sa.text(
                "INSERT INTO flag (id, enrolment_id, participant_code, region, district, rule_id, rule_version, level, "
                "fact_key, reasons, evidence, status, fact_ids) VALUES (:id, :e, 'P-2026-000001', 'R', 'D', :r, 1, "
                "'high', :fk, :reasons, CAST(:ev AS jsonb), 'open', '{}')"),
                {"id": fid, "e": enrolment, "r": rule, "fk": str(iid), "reasons": [words, "A red sign."],
                 "ev": json.dumps({"incident_id": str(iid), "kind": kind, "severity": "serious", "source": source,
                                   "topic": f"incident:{kind}"})})
            c.execute(sa.text("INSERT INTO level_change (enrolment_id, from_level, level, changed_at, cause, flag_ids) "
                              "VALUES (:e, 'low', 'high', now(), :cause, ARRAY[CAST(:f AS uuid)])"),
                      {"e": enrolment, "cause": f"incident {kind}", "f": fid})

    command.upgrade(config, "heads")  # the service's own head and the shared branch's

    with engine.connect() as c:
        flags = {r.id: r for r in c.execute(sa.text("SELECT id, rule_id, reasons, evidence, source FROM flag"))}
        causes = sorted(c.execute(sa.text("SELECT cause FROM level_change")).scalars())
        latest = c.execute(sa.text("SELECT version, rules FROM rule_set ORDER BY version DESC LIMIT 1")).one()
        pending = c.execute(sa.text("SELECT rule_set_version, status FROM recompute")).all()
    engine.dispose()
    redacted = flags[hers_flag]
    assert redacted.rule_id == "incident.victim_support" and redacted.source == "victim_support"
    assert redacted.reasons == ["A safety concern was reported by victim support on 2026-11-03, level high."]
    assert redacted.evidence == {"incident_id": str(hers), "source": "victim_support", "topic": "victim_support"}
    assert flags[his_flag].rule_id == "incident.new_violence" and flags[his_flag].source is None
    assert "an arrest" in flags[his_flag].reasons[0]
    assert causes == ["a safety concern reported by victim support", "incident arrest"]
    defaults = json.loads(files("risk").joinpath("defaults/rules.json").read_text(encoding="utf-8"))
    assert latest.version == 2 and {r["id"]: r for r in latest.rules} == {r["id"]: r for r in defaults}
    assert pending == [(2, "pending")]
