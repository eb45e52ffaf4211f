"""Staff pages for the column tree: the tree, per-column settings, and changes to the structure.

Two permissions: ``content.columns.edit`` for a column's settings, ``content.columns.manage`` for
the tree itself (add, batch-add, move, reorder, copy, delete). Either may be limited to a column
subtree. The route context names the column acted on, so ``permission=`` checks it; the column
a change puts something under (a parent) is checked in the view with :func:`covers`, and so is
the parent of a column whose place among its siblings changes: a scoped manager rearranges only
inside the subtree, never the columns around it. The top level belongs to unscoped holders.

Every change is audited, bumps the portal generation (cached pages are stale) and brings the
search index up to date after the commit.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.response import Response
from sqlalchemy import select

from adapters.db.orm import RoleAssignment, User
from adapters.web.i18n import _
from adapters.web.scopes import covers, scope_factory
from govcore.core_plugin import ROLES_MANAGE
from govcore.errors import ValidationError
from govcore.workflow.service import Workflows
from plugins.content.column_service import ColumnService, Contents, column_document
from plugins.content.domain import (COLUMN_KINDS, OUTLINE_MAX_LINES, SLUG_PATTERN, TEMPLATE_TITLES, TEMPLATES,
                                    TITLE_MAX, ColumnNode, ColumnSpec, count_specs, outline_conflicts, path_to,
                                    read_outline, subtree)
from plugins.content.orm import Column
from plugins.content.plugin import COLUMN_SCOPE, COLUMNS_EDIT, COLUMNS_MANAGE, COLUMNS_VIEW
from plugins.content.publishing import bump_portal_generation
from plugins.content.web import ColumnTree, _chain, column_url

T = "plugins.content:templates/"
DESCRIPTION_MAX = 1000
LINK_MAX = 500
OUTLINE_MAX_CHARS = 50_000
TOP = ""  # the parent select's value for the top level
WORKFLOW_PREFIX = "content."


def includeme(config: Configurator) -> None:
    column = scope_factory(COLUMN_SCOPE)
    route = config.add_route
    route("content.admin_columns", "/admin/content/columns")
    route("content.admin_column_add", "/admin/content/columns/add")
    route("content.admin_columns_batch", "/admin/content/columns/batch")
    # The context names the column, so a role limited to a column subtree is checked against it.
    route("content.admin_column_edit", "/admin/content/columns/{id:\\d+}/edit", factory=column)
    route("content.admin_column_visibility", "/admin/content/columns/{id:\\d+}/visibility", factory=column)
    route("content.admin_column_structure", "/admin/content/columns/{id:\\d+}/structure", factory=column)
    route("content.admin_column_move", "/admin/content/columns/{id:\\d+}/move", factory=column)
    route("content.admin_column_reorder", "/admin/content/columns/{id:\\d+}/reorder", factory=column)
    route("content.admin_column_copy", "/admin/content/columns/{id:\\d+}/copy", factory=column)
    route("content.admin_column_delete", "/admin/content/columns/{id:\\d+}/delete", factory=column)

    def view(func, route_name, method, permission, renderer=None):
        config.add_view(func, route_name=route_name, request_method=method, permission=permission,
                        renderer=T + renderer if renderer else None)

    view(tree_page, "content.admin_columns", "GET", COLUMNS_VIEW, "admin_columns.pt")
    view(add_form, "content.admin_column_add", "GET", COLUMNS_MANAGE, "admin_column_add.pt")
    view(column_add, "content.admin_column_add", "POST", COLUMNS_MANAGE, "admin_column_add.pt")
    view(batch_form, "content.admin_columns_batch", "GET", COLUMNS_MANAGE, "admin_column_batch.pt")
    view(batch_post, "content.admin_columns_batch", "POST", COLUMNS_MANAGE, "admin_column_batch.pt")
    view(column_form, "content.admin_column_edit", "GET", COLUMNS_EDIT, "admin_column_edit.pt")
    view(column_save, "content.admin_column_edit", "POST", COLUMNS_EDIT, "admin_column_edit.pt")
    view(column_visibility, "content.admin_column_visibility", "POST", COLUMNS_EDIT)
    view(structure_page, "content.admin_column_structure", "GET", COLUMNS_MANAGE, "admin_column_structure.pt")
    view(column_move, "content.admin_column_move", "POST", COLUMNS_MANAGE, "admin_column_structure.pt")
    view(column_reorder, "content.admin_column_reorder", "POST", COLUMNS_MANAGE)
    view(column_copy, "content.admin_column_copy", "POST", COLUMNS_MANAGE, "admin_column_structure.pt")
    view(column_delete, "content.admin_column_delete", "POST", COLUMNS_MANAGE, "admin_column_structure.pt")


# -- shared helpers ------------------------------------------------------------------------------

def _t(request, message) -> str:
    return request.localizer.translate(message)


def _flash(request, message) -> None:
    request.session.flash(_t(request, message), "success")


def _service(request) -> ColumnService:
    user = request.current_user
    return ColumnService(request.dbsession, request.platform.clock.now(), user.id if user else None)


def _column(request) -> Column:
    column = request.dbsession.get(Column, int(request.matchdict["id"]))
    if column is None:
        raise HTTPNotFound()
    return column


def _may(request, permission: str, tree: ColumnTree, column_id: int | None) -> bool:
    """Whether the user holds ``permission`` on the column, or on the top level when None (unscoped only)."""
    node = tree.by_id.get(column_id) if column_id is not None else None
    if column_id is not None and node is None:
        return False
    return covers(request, permission, COLUMN_SCOPE, _chain(tree, node) if node else [])


def _path(tree: ColumnTree, column_id: int) -> str:
    return " / ".join(n.title for n in path_to(column_id, tree.by_id))


def _parent_options(request, tree: ColumnTree, exclude: int | None = None) -> list[tuple[str, str]]:
    """The places the user may put a column: the top level when unscoped, then covered columns by path.

    ``exclude`` leaves out a column and its subtree (a column cannot go under itself).
    """
    options = [(TOP, _t(request, _("（顶级栏目）")))] if _may(request, COLUMNS_MANAGE, tree, None) else []
    paths = []
    for node in tree.by_id.values():
        chain = _chain(tree, node)
        if exclude is not None and exclude in chain:
            continue
        if covers(request, COLUMNS_MANAGE, COLUMN_SCOPE, chain):
            paths.append((str(node.id), _path(tree, node.id)))
    return options + sorted(paths, key=lambda pair: pair[1])


def _parent_value(request, tree: ColumnTree, raw: str) -> int | None:
    """The chosen parent, refused (403) unless the user manages the structure there."""
    if raw == TOP:
        parent_id = None
    elif raw.isdigit() and int(raw) in tree.by_id:
        parent_id = int(raw)
    else:
        raise HTTPBadRequest(_t(request, _("请选择有效的上级栏目")))
    if not _may(request, COLUMNS_MANAGE, tree, parent_id):
        raise HTTPForbidden()
    return parent_id


def _require_parent_managed(request, column: Column) -> None:
    """Rearranging a column changes its parent's list, so the parent must be the user's to manage."""
    if not _may(request, COLUMNS_MANAGE, request.content_columns, column.parent_id):
        raise HTTPForbidden()


def _changed(request, column_ids: set[int]) -> None:
    """Visitors see the tree: empty the portal caches; re-index the columns and their items after commit."""
    service = _service(request)
    bump_portal_generation(request.dbsession, request.platform.clock.now())
    documents, removed = service.documents(column_ids)
    search = request.platform.search

    def update_index() -> None:
        if removed:
            search.delete(removed)
        if documents:
            search.index(documents)

    request.uow.after_commit(update_index)


def _subtree_ids(request, column_id: int) -> set[int]:
    nodes = _service(request).nodes()
    return {node.id for node in subtree(nodes[column_id])}


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


# -- the tree ------------------------------------------------------------------------------------

def tree_page(request):
    """The column tree, cut down to the subtrees the user may view, with the actions the user may take.

    A scoped user's subtrees appear as roots, each labelled with its path from the top.
    """
    tree: ColumnTree = request.content_columns
    chains = {node.id: _chain(tree, node) for node in tree.by_id.values()}
    visible = {i for i, chain in chains.items() if covers(request, COLUMNS_VIEW, COLUMN_SCOPE, chain)}
    editable = {i for i, chain in chains.items() if covers(request, COLUMNS_EDIT, COLUMN_SCOPE, chain)}
    managed = {i for i, chain in chains.items() if covers(request, COLUMNS_MANAGE, COLUMN_SCOPE, chain)}
    manage_top = _may(request, COLUMNS_MANAGE, tree, None)
    # Reordering and moving change the parent's list of children: the parent must be managed too.
    movable = {i for i in managed if (tree.by_id[i].parent_id in managed if tree.by_id[i].parent_id else manage_top)}
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
        "managed": managed,
        "movable": movable,
        "manage_any": bool(managed) or manage_top,
        "manage_top": manage_top,
        "column_url": column_url,
        "kinds": COLUMN_KINDS,
        "csrf": request.session.get_csrf_token(),
    }


def _add_values(request) -> dict:
    return {name: request.POST.get(name, "").strip() for name in ("title", "slug", "kind", "parent")}


def _add_page(request, values: dict, errors: dict) -> dict:
    return {"values": values, "errors": errors, "parent_options": _parent_options(request, request.content_columns),
            "kinds": COLUMN_KINDS, "title_max": TITLE_MAX}


def add_form(request):
    parent = request.GET.get("parent", TOP)
    options = dict(_parent_options(request, request.content_columns))
    if not options:
        raise HTTPForbidden()
    return _add_page(request, {"title": "", "slug": "", "kind": "list",
                               "parent": parent if parent in options else next(iter(options))}, {})


def column_add(request):
    """Add one column under the chosen parent (or at the top), at the end of its children."""
    tree: ColumnTree = request.content_columns
    values = _add_values(request)
    parent_id = _parent_value(request, tree, values["parent"])
    service = _service(request)
    errors = {}
    siblings = {column.title for column in service.children(parent_id)}
    if not values["title"]:
        errors["title"] = _("请填写栏目名称")
    elif len(values["title"]) > TITLE_MAX:
        errors["title"] = _("栏目名称不能超过 ${max} 个字符", mapping={"max": TITLE_MAX})
    elif values["title"] in siblings:
        errors["title"] = _("同一上级栏目下已有名为“${title}”的栏目", mapping={"title": values["title"]})
    if values["slug"] and not SLUG_PATTERN.match(values["slug"]):
        errors["slug"] = _("英文标识只能包含小写字母、数字和连字符，以字母或数字开头，最多 64 个字符")
    elif values["slug"] and values["slug"] in service.taken_slugs():
        errors["slug"] = _("英文标识“${slug}”已被其他栏目使用", mapping={"slug": values["slug"]})
    if values["kind"] not in COLUMN_KINDS:
        errors["kind"] = _("请选择栏目类型")
    if errors:
        request.response.status_int = 400
        return _add_page(request, values, {k: _t(request, m) for k, m in errors.items()})
    column = service.add(parent_id, ColumnSpec(title=values["title"], slug=values["slug"], kind=values["kind"]))
    request.audit("content.column.create", "column", column.id,
                  summary={"title": column.title, "slug": column.slug, "kind": column.kind, "parent": parent_id})
    _changed(request, {column.id})
    _flash(request, _("已新增栏目“${title}”", mapping={"title": column.title}))
    return HTTPFound(location=request.route_path("content.admin_columns"))


# -- batch add -----------------------------------------------------------------------------------

def _batch_token(outline: str, parent: str) -> str:
    """Ties the confirmation to the text previewed: an edit after the preview needs a new preview."""
    return hashlib.sha256(f"{parent}\n{outline}".encode()).hexdigest()


def _batch_values(request, tree: ColumnTree, outline: str = "", parent: str = TOP, **extra) -> dict:
    options = _parent_options(request, tree)
    if parent == TOP and options and options[0][0] != TOP:
        parent = options[0][0]
    return {"outline": outline, "parent": parent, "parent_options": options, "errors": [], "preview": None,
            "token": "", "max_lines": OUTLINE_MAX_LINES, **extra}


def batch_form(request):
    tree: ColumnTree = request.content_columns
    parent = request.GET.get("parent", TOP)
    return _batch_values(request, tree, parent=parent if parent.isdigit() else TOP)


def batch_post(request):
    """Preview an outline as the tree it makes, then create it in one step under the chosen parent."""
    tree: ColumnTree = request.content_columns
    outline = request.POST.get("outline", "").replace("\r\n", "\n")
    parent = request.POST.get("parent", TOP)
    parent_id = _parent_value(request, tree, parent)
    service = _service(request)
    errors: list[str] = []
    specs: list[ColumnSpec] = []
    if len(outline) > OUTLINE_MAX_CHARS or len(outline.splitlines()) > OUTLINE_MAX_LINES:
        errors.append(_t(request, _("一次最多添加 ${max} 行，请分批添加", mapping={"max": OUTLINE_MAX_LINES})))
    else:
        specs, errors = read_outline(outline)
        if not specs and not errors:
            errors.append(_t(request, _("请填写要添加的栏目，每行一个")))
        errors += outline_conflicts(specs, service.taken_slugs(),
                                    {column.title for column in service.children(parent_id)})
    token = _batch_token(outline, parent)
    values = _batch_values(request, tree, outline, parent, errors=errors)
    if errors:
        request.response.status_int = 400
        return values
    if request.POST.get("action") != "create" or request.POST.get("token") != token:
        notice = _t(request, _("内容在预览后有改动，请检查新的预览后再确认添加")) \
            if request.POST.get("action") == "create" else ""
        return {**values, "preview": specs, "token": token, "count": count_specs(specs), "notice": notice,
                "parent_path": _path(tree, parent_id) if parent_id else _t(request, _("（顶级栏目）"))}
    created = [service.add(parent_id, spec) for spec in specs]
    ids = set()
    for column in created:
        ids |= _subtree_ids(request, column.id)
    request.audit("content.column.batch_create", "column", parent_id or "",
                  summary={"parent": parent_id, "count": len(ids), "top": [c.slug for c in created]})
    _changed(request, ids)
    _flash(request, _("已批量添加 ${count} 个栏目", mapping={"count": len(ids)}))
    return HTTPFound(location=request.route_path("content.admin_columns"))


# -- settings ------------------------------------------------------------------------------------

SETTINGS = ("title", "description", "hidden", "kind", "template", "workflow_key", "comments_enabled", "link_url")


def _workflow_options(request) -> list[tuple[str, str]]:
    workflows = Workflows(request.platform, request.uow)
    options = [("", _t(request, _("不审核（提交即发布）")))]
    for key in workflows.keys():
        if key.startswith(WORKFLOW_PREFIX):
            stored = workflows.definitions.latest(key)
            definition = stored.definition if stored else workflows.defaults[key]
            options.append((key, definition.title))
    return options


def _editors(request, column: Column) -> list[dict]:
    """Role assignments limited to this column or a column above it: who may work here besides unscoped holders."""
    tree: ColumnTree = request.content_columns
    chain = _chain(tree, tree.by_id[column.id])
    rows = request.dbsession.execute(
        select(RoleAssignment, User).join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.scope_type == COLUMN_SCOPE, RoleAssignment.scope_id.in_(chain))
        .order_by(RoleAssignment.scope_id, User.login)).all()
    return [{"user": user, "role": assignment.role.title, "scope": _path(tree, assignment.scope_id),
             "inherited": assignment.scope_id != column.id} for assignment, user in rows]


def _form(request, column: Column, values: dict, errors: dict) -> dict:
    tree: ColumnTree = request.content_columns
    return {
        "column": column,
        "path": [n.title for n in path_to(column.id, tree.by_id)],
        "values": values,
        "errors": errors,
        "title_max": TITLE_MAX,
        "description_max": DESCRIPTION_MAX,
        "link_max": LINK_MAX,
        "column_url": request.route_path("content.column", slug=column.slug),
        "kinds": COLUMN_KINDS,
        "templates": [(name, TEMPLATE_TITLES[name]) for name in TEMPLATES],
        "workflows": _workflow_options(request),
        "editors": _editors(request, column),
        "roles_link": request.route_path("admin.roles") if request.has_permission(ROLES_MANAGE) else None,
        "manage": request.has_permission(COLUMNS_MANAGE),
    }


def _settings(column: Column) -> dict:
    return {name: getattr(column, name) if name != "description" else column.description or "" for name in SETTINGS}


def column_form(request):
    column = _column(request)
    return _form(request, column, _settings(column), {})


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
    if values["kind"] not in COLUMN_KINDS:
        errors["kind"] = _("请选择栏目类型")
    if values["template"] not in TEMPLATES:
        errors["template"] = _("请选择页面模板")
    if values["workflow_key"] not in dict(_workflow_options(request)):
        errors["workflow_key"] = _("请选择审核流程")
    link = values["link_url"]
    if len(link) > LINK_MAX:
        errors["link_url"] = _("链接地址不能超过 ${max} 个字符", mapping={"max": LINK_MAX})
    elif link and not _http_url(link):
        errors["link_url"] = _("链接地址须以 http:// 或 https:// 开头")
    elif values["kind"] == "link" and not link:
        errors["link_url"] = _("外部链接栏目须填写链接地址")
    return {name: _t(request, message) for name, message in errors.items()}


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value)


def column_save(request):
    """Save the column's name, description, visibility and settings; audited, the index follows on commit."""
    column = _column(request)
    post = request.POST
    values = {
        "title": post.get("title", "").strip(),
        "description": post.get("description", "").strip(),
        "hidden": post.get("hidden") == "1",
        "kind": post.get("kind", column.kind),
        "template": post.get("template", column.template),
        "workflow_key": post.get("workflow_key", column.workflow_key),
        "comments_enabled": post.get("comments_enabled") == "1",
        "link_url": post.get("link_url", "").strip(),
    }
    errors = _validate(request, column, values)
    if errors:
        request.response.status_int = 400
        return _form(request, column, values, errors)
    before = _settings(column)
    changed = {name for name in SETTINGS if before[name] != values[name]}
    if changed:
        for name in changed:
            setattr(column, name, values[name])
        request.audit("content.column.update", "column", column.id, summary={
            "slug": column.slug, "before": {n: before[n] for n in sorted(changed)},
            "after": {n: values[n] for n in sorted(changed)}})
        # Hiding hides what lies below and takes its items off the public index too.
        _changed(request, _subtree_ids(request, column.id) if "hidden" in changed else {column.id})
    _flash(request, _("栏目“${title}”已保存", mapping={"title": column.title}))
    return HTTPFound(location=request.route_path("content.admin_columns"))


