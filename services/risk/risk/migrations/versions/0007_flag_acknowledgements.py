"""each person's acknowledgement of a flag (the flag keeps the first): the first ones already kept are carried over

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flag_acknowledgement",
        sa.Column("flag_id", sa.Uuid(), sa.ForeignKey("flag.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
    )
    # the first acknowledgement of each flag, wherever it came from (risk did not tell them apart)
    op.execute("INSERT INTO flag_acknowledgement (flag_id, user_id, acknowledged_at, via) "
               "SELECT id, acknowledged_by, acknowledged_at, 'risk' FROM flag "
               "WHERE acknowledged_by IS NOT NULL AND acknowledged_at IS NOT NULL")


def downgrade() -> None:
    op.drop_table("flag_acknowledgement")
