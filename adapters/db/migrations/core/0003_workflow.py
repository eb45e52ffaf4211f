"""workflow: definition versions, cases, tasks, objections, history

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wf_definition",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("author_id", sa.Integer()),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["core_user.id"], ondelete="SET NULL",
                                name=op.f("fk_wf_definition_author_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wf_definition")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_wf_definition_key")),
    )
    op.create_index(op.f("ix_wf_definition_key"), "wf_definition", ["key"])
    op.create_table(
        "wf_case",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("definition_key", sa.String(64), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("initiator_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer()),
        sa.Column("scope_type", sa.String(32)),
        sa.Column("scope_id", sa.Integer()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step_key", sa.String(32)),
        sa.Column("step_title", sa.String(100), nullable=False),
        sa.Column("activation", sa.Integer(), nullable=False),
        sa.Column("started_at", MOMENT, nullable=False),
        sa.Column("due_at", MOMENT),
        sa.Column("ended_at", MOMENT),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["initiator_id"], ["core_user.id"], ondelete="RESTRICT",
                                name=op.f("fk_wf_case_initiator_id_core_user")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["core_org_unit.id"], ondelete="SET NULL",
                                name=op.f("fk_wf_case_org_unit_id_core_org_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wf_case")),
    )
    op.create_index(op.f("ix_wf_case_definition_key"), "wf_case", ["definition_key"])
    op.create_index(op.f("ix_wf_case_initiator_id"), "wf_case", ["initiator_id"])
    op.create_index(op.f("ix_wf_case_org_unit_id"), "wf_case", ["org_unit_id"])
    op.create_index(op.f("ix_wf_case_started_at"), "wf_case", ["started_at"])
    op.create_index("ix_wf_case_subject", "wf_case", ["subject_type", "subject_id"])
    op.create_index("ix_wf_case_status_due", "wf_case", ["status", "due_at"])
    op.create_table(
        "wf_task",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("activation", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(32), nullable=False),
        sa.Column("step_title", sa.String(100), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("due_at", MOMENT),
        sa.Column("acted_at", MOMENT),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["wf_case.id"], ondelete="CASCADE",
                                name=op.f("fk_wf_task_case_id_wf_case")),
        sa.ForeignKeyConstraint(["assignee_id"], ["core_user.id"], ondelete="RESTRICT",
                                name=op.f("fk_wf_task_assignee_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wf_task")),
    )
    op.create_index(op.f("ix_wf_task_case_id"), "wf_task", ["case_id"])
    op.create_index("ix_wf_task_assignee_status", "wf_task", ["assignee_id", "status"])
    op.create_table(
        "wf_objection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("activation", sa.Integer(), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("by_id", sa.Integer()),
        sa.Column("by_name", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["wf_case.id"], ondelete="CASCADE",
                                name=op.f("fk_wf_objection_case_id_wf_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wf_objection")),
    )
    op.create_index(op.f("ix_wf_objection_case_id"), "wf_objection", ["case_id"])
    op.create_table(
        "wf_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("actor_id", sa.Integer()),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("step_key", sa.String(32)),
        sa.Column("step_title", sa.String(100), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["wf_case.id"], ondelete="CASCADE",
                                name=op.f("fk_wf_history_case_id_wf_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wf_history")),
    )
    op.create_index(op.f("ix_wf_history_case_id"), "wf_history", ["case_id"])
    op.create_index(op.f("ix_wf_history_actor_id"), "wf_history", ["actor_id"])


def downgrade() -> None:
    for table in ("wf_history", "wf_objection", "wf_task", "wf_case", "wf_definition"):
        op.drop_table(table)
