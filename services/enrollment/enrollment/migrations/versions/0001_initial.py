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
branch_labels = ('enrollment',)  # `enrollment@head`: this service's own head, beside the shared branch's (`qadam@head`)
depends_on = 'qadam_0001'  # the outbox and the inbox


# The outbox and inbox this revision used to create are the kit's shared branch now (qadam_0001, which this
# revision depends on); a database migrated before keeps the tables this revision made then.
def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("participant_number_seq", start=1)))
    op.create_table('participant',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('full_name', sa.String(length=300), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=10), nullable=False),
    sa.Column('pinfl', sa.String(length=14), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('mahalla', sa.String(length=100), nullable=True),
    sa.Column('preferred_language', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant')),
    sa.UniqueConstraint('code', name=op.f('uq_participant_code')),
    sa.UniqueConstraint('pinfl', name=op.f('uq_participant_pinfl'))
    )
    op.create_table('programme',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sessions_required', sa.Integer(), nullable=False),
    sa.Column('max_unexcused_absences', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('max_unexcused_absences >= 0', name=op.f('ck_programme_max_unexcused_absences_not_negative')),
    sa.CheckConstraint('sessions_required > 0', name=op.f('ck_programme_sessions_required_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme')),
    sa.UniqueConstraint('name', name=op.f('uq_programme_name'))
    )
    op.create_table('cohort',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('programme_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('mahalla', sa.String(length=100), nullable=True),
    sa.Column('facilitator_ids', postgresql.ARRAY(sa.String(length=100)), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_cohort_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort'))
    )
    op.create_index(op.f('ix_cohort_district'), 'cohort', ['district'], unique=False)
    op.create_index(op.f('ix_cohort_programme_id'), 'cohort', ['programme_id'], unique=False)
    op.create_table('enrolment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('cohort_id', sa.Uuid(), nullable=False),
    sa.Column('inspector_id', sa.String(length=100), nullable=False),
    sa.Column('psychologist_id', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_enrolment_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_enrolment_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('participant_id', 'cohort_id', name='uq_enrolment_participant_cohort')
    )
    op.create_index(op.f('ix_enrolment_cohort_id'), 'enrolment', ['cohort_id'], unique=False)
    op.create_index(op.f('ix_enrolment_inspector_id'), 'enrolment', ['inspector_id'], unique=False)
    op.create_index(op.f('ix_enrolment_participant_id'), 'enrolment', ['participant_id'], unique=False)
    op.create_index(op.f('ix_enrolment_psychologist_id'), 'enrolment', ['psychologist_id'], unique=False)


def downgrade() -> None:
    op.execute(sa.schema.DropSequence(sa.Sequence("participant_number_seq")))
    op.drop_index(op.f('ix_enrolment_psychologist_id'), table_name='enrolment')
    op.drop_index(op.f('ix_enrolment_participant_id'), table_name='enrolment')
    op.drop_index(op.f('ix_enrolment_inspector_id'), table_name='enrolment')
    op.drop_index(op.f('ix_enrolment_cohort_id'), table_name='enrolment')
    op.drop_table('enrolment')
    op.drop_index(op.f('ix_cohort_programme_id'), table_name='cohort')
    op.drop_index(op.f('ix_cohort_district'), table_name='cohort')
    op.drop_table('cohort')
    op.drop_table('programme')
    op.drop_table('participant')
