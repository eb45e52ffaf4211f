"""The content plugin's web side: navigation, the home page block, column pages."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from pyramid.renderers import render

from govcore.contributions import NavItem
from govcore.core_plugin import PORTAL_VIEW
from plugins.content.domain import COLUMN_KINDS, ColumnNode, ColumnRepository, build_tree, path_to
from plugins.content.plugin import COLUMNS_VIEW

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
    config.add_route("content.column", "/column/{slug}")
    config.add_route("content.admin_columns", "/admin/content/columns")
    config.add_view(column_page, route_name="content.column", renderer=T + "column.pt", permission=PORTAL_VIEW)
    config.add_view(admin_columns, route_name="content.admin_columns", renderer=T + "admin_columns.pt",
                    permission=COLUMNS_VIEW)
    config.include("plugins.content.api")


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


def column_page(request):
    tree: ColumnTree = request.content_columns
    node = tree.by_slug.get(request.matchdict["slug"])
    if node is None or any(n.hidden for n in path_to(node.id, tree.by_id)):
        raise HTTPNotFound()
    request.breadcrumbs.extend((n.title, column_url(request, n)) for n in path_to(node.id, tree.by_id))
    return {
        "column": node,
        "children": [child for child in node.children if not child.hidden],
        "column_url": column_url,
    }


def admin_columns(request):
    return {"roots": request.content_columns.roots, "column_url": column_url, "kinds": COLUMN_KINDS}
