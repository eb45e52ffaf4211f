"""content: items, placements, uploads, revisions, topics, 索引号 counters, portal generation

Revision ID: content_0002
Revises: content_0001
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

from adapters.db.types import UtcDateTime

revision = "content_0002"
down_revision = "content_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('content_index_counter',
    sa.Column('scope', sa.String(length=150), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_content_index_counter'))
    )
    op.create_table('content_topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('banner_key', sa.String(length=64), nullable=False),
    sa.Column('layout', sa.String(length=32), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_topic')),
    sa.UniqueConstraint('slug', name=op.f('uq_content_topic_slug'))
    )
    op.create_table('content_topic_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['content_topic.id'], name=op.f('fk_content_topic_section_topic_id_content_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_topic_section'))
    )
    op.create_index(op.f('ix_content_topic_section_topic_id'), 'content_topic_section', ['topic_id'], unique=False)
    op.create_table('content_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('subtitle', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('cover_key', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('link_url', sa.String(length=500), nullable=False),
    sa.Column('keywords', sa.String(length=300), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('published_at', UtcDateTime(), nullable=True),
    sa.Column('publish_at', UtcDateTime(), nullable=True),
    sa.Column('unpublish_at', UtcDateTime(), nullable=True),
    sa.Column('expires_at', UtcDateTime(), nullable=True),
    sa.Column('archived_at', UtcDateTime(), nullable=True),
    sa.Column('archived_from', sa.String(length=16), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('lock_user_id', sa.Integer(), nullable=True),
    sa.Column('lock_at', UtcDateTime(), nullable=True),
    sa.Column('index_no', sa.String(length=64), nullable=False),
    sa.Column('doc_number', sa.String(length=100), nullable=False),
    sa.Column('issuing_org', sa.String(length=100), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=True),
    sa.Column('theme', sa.String(length=50), nullable=False),
    sa.Column('disclosure_mode', sa.String(length=20), nullable=False),
    sa.Column('validity', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['column_id'], ['content_column.id'], name=op.f('fk_content_item_column_id_content_column'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['core_user.id'], name=op.f('fk_content_item_created_by_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lock_user_id'], ['core_user.id'], name=op.f('fk_content_item_lock_user_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by'], ['core_user.id'], name=op.f('fk_content_item_updated_by_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_item'))
    )
    op.create_index(op.f('ix_content_item_case_id'), 'content_item', ['case_id'], unique=False)
    op.create_index(op.f('ix_content_item_column_id'), 'content_item', ['column_id'], unique=False)
    op.create_index('ix_content_item_disclosure', 'content_item', ['issuing_org', 'theme', 'published_at'], unique=False)
    op.create_index(op.f('ix_content_item_index_no'), 'content_item', ['index_no'], unique=False)
    op.create_index('ix_content_item_status_updated', 'content_item', ['status', 'updated_at'], unique=False)
    op.create_index('ix_content_item_updated', 'content_item', ['updated_at', 'id'], unique=False)
    op.create_index('ix_content_item_headlines', 'content_item', ['pinned', 'status', 'published_at'], unique=False)
    op.create_index('ix_content_item_published', 'content_item', ['status', 'published_at', 'id'], unique=False)
    op.create_index('ix_content_item_type_status', 'content_item', ['type', 'status', 'published_at'], unique=False)
    op.create_table('content_placement',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('home', sa.Boolean(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('published_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['column_id'], ['content_column.id'], name=op.f('fk_content_placement_column_id_content_column'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['content_item.id'], name=op.f('fk_content_placement_item_id_content_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'column_id', name=op.f('pk_content_placement'))
    )
    op.create_index('ix_content_placement_listing', 'content_placement', ['column_id', 'public', 'pinned', 'published_at', 'item_id'], unique=False)
    op.create_table('content_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('saved_at', UtcDateTime(), nullable=False),
    sa.Column('saved_by', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_item.id'], name=op.f('fk_content_revision_item_id_content_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_by'], ['core_user.id'], name=op.f('fk_content_revision_saved_by_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_revision'))
    )
    op.create_index('ix_content_revision_item', 'content_revision', ['item_id', 'number'], unique=False)
    op.create_table('content_topic_item',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_item.id'], name=op.f('fk_content_topic_item_item_id_content_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['content_topic_section.id'], name=op.f('fk_content_topic_item_section_id_content_topic_section'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['content_topic.id'], name=op.f('fk_content_topic_item_topic_id_content_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', 'item_id', name=op.f('pk_content_topic_item'))
    )
    op.create_index('ix_content_topic_item_item', 'content_topic_item', ['item_id'], unique=False)
    op.create_table('content_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('blob_key', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('attachment', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_item.id'], name=op.f('fk_content_upload_item_id_content_item'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['core_user.id'], name=op.f('fk_content_upload_uploaded_by_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_upload'))
    )
    op.create_index(op.f('ix_content_upload_blob_key'), 'content_upload', ['blob_key'], unique=False)
    op.create_index(op.f('ix_content_upload_item_id'), 'content_upload', ['item_id'], unique=False)
    op.create_table('content_portal_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('changed_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_portal_state'))
    )
    op.add_column('content_column', sa.Column('template', sa.String(length=64), nullable=False, server_default=""))
    op.add_column('content_column', sa.Column('workflow_key', sa.String(length=100), nullable=False, server_default="content.article_review"))
    op.add_column('content_column', sa.Column('comments_enabled', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('content_column', sa.Column('link_url', sa.String(length=500), nullable=False, server_default=""))


def downgrade() -> None:
    for column in ("link_url", "comments_enabled", "workflow_key", "template"):
        with op.batch_alter_table("content_column") as batch:
            batch.drop_column(column)
    for table in ("content_upload", "content_topic_item", "content_revision", "content_placement", "content_item",
                  "content_topic_section", "content_topic", "content_index_counter", "content_portal_state"):
        op.drop_table(table)
