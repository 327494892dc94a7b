"""initial

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = ('risk',)  # `risk@head`: this service's own head, beside the shared branch's (`qadam@head`)
depends_on = 'qadam_0001'  # the outbox and the inbox


# The outbox and inbox this revision used to create are the kit's shared branch now (qadam_0001, which this
# revision depends on); a database migrated before keeps the tables this revision made then.
def upgrade() -> None:
    op.create_table('attendance_fact',
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('participant_code', sa.String(length=20), nullable=False),
    sa.Column('session_number', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('enrolment_id', 'session_id', name=op.f('pk_attendance_fact'))
    )
    op.create_table('enrolment_view',
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('participant_code', sa.String(length=20), nullable=False),
    sa.Column('cohort_id', sa.Uuid(), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('inspector_id', sa.String(length=100), nullable=False),
    sa.Column('psychologist_id', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_enrolment_view'))
    )
    op.create_table('flag',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('participant_code', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('rule_id', sa.String(length=100), nullable=False),
    sa.Column('rule_version', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('fact_key', sa.String(length=200), nullable=False),
    sa.Column('reasons', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('evidence', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag')),
    sa.UniqueConstraint('enrolment_id', 'rule_id', 'fact_key', name='uq_flag_enrolment_rule_fact')
    )
    op.create_index(op.f('ix_flag_enrolment_id'), 'flag', ['enrolment_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_flag_enrolment_id'), table_name='flag')
    op.drop_table('flag')
    op.drop_table('enrolment_view')
    op.drop_table('attendance_fact')
