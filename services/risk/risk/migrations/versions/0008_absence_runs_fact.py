"""each man's runs of unexcused absences as sessions publishes them (risk no longer computes them)

The runs of the marks already kept are carried over, computed here as sessions computes them (a copy frozen in this
migration): version 0, so the first runs sessions publishes replace them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 21:30:00
"""
import json
from itertools import combinations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SESSION_KINDS = ("group", "makeup", "intake", "individual")
KIND_COMBINATIONS = [list(c) for size in range(1, 5) for c in combinations(SESSION_KINDS, size)]


def _runs_over(marks, kinds):
    runs, current = [], []
    for m in sorted((m for m in marks if m["session_kind"] in kinds),
                    key=lambda m: (m["scheduled_at"], m["session_number"], str(m["session_id"]))):
        if m["status"] == "unexcused":
            current.append({"session_id": str(m["session_id"]), "session_number": m["session_number"],
                            "scheduled_at": m["scheduled_at"].isoformat()})
        elif m["status"] in ("present", "late") and current:
            runs.append({"absences": current})
            current = []
    if current:
        runs.append({"absences": current})
    return runs


def upgrade() -> None:
    op.create_table(
        'absence_runs_fact',
        sa.Column('enrolment_id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('runs', JSONB(), nullable=False),
        sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_absence_runs_fact')),
    )
    conn = op.get_bind()
    marks: dict = {}
    for r in conn.execute(sa.text("SELECT enrolment_id, session_id, session_number, scheduled_at, status, "
                                  "session_kind FROM attendance_fact")).mappings():
        marks.setdefault(r["enrolment_id"], []).append(dict(r))
    rows = [{"e": e, "runs": json.dumps([{"session_kinds": kinds, "runs": runs} for kinds in KIND_COMBINATIONS
                                         if (runs := _runs_over(ms, kinds))])} for e, ms in marks.items()]
    if rows:
        conn.execute(sa.text("INSERT INTO absence_runs_fact (enrolment_id, version, runs) "
                             "VALUES (:e, 0, CAST(:runs AS jsonb))"), rows)


def downgrade() -> None:
    op.drop_table('absence_runs_fact')
