"""Alembic environment shared by the core and every plugin branch.

Each branch has its own version table (``alembic_version_<branch>``), so enabling, disabling or
upgrading one plugin never disturbs another's history.
"""

from alembic import context

from adapters.db.meta import Base

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=config.attributes["version_table"],
    render_as_batch=True,  # SQLite can alter tables only by copying them
    compare_type=True,
)

with context.begin_transaction():
    context.run_migrations()
