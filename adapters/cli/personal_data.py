"""``govcore personal-data``: the keys that encrypt personal data at rest.

The group is ``personal_data_group``; adapters/cli/main.py registers it on ``govcore`` and adds
the commands of other modules (``expire``) to it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections import Counter

import click
import sqlalchemy as sa

from adapters.cli.options import _fail, deployment_options
from adapters.security.personal_cipher import KEYS_ENV, KEYS_FILE, UndecryptableValue, new_key
from govcore.audit import operating_system_account

ROTATE_ACTION = "personal_data.rotate_keys"
# Mapped classes live in these modules; a plugin's (or adapter's) in the ``orm`` module of its package.
CORE_MODELS = ("adapters.db.orm", "adapters.db.workflow_orm")


@click.group("personal-data")
def personal_data_group() -> None:
    """个人信息保护：加密密钥 / personal data protection: the encryption keys."""


@personal_data_group.command("new-key")
def new_key_command() -> None:
    """生成一个新的加密密钥并说明轮换步骤 / print a fresh key and the rotation procedure."""
    click.echo(new_key())
    click.echo(f"""
轮换步骤 / rotation procedure:
  1. 把新密钥放在 {KEYS_ENV} 的最前面，旧密钥保留在后面（逗号分隔），在每个网站进程和 worker 上设置后重启；
     开发环境则把新密钥写在 var/{KEYS_FILE} 的第一行。
     Put the new key first in {KEYS_ENV}, keeping the old ones after it (comma-separated), on every web
     worker and the worker, and restart them; in development, make it the first line of var/{KEYS_FILE}.
  2. govcore personal-data rotate-keys DEPLOYMENT  用新密钥重新加密全部个人信息 / re-encrypt with the new key.
  3. govcore personal-data status DEPLOYMENT  确认旧密钥已不再解密任何数据 / check the old key decrypts nothing.
  4. 从 {KEYS_ENV} 中删除旧密钥并重启；备份中的数据仍需旧密钥，请按备份保留期限妥善保管。
     Drop the old key from {KEYS_ENV} and restart; backups taken before still need it, so keep it as
     long as they are kept.""")


@personal_data_group.command("status")
@deployment_options()
def status(settings) -> None:
    """各密钥解密的数据条数 / how many stored values each key decrypts."""
    platform, targets = _open(settings)
    keyring = platform.extras["personal_keys"]
    click.echo("密钥 / keys:")
    for index, kid in enumerate(keyring.key_ids):
        click.echo(f"  {kid}{'  当前 / current' if index == 0 else ''}")
    from adapters.db.personal_columns import key_census

    totals: Counter = Counter()
    for target in targets:
        for column, counts in key_census(platform.extras["engine"], keyring, target).items():
            totals.update(counts)
            click.echo(f"{target.table}.{column}: {_counts(keyring.key_ids, counts)}")
    click.echo(f"合计 / total: {_counts(keyring.key_ids, totals)}")
    if totals[None]:
        raise _fail(f"有 {totals[None]} 个值任何现有密钥都无法解密：加密它们的密钥不在 {KEYS_ENV} 中，或数据被改动过",
                    f"{totals[None]} values cannot be decrypted by any configured key")


def _counts(key_ids, counts: Counter) -> str:
    parts = [f"{kid}: {counts[kid]}" for kid in key_ids]
    if counts[None]:
        parts.append(f"无法解密 / undecryptable: {counts[None]}")
    return ", ".join(parts)


@personal_data_group.command("rotate-keys")
@deployment_options()
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000),
              help="每个事务重新加密的行数 / rows re-encrypted per transaction")
def rotate_keys(settings, batch_size: int) -> None:
    """用当前密钥重新加密全部个人信息 / re-encrypt every stored personal value with the current key."""
    from adapters.db.personal_columns import rotate_table

    platform, targets = _open(settings)
    keyring, engine = platform.extras["personal_keys"], platform.extras["engine"]
    click.echo(f"当前密钥 / current key: {keyring.current_key_id}")
    done, failure = [], None
    try:
        for target in targets:
            rotation = rotate_table(engine, keyring, target, batch_size)
            done.append(rotation)
            click.echo(f"{target.table}: 重新加密 / re-encrypted {rotation.rotated}, 已是当前密钥 / already current "
                       f"{rotation.already_current}, 期间被修改而跳过 / changed meanwhile {rotation.conflicts}")
    except UndecryptableValue as exc:
        failure = exc
    _audit(platform, keyring, done, failure)
    if failure is not None:
        raise _fail(failure.message_zh, failure.message_en)
    total = sum(rotation.rotated for rotation in done)
    click.echo(f"完成：共重新加密 {total} 个值 / done: {total} values re-encrypted")


def _open(settings):
    """The platform, and every encrypted column of the tables its database has."""
    from adapters.bootstrap import build_platform, require_current_schema
    from adapters.db.personal_columns import mapped_encrypted_columns

    platform = build_platform(settings)
    require_current_schema(platform)
    _import_models(platform)
    present = set(sa.inspect(platform.extras["engine"]).get_table_names())
    return platform, [target for target in mapped_encrypted_columns() if target.table in present]


def _import_models(platform) -> None:
    """Load the mapped classes of the core and of every registered plugin, so the metadata knows their tables."""
    names = list(CORE_MODELS)
    for module in platform.plugins.manager.get_plugins():
        package = getattr(module, "__name__", "").rpartition(".")[0]
        if package and importlib.util.find_spec(f"{package}.orm") is not None:
            names.append(f"{package}.orm")
    for name in names:
        importlib.import_module(name)


def _audit(platform, keyring, done, failure) -> None:
    from govcore.audit import FAILURE, SUCCESS, SystemAuditor

    summary = {"current_key": keyring.current_key_id, "keys": list(keyring.key_ids),
               "rotated": {rotation.table: rotation.rotated for rotation in done},
               "conflicts": sum(rotation.conflicts for rotation in done)}
    if failure is not None:
        summary["error"] = failure.message_en
    with platform.unit_of_work() as uow:
        SystemAuditor(uow, platform.clock, command_login())(
            ROTATE_ACTION, "personal_data_keys", keyring.current_key_id, summary,
            FAILURE if failure is not None else SUCCESS)


def command_login() -> str:
    """The audit trail's actor for a command run on the server: its operating-system account."""
    return f"cli:{operating_system_account()}"


