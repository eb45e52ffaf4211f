"""The ``govcore`` command line, driven as an operator would."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.cli.main import cli
from tests.expected import BUILTIN_PLUGINS

EXAMPLE = Path(__file__).resolve().parents[2] / "deployments" / "example-county"


@pytest.fixture
def deployment(tmp_path) -> list[str]:
    """Arguments naming the example county with a database and var folder of the test's own."""
    return [str(EXAMPLE), "--database", f"sqlite:///{tmp_path / 'db.sqlite'}", "--var", str(tmp_path / "var")]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_command_has_help():
    for command in (["init"], ["serve"], ["worker"], ["db", "upgrade"], ["search", "reindex"], ["plugins", "list"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "DEPLOYMENT" in result.output


def test_init_is_idempotent_and_prints_one_time_passwords(deployment, tmp_path):
    first = run("init", *deployment)
    assert first.exit_code == 0, first.output
    assert "栏目：新建 34 个" in first.output and "示例信息：新建 11 条" in first.output
    assert "用户名 admin" in first.output
    second = run("init", *deployment)
    assert "栏目：新建 0 个" in second.output
    assert "用户名 admin" in second.output  # never used, so it gets a fresh one-time password
    assert (tmp_path / "var" / "secret.key").stat().st_mode & 0o077 == 0


def test_db_upgrade_and_search_reindex(deployment):
    assert run("db", "upgrade", *deployment).exit_code == 0
    run("init", *deployment)
    result = run("search", "reindex", *deployment)
    assert result.exit_code == 0 and "已索引 45 条" in result.output  # 34 columns and 11 demo items


def test_plugins_list_shows_each_builtin_plugin_and_its_state(deployment):
    lines = run("plugins", "list", *deployment).output.splitlines()
    states = {line.split()[0]: "已启用" in line for line in lines}
    for name in BUILTIN_PLUGINS:
        assert states[name] is True


def test_errors_are_bilingual_and_exit_non_zero(tmp_path):
    missing = run("init", str(tmp_path / "nowhere"))
    assert missing.exit_code != 0 and "部署目录不存在" in missing.output and "deployment folder not found" in missing.output
    broken = tmp_path / "broken"
    shutil.copytree(EXAMPLE, broken, ignore=shutil.ignore_patterns("var"))
    (broken / "county.toml").write_text('[county]\nname = "丙县"\n[plugins]\nenabled = ["nope"]\n', encoding="utf-8")
    result = run("db", "upgrade", str(broken), "--var", str(tmp_path / "var"))
    assert result.exit_code != 0 and "未安装的插件：nope" in result.output and "not installed" in result.output


def test_worker_refuses_an_uninitialised_database_and_an_in_process_deployment(deployment):
    result = run("worker", *deployment, "--config", "development.ini")
    assert result.exit_code != 0 and "govcore init" in result.output
    run("init", *deployment)
    result = run("worker", *deployment, "--config", "development.ini")
    assert result.exit_code != 0 and "worker" in result.output
