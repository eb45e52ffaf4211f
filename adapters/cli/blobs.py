"""``govcore blobs sweep`` and ``govcore blobs check``: orphaned and missing files of the blob store."""

from __future__ import annotations

import datetime as dt

import click

from adapters.cli.options import deployment_options


@click.group()
def blobs() -> None:
    """附件存储维护 / blob store maintenance."""


def _platform(settings):
    from adapters.bootstrap import build_platform, require_current_schema

    platform = build_platform(settings)
    require_current_schema(platform)
    return platform


def _echo_missing(missing: dict[str, list[str]]) -> None:
    for plugin, keys in missing.items():
        for key in keys:
            click.echo(f"  缺失 missing  {plugin}  {key}")


@blobs.command("sweep")
@deployment_options()
@click.option("--grace-hours", type=click.FloatRange(min=0), default=24, show_default=True,
              help="只删除早于此时长写入的文件；0 仅可在网站停止时使用 / only files older than this; "
                   "0 only while the site is stopped")
@click.option("--dry-run", is_flag=True, help="只报告，不删除 / report without deleting")
def blobs_sweep(settings, grace_hours: float, dry_run: bool) -> None:
    """删除无记录引用的附件文件和中断写入留下的临时文件 / delete orphaned blobs and stale temporary files."""
    from adapters.blobs.sweep import audit_sweep, sweep

    platform = _platform(settings)
    with platform.unit_of_work() as uow:
        report = sweep(platform, uow, grace=dt.timedelta(hours=grace_hours), dry_run=dry_run)
        if not dry_run:
            audit_sweep(platform, uow, report, "cli")
    verb = "可删除 would sweep" if dry_run else "已删除 swept"
    click.echo(f"附件 {report.stored} 个，被引用 {report.referenced} 个 / {report.stored} stored, "
               f"{report.referenced} referenced")
    click.echo(f"无引用文件{verb} {len(report.swept)}，未过宽限期保留 kept (younger than {grace_hours:g} h) "
               f"{report.young}，临时文件{verb} {report.temporaries}")
    if report.missing:
        _echo_missing(report.missing)
        click.echo(f"警告：{report.missing_count} 个被引用的附件文件缺失，请运行 govcore blobs check 并从备份恢复 / "
                   f"warning: {report.missing_count} referenced blobs are missing", err=True)


@blobs.command("check")
@deployment_options()
def blobs_check(settings) -> None:
    """检查每个被引用的附件文件都存在；缺失时以非零状态退出 / check that every referenced blob exists."""
    from adapters.blobs.sweep import take_census

    platform = _platform(settings)
    with platform.unit_of_work() as uow:
        census = take_census(platform, uow)
    missing = census.missing()
    click.echo(f"附件 {len(census.stored)} 个，被引用 {len(census.referenced)} 个，无引用 {len(census.orphans)} 个 / "
               f"{len(census.stored)} stored, {len(census.referenced)} referenced, {len(census.orphans)} orphaned")
    if missing:
        _echo_missing(missing)
        count = sum(len(keys) for keys in missing.values())
        raise click.ClickException(f"{count} 个被引用的附件文件缺失，请从备份恢复\n"
                                   f"{count} referenced blobs are missing; restore them from a backup")
    click.echo("每个被引用的附件文件都在 / every referenced blob is present")
