"""core tables: users, roles, role assignments, inbox, working-day overrides, scheduler jobs

Revision ID: core_0001
Revises:
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("mobile", sa.String(20)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_user")),
        sa.UniqueConstraint("login", name=op.f("uq_core_user_login")),
    )
    op.create_table(
        "core_role",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_role")),
        sa.UniqueConstraint("name", name=op.f("uq_core_role_name")),
    )
    op.create_table(
        "core_role_assignment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("scope_type", sa.String(32)),
        sa.Column("scope_id", sa.Integer()),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], ondelete="CASCADE",
                                name=op.f("fk_core_role_assignment_user_id_core_user")),
        sa.ForeignKeyConstraint(["role_id"], ["core_role.id"], ondelete="CASCADE",
                                name=op.f("fk_core_role_assignment_role_id_core_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_role_assignment")),
        sa.UniqueConstraint("user_id", "role_id", "scope_type", "scope_id",
                            name=op.f("uq_core_role_assignment_user_id")),
    )
    op.create_index(op.f("ix_core_role_assignment_user_id"), "core_role_assignment", ["user_id"])
    op.create_table(
        "core_inbox_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(["recipient_id"], ["core_user.id"], ondelete="CASCADE",
                                name=op.f("fk_core_inbox_message_recipient_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_inbox_message")),
    )
    op.create_index(op.f("ix_core_inbox_message_recipient_id"), "core_inbox_message", ["recipient_id"])
    op.create_table(
        "core_workday_override",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_core_workday_override")),
    )
    # APScheduler's job store, owned by our migrations so backups and restores include timers.
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25)),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    op.create_index(op.f("ix_apscheduler_jobs_next_run_time"), "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_table("apscheduler_jobs")
    op.drop_table("core_workday_override")
    op.drop_table("core_inbox_message")
    op.drop_table("core_role_assignment")
    op.drop_table("core_role")
    op.drop_table("core_user")
