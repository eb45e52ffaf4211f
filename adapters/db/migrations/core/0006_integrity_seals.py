"""integrity seals: the chain of content hashes of final records, and its head

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None

# Seals are never changed or removed by the application: the database refuses it as well.
POSTGRES_GUARD = """
CREATE FUNCTION core_seal_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'core_seal is append-only';
END $$;
CREATE TRIGGER core_seal_guard BEFORE UPDATE OR DELETE ON core_seal
  FOR EACH ROW EXECUTE FUNCTION core_seal_guard();
"""

SQLITE_GUARDS = [
    """CREATE TRIGGER core_seal_no_update BEFORE UPDATE ON core_seal
       BEGIN SELECT RAISE(ABORT, 'core_seal is append-only'); END""",
    """CREATE TRIGGER core_seal_no_delete BEFORE DELETE ON core_seal
       BEGIN SELECT RAISE(ABORT, 'core_seal is append-only'); END""",
]


def upgrade() -> None:
    op.create_table(
        "core_seal",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer()),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_seal")),
        sa.UniqueConstraint("kind", "record_id", "version", name=op.f("uq_core_seal_kind")),
    )
    op.create_table(
        "core_seal_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_seal_head")),
    )
    op.execute("INSERT INTO core_seal_head (id, last_id, last_hash) VALUES (1, 0, '" + "0" * 64 + "')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_GUARD)
    else:
        for statement in SQLITE_GUARDS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER core_seal_guard ON core_seal")
        op.execute("DROP FUNCTION core_seal_guard()")
    op.drop_table("core_seal_head")
    op.drop_table("core_seal")
