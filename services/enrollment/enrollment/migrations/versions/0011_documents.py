"""documents: the papers enrollment issues about a man (progress report, notice of non-compliance, completion
certificate, exit notice), each kept as issued with its SHA-256 and check code; the database refuses to change or
remove one (a correction is a new document naming the one it replaces)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Frozen here: the table is append-only as the audit log is (qadam_0003's triggers, written for this table).
CREATE_APPEND_ONLY_TRIGGERS = """
CREATE OR REPLACE FUNCTION qadam_append_only_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER document_append_only BEFORE UPDATE OR DELETE ON document
  FOR EACH ROW EXECUTE FUNCTION qadam_append_only_document();
CREATE TRIGGER document_no_truncate BEFORE TRUNCATE ON document
  FOR EACH STATEMENT EXECUTE FUNCTION qadam_append_only_document();
"""
DROP_APPEND_ONLY_TRIGGERS = ("DROP TRIGGER IF EXISTS document_no_truncate ON document; "
                             "DROP TRIGGER IF EXISTS document_append_only ON document; "
                             "DROP FUNCTION IF EXISTS qadam_append_only_document();")


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence('document_number_seq', start=1)))
    op.create_table(
        'document',
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('enrolment_id', sa.Uuid(), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('replaces', sa.String(length=20), nullable=True),
        sa.Column('facts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('check_code', sa.String(length=9), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('generated_by', sa.String(length=100), nullable=False),
        sa.Column('generated_by_role', sa.String(length=30), nullable=False),
        sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_document_enrolment_id_enrolment')),
        sa.ForeignKeyConstraint(['replaces'], ['document.number'], name=op.f('fk_document_replaces_document')),
        sa.PrimaryKeyConstraint('number', name=op.f('pk_document')),
        sa.UniqueConstraint('replaces', name=op.f('uq_document_replaces')),
    )
    op.create_index(op.f('ix_document_enrolment_id'), 'document', ['enrolment_id'], unique=False)
    op.execute(CREATE_APPEND_ONLY_TRIGGERS)


def downgrade() -> None:
    op.execute(DROP_APPEND_ONLY_TRIGGERS)
    op.drop_index(op.f('ix_document_enrolment_id'), table_name='document')
    op.drop_table('document')
    op.execute(sa.schema.DropSequence(sa.Sequence('document_number_seq')))
