"""disclosure: when a request's applicant data was erased (deletion request or retention period)

Revision ID: disclosure_0004
Revises: disclosure_0003
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

from adapters.db.types import UtcDateTime

revision = "disclosure_0004"
down_revision = "disclosure_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disclosure_request") as batch:
        batch.add_column(sa.Column("personal_erased_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disclosure_request") as batch:
        batch.drop_column("personal_erased_at")
