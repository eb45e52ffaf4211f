"""identity: organisation tree, account security, groups, password resets, the audit trail

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

AUDIT_RETENTION_DAYS = 180

POSTGRES_GUARD = f"""
CREATE FUNCTION core_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'core_audit is append-only';
  END IF;
  IF OLD.at > now() - interval '{AUDIT_RETENTION_DAYS} days' THEN
    RAISE EXCEPTION 'audit records are kept at least {AUDIT_RETENTION_DAYS} days';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER core_audit_guard BEFORE UPDATE OR DELETE ON core_audit
  FOR EACH ROW EXECUTE FUNCTION core_audit_guard();
"""

SQLITE_GUARDS = [
    """CREATE TRIGGER core_audit_no_update BEFORE UPDATE ON core_audit
       BEGIN SELECT RAISE(ABORT, 'core_audit is append-only'); END""",
    f"""CREATE TRIGGER core_audit_retention BEFORE DELETE ON core_audit
       WHEN OLD.at > datetime('now', '-{AUDIT_RETENTION_DAYS} days')
       BEGIN SELECT RAISE(ABORT, 'audit records are kept at least {AUDIT_RETENTION_DAYS} days'); END""",
]


def upgrade() -> None:
    op.create_table(
        "core_org_unit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("parent_id", sa.Integer()),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("code", sa.String(32)),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["core_org_unit.id"], ondelete="RESTRICT",
                                name=op.f("fk_core_org_unit_parent_id_core_org_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_org_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_core_org_unit_code")),
    )
    op.create_index(op.f("ix_core_org_unit_parent_id"), "core_org_unit", ["parent_id"])
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("org_unit_id", sa.Integer()))
        batch.add_column(sa.Column("credit_code", sa.String(18)))
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("totp_secret", sa.String(64)))
        batch.add_column(sa.Column("totp_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_foreign_key(op.f("fk_core_user_org_unit_id_core_org_unit"), "core_org_unit",
                                 ["org_unit_id"], ["id"], ondelete="SET NULL")
        batch.create_index(op.f("ix_core_user_org_unit_id"), ["org_unit_id"])
    with op.batch_alter_table("core_role") as batch:
        batch.add_column(sa.Column("seeded_permissions", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("builtin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "core_group",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_group")),
        sa.UniqueConstraint("name", name=op.f("uq_core_group_name")),
    )
    op.create_table(
        "core_user_group",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], ondelete="CASCADE",
                                name=op.f("fk_core_user_group_user_id_core_user")),
        sa.ForeignKeyConstraint(["group_id"], ["core_group.id"], ondelete="CASCADE",
                                name=op.f("fk_core_user_group_group_id_core_group")),
        sa.PrimaryKeyConstraint("user_id", "group_id", name=op.f("pk_core_user_group")),
    )
    op.create_table(
        "core_password_reset",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], ondelete="CASCADE",
                                name=op.f("fk_core_password_reset_user_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_core_password_reset_token_hash")),
    )
    op.create_index(op.f("ix_core_password_reset_user_id"), "core_password_reset", ["user_id"])
    op.create_table(
        "core_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer()),
        sa.Column("actor_login", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("user_agent", sa.String(300), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_audit")),
    )
    op.create_index(op.f("ix_core_audit_at"), "core_audit", ["at"])
    op.create_index(op.f("ix_core_audit_actor_login"), "core_audit", ["actor_login"])
    op.create_index(op.f("ix_core_audit_action"), "core_audit", ["action"])
    op.create_table(
        "core_audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_audit_head")),
    )
    op.execute("INSERT INTO core_audit_head (id, last_id, last_hash) VALUES (1, 0, '" + "0" * 64 + "')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_GUARD)
    else:
        for statement in SQLITE_GUARDS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER core_audit_guard ON core_audit")
        op.execute("DROP FUNCTION core_audit_guard()")
    op.drop_table("core_audit_head")
    op.drop_table("core_audit")
    op.drop_table("core_password_reset")
    op.drop_table("core_user_group")
    op.drop_table("core_group")
    with op.batch_alter_table("core_role") as batch:
        batch.drop_column("builtin")
        batch.drop_column("seeded_permissions")
    with op.batch_alter_table("core_user") as batch:
        batch.drop_index(op.f("ix_core_user_org_unit_id"))
        batch.drop_constraint(op.f("fk_core_user_org_unit_id_core_org_unit"), type_="foreignkey")
        for column in ("totp_enabled", "totp_secret", "password_changed_at", "locked_until", "failed_logins",
                       "credit_code", "org_unit_id"):
            batch.drop_column(column)
    op.drop_table("core_org_unit")
