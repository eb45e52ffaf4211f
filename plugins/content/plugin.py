"""信息发布：栏目、信息与门户网站

Columns (信息分类) form the portal's navigation and home page; items, topics, review and
archiving build on them.
"""

from __future__ import annotations

from pathlib import Path

from govcore import hookimpl
from govcore.contributions import DashboardWidget, MenuEntry, Permission, PortalBlock, RoleTemplate, ScopeType
from govcore.core_plugin import ADMIN_ACCESS, SYSTEM_ADMIN_ROLE
from ports.search import SearchDocument

COLUMNS_VIEW = "content.columns.view"
COLUMNS_EDIT = "content.columns.edit"
COLUMN_SCOPE = "column"

# The default review chain 编辑 → 责任编辑 → 主编 → 总编; each role may be limited to a column subtree.
EDITOR_ROLES = (
    ("editor", "编辑"),
    ("responsible_editor", "责任编辑"),
    ("chief_editor", "主编"),
    ("editor_in_chief", "总编"),
)


@hookimpl
def govcore_register_permissions():
    return [
        Permission(COLUMNS_VIEW, "查看栏目结构"),
        Permission(COLUMNS_EDIT, "编辑栏目", "修改栏目名称、说明与显示状态"),
    ]


@hookimpl
def govcore_register_roles():
    # The column tree is site configuration, which the system administrator looks after.
    roles = [RoleTemplate(SYSTEM_ADMIN_ROLE, "系统管理员", (COLUMNS_VIEW, COLUMNS_EDIT))]
    roles += [RoleTemplate(name, title, (ADMIN_ACCESS, COLUMNS_VIEW, COLUMNS_EDIT)) for name, title in EDITOR_ROLES]
    return roles


def _column_ancestors(uow, column_id: int) -> list[int]:
    from plugins.content.domain import ColumnRepository, path_to

    nodes = {node.id: node for node in uow.repository(ColumnRepository).all_nodes()}
    return [node.id for node in reversed(path_to(column_id, nodes))]


def _column_options(uow) -> list[tuple[int, str]]:
    from plugins.content.domain import ColumnRepository, path_to

    nodes = {node.id: node for node in uow.repository(ColumnRepository).all_nodes()}
    paths = {node_id: " / ".join(n.title for n in path_to(node_id, nodes)) for node_id in nodes}
    return sorted(paths.items(), key=lambda pair: pair[1])


@hookimpl
def govcore_register_scope_types():
    return [ScopeType(COLUMN_SCOPE, "栏目", _column_ancestors, _column_options)]


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


@hookimpl
def govcore_register_workflows():
    from plugins.content.workflows import DEFAULT_WORKFLOWS

    return DEFAULT_WORKFLOWS
