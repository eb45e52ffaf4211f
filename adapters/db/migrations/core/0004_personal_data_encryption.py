"""personal data: encrypt core_user.mobile and core_user.totp_secret at rest

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-27

The columns become TEXT (a Fernet token is several times longer than the value) and the stored
values are encrypted with the current key of the migrating engine (see adapters.db.types).
"""

from alembic import op
import sqlalchemy as sa

from adapters.db.personal_columns import decrypt_existing, encrypt_existing

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None

COLUMNS = {"mobile": sa.String(20), "totp_secret": sa.String(64)}


def _retype(plain: bool) -> None:
    # SQLite does not enforce VARCHAR lengths, and changing a column type there means rebuilding
    # the table, whose DROP would cascade-delete every row referring to an account (foreign keys
    # stay on inside the migration's transaction). PostgreSQL alters the type in place.
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.batch_alter_table("core_user") as batch:
        for name, plain_type in COLUMNS.items():
            batch.alter_column(name, type_=plain_type if plain else sa.Text(),
                               existing_type=sa.Text() if plain else plain_type, existing_nullable=True)


def upgrade() -> None:
    _retype(plain=False)
    encrypt_existing(op.get_bind(), "core_user", tuple(COLUMNS))


def downgrade() -> None:
    decrypt_existing(op.get_bind(), "core_user", tuple(COLUMNS))
    _retype(plain=True)
