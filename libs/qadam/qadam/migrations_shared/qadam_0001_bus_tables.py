"""the bus tables every service carries: the outbox (with the NOTIFY trigger that wakes the relay) and the inbox

Until this branch each service's 0001 created them (qadam.migrations.create_bus_tables_v1); a database migrated
then already has them, so each is created here only where it is absent.

Revision ID: qadam_0001
Revises:
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'qadam_0001'
down_revision = None
branch_labels = ('qadam',)
depends_on = None

# Frozen here as qadam.db.notify_trigger_sql("outbox", "qadam_outbox") wrote them for each service's copy: the relay
# LISTENs on this channel (qadam.db.OUTBOX_CHANNEL), and a NOTIFY is delivered at commit, so it wakes exactly when
# new rows become visible.
CREATE_NOTIFY_TRIGGER = """
CREATE OR REPLACE FUNCTION qadam_notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('qadam_outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION qadam_notify_outbox();
"""
DROP_NOTIFY_TRIGGER = "DROP TRIGGER IF EXISTS outbox_notify ON outbox; DROP FUNCTION IF EXISTS qadam_notify_outbox();"


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table('inbox'):
        op.create_table(
            'inbox',
            sa.Column('message_id', sa.Uuid(), nullable=False),
            sa.Column('type', sa.String(length=200), nullable=False),
            sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
            sa.PrimaryKeyConstraint('message_id', name=op.f('pk_inbox')),
        )
        op.create_index('ix_inbox_received_at', 'inbox', ['received_at'], unique=False)
    if not inspector.has_table('outbox'):
        op.create_table(
            'outbox',
            sa.Column('id', sa.Uuid(), nullable=False, comment='the event id, also the AMQP message_id'),
            sa.Column('seq', sa.BigInteger(), sa.Identity(always=True), nullable=False),
            sa.Column('exchange', sa.String(length=100), nullable=False),
            sa.Column('routing_key', sa.String(length=200), nullable=False),
            sa.Column('envelope', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
            sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
            sa.Column('last_error', sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
            sa.UniqueConstraint('seq', name=op.f('uq_outbox_seq')),
        )
        op.create_index('ix_outbox_unsent', 'outbox', ['seq'], unique=False,
                        postgresql_where=sa.text('sent_at IS NULL'))
    if not _has_trigger('outbox', 'outbox_notify'):
        op.execute(CREATE_NOTIFY_TRIGGER)


def downgrade() -> None:
    op.execute(DROP_NOTIFY_TRIGGER)
    op.drop_table('outbox')
    op.drop_table('inbox')


def _has_trigger(table: str, trigger: str) -> bool:
    return op.get_bind().execute(sa.text(
        "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(:t) AND tgname = :g"), {"t": table, "g": trigger}
    ).first() is not None
