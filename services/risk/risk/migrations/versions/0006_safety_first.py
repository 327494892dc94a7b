"""risk, issue 16 (safety first): the programme version's absence limits on each enrolment; a flag's episode and
source; the flags, causes and rule ids already drawn from her support worker's reports redacted; and the rule set
that makes every red sign critical, added as the next version of the rules in force (their own edits kept), with a
recompute so every open enrolment is evaluated under it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""
import json
import uuid
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Frozen: what this version changes in the rules in force, and the rules it adds (absent ids only).
EDITS: dict[str, dict[str, Any]] = json.loads(r"""
{
 "sign.threat_to_partner": {
  "level": "critical",
  "description": "Threats against his partner: a red sign; the inspector acts at once."
 },
 "sign.weapon_access": {
  "level": "critical"
 },
 "incident.order_breach": {
  "set_params": {
   "sources": [
    "inspector"
   ]
  }
 },
 "incident.contact_or_stalking": {
  "set_params": {
   "sources": [
    "inspector"
   ]
  }
 },
 "incident.new_violence": {
  "level": "critical",
  "description": "A new complaint, police call-out or arrest during the programme: a red sign; the inspector acts at once.",
  "set_params": {
   "sources": [
    "inspector"
   ]
  },
  "drop_params": [
   "severe_level"
  ]
 },
 "incident.victim_fear": {
  "level": "critical",
  "description": "Her fear, as the inspector heard of it: a red sign; the inspector acts at once.",
  "set_params": {
   "sources": [
    "inspector"
   ]
  },
  "drop_params": [
   "severe_level"
  ]
 },
 "cluster.amber": {
  "level": "critical",
  "description": "Several of his amber signs together make red: the inspector acts at once (staff tasks, such as a plan, a call or an assessment overdue, are not his signs)."
 }
}
""")
NEW_RULES: list[dict[str, Any]] = json.loads(r"""
[
 {
  "id": "unexcused_absences",
  "version": 1,
  "kind": "unexcused_absences",
  "level": "high",
  "description": "Unexcused absences in all, in a row or not, up to his programme's limit: his inspector is alerted (the statutory programme: at the second).",
  "params": {
   "threshold": 3,
   "session_kinds": [
    "group",
    "individual",
    "makeup"
   ]
  }
 },
 {
  "id": "incident.victim_support",
  "version": 1,
  "kind": "incident",
  "level": "critical",
  "description": "A safety concern reported by victim support: a red sign; the inspector acts at once.",
  "params": {
   "kinds": [
    "order_breach",
    "new_complaint",
    "police_callout",
    "arrest",
    "contact_with_victim",
    "stalking",
    "victim_fear"
   ],
   "sources": [
    "victim_support"
   ]
  }
 },
 {
  "id": "call.overdue",
  "version": 1,
  "kind": "enrollment_signal",
  "level": "medium",
  "description": "After an unexcused absence the psychologist calls him within the set hours (statutory: 48); the call is not recorded.",
  "params": {
   "signals": [
    "call_overdue"
   ]
  }
 },
 {
  "id": "repeat_order",
  "version": 1,
  "kind": "repeat_order",
  "level": "medium",
  "description": "A second protection order within twelve months: an amber sign; several together make red.",
  "params": {
   "within_days": 365
  }
 }
]
""")
NOTE = ("Issue 16, safety first: red signs are critical (weapon access, a threat against his partner, a new complaint, "
        "police call-out or arrest, her fear); what victim support reports is its own rule, in redacted words; "
        "unexcused absences in all up to his programme's limit; the 48-hour call overdue; a repeat order; several of "
        "his amber signs (not staff tasks) make red.")
CONCERN = "a safety concern reported by victim support"


def upgraded(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules in force with this version's edits: a rule that changes takes the next version of its own."""
    out = []
    for rule in rules:
        edit = EDITS.get(rule["id"])
        if edit is None:
            out.append(rule)
            continue
        params = {k: v for k, v in rule.get("params", {}).items() if k not in edit.get("drop_params", ())}
        params |= edit.get("set_params", {})
        changed = {**rule, **{k: edit[k] for k in ("level", "description") if k in edit}, "params": params}
        if changed != rule:
            changed["version"] = rule.get("version", 1) + 1
        out.append(changed)
    present = {r["id"] for r in out}
    return out + [r for r in NEW_RULES if r["id"] not in present]


def upgrade() -> None:
    op.add_column('enrolment_view', sa.Column('alert_unexcused_absences', sa.Integer(), nullable=True))
    op.add_column('enrolment_view', sa.Column('alert_consecutive_absences', sa.Integer(), nullable=True))
    op.add_column('flag', sa.Column('episode_id', sa.Uuid(), nullable=True))
    op.add_column('flag', sa.Column('source', sa.String(length=20), nullable=True))
    # flags already raised on her support worker's reports: her words and the kind leave them
    op.execute("UPDATE flag SET source = 'victim_support' WHERE evidence->>'source' = 'victim_support'")
    op.execute(
        "UPDATE flag f SET rule_id = 'incident.victim_support', rule_version = 1, "
        "evidence = jsonb_build_object('incident_id', f.evidence->>'incident_id', 'source', 'victim_support', "
        "'topic', 'victim_support'), "
        "reasons = ARRAY['A safety concern was reported by victim support on ' || to_char(i.reported_at, 'YYYY-MM-DD') "
        "|| ', level ' || f.level || '.'] "
        "FROM incident i WHERE f.source = 'victim_support' AND i.id::text = f.evidence->>'incident_id'")
    op.execute(
        f"UPDATE level_change c SET cause = '{CONCERN}' WHERE c.cause LIKE 'incident %' AND EXISTS ("
        "SELECT 1 FROM flag f WHERE f.id = ANY(c.flag_ids) AND f.source = 'victim_support')")
    bind = op.get_bind()
    latest = bind.execute(sa.text("SELECT version, rules FROM rule_set ORDER BY version DESC LIMIT 1")).first()
    if latest is None:
        return
    rules = upgraded(latest.rules)
    if rules == latest.rules:
        return
    version = latest.version + 1
    op.bulk_insert(sa.table('rule_set', sa.column('version', sa.Integer), sa.column('rules', postgresql.JSONB),
                            sa.column('note', sa.Text), sa.column('created_by', sa.String)),
                   [{"version": version, "rules": rules, "note": NOTE, "created_by": "qadam"}])
    bind.execute(sa.text("INSERT INTO recompute (id, rule_set_version, reason, requested_by, status) "
                         "VALUES (:id, :v, 'rules_changed', 'qadam', 'pending')"), {"id": uuid.uuid4(), "v": version})


def downgrade() -> None:
    # the rule set version stays (flags name it); the redaction is not undone: her words are not brought back
    op.drop_column('flag', 'source')
    op.drop_column('flag', 'episode_id')
    op.drop_column('enrolment_view', 'alert_consecutive_absences')
    op.drop_column('enrolment_view', 'alert_unexcused_absences')