def column_visibility(request):
    """Hide or show a column (and with it everything below) from the tree page."""
    column = _column(request)
    hidden = request.POST.get("hidden") == "1"
    if column.hidden != hidden:
        column.hidden = hidden
        request.audit("content.column.update", "column", column.id,
                      summary={"slug": column.slug, "before": {"hidden": not hidden}, "after": {"hidden": hidden}})
        _changed(request, _subtree_ids(request, column.id))
    mapping = {"title": column.title}
    _flash(request, _("栏目“${title}”已隐藏", mapping=mapping) if hidden
           else _("栏目“${title}”已在网站显示", mapping=mapping))
    return HTTPFound(location=request.route_path("content.admin_columns", _anchor=f"column-{column.id}"))


# -- structure: move, reorder, copy, delete --------------------------------------------------------

def _structure(request, column: Column, **extra) -> dict:
    tree: ColumnTree = request.content_columns
    return {
        "column": column,
        "path": _path(tree, column.id),
        "move_options": _parent_options(request, tree, exclude=column.id),
        "copy_options": _parent_options(request, tree),
        "contents": _service(request).contents(column),
        "may_rearrange": _may(request, COLUMNS_MANAGE, tree, column.parent_id),
        "current_parent": str(column.parent_id) if column.parent_id else TOP,
        "error": None,
        **extra,
    }


