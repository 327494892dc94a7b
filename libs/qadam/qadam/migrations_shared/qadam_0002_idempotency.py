"""the table behind Idempotency-Key: the first answer of a POST, kept for its retries

Until this branch each service created it in a revision of its own (qadam.migrations.create_idempotency_table_v1);
a database migrated then already has it, so it is created here only where it is absent.

Revision ID: qadam_0002
Revises: qadam_0001
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'qadam_0002'
down_revision = 'qadam_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table('idempotency_record'):
        return
    op.create_table(
        'idempotency_record',
        sa.Column('user_id', sa.String(length=100), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False, comment='sha256 of method, path and body'),
        sa.Column('status', sa.Integer(), nullable=True, comment='the first answer\'s status; NULL until it is stored'),
        sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_idempotency_record')),
    )
    op.create_index('ix_idempotency_record_created_at', 'idempotency_record', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_table('idempotency_record')
