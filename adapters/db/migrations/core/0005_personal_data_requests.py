"""personal data: citizens' deletion requests

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

from adapters.db.types import UtcDateTime

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_personal_data_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("filed_at", UtcDateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("handled_at", UtcDateTime(), nullable=True),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], ondelete="CASCADE",
                                name=op.f("fk_core_personal_data_request_user_id_core_user")),
        sa.ForeignKeyConstraint(["handled_by"], ["core_user.id"], ondelete="SET NULL",
                                name=op.f("fk_core_personal_data_request_handled_by_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_personal_data_request")),
    )
    op.create_index(op.f("ix_core_personal_data_request_user_id"), "core_personal_data_request", ["user_id"])
    op.create_index("ix_core_personal_data_request_status_id", "core_personal_data_request", ["status", "id"])


def downgrade() -> None:
    op.drop_table("core_personal_data_request")
