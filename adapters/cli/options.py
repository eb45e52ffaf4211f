"""What every ``govcore`` command shares: the deployment folder argument, its settings, failures."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import click
import plaster

from govcore.errors import GovcoreError

DEPLOYMENT_ENV = "GOVCORE_DEPLOYMENT"


def _fail(zh: str, en: str) -> click.ClickException:
    return click.ClickException(f"{zh}\n{en}")


def load_settings(deployment: str, config_name: str, database: str | None, var: str | None) -> dict[str, Any]:
    folder = Path(deployment)
    if not folder.is_dir():
        raise _fail(f"部署目录不存在：{folder}", f"deployment folder not found: {folder}")
    ini = folder / config_name
    if not ini.is_file():
        raise _fail(f"找不到配置文件：{ini}", f"configuration file not found: {ini}")
    settings = dict(plaster.get_settings(str(ini.resolve()), "app:main"))
    settings.setdefault("govcore.deployment", str(folder.resolve()))
    if database:
        settings["govcore.database_url"] = database  # wins over the ini file and the environment
    if var:
        settings["govcore.var_dir"] = str(Path(var).resolve())
    return settings


def deployment_options(default_config: str = "development.ini") -> Callable:
    """The options every command shares: the deployment folder, its ini file, and overrides."""

    def decorate(command: Callable) -> Callable:
        @click.argument("deployment", envvar=DEPLOYMENT_ENV, type=click.Path(file_okay=False))
        @click.option("--config", "config_name", default=default_config, show_default=True,
                      help="部署目录中的 ini 文件 / ini file inside the deployment folder")
        @click.option("--database", help="数据库 URL，覆盖配置 / database URL overriding the settings")
        @click.option("--var", help="索引、附件和邮件目录 / folder for the index, blobs and mail")
        @functools.wraps(command)
        def wrapper(deployment, config_name, database, var, **kwargs):
            try:
                settings = load_settings(deployment, config_name, database, var)
                return command(settings=settings, **kwargs)
            except GovcoreError as exc:
                raise _fail(exc.message_zh, exc.message_en) from exc

        return wrapper

    return decorate
