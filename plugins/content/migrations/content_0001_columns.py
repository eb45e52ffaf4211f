"""content: the column tree

Revision ID: content_0001
Revises:
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = "content_0001"
down_revision = None
branch_labels = ("content",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_column",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("parent_id", sa.Integer()),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["content_column.id"], ondelete="RESTRICT",
                                name=op.f("fk_content_column_parent_id_content_column")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_column")),
        sa.UniqueConstraint("slug", name=op.f("uq_content_column_slug")),
    )
    op.create_index(op.f("ix_content_column_parent_id"), "content_column", ["parent_id"])


def downgrade() -> None:
    op.drop_table("content_column")
