"""地方特产：各乡镇特色产品的展示与登记

Staff register each township's local products (name, township, description, price note); the
portal lists them at /specialties and shows the newest on the home page; the site search finds them.

This module holds only hook implementations: govcore imports it for ``govcore plugins list`` even
where the plugin is disabled, so it stays cheap to import and the web and database modules are
imported inside the hooks that need them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from govcore import hookimpl
from govcore.contributions import ContentType, MenuEntry, NavItem, Permission, PortalBlock, RoleTemplate
from govcore.core_plugin import ADMIN_ACCESS, SYSTEM_ADMIN_ROLE
from govcore_local_specialties.domain import EDIT_PERMISSION, SPECIALTY_TYPE, SpecialtyAdded, SpecialtyRepository
from govcore_local_specialties.services import (
    ensure_demo_specialties,
    refresh_search_index,
    search_document,
    search_documents,
)
from ports.scheduler import RecurringJob
from ports.search import SearchDocument

EDITOR_ROLE = "specialties_editor"


@hookimpl
def govcore_register_permissions() -> list[Permission]:
    return [Permission(EDIT_PERMISSION, "编辑地方特产", "在管理后台登记本县各乡镇的特色产品")]


@hookimpl
def govcore_register_roles() -> list[RoleTemplate]:
    # Roles with the same name are merged, so this adds the permission to the core's system
    # administrator (the demo's only account) without redefining that role. A county that keeps
    # 三员分立 strict gives the work to holders of the dedicated editor role instead.
    return [
        RoleTemplate(SYSTEM_ADMIN_ROLE, "系统管理员", (EDIT_PERMISSION,)),
        RoleTemplate(EDITOR_ROLE, "地方特产编辑", (ADMIN_ACCESS, EDIT_PERMISSION), "登记和维护本县的地方特产"),
    ]


@hookimpl
def govcore_register_content_types() -> list[ContentType]:
    return [SPECIALTY_TYPE]


@hookimpl
def govcore_migration_locations() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def govcore_register_repositories() -> dict:
    from govcore_local_specialties.orm import SqlSpecialtyRepository

    return {SpecialtyRepository: SqlSpecialtyRepository}


@hookimpl
def govcore_configure_web(config) -> None:
    config.include("govcore_local_specialties.web")


@hookimpl
def govcore_admin_menu() -> list[MenuEntry]:
    from govcore_local_specialties.web import ADMIN_ROUTE

    return [MenuEntry("地方特产", ADMIN_ROUTE, EDIT_PERMISSION, section="本县扩展", order=500)]


@hookimpl
def govcore_navigation(request) -> list[NavItem]:
    from govcore_local_specialties.web import PUBLIC_ROUTE

    return [NavItem("地方特产", request.route_path(PUBLIC_ROUTE))]


@hookimpl
def govcore_register_portal_blocks() -> list[PortalBlock]:
    from govcore_local_specialties.web import render_newest_block

    return [PortalBlock("local_specialties.newest", "地方特产", render_newest_block, order=60)]


@hookimpl
def govcore_register_jobs() -> list[RecurringJob]:
    return [
        RecurringJob(
            id="local_specialties.refresh_search_index",
            func=f"{refresh_search_index.__module__}:{refresh_search_index.__name__}",
            title="地方特产检索索引每日校准",
            cron="40 2 * * *",  # at night, when nobody is adding products
        )
    ]


@hookimpl
def govcore_seed(context) -> None:
    if context.demo:
        created = ensure_demo_specialties(context.uow)
        context.report(f"地方特产：新建演示产品 {created} 个")


@hookimpl
def govcore_search_documents(uow) -> Iterator[SearchDocument]:
    return search_documents(uow.repository(SpecialtyRepository).all())


@hookimpl
def govcore_on_event(event, platform) -> None:
    if isinstance(event, SpecialtyAdded):
        platform.search.index([search_document(event.specialty)])
