"""The example county initialised through ``govcore init`` on a fresh database of the run's kind."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from adapters.bootstrap import build_platform
from adapters.cli.main import cli
from adapters.cli.options import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "deployments" / "example-county"


def initialised_example(databases, database_kind: str, var: Path):
    """``(command-line arguments naming the deployment, its platform)``; dispose the engine after use."""
    url = databases.create(database_kind)
    args = [str(EXAMPLE), "--database", url, "--var", str(var)]
    result = CliRunner().invoke(cli, ["init", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return args, build_platform(load_settings(str(EXAMPLE), "development.ini", url, str(var)))
