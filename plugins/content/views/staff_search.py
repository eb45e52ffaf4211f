"""Staff search (站内检索): every item in the index, drafts and archived ones included, with filters.

The index narrows by words, type, column path (its category) and date; status and the user's
column scope are checked against the database for the hits of the page shown, because the index
does not know them (status) or may lag behind a moved column (scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pyramid.config import Configurator
from sqlalchemy import select

from adapters.web.query_form import QueryForm
from adapters.web.i18n import _
from govcore.errors import GovcoreError
from plugins.content.domain import path_to
from plugins.content.items import STATUS_TITLES
from plugins.content.orm import Item
from plugins.content.plugin import ITEMS_VIEW
from plugins.content.views.item_scope import allowed_columns, column_path, local_time, may
from plugins.content.views.items_list import column_options
from ports.search import SearchQuery

T = "plugins.content:templates/"
PAGE_SIZE = 20
MAX_PAGE = 50  # deeper than this nobody reads; refine the words instead
ITEM_PREFIX = "content:item:"


def includeme(config: Configurator) -> None:
    config.add_route("content.admin_search", "/admin/content/search")
    config.add_view(staff_search, route_name="content.admin_search", request_method="GET",
                    renderer=T + "admin_search.pt", permission=ITEMS_VIEW)


@dataclass(frozen=True)
class SearchForm(QueryForm):
    q: str = ""
    column: str = ""
    type: str = ""
    status: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"

    def column_id(self) -> int | None:
        return int(self.column) if self.column.isdigit() and len(self.column) < 10 else None

    def errors(self, request) -> list:
        errors = []
        if self.column and (self.column_id() is None or not may(request, ITEMS_VIEW, self.column_id())):
            errors.append(_("所选栏目不存在或不在您的管理范围内"))
        if self.type and self.type not in request.platform.content_types:
            errors.append(_("请选择有效的信息类型"))
        if self.status and self.status not in STATUS_TITLES:
            errors.append(_("请选择有效的状态"))
        if self.sort not in ("relevance", "date"):
            errors.append(_("请选择有效的排序方式"))
        errors += self.date_errors()
        return errors


def category_of(request, column_id: int) -> str:
    """The column's path as the index files items under it (see ``publishing.search_document``)."""
    return "/" + "/".join(node.slug for node in path_to(column_id, request.content_columns.by_id)) + "/"


def _scope_category(request, allowed: set[int] | None) -> str:
    """A category prefix covering everything a scoped user may see, when one subtree does."""
    if allowed is None:
        return ""
    tops = {column_id for column_id in allowed
            if request.content_columns.by_id[column_id].parent_id not in allowed}
    return category_of(request, next(iter(tops))) if len(tops) == 1 else ""


def staff_search(request):
    form = SearchForm.from_params(request.GET)
    allowed = allowed_columns(request, ITEMS_VIEW)
    page_number = request.GET.get("page", "1")
    page_number = min(int(page_number), MAX_PAGE) if page_number.isdigit() and 0 < len(page_number) < 4 else 1
    page = {"form": form, "hits": [], "total": 0, "errors": [], "unavailable": False, "searched": False,
            "statuses": STATUS_TITLES, "types": request.platform.content_types,
            "column_options": column_options(request, allowed), "suggestion": None, "hidden": 0,
            "prev_url": None, "next_url": None, "page_number": page_number}
    page["errors"] = form.errors(request)
    if page["errors"]:
        request.response.status_int = 400
        return page
    if not form.q or (allowed is not None and not allowed):
        return page
    published_from, after = form.moments(ZoneInfo(request.platform.county.timezone))
    query = SearchQuery(
        text=form.q, public_only=False,
        kinds=(form.type,) if form.type else tuple(request.platform.content_types),
        category=category_of(request, form.column_id()) if form.column else _scope_category(request, allowed),
        published_from=published_from, published_to=after,
        sort=form.sort, page=page_number, page_size=PAGE_SIZE)
    try:
        result = request.platform.search.search(query)
    except GovcoreError:
        request.response.status_int = 503
        page["unavailable"] = True
        return page
    page["searched"], page["total"], page["suggestion"] = True, result.total, result.suggestion
    page["hits"] = _visible_hits(request, result.hits, form, allowed)
    page["hidden"] = len(result.hits) - len(page["hits"])
    if page_number > 1:
        page["prev_url"] = request.route_path("content.admin_search", _query={**form.query(), "page": page_number - 1})
    if result.total > page_number * PAGE_SIZE and page_number < MAX_PAGE:
        page["next_url"] = request.route_path("content.admin_search", _query={**form.query(), "page": page_number + 1})
    return page


def _item_id(hit) -> int | None:
    number = hit.doc_id[len(ITEM_PREFIX):] if hit.doc_id.startswith(ITEM_PREFIX) else ""
    return int(number) if number.isdigit() and len(number) < 12 else None


def _visible_hits(request, hits, form: SearchForm, allowed: set[int] | None) -> list[dict]:
    """The page's hits whose items exist, lie in the user's columns and have the status asked for."""
    ids = [item_id for item_id in map(_item_id, hits) if item_id is not None]
    rows = {row.id: row for row in request.dbsession.execute(
        select(Item.id, Item.column_id, Item.status, Item.title, Item.type, Item.published_at, Item.updated_at)
        .where(Item.id.in_(ids)))} if ids else {}
    types = request.platform.content_types
    visible = []
    for hit in hits:
        row = rows.get(_item_id(hit))
        if row is None or (allowed is not None and row.column_id not in allowed):
            continue
        if form.status and row.status != form.status:
            continue
        visible.append({
            "id": row.id, "title": row.title, "snippet": hit.snippet,
            "type_title": types[row.type].title if row.type in types else row.type,
            "column_path": column_path(request, row.column_id),
            "status": row.status, "status_title": STATUS_TITLES.get(row.status, row.status),
            "date": local_time(request, row.published_at or row.updated_at),
        })
    return visible
