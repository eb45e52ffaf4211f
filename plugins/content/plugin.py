"""信息发布：栏目、信息与门户网站

Columns (信息分类) form the portal's navigation and home page; items, topics, review and
archiving build on them.
"""

from __future__ import annotations

from pathlib import Path

from govcore import hookimpl
from govcore.contributions import DashboardWidget, MenuEntry, Permission, PortalBlock, RoleTemplate
from govcore.core_plugin import SYSTEM_ADMIN_ROLE
from ports.search import SearchDocument

COLUMNS_VIEW = "content.columns.view"


@hookimpl
def govcore_register_permissions():
    return [Permission(COLUMNS_VIEW, "查看栏目结构")]


@hookimpl
def govcore_register_roles():
    # The column tree is site configuration, which the system administrator looks after.
    return [RoleTemplate(SYSTEM_ADMIN_ROLE, "系统管理员", (COLUMNS_VIEW,))]


@hookimpl
def govcore_migration_locations():
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def govcore_register_repositories():
    from plugins.content.domain import ColumnRepository
    from plugins.content.orm import SqlColumnRepository

    return {ColumnRepository: SqlColumnRepository}


@hookimpl
def govcore_register_api():
    from plugins.content.api import api_fragment

    return api_fragment()


@hookimpl
def govcore_configure_web(config):
    config.include("plugins.content.web")


@hookimpl
def govcore_admin_menu():
    return [MenuEntry("栏目结构", "content.admin_columns", COLUMNS_VIEW, section="信息发布", order=10)]


@hookimpl
def govcore_register_portal_blocks():
    from plugins.content.web import render_columns_block

    return [PortalBlock("content.columns", "栏目导航", render_columns_block, order=50, width="full")]


@hookimpl
def govcore_dashboard_widgets():
    from plugins.content.web import render_columns_widget

    return [DashboardWidget("content.columns", "栏目概况", render_columns_widget, COLUMNS_VIEW, order=20)]


@hookimpl
def govcore_navigation(request):
    return request.content_navigation


@hookimpl
def govcore_seed(context):
    from plugins.content.domain import ColumnRepository, ensure_columns, parse_outline

    outline = context.county.plugin_settings("content").get("columns", "")
    created = ensure_columns(context.uow.repository(ColumnRepository), parse_outline(outline))
    context.report(f"栏目：新建 {created} 个")


@hookimpl
def govcore_search_documents(uow):
    from plugins.content.domain import ColumnRepository

    for node in uow.repository(ColumnRepository).all_nodes():
        if not node.hidden:
            yield SearchDocument(
                doc_id=f"content:column:{node.id}",
                kind="column",
                title=node.title,
                body=node.title,
                url=f"/column/{node.slug}",
            )
