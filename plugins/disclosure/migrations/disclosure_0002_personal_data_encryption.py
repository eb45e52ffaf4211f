"""disclosure: encrypt the applicant's personal data at rest

Revision ID: disclosure_0002
Revises: disclosure_0001
Create Date: 2026-11-27

The columns become TEXT (a Fernet token is several times longer than the value) and the stored
values are encrypted with the current key of the migrating engine (see adapters.db.types). An
organisation's name and credit code, and the kind of identity document, stay as they are.
"""

from alembic import op
import sqlalchemy as sa

from adapters.db.personal_columns import decrypt_existing, encrypt_existing

revision = "disclosure_0002"
down_revision = "disclosure_0001"
branch_labels = None
depends_on = None

COLUMNS = {"name": 50, "id_number": 40, "legal_rep": 50, "contact_name": 50, "phone": 20, "email": 254,
           "address": 200, "postcode": 6}


def _retype(plain: bool) -> None:
    # SQLite does not enforce VARCHAR lengths, and changing a column type there means rebuilding
    # the table, whose DROP would cascade-delete the requests' events (foreign keys stay on inside
    # the migration's transaction). PostgreSQL alters the type in place.
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.batch_alter_table("disclosure_request") as batch:
        for name, width in COLUMNS.items():
            batch.alter_column(name, type_=sa.String(width) if plain else sa.Text(),
                               existing_type=sa.Text() if plain else sa.String(width), existing_nullable=False)


def upgrade() -> None:
    _retype(plain=False)
    encrypt_existing(op.get_bind(), "disclosure_request", tuple(COLUMNS))


def downgrade() -> None:
    decrypt_existing(op.get_bind(), "disclosure_request", tuple(COLUMNS))
    _retype(plain=True)
