"""The content plugin's web side: navigation, the home page block, column pages, column editing.

Staff see and edit columns within the column subtrees their roles cover: an 编辑 limited to
政务公开 edits 政务公开 and everything beneath it, and nothing else.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.renderers import render
from sqlalchemy import select

from adapters.web.i18n import _
from adapters.web.scopes import covers, scope_factory
from govcore.contributions import NavItem
from govcore.core_plugin import PORTAL_VIEW
from plugins.content.domain import COLUMN_KINDS, ColumnNode, ColumnRepository, build_tree, path_to
from plugins.content.orm import Column
from plugins.content.plugin import COLUMN_SCOPE, COLUMNS_EDIT, COLUMNS_VIEW
from ports.search import SearchDocument

T = "plugins.content:templates/"
TITLE_MAX = 100  # the column's database field
DESCRIPTION_MAX = 1000


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
    # The context names the column, so a role limited to a column subtree is checked against it.
    config.add_route("content.admin_column_edit", "/admin/content/columns/{id:\\d+}/edit",
                     factory=scope_factory(COLUMN_SCOPE))
    config.add_view(column_page, route_name="content.column", renderer=T + "column.pt", permission=PORTAL_VIEW)
    config.add_view(admin_columns, route_name="content.admin_columns", renderer=T + "admin_columns.pt",
                    permission=COLUMNS_VIEW)
    config.add_view(column_form, route_name="content.admin_column_edit", request_method="GET",
                    renderer=T + "admin_column_edit.pt", permission=COLUMNS_EDIT)
    config.add_view(column_save, route_name="content.admin_column_edit", request_method="POST",
                    renderer=T + "admin_column_edit.pt", permission=COLUMNS_EDIT)
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


def _chain(tree: ColumnTree, node: ColumnNode) -> list[int]:
    return [n.id for n in path_to(node.id, tree.by_id)]


def admin_columns(request):
    """The column tree, cut down to the subtrees the user may view, with edit links where allowed.

    A scoped user's subtrees appear as roots, each labelled with its path from the top.
    """
    tree: ColumnTree = request.content_columns
    visible = {node.id for node in tree.by_id.values()
               if covers(request, COLUMNS_VIEW, COLUMN_SCOPE, _chain(tree, node))}
    editable = {node.id for node in tree.by_id.values()
                if covers(request, COLUMNS_EDIT, COLUMN_SCOPE, _chain(tree, node))}
    roots: list[ColumnNode] = []

    def walk(nodes: list[ColumnNode]) -> None:
        # Visibility is inherited downwards, so the first visible column on a branch heads a subtree.
        for node in nodes:
            if node.id in visible:
                roots.append(node)
            else:
                walk(node.children)

    walk(tree.roots)
    return {
        "roots": roots,
        "paths": {node.id: " / ".join(n.title for n in path_to(node.id, tree.by_id)[:-1]) for node in roots},
        "editable": editable,
        "column_url": column_url,
        "kinds": COLUMN_KINDS,
    }


def _column(request) -> Column:
    column = request.dbsession.get(Column, int(request.matchdict["id"]))
    if column is None:
        raise HTTPNotFound()
    return column


def _form(request, column: Column, values: dict, errors: dict) -> dict:
    tree: ColumnTree = request.content_columns
    return {
        "column": column,
        "path": [n.title for n in path_to(column.id, tree.by_id)],
        "values": values,
        "errors": errors,
        "title_max": TITLE_MAX,
        "description_max": DESCRIPTION_MAX,
        "column_url": request.route_path("content.column", slug=column.slug),
    }


def column_form(request):
    column = _column(request)
    values = {"title": column.title, "description": column.description or "", "hidden": column.hidden}
    return _form(request, column, values, {})


def _validate(request, column: Column, values: dict) -> dict:
    errors = {}
    title = values["title"]
    if not title:
        errors["title"] = _("请填写栏目名称")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("栏目名称不能超过 ${max} 个字符", mapping={"max": TITLE_MAX})
    else:
        siblings = select(Column.id).where(
            Column.parent_id.is_(None) if column.parent_id is None else Column.parent_id == column.parent_id,
            Column.title == title, Column.id != column.id,
        )
        if request.dbsession.scalar(siblings) is not None:
            errors["title"] = _("同一上级栏目下已有名为“${title}”的栏目", mapping={"title": title})
    if len(values["description"]) > DESCRIPTION_MAX:
        errors["description"] = _("栏目说明不能超过 ${max} 个字符", mapping={"max": DESCRIPTION_MAX})
    return {name: request.localizer.translate(message) for name, message in errors.items()}


def column_save(request):
    """Save the title, description and visibility; audited, and the search index follows on commit."""
    column = _column(request)
    values = {
        "title": request.POST.get("title", "").strip(),
        "description": request.POST.get("description", "").strip(),
        "hidden": request.POST.get("hidden") == "1",
    }
    errors = _validate(request, column, values)
    if errors:
        request.response.status_int = 400
        return _form(request, column, values, errors)
    before = {"title": column.title, "description": column.description or "", "hidden": column.hidden}
    if before != values:
        column.title, column.description, column.hidden = values["title"], values["description"], values["hidden"]
        request.audit("content.column.update", "column", column.id,
                      summary={"slug": column.slug, "before": before, "after": values})
        document = _search_document(column)
        search = request.platform.search
        request.uow.after_commit(
            (lambda: search.delete([document.doc_id])) if column.hidden else (lambda: search.index([document]))
        )
    request.session.flash(request.localizer.translate(_("栏目“${title}”已保存", mapping={"title": column.title})),
                          "success")
    return HTTPFound(location=request.route_path("content.admin_columns"))


def _search_document(column: Column) -> SearchDocument:
    """The column's entry in the search index, as ``govcore_search_documents`` builds it."""
    return SearchDocument(doc_id=f"content:column:{column.id}", kind="column", title=column.title,
                          body=column.title, url=f"/column/{column.slug}")
