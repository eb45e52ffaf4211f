"""``govcore init``: one step from an empty folder to a working county site."""

from __future__ import annotations

import unicodedata
from typing import Any, Callable


from adapters.bootstrap import build_platform
from adapters.db import migrate
from adapters.db.accounts import (
    ensure_account,
    ensure_demo_accounts,
    ensure_demo_units,
    ensure_groups,
    ensure_roles,
)
from adapters.search.reindex import reindex
from govcore.core_plugin import SYSTEM_ADMIN_ROLE
from govcore.seeding import SeedContext

ADMIN_LOGIN = "admin"


def initialise(settings: dict[str, Any], demo: bool | None, echo: Callable[[str], None]) -> list[tuple[str, str, str]]:
    """Migrate, seed and create the administrator; returns the accounts printed (title, login, password)."""
    platform = build_platform(settings)
    engine = platform.extras["engine"]
    echo(f"数据库 / database: {engine.url.render_as_string(hide_password=True)}")
    migrate.upgrade(engine, platform.plugins.migration_locations, report=lambda line: echo(f"  迁移 {line}"))

    demo = platform.county.demo if demo is None else demo
    with platform.unit_of_work() as uow:
        session = uow.session
        echo(f"  角色：新建 {ensure_roles(session, platform.plugins.roles)} 个")
        echo(f"  用户组：新建 {ensure_groups(session, platform.plugins.groups)} 个")
        hasher = platform.extras["passwords"]
        password = ensure_account(session, hasher, platform.clock, ADMIN_LOGIN, "系统管理员", [SYSTEM_ADMIN_ROLE])
        accounts = [("系统管理员", ADMIN_LOGIN, password)] if password else []
        if demo:
            # One person per built-in role (admin is the system administrator), a citizen, an enterprise.
            echo(f"  示例组织机构：新建 {ensure_demo_units(session, platform.county.name)} 个")
            accounts += ensure_demo_accounts(session, hasher, platform.clock, platform.plugins.roles)
        context = SeedContext(uow=uow, county=platform.county, demo=demo, clock=platform.clock,
                              report=lambda line: echo(f"  {line}"), platform=platform)
        platform.plugins.hook.govcore_seed(context=context)
        accounts = [account for account in accounts + context.accounts if account[2]]

    count = reindex(platform, progress_bar=False)
    echo(f"  全文检索：已索引 {count} 条")
    echo("")
    echo(f"{platform.county.full_name} 已就绪 / ready.")
    if accounts:
        echo("以下账户的一次性密码只显示这一次，首次登录后须修改 / one-time passwords, shown once:")
        title_width = max(_display_width(title) for title, _login, _secret in accounts)
        login_width = max(len(login) for _title, login, _secret in accounts)
        for title, login, secret in accounts:
            echo(f"  {_pad(title, title_width)}  用户名 {login:<{login_width}}  密码 {secret}")
    else:
        echo("所有账户均已设置过密码 / every account already has its own password.")
    return accounts


def _display_width(text: str) -> int:
    """Columns a terminal gives ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))
