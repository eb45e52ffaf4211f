"""Running the core's and every enabled plugin's alembic branch."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
CORE_BRANCH = ("core", str(MIGRATIONS_DIR / "core"))


def _config(branch: str, versions_dir: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_locations", versions_dir)
    config.set_main_option("path_separator", "os")
    config.attributes["version_table"] = f"alembic_version_{branch}"
    return config


def branches(plugin_locations: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [CORE_BRANCH, *plugin_locations]


def upgrade(engine: Engine, plugin_locations: Iterable[tuple[str, str]], report=lambda line: None) -> None:
    """Bring the core, then each enabled plugin in order, to its newest revision."""
    for branch, versions_dir in branches(plugin_locations):
        config = _config(branch, versions_dir)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
        report(f"{branch}: {', '.join(current_heads(engine, branch, versions_dir)) or '-'}")


def current_heads(engine: Engine, branch: str, versions_dir: str) -> tuple[str, ...]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": f"alembic_version_{branch}"})
        return tuple(context.get_current_heads())


def pending(engine: Engine, plugin_locations: Iterable[tuple[str, str]]) -> list[str]:
    """Branches whose database revision is not their newest one (the app refuses to start then)."""
    behind = []
    for branch, versions_dir in branches(plugin_locations):
        script = ScriptDirectory.from_config(_config(branch, versions_dir))
        if set(current_heads(engine, branch, versions_dir)) != set(script.get_heads()):
            behind.append(branch)
    return behind
