"""disclosure: files applicants send with a request (身份证明 and other supporting papers)

Revision ID: disclosure_0003
Revises: disclosure_0002
Create Date: 2026-12-10
"""

from alembic import op
import sqlalchemy as sa

from adapters.db.types import UtcDateTime

revision = "disclosure_0003"
down_revision = "disclosure_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disclosure_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('blob_key', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['disclosure_request.id'], name=op.f('fk_disclosure_attachment_request_id_disclosure_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_attachment'))
    )
    op.create_index(op.f('ix_disclosure_attachment_request_id'), 'disclosure_attachment', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_disclosure_attachment_request_id'), table_name='disclosure_attachment')
    op.drop_table('disclosure_attachment')
