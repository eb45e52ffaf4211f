"""The content plugin's web side: the column tree of a request, navigation, the home page block.

The staff pages for the column tree are in :mod:`plugins.content.views.columns_admin`.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.renderers import render

from govcore.contributions import NavItem
from govcore.core_plugin import PORTAL_VIEW
from plugins.content.domain import ColumnNode, ColumnRepository, build_tree, path_to

T = "plugins.content:templates/"


class ColumnTree:
    """All columns, loaded with one query per request and linked into a tree."""

    def __init__(self, nodes: list[ColumnNode]):
        self.by_id = {node.id: node for node in nodes}
        self.by_slug = {node.slug: node for node in nodes}
        self.roots = build_tree(nodes)

    def visible_roots(self) -> list[ColumnNode]:
        return [node for node in self.roots if not node.hidden]


def includeme(config: Configurator) -> None:
    config.add_request_method(
        lambda r: ColumnTree(r.uow.repository(ColumnRepository).all_nodes()), "content_columns", reify=True
    )
    config.add_request_method(_navigation, "content_navigation", reify=True)
    # One static view for the plugin's scripts, styles and the vendored editor.
    config.add_static_view("static-content", "plugins.content:static/", cache_max_age=86400, permission=PORTAL_VIEW)
    config.include("plugins.content.api")
    config.include("plugins.content.views.feeds")
    config.include("plugins.content.views.columns_admin")
    config.include("plugins.content.views.topics")
    config.include("plugins.content.views.portal_pages")
    config.include("plugins.content.views.items_list")
    config.include("plugins.content.views.revisions")
    config.include("plugins.content.views.staff_search")
    config.include("plugins.content.views.items_edit")
    config.include("plugins.content.views.uploads")
    config.include("plugins.content.views.catalogue")


def column_url(request, node: ColumnNode) -> str:
    return request.route_path("content.column", slug=node.slug)


def _navigation(request) -> list[NavItem]:
    return [
        NavItem(
            node.title,
            column_url(request, node),
            tuple(NavItem(child.title, column_url(request, child)) for child in node.children if not child.hidden),
        )
        for node in request.content_columns.visible_roots()
    ]


def render_columns_block(request) -> str:
    return render(T + "columns_block.pt", {"roots": request.content_columns.visible_roots(),
                                           "column_url": column_url}, request=request)


def render_columns_widget(request) -> str:
    tree: ColumnTree = request.content_columns
    return render(T + "columns_widget.pt", {
        "top": len(tree.roots),
        "total": len(tree.by_id),
        "hidden": sum(1 for node in tree.by_id.values() if node.hidden),
    }, request=request)


def _chain(tree: ColumnTree, node: ColumnNode) -> list[int]:
    return [n.id for n in path_to(node.id, tree.by_id)]
