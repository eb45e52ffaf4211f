"""local_specialties: the product table

Revision ID: specialties_0001
Revises:
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = "specialties_0001"
down_revision = None
branch_labels = ("local_specialties",)
depends_on = None  # the table refers to no core table, so the branch needs nothing of "core"


def upgrade() -> None:
    op.create_table(
        "specialties_product",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("township", sa.String(30), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_note", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialties_product")),
        sa.UniqueConstraint("township", "name", name=op.f("uq_specialties_product_township")),
    )


def downgrade() -> None:
    op.drop_table("specialties_product")
