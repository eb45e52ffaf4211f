"""``govcore backup`` and ``govcore restore`` (registered on the ``govcore`` group by adapters/cli/main.py)."""

from __future__ import annotations

import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from adapters.cli.options import _fail, deployment_options
from govcore.audit import FAILURE, SUCCESS
from govcore.errors import GovcoreError

log = logging.getLogger(__name__)


@click.command()
@deployment_options()
@click.option("--to", "directory", type=click.Path(file_okay=False),
              help="在此目录中新建备份（默认 govcore.backup.dir，即 var/backups）/ "
                   "folder to write the backup into (default: govcore.backup.dir)")
@click.option("--include-keys", is_flag=True,
              help="连同 var 目录中的 secret.key 和 personal-data.keys 一起备份：仅用于开发和演示，"
                   "生产环境的密钥应与备份分开保管 / also copy the var folder's secret.key and "
                   "personal-data.keys: for development and demonstrations only; keep production keys apart "
                   "from the backups")
def backup(settings, directory: str | None, include_keys: bool) -> None:
    """备份数据库、附件和配置文件，附校验清单 / write a consistent backup with a manifest of checksums.

    The database is snapshotted first (SQLite online backup; PostgreSQL pg_dump, which must be
    installed), then the blobs and the deployment's ini files, county.toml and template overrides.
    The site keeps running meanwhile.
    """
    from adapters.backup.create import create_backup
    from adapters.backup.schedule import BackupSettings, audit_backup
    from adapters.backup.widget import size_label
    from adapters.bootstrap import build_platform

    platform = build_platform(settings)
    target = Path(directory) if directory else BackupSettings.of(platform).directory
    config_name = click.get_current_context().params["config_name"]
    try:
        result = create_backup(platform, target, include_keys=include_keys, config_name=config_name)
    except (GovcoreError, OSError) as exc:
        try:
            audit_backup(platform, FAILURE, "", {"trigger": "command", "directory": str(target),
                                                 "error": getattr(exc, "message_en", str(exc))})
        except Exception:  # noqa: BLE001 - the database may be the reason the backup failed
            log.exception("could not write the failed backup to the audit trail")
        if isinstance(exc, GovcoreError):
            raise
        raise _fail(f"备份失败：{exc}", f"backup failed: {exc}") from exc
    manifest = result.manifest
    audit_backup(platform, SUCCESS, result.folder.name, {"trigger": "command", "directory": str(target),
                                                         "bytes": manifest.total_bytes, "blobs": manifest.blob_count})
    database_bytes = next(entry.size for entry in manifest.files if entry.path == manifest.database_file)
    click.echo(f"备份完成 / backup written: {result.folder}")
    click.echo(f"  数据库 / database: {manifest.database_kind}, {size_label(database_bytes)}")
    click.echo(f"  附件 / blobs: {manifest.blob_count} 个, {size_label(manifest.blob_bytes)}")
    click.echo(f"  合计 / total: {size_label(manifest.total_bytes)}")
    ids = ", ".join(manifest.key_ids) or "-"
    if include_keys:
        click.echo(f"  密钥已包含在备份中（仅限开发和演示）/ keys included (development only): {ids}")
    elif manifest.key_ids:
        click.echo(f"  密钥未包含：恢复时须提供个人信息密钥 {ids} / keys not included: restoring needs key ids {ids}")


@click.command()
@click.argument("backup_folder", type=click.Path(file_okay=False))
@click.option("--into", required=True, type=click.Path(file_okay=False),
              help="新的部署目录，须不存在或为空 / new deployment folder; must not exist or be empty")
@click.option("--database", help="恢复到的空数据库 URL（默认按配置文件）/ URL of the empty database to restore into")
@click.option("--var", help="新的 var 目录，须不存在或为空 / new var folder; must not exist or be empty")
@click.option("--config", "config_name",
              help="恢复后使用的 ini 文件（默认与备份时相同）/ the ini file to use (default: the backup's)")
def restore(backup_folder: str, into: str, database: str | None, var: str | None, config_name: str | None) -> None:
    """从备份重建站点：先校验，再恢复配置、数据库和附件，升级数据库结构并重建检索索引 / rebuild a site from a backup.

    Every checksum is verified before anything is written; the target folder and database must be
    empty. --database and --var are written into the restored ini file (never a password).
    """
    from adapters.backup.restore import restore_backup
    from adapters.backup.widget import size_label

    try:
        summary = restore_backup(Path(backup_folder), Path(into), database=database, var=var,
                                 config_name=config_name, report=lambda line: click.echo(f"  {line}"))
    except GovcoreError as exc:
        raise _fail(exc.message_zh, exc.message_en) from exc
    except OSError as exc:
        raise _fail(f"恢复失败，已写入的文件已删除：{exc}", f"restore failed; what it wrote was removed: {exc}") from exc
    manifest = summary.manifest
    made = manifest.created_at.astimezone(ZoneInfo(manifest.timezone)).strftime("%Y-%m-%d %H:%M:%S")
    click.echo("")
    click.echo(f"恢复完成 / restored: {manifest.county}, 备份于 / backed up at {made} ({manifest.timezone}), "
               f"govcore {manifest.govcore_version}")
    click.echo(f"  部署目录 / deployment: {summary.deployment_dir}  ({summary.config})")
    click.echo(f"  var 目录 / var folder: {summary.var_dir}")
    click.echo(f"  数据库 / database: {summary.database}")
    click.echo(f"  附件 / blobs: {summary.blobs} 个, {size_label(summary.blob_bytes)}")
    heads = "; ".join(f"{branch} {', '.join(revisions) or '-'}" for branch, revisions in summary.heads.items())
    click.echo(f"  数据库结构 / schema: {heads}")
    click.echo(f"  全文检索 / search: 已索引 {summary.documents} 条 / {summary.documents} documents indexed")
    if summary.pinned:
        click.echo(f"  已写入 {summary.config} / written into {summary.config}: {', '.join(summary.pinned)}")
    if summary.password_left_out:
        click.echo("  数据库密码未写入配置文件，请通过 GOVCORE_DATABASE_URL 或 PGPASSWORD 提供 / "
                   "the database password was not written into the ini file: give it in GOVCORE_DATABASE_URL "
                   "or PGPASSWORD")
    if summary.missing_blobs:
        click.echo(f"警告：{len(summary.missing_blobs)} 个被记录引用的附件不在备份中 / warning: "
                   f"{len(summary.missing_blobs)} referenced blobs are not in the backup: "
                   f"{', '.join(summary.missing_blobs[:10])}", err=True)
    click.echo(f"启动 / start: govcore serve {summary.deployment_dir} --config {summary.config}")
