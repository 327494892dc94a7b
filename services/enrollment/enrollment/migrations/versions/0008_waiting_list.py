"""waiting list: a referral to a full cohort waits in line for the next free place, or one in another group

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'waiting_place',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('participant_id', sa.Uuid(), nullable=False),
        sa.Column('cohort_id', sa.Uuid(), nullable=False),
        sa.Column('protection_order_id', sa.Uuid(), nullable=True),
        sa.Column('referral_source', sa.String(length=30), server_default='protection_order', nullable=False),
        sa.Column('inspector_id', sa.String(length=100), nullable=False),
        sa.Column('psychologist_id', sa.String(length=100), nullable=False),
        sa.Column('victim_support_worker_id', sa.String(length=100), nullable=True),
        sa.Column('region', sa.String(length=100), nullable=False),
        sa.Column('district', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=20), server_default='waiting', nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('asked_by', sa.String(length=100), nullable=False),
        sa.Column('enrolment_id', sa.Uuid(), nullable=True),
        sa.Column('placed_cohort_id', sa.Uuid(), nullable=True),
        sa.Column('placed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('placed_by', sa.String(length=100), nullable=True),
        sa.Column('withdrawn_reason', sa.Text(), nullable=True),
        sa.Column('withdrawn_by', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'],
                                name=op.f('fk_waiting_place_participant_id_participant')),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_waiting_place_cohort_id_cohort')),
        sa.ForeignKeyConstraint(['protection_order_id'], ['protection_order.id'],
                                name=op.f('fk_waiting_place_protection_order_id_protection_order')),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_waiting_place_enrolment_id_enrolment')),
        sa.ForeignKeyConstraint(['placed_cohort_id'], ['cohort.id'],
                                name=op.f('fk_waiting_place_placed_cohort_id_cohort')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_place')),
        sa.UniqueConstraint('seq', name=op.f('uq_waiting_place_seq')),
    )
    op.create_index(op.f('ix_waiting_place_participant_id'), 'waiting_place', ['participant_id'])
    op.create_index(op.f('ix_waiting_place_inspector_id'), 'waiting_place', ['inspector_id'])
    op.create_index('ix_waiting_place_cohort_status_seq', 'waiting_place', ['cohort_id', 'status', 'seq'])
    op.create_index('uq_waiting_place_waiting', 'waiting_place', ['participant_id', 'cohort_id'], unique=True,
                    postgresql_where=sa.text("status = 'waiting'"))


def downgrade() -> None:
    op.drop_table('waiting_place')
