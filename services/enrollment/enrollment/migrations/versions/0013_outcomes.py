"""outcomes per man: what became of each man after his enrolment ended (`outcome`), and the risk events it is
computed from (`risk_incident` from `risk.incident.recorded`, `risk_assessment` from `risk.assessment.recorded`).
The outcomes of enrolments that ended before this migration are filled from enrollment's own rows (how and when he
left, a new order, a new referral: an enrolment or a waiting referral); risk's incidents and assessments arrive from now on.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Frozen here: the outcome of each enrolment that ended as a programme ends, from enrollment's own rows.
BACKFILL = """
INSERT INTO outcome (enrolment_id, participant_id, how, left_on, programme_id, programme_version, region, district,
                     new_order_on, re_referred_on)
SELECT e.id, e.participant_id,
       CASE WHEN e.status IN ('completed', 'closed') THEN 'completed'
            WHEN e.status_reason = 'non_compliance' THEN 'non_compliance' ELSE 'dropout' END,
       e.finished_on, e.programme_id, p.version, e.region, e.district,
       (SELECT min(o.issued_on) FROM protection_order o
         WHERE o.participant_id = e.participant_id AND o.issued_on > e.finished_on),
       least((SELECT min((later.enrolled_at AT TIME ZONE 'UTC')::date) FROM enrolment later
               WHERE later.participant_id = e.participant_id AND later.id <> e.id
                 AND (later.enrolled_at AT TIME ZONE 'UTC')::date > e.finished_on),
             (SELECT min((w.since AT TIME ZONE 'UTC')::date) FROM waiting_place w
               WHERE w.participant_id = e.participant_id AND (w.since AT TIME ZONE 'UTC')::date > e.finished_on))
  FROM enrolment e LEFT JOIN programme p ON p.id = e.programme_id
 WHERE e.finished_on IS NOT NULL
   AND (e.status IN ('completed', 'closed')
        OR (e.status = 'exited' AND coalesce(e.status_reason, '') NOT IN ('transferred', 'died')))
"""


def upgrade() -> None:
    op.create_table(
        'risk_incident',
        sa.Column('incident_id', sa.Uuid(), nullable=False),
        sa.Column('enrolment_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('region', sa.String(length=100), nullable=False),
        sa.Column('district', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_risk_incident')),
    )
    op.create_index(op.f('ix_risk_incident_enrolment_id'), 'risk_incident', ['enrolment_id'])
    op.create_table(
        'risk_assessment',
        sa.Column('assessment_id', sa.Uuid(), nullable=False),
        sa.Column('enrolment_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('level', sa.String(length=10), nullable=False),
        sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('assessment_id', name=op.f('pk_risk_assessment')),
    )
    op.create_index(op.f('ix_risk_assessment_enrolment_id'), 'risk_assessment', ['enrolment_id'])
    op.create_table(
        'outcome',
        sa.Column('enrolment_id', sa.Uuid(), nullable=False),
        sa.Column('participant_id', sa.Uuid(), nullable=False),
        sa.Column('how', sa.String(length=20), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=False),
        sa.Column('programme_id', sa.Uuid(), nullable=True),
        sa.Column('programme_version', sa.Integer(), nullable=True),
        sa.Column('region', sa.String(length=100), nullable=False),
        sa.Column('district', sa.String(length=100), nullable=False),
        sa.Column('intake_level', sa.String(length=10), nullable=True),
        sa.Column('new_order_on', sa.Date(), nullable=True),
        sa.Column('breach_on', sa.Date(), nullable=True),
        sa.Column('complaint_on', sa.Date(), nullable=True),
        sa.Column('re_referred_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_outcome_enrolment_id_enrolment')),
        sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_outcome')),
    )
    op.create_index(op.f('ix_outcome_participant_id'), 'outcome', ['participant_id'])
    op.create_index(op.f('ix_outcome_region_left_on'), 'outcome', ['region', 'left_on'])
    op.create_index(op.f('ix_outcome_left_on'), 'outcome', ['left_on'])
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table('outcome')
    op.drop_table('risk_assessment')
    op.drop_table('risk_incident')
