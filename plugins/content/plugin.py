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
COLUMNS_MANAGE = "content.columns.manage"  # the tree itself: add, move, copy, batch-add
ITEMS_VIEW = "content.items.view"  # the staff item lists and staff search, archived items included
ITEMS_EDIT = "content.items.edit"  # write, revise and submit items in one's columns
ITEMS_PUBLISH = "content.items.publish"  # publish without review, withdraw, archive, restore, batch operations
TOPICS_EDIT = "content.topics.edit"
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
        Permission(COLUMNS_EDIT, "编辑栏目", "修改栏目名称、说明、显示状态与栏目设置"),
        Permission(COLUMNS_MANAGE, "管理栏目结构", "新增、移动、复制、批量添加栏目"),
        Permission(ITEMS_VIEW, "查看信息", "查看后台信息列表与站内检索，含已归档信息"),
        Permission(ITEMS_EDIT, "撰写信息", "新建、修改信息并提交审核"),
        Permission(ITEMS_PUBLISH, "发布信息", "直接发布、下线、归档、恢复信息及批量操作"),
        Permission(TOPICS_EDIT, "管理专题", "新建、复制专题，向专题添加信息"),
    ]


@hookimpl
def govcore_register_roles():
    # The column tree is site configuration, which the system administrator looks after.
    roles = [RoleTemplate(SYSTEM_ADMIN_ROLE, "系统管理员", (COLUMNS_VIEW, COLUMNS_EDIT, COLUMNS_MANAGE))]
    writing = (ADMIN_ACCESS, COLUMNS_VIEW, COLUMNS_EDIT, ITEMS_VIEW, ITEMS_EDIT)
    roles += [RoleTemplate(name, title, writing + ((ITEMS_PUBLISH, TOPICS_EDIT, COLUMNS_MANAGE)
                                                   if name == "editor_in_chief" else ()))
              for name, title in EDITOR_ROLES]
    return roles


@hookimpl
def govcore_register_content_types():
    from plugins.content.items import ITEM_TYPES

    return list(ITEM_TYPES)


@hookimpl
def govcore_register_jobs():
    from ports.scheduler import RecurringJob

    return [RecurringJob("content.run_due", "plugins.content.publishing:run_due", "定时发布、下线与归档",
                         interval_seconds=60)]


@hookimpl
def govcore_on_event(event, platform):
    from govcore.workflow.service import CaseTransitioned
    from plugins.content.publishing import SUBJECT_TYPE, Publishing

    if isinstance(event, CaseTransitioned) and event.subject_type == SUBJECT_TYPE:
        with platform.unit_of_work() as uow:
            Publishing(platform, uow).follow_case(event)


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
    return [
        MenuEntry("信息管理", "content.admin_items", ITEMS_VIEW, section="信息发布", order=5),
        MenuEntry("栏目结构", "content.admin_columns", COLUMNS_VIEW, section="信息发布", order=10),
        MenuEntry("信息专题", "content.admin_topics", TOPICS_EDIT, section="信息发布", order=20),
        MenuEntry("站内检索", "content.admin_search", ITEMS_VIEW, section="信息发布", order=30),
    ]


@hookimpl
def govcore_register_portal_blocks():
    from plugins.content.views.home_blocks import portal_blocks
    from plugins.content.views.topics_public import render_topics_block
    from plugins.content.web import render_columns_block

    return [*portal_blocks(),
            PortalBlock("content.columns", "栏目导航", render_columns_block, order=50, width="full"),
            PortalBlock("content.topics", "专题专栏", render_topics_block, order=40, width="full")]


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
    if context.demo:
        from plugins.content.demo import seed_demo_items

        context.report(f"示例信息：新建 {seed_demo_items(context)} 条")


@hookimpl
def govcore_search_documents(uow):
    from plugins.content.domain import ColumnRepository, path_to
    from plugins.content.reindex import item_documents

    yield from item_documents(uow)
    nodes = {node.id: node for node in uow.repository(ColumnRepository).all_nodes()}
    for node in nodes.values():
        if not any(n.hidden for n in path_to(node.id, nodes)):  # a hidden column hides its subtree
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


@hookimpl
def govcore_blob_references(uow):
    from plugins.content.blob_references import referenced_blobs

    return referenced_blobs(uow)


@hookimpl
def govcore_register_seal_kinds():
    from plugins.content.seals import seal_kinds

    return seal_kinds()
