"""``govcore``: set up, run and maintain a county's deployment.

Every command takes the deployment folder (or ``$GOVCORE_DEPLOYMENT``), reads its ini file and
county.toml through the same composition root as the web app, and exits non-zero on failure with
the reason in Chinese and English.
"""

from __future__ import annotations

import logging
import sys

import click

from adapters.cli.backup import backup, restore
from adapters.cli.blobs import blobs
from adapters.cli.integrity import integrity
from adapters.cli.options import _fail, deployment_options
from adapters.cli.personal_data import personal_data_group
from adapters.cli.personal_data_rights import expire

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="输出调试日志 / debug logging")
def cli(verbose: bool) -> None:
    """govcore 县级政务平台命令行 / the govcore command line."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not verbose:
        # The CLI reports migrations itself; alembic's own lines are noise there.
        logging.getLogger("alembic").setLevel(logging.WARNING)


@cli.command()
@deployment_options()
@click.option("--no-demo", is_flag=True, help="即使 county.toml 开启演示数据也不创建 / skip demo data")
def init(settings, no_demo: bool) -> None:
    """创建并升级数据库、写入默认数据、创建管理员账户 / create the database, seed it, create the administrator."""
    from adapters.cli.setup import initialise

    initialise(settings, demo=None if not no_demo else False, echo=click.echo)


@cli.command()
@deployment_options()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=6543, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(settings, host: str, port: int, threads: int) -> None:
    """启动网站 / serve the site with waitress."""
    import waitress

    from adapters.bootstrap import build_platform
    from adapters.web.app import make_app

    app = make_app(build_platform(settings))
    click.echo(f"govcore 已启动 / serving on http://{host}:{port}  (Ctrl+C 停止 / to stop)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="govcore")


@cli.command()
@deployment_options(default_config="production.ini")
def worker(settings) -> None:
    """运行定时任务进程 / run the scheduled-job worker (timers survive restarts)."""
    from adapters.bootstrap import build_platform, require_current_schema
    from adapters.calendar.overrides import load_overrides
    from adapters.scheduler.worker import run_worker

    platform = build_platform(settings)
    require_current_schema(platform)
    load_overrides(platform)
    run_worker(platform)


@cli.group()
def db() -> None:
    """数据库维护 / database maintenance."""


@db.command("upgrade")
@deployment_options()
def db_upgrade(settings) -> None:
    """升级核心和所有已启用插件的数据库结构 / run every enabled branch's migrations."""
    from adapters.bootstrap import build_platform
    from adapters.db import migrate

    platform = build_platform(settings)
    migrate.upgrade(platform.extras["engine"], platform.plugins.migration_locations, report=click.echo)
    click.echo("数据库已是最新 / database is up to date")


@cli.group()
def search() -> None:
    """全文检索维护 / search index maintenance."""


@search.command("reindex")
@deployment_options()
def search_reindex(settings) -> None:
    """重建全文检索索引 / rebuild the search index from every enabled plugin's documents."""
    from adapters.bootstrap import build_platform
    from adapters.search.reindex import reindex

    count = reindex(build_platform(settings), progress_bar=True)
    click.echo(f"已索引 {count} 条 / indexed {count} documents")


@cli.group()
def plugins() -> None:
    """插件 / plugins."""


@plugins.command("list")
@deployment_options()
def plugins_list(settings) -> None:
    """列出已安装的插件及本部署是否启用 / list installed plugins and whether this deployment enables them."""
    from govcore.county import load_county
    from govcore.plugins import describe_plugins

    county = load_county(settings["govcore.deployment"])
    rows = describe_plugins(county.enabled_plugins)
    width = max((len(info.name) for info in rows), default=4)
    for info in rows:
        state = "已启用 enabled " if info.enabled else "未启用 disabled"
        click.echo(f"{info.name.ljust(width)}  {state}  {info.distribution} {info.version}  {info.title}")
    unknown = [name for name in county.enabled_plugins if name not in {info.name for info in rows}]
    if unknown:
        raise _fail(f"county.toml 启用了未安装的插件：{', '.join(unknown)}",
                    f"county.toml enables plugins that are not installed: {', '.join(unknown)}")


@cli.group()
def audit() -> None:
    """审计日志 / audit trail."""


@audit.command("verify")
@deployment_options()
def audit_verify(settings) -> None:
    """校验审计日志的哈希链，报告第一条被改动或删除的记录 / verify the audit trail's hash chain."""
    from adapters.bootstrap import build_platform, require_current_schema
    from adapters.db.orm import AuditHead
    from govcore.audit import GENESIS_HASH, AuditLog, first_broken_link

    platform = build_platform(settings)
    require_current_schema(platform)
    with platform.unit_of_work() as uow:
        # The head is read first, so records appended during the walk lie beyond it and are no alarm.
        head = uow.session.get(AuditHead, 1)
        if head is None:
            raise _fail("审计日志的链头记录缺失，审计日志已被改动", "the audit chain head is missing: the trail was tampered with")
        head_id, head_hash = head.last_id, head.last_hash
        count, last_id, hash_at_head = 0, 0, None

        def walk():
            nonlocal count, last_id, hash_at_head
            for record in uow.repository(AuditLog).chain():
                count, last_id = count + 1, record.id
                if record.id == head_id:
                    hash_at_head = record.hash
                yield record

        broken = first_broken_link(walk())
    if broken is not None:
        raise _fail(f"审计日志在第 {broken} 条记录处断裂：该条记录或它之前的记录被改动、插入或删除",
                    f"audit trail broken at record {broken}: it or a record before it was altered, inserted or deleted")
    if head_hash != (hash_at_head if head_id else GENESIS_HASH):
        raise _fail(f"审计日志末尾的记录被删除或链头被改动：链头指向第 {head_id} 条，现存最后一条是第 {last_id} 条",
                    f"the end of the audit trail was deleted or its head altered: the head points at record "
                    f"{head_id}, the last remaining record is {last_id}")
    click.echo(f"审计日志完整：共 {count} 条 / audit trail intact: {count} records")


personal_data_group.add_command(expire)
for command in (backup, restore, blobs, integrity, personal_data_group):
    cli.add_command(command)