def structure_page(request):
    return _structure(request, _column(request))


def _refuse(request, column: Column, message: str):
    if _wants_json(request):
        return Response(json_body={"ok": False, "error": message}, status=400)
    request.response.status_int = 400
    return _structure(request, column, error=message)


def column_move(request):
    """Put the column under a new parent (picked in a select, or dropped there by drag and drop)."""
    column = _column(request)
    _require_parent_managed(request, column)
    tree: ColumnTree = request.content_columns
    parent_id = _parent_value(request, tree, request.POST.get("parent", ""))
    raw_index = request.POST.get("position", "")
    index = int(raw_index) if raw_index.isdigit() else None
    before = {"parent": column.parent_id, "position": column.position}
    try:
        _service(request).move(column, parent_id, index)
    except ValidationError as error:
        return _refuse(request, column, error.message_zh)
    after = {"parent": column.parent_id, "position": column.position}
    if before != after:
        request.audit("content.column.move", "column", column.id,
                      summary={"slug": column.slug, "before": before, "after": after})
        _changed(request, _subtree_ids(request, column.id))
    _flash(request, _("栏目“${title}”已移到“${parent}”下", mapping={
        "title": column.title, "parent": _path(tree, parent_id) if parent_id else _t(request, _("顶级"))}))
    if _wants_json(request):
        return Response(json_body={"ok": True})
    return HTTPFound(location=request.route_path("content.admin_columns", _anchor=f"column-{column.id}"))


