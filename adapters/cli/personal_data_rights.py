"""``govcore personal-data expire``: the retention job, run by hand (or previewed with --dry-run)."""

from __future__ import annotations

import click

from adapters.cli.options import deployment_options
from adapters.cli.personal_data import command_login


@click.command("expire")
@deployment_options()
@click.option("--dry-run", is_flag=True,
              help="只统计将被匿名化的记录，不做任何改动 / count what would be anonymised, change nothing")
def expire(settings, dry_run: bool) -> None:
    """匿名化超过保存期限的个人信息（与每日定时任务相同）/ anonymise personal data past its retention period."""
    from adapters.bootstrap import build_platform, require_current_schema
    from adapters.personal_data.retention_job import expire_all, preview_expiry, record_expiry

    platform = build_platform(settings)
    require_current_schema(platform)
    with platform.unit_of_work() as uow:
        if dry_run:
            done = preview_expiry(platform, uow)
        else:
            done = expire_all(platform, uow)
            record_expiry(platform, uow, done, actor_login=command_login())
    verb = "将匿名化 / would anonymise" if dry_run else "已匿名化 / anonymised"
    for expiry in done:
        click.echo(f"{expiry.rule.kind.title} ({expiry.rule.kind.name}): 保存 {expiry.rule.days} 天 / days, "
                   f"{expiry.cutoff.isoformat()} 之前结束 / ended before: {verb} {expiry.count}")
    total = sum(expiry.count for expiry in done)
    click.echo(f"{'预演，未做改动 / dry run, nothing changed' if dry_run else '完成 / done'}: {total}")
