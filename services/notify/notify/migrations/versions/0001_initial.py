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
branch_labels = ('notify',)  # `notify@head`: this service's own head, beside the shared branch's (`qadam@head`)
depends_on = 'qadam_0001'  # the outbox and the inbox

# Frozen here as qadam.db.notify_trigger_sql("delivery", "qadam_delivery") wrote it when this revision called it: the
# sender wakes at the commit of new deliveries.
CREATE_DELIVERY_NOTIFY = """
CREATE OR REPLACE FUNCTION qadam_notify_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('qadam_delivery', '');
  RETURN NULL;
END $$;
CREATE TRIGGER delivery_notify AFTER INSERT ON delivery
  FOR EACH STATEMENT EXECUTE FUNCTION qadam_notify_delivery();
"""
DROP_DELIVERY_NOTIFY = "DROP TRIGGER IF EXISTS delivery_notify ON delivery; DROP FUNCTION IF EXISTS qadam_notify_delivery();"


# The outbox and inbox this revision used to create are the kit's shared branch now (qadam_0001, which this
# revision depends on); a database migrated before keeps the tables this revision made then.
def upgrade() -> None:
    op.create_table('contact',
    sa.Column('user_id', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_contact'))
    )
    op.create_table('enrolment_contact',
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('participant_code', sa.String(length=20), nullable=False),
    sa.Column('inspector_id', sa.String(length=100), nullable=False),
    sa.Column('psychologist_id', sa.String(length=100), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_enrolment_contact'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.String(length=100), nullable=False),
    sa.Column('responsibility', sa.String(length=20), nullable=False),
    sa.Column('source_event_id', sa.Uuid(), nullable=False),
    sa.Column('flag_id', sa.Uuid(), nullable=False),
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('participant_code', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('reasons', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('flag_id', 'user_id', name='uq_notification_flag_user')
    )
    op.create_index(op.f('ix_notification_user_id'), 'notification', ['user_id'], unique=False)
    op.create_table('delivery',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('notification_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('correlation_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_delivery_notification_id_notification')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('notification_id', 'channel', name='uq_delivery_notification_channel')
    )
    op.create_index(op.f('ix_delivery_notification_id'), 'delivery', ['notification_id'], unique=False)
    op.create_index('ix_delivery_pending', 'delivery', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_table('delivery_attempt',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], name=op.f('fk_delivery_attempt_delivery_id_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempt'))
    )
    op.create_index(op.f('ix_delivery_attempt_delivery_id'), 'delivery_attempt', ['delivery_id'], unique=False)
    op.execute(CREATE_DELIVERY_NOTIFY)


def downgrade() -> None:
    op.execute(DROP_DELIVERY_NOTIFY)
    op.drop_index(op.f('ix_delivery_attempt_delivery_id'), table_name='delivery_attempt')
    op.drop_table('delivery_attempt')
    op.drop_index('ix_delivery_pending', table_name='delivery', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index(op.f('ix_delivery_notification_id'), table_name='delivery')
    op.drop_table('delivery')
    op.drop_index(op.f('ix_notification_user_id'), table_name='notification')
    op.drop_table('notification')
    op.drop_table('enrolment_contact')
    op.drop_table('contact')