def column_reorder(request):
    """Move the column one place up or down among its siblings."""
    column = _column(request)
    _require_parent_managed(request, column)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise HTTPBadRequest(_t(request, _("请选择上移或下移")))
    before = column.position
    if _service(request).shift(column, -1 if direction == "up" else 1):
        request.audit("content.column.reorder", "column", column.id,
                      summary={"slug": column.slug, "before": before, "after": column.position})
        _changed(request, set())
    return HTTPFound(location=request.route_path("content.admin_columns", _anchor=f"column-{column.id}"))


def column_copy(request):
    """Copy the column and its subtree under the chosen parent, with its items as drafts if asked."""
    column = _column(request)
    tree: ColumnTree = request.content_columns
    parent_id = _parent_value(request, tree, request.POST.get("parent", ""))
    with_items = request.POST.get("with_items") == "1"
    hide = request.POST.get("hide") == "1"
    result = _service(request).copy(column, parent_id, with_items=with_items, hide=hide)
    copy = result.root
    request.audit("content.column.copy", "column", copy.id, summary={
        "source": column.id, "source_slug": column.slug, "slug": copy.slug, "parent": parent_id,
        "columns": len(result.columns), "items": len(result.items), "uploads": result.uploads})
    _changed(request, {c.id for c in result.columns.values()})
    _flash(request, _("已复制为“${title}”：${columns} 个栏目，${items} 条信息（草稿）", mapping={
        "title": copy.title, "columns": len(result.columns), "items": len(result.items)}))
    return HTTPFound(location=request.route_path("content.admin_columns", _anchor=f"column-{copy.id}"))


