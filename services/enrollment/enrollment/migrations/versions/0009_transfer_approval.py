"""transfer approval and the correction plan's content: a move of an enrolment out of its district waits for a
supervisor of the district's region; the plan records with whom it was agreed and its parts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('protection_order', sa.Column('plan_agreed_with', sa.String(length=200), nullable=True))
    op.add_column('protection_order', sa.Column('plan_parts', postgresql.JSONB(astext_type=sa.Text()),
                                                server_default='[]', nullable=False))
    op.create_table('transfer_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('from_cohort_id', sa.Uuid(), nullable=False),
    sa.Column('to_cohort_id', sa.Uuid(), nullable=False),
    sa.Column('to_region', sa.String(length=100), nullable=False),
    sa.Column('to_district', sa.String(length=100), nullable=False),
    sa.Column('psychologist_id', sa.String(length=100), nullable=True),
    sa.Column('inspector_id', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='pending', nullable=False),
    sa.Column('asked_by', sa.String(length=100), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_transfer_request_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['from_cohort_id'], ['cohort.id'], name=op.f('fk_transfer_request_from_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['to_cohort_id'], ['cohort.id'], name=op.f('fk_transfer_request_to_cohort_id_cohort')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_request'))
    )
    op.create_index(op.f('ix_transfer_request_enrolment_id'), 'transfer_request', ['enrolment_id'], unique=False)
    op.create_index('ix_transfer_request_area_status', 'transfer_request', ['region', 'district', 'status'],
                    unique=False)
    op.create_index('uq_transfer_request_pending', 'transfer_request', ['enrolment_id'], unique=True,
                    postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('uq_transfer_request_pending', table_name='transfer_request')
    op.drop_index('ix_transfer_request_area_status', table_name='transfer_request')
    op.drop_index(op.f('ix_transfer_request_enrolment_id'), table_name='transfer_request')
    op.drop_table('transfer_request')
    op.drop_column('protection_order', 'plan_parts')
    op.drop_column('protection_order', 'plan_agreed_with')
