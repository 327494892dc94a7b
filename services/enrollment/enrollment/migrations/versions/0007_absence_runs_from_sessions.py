"""each enrolment's run of unexcused absences as sessions publishes it (enrollment no longer computes it): the
longest run and the version of the runs kept

The longest run of the marks already kept is carried over, computed here as sessions computes the curriculum's run
(a copy frozen in this migration); version 0, so the first runs sessions publishes replace it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 21:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _longest(marks):
    in_order = sorted((m for m in marks if m["session_kind"] in ("group", "makeup")),
                      key=lambda m: (m["scheduled_at"], m["session_number"], str(m["session_id"])))
    latest = {}
    for m in in_order:  # per curriculum number, the group session held last
        if m["session_kind"] == "group" and (m["session_number"] not in latest
                                             or m["scheduled_at"] >= latest[m["session_number"]]["scheduled_at"]):
            latest[m["session_number"]] = m
    run = longest = 0
    for m in in_order:
        if m["session_kind"] == "group" and latest[m["session_number"]] is not m:
            continue
        if m["status"] in ("present", "late"):
            run = 0
        elif m["status"] == "unexcused" and m["session_kind"] == "group":
            run += 1
            longest = max(longest, run)
    return longest


def upgrade() -> None:
    op.add_column('enrolment', sa.Column('longest_absence_run', sa.Integer(), server_default='0', nullable=False))
    op.add_column('enrolment', sa.Column('absence_runs_version', sa.Integer(), server_default='0', nullable=False))
    conn = op.get_bind()
    marks: dict = {}
    for r in conn.execute(sa.text("SELECT enrolment_id, session_id, session_number, session_kind, scheduled_at, "
                                  "status FROM attendance_record")).mappings():
        marks.setdefault(r["enrolment_id"], []).append(dict(r))
    rows = [{"e": e, "longest": _longest(ms)} for e, ms in marks.items()]
    if rows:
        conn.execute(sa.text("UPDATE enrolment SET longest_absence_run = :longest WHERE id = :e"), rows)


def downgrade() -> None:
    op.drop_column('enrolment', 'absence_runs_version')
    op.drop_column('enrolment', 'longest_absence_run')
