"""notify: each recipient's escalation chain is their own; alerts nobody could be escalated to; one notification
per episode (its flags listed); notices to her support worker that are not about a flag; routing version with her
notices (added to the rules in force, which an administrator may have changed)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""
import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# her support worker's notices, as written for this version (frozen here: defaults/routing.json may move on)
VICTIM_RULES = [
    {"id": "victim.flag.critical", "event": "risk.flag.raised", "levels": ["critical"],
     "recipients": ["victim_support"], "channels": ["email", "sms"], "timing": "immediate"},
    {"id": "victim.programme", "event": "enrollment.status.changed", "levels": ["medium", "high"],
     "recipients": ["victim_support"], "channels": ["email", "sms"], "timing": "immediate"},
    {"id": "victim.order.issued", "event": "enrollment.order.issued", "levels": ["medium", "high"],
     "recipients": ["victim_support"], "channels": ["email", "sms"], "timing": "immediate"},
    {"id": "victim.order.expiring", "event": "enrollment.order.expiring", "levels": ["medium", "high"],
     "recipients": ["victim_support"], "channels": ["email", "sms"], "timing": "immediate"},
    {"id": "victim.order.ended", "event": "enrollment.order.ended", "levels": ["medium", "high"],
     "recipients": ["victim_support"], "channels": ["email", "sms"], "timing": "immediate"},
]
NOTE = ("Her support worker is told of every critical flag, his suspension, exit, exclusion, completion, and his "
        "protection order issued, running out or ended (a code and a link only).")


def upgrade() -> None:
    op.create_table('flag_action',
    sa.Column('flag_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('flag_id', 'user_id', name=op.f('pk_flag_action'))
    )
    op.create_table('support_worker_of',
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('user_id', sa.String(length=100), nullable=True),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject', name=op.f('pk_support_worker_of'))
    )
    op.add_column('notification', sa.Column('subject', sa.String(length=60), nullable=True))
    op.add_column('notification', sa.Column('flag_ids', postgresql.ARRAY(sa.Uuid()), server_default='{}',
                                            nullable=False))
    op.add_column('notification', sa.Column('episode_id', sa.Uuid(), nullable=True))
    op.add_column('notification', sa.Column('inspector_id', sa.String(length=100), nullable=True))
    op.add_column('notification', sa.Column('notice', sa.String(length=30), nullable=True))
    op.add_column('notification', sa.Column('chain_id', sa.Uuid(), nullable=True))
    op.add_column('notification', sa.Column('unassigned_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('notification', sa.Column('escalation_tried_at', sa.DateTime(timezone=True), nullable=True))
    op.alter_column('notification', 'flag_id', existing_type=sa.UUID(), nullable=True)
    op.alter_column('notification', 'enrolment_id', existing_type=sa.UUID(), nullable=True)
    op.execute("UPDATE notification SET subject = 'flag:' || flag_id, flag_ids = ARRAY[flag_id]")
    op.alter_column('notification', 'subject', existing_type=sa.String(length=60), nullable=False)
    # the foot of every chain: alerts are their own; an escalation takes its parent's (chains are a few steps long)
    op.execute("UPDATE notification SET chain_id = id WHERE escalates_id IS NULL")
    for _ in range(10):
        op.execute("UPDATE notification e SET chain_id = p.chain_id FROM notification p "
                   "WHERE e.escalates_id = p.id AND e.chain_id IS NULL AND p.chain_id IS NOT NULL")
    op.drop_constraint('uq_notification_flag_user', 'notification', type_='unique')
    op.create_unique_constraint('uq_notification_subject_user', 'notification', ['subject', 'user_id'])
    op.create_index(op.f('ix_notification_chain_id'), 'notification', ['chain_id'], unique=False)
    op.create_index('ix_notification_flag_ids', 'notification', ['flag_ids'], unique=False,
                    postgresql_using='gin')
    op.create_index('ix_notification_unassigned', 'notification', ['unassigned_since'], unique=False,
                    postgresql_where=sa.text('unassigned_since IS NOT NULL'))
    connection = op.get_bind()
    version, rules = connection.execute(sa.text(
        "SELECT version, rules FROM routing_rule_set ORDER BY version DESC LIMIT 1")).one()
    known = {rule.get("id") for rule in rules}
    added = [rule for rule in VICTIM_RULES if rule["id"] not in known]
    if added:
        connection.execute(sa.text(
            "INSERT INTO routing_rule_set (version, rules, note, created_by) VALUES (:v, CAST(:r AS jsonb), :n, 'qadam')"),
            {"v": version + 1, "r": json.dumps(rules + added), "n": NOTE})


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM routing_rule_set WHERE created_by = 'qadam' AND note = :n"), {"n": NOTE})
    op.drop_index('ix_notification_unassigned', table_name='notification',
                  postgresql_where=sa.text('unassigned_since IS NOT NULL'))
    op.drop_index('ix_notification_flag_ids', table_name='notification', postgresql_using='gin')
    op.drop_index(op.f('ix_notification_chain_id'), table_name='notification')
    op.drop_constraint('uq_notification_subject_user', 'notification', type_='unique')
    # notices that are not about a flag have no place in the old table
    gone = "SELECT id FROM notification WHERE flag_id IS NULL"
    op.execute(f"DELETE FROM delivery_attempt WHERE delivery_id IN (SELECT id FROM delivery WHERE notification_id IN ({gone}))")
    op.execute(f"DELETE FROM delivery WHERE notification_id IN ({gone})")
    op.execute("DELETE FROM notification WHERE flag_id IS NULL")
    op.create_unique_constraint('uq_notification_flag_user', 'notification', ['flag_id', 'user_id'])
    op.alter_column('notification', 'enrolment_id', existing_type=sa.UUID(), nullable=False)
    op.alter_column('notification', 'flag_id', existing_type=sa.UUID(), nullable=False)
    for column in ('escalation_tried_at', 'unassigned_since', 'chain_id', 'notice', 'inspector_id', 'episode_id',
                   'flag_ids', 'subject'):
        op.drop_column('notification', column)
    op.drop_table('support_worker_of')
    op.drop_table('flag_action')
