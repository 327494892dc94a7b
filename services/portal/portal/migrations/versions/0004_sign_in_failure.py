"""sign-in throttling: failed sign-ins counted in sliding windows by name and address (sign_in_failure), in place
of the account-wide lock (app_user.failed_attempts, locked_until) that anyone could set off

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_failure',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False,
                  comment='keyed digest of what was aimed at (throttle.subject_key)'),
        sa.Column('address', sa.String(length=64), nullable=False, comment="the client's address (IPv6: its /64)"),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure')),
    )
    op.create_index('ix_sign_in_failure_subject_at', 'sign_in_failure', ['subject', 'at'])
    op.create_index('ix_sign_in_failure_address_at', 'sign_in_failure', ['address', 'at'])
    op.create_index('ix_sign_in_failure_at', 'sign_in_failure', ['at'])
    op.drop_column('app_user', 'failed_attempts')
    op.drop_column('app_user', 'locked_until')


def downgrade() -> None:
    op.add_column('app_user', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('app_user', sa.Column('failed_attempts', sa.Integer(), server_default='0', nullable=False))
    op.drop_table('sign_in_failure')
