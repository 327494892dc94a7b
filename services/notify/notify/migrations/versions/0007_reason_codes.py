"""notify, issue 19: a notification keeps its flags' reasons as codes (`reason_codes`, from risk.flag.raised's
`reason_codes`), so each message renders them in its recipient's language. Notifications made before keep their
sentences and show them as written (the column starts empty for them).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('notification', sa.Column('reason_codes', postgresql.JSONB(astext_type=sa.Text()),
                                            server_default=sa.text("'[]'::jsonb"), nullable=False))


def downgrade() -> None:
    op.drop_column('notification', 'reason_codes')