def _not_empty(request, contents: Contents) -> str:
    parts = []
    if contents.children:
        parts.append(_t(request, _("${n} 个下级栏目", mapping={"n": contents.children})))
    if contents.items:
        parts.append(_t(request, _("${n} 条信息", mapping={"n": contents.items})))
    if contents.references:
        parts.append(_t(request, _("${n} 条引用的信息", mapping={"n": contents.references})))
    if contents.assignments:
        parts.append(_t(request, _("${n} 个限定在此栏目的角色授权", mapping={"n": contents.assignments})))
    return _t(request, _("栏目不是空的，不能删除：其中还有${what}。请先移走或删除它们（信息可移到其他栏目，"
                         "角色授权在“角色与权限”中调整）。", mapping={"what": "、".join(parts)}))


def column_delete(request):
    """Delete an empty column; a column holding anything is refused, saying what it holds."""
    column = _column(request)
    _require_parent_managed(request, column)
    service = _service(request)
    contents = service.contents(column)
    if not contents.empty:
        return _refuse(request, column, _not_empty(request, contents))
    column_id = column.id
    summary = {"title": column.title, "slug": column.slug, "parent": column.parent_id}
    document = column_document(column)
    service.delete(column)
    request.audit("content.column.delete", "column", column_id, summary=summary)
    bump_portal_generation(request.dbsession, request.platform.clock.now())
    search = request.platform.search
    request.uow.after_commit(lambda: search.delete([document.doc_id]))
    _flash(request, _("栏目“${title}”已删除", mapping={"title": summary["title"]}))
    return HTTPFound(location=request.route_path("content.admin_columns"))
