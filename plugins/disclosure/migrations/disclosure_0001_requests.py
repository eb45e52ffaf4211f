"""disclosure: 依申请公开 requests, their history, and the tracking-number counters

Revision ID: disclosure_0001
Revises:
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

from adapters.db.types import UtcDateTime

revision = "disclosure_0001"
down_revision = None
branch_labels = ("disclosure",)
depends_on = None


def upgrade() -> None:
    op.create_table('disclosure_counter',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_disclosure_counter'))
    )
    op.create_table('disclosure_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_no', sa.String(length=32), nullable=False),
    sa.Column('code_salt', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('applicant_user_id', sa.Integer(), nullable=True),
    sa.Column('applicant_type', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_type', sa.String(length=20), nullable=False),
    sa.Column('id_number', sa.String(length=40), nullable=False),
    sa.Column('org_name', sa.String(length=100), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('legal_rep', sa.String(length=50), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=6), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('doc_title', sa.String(length=200), nullable=False),
    sa.Column('doc_number', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', UtcDateTime(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('clock_start', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('extension_days', sa.Integer(), nullable=False),
    sa.Column('extension_reason', sa.Text(), nullable=False),
    sa.Column('extended_at', UtcDateTime(), nullable=True),
    sa.Column('extended_by', sa.Integer(), nullable=True),
    sa.Column('reply_type', sa.String(length=16), nullable=False),
    sa.Column('reply_ground', sa.String(length=32), nullable=False),
    sa.Column('reply_authority', sa.String(length=200), nullable=False),
    sa.Column('reply_text', sa.Text(), nullable=False),
    sa.Column('reply_blob_key', sa.String(length=64), nullable=False),
    sa.Column('reply_filename', sa.String(length=200), nullable=False),
    sa.Column('reply_media_type', sa.String(length=100), nullable=False),
    sa.Column('replied_at', UtcDateTime(), nullable=True),
    sa.Column('replied_by', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('concluded_on', sa.Date(), nullable=True),
    sa.Column('closed_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['applicant_user_id'], ['core_user.id'], name=op.f('fk_disclosure_request_applicant_user_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['extended_by'], ['core_user.id'], name=op.f('fk_disclosure_request_extended_by_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replied_by'], ['core_user.id'], name=op.f('fk_disclosure_request_replied_by_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_request')),
    sa.UniqueConstraint('tracking_no', name=op.f('uq_disclosure_request_tracking_no'))
    )
    op.create_index(op.f('ix_disclosure_request_concluded_on'), 'disclosure_request', ['concluded_on'], unique=False)
    op.create_index(op.f('ix_disclosure_request_filed_on'), 'disclosure_request', ['filed_on'], unique=False)
    op.create_index('ix_disclosure_request_status_due', 'disclosure_request', ['status', 'due_on'], unique=False)
    op.create_index('ix_disclosure_request_status_id', 'disclosure_request', ['status', 'id'], unique=False)
    op.create_table('disclosure_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['core_user.id'], name=op.f('fk_disclosure_event_actor_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['disclosure_request.id'], name=op.f('fk_disclosure_event_request_id_disclosure_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_event'))
    )
    op.create_index(op.f('ix_disclosure_event_request_id'), 'disclosure_event', ['request_id'], unique=False)


def downgrade() -> None:
    for table in ("disclosure_event", "disclosure_request", "disclosure_counter"):
        op.drop_table(table)
