"""The staff item list (信息管理): every item of the columns the user may view, newest change first.

Filtered by column (optionally with its subtree), status, type, words of the title, date of the
last change and “my items”; paged by keyset on ``(updated_at, id)`` so the thousandth page costs
what the first does. The batch operations posted from its checkboxes live in :mod:`.items_batch`.
"""

from __future__ import annotations

import base64
import datetime as dt
import struct
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pyramid.config import Configurator
from sqlalchemy import and_, func, or_, select

from adapters.db.orm import User
from adapters.web.i18n import _
from adapters.web.query_form import QueryForm
from plugins.content.domain import path_to
from plugins.content.items import ARCHIVED, STATUS_TITLES
from plugins.content.orm import Item, Placement
from plugins.content.plugin import ITEMS_EDIT, ITEMS_PUBLISH, ITEMS_VIEW
from plugins.content.views.item_scope import allowed_columns, column_path, local_time, may, subtree

T = "plugins.content:templates/"
PAGE_SIZE = 50


def includeme(config: Configurator) -> None:
    config.add_route("content.admin_items", "/admin/content/items")
    config.add_view(item_list, route_name="content.admin_items", request_method="GET", renderer=T + "admin_items.pt",
                    permission=ITEMS_VIEW)
    config.include("plugins.content.views.items_batch")


def encode_cursor(updated_at: dt.datetime, item_id: int) -> str:
    micros = int(updated_at.timestamp() * 1_000_000)
    return base64.urlsafe_b64encode(struct.pack(">qq", micros, item_id)).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[dt.datetime, int] | None:
    """The last row of the previous page, or None for a malformed token (the first page is shown)."""
    try:
        micros, item_id = struct.unpack(">qq", base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return dt.datetime.fromtimestamp(micros / 1_000_000, dt.timezone.utc), item_id
    except (ValueError, struct.error, OverflowError, OSError):
        return None


@dataclass(frozen=True)
class ItemFilter(QueryForm):
    """The filter form as typed; invalid values are shown again beside their error."""

    column: str = ""
    subtree: str = ""
    status: str = ""
    type: str = ""
    q: str = ""
    date_from: str = ""
    date_to: str = ""
    mine: str = ""

    def column_id(self) -> int | None:
        return int(self.column) if self.column.isdigit() and len(self.column) < 10 else None

    def errors(self, request) -> list:
        errors = []
        if self.column and (self.column_id() is None or not may(request, ITEMS_VIEW, self.column_id())):
            errors.append(_("所选栏目不存在或不在您的管理范围内"))
        if self.status and self.status not in STATUS_TITLES:
            errors.append(_("请选择有效的状态"))
        if self.type and self.type not in request.platform.content_types:
            errors.append(_("请选择有效的信息类型"))
        errors += self.date_errors()
        return errors

    def conditions(self, request, allowed: set[int] | None) -> list:
        """SQL conditions of a valid filter, the user's column scope included."""
        conditions = []
        columns = allowed
        if self.column_id() is not None:
            wanted = subtree(request, self.column_id()) if self.subtree else {self.column_id()}
            columns = wanted if allowed is None else wanted & allowed
        if columns is not None:
            conditions.append(Item.column_id.in_(sorted(columns)))
        if self.status:
            conditions.append(Item.status == self.status)
        if self.type:
            conditions.append(Item.type == self.type)
        if self.q:
            escaped = self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(Item.title.like(f"%{escaped}%", escape="\\"))
        start, after = self.moments(ZoneInfo(request.platform.county.timezone))
        if start:
            conditions.append(Item.updated_at >= start)
        if after:
            conditions.append(Item.updated_at < after)
        if self.mine:
            conditions.append(Item.created_by == request.current_user.id)
        return conditions


@dataclass(frozen=True)
class Row:
    id: int
    title: str
    type_title: str
    column_path: str
    status: str
    status_title: object
    updated: str
    updated_by: str
    author: str
    pinned: bool
    references: int
    archived: str


def column_options(request, ids: set[int] | None) -> list[tuple[int, str]]:
    """(id, path) of the given columns (all when None), in the order of the tree."""
    options = []

    def walk(nodes) -> None:
        for node in nodes:
            if ids is None or node.id in ids:
                options.append((node.id, " / ".join(n.title for n in path_to(node.id, request.content_columns.by_id))))
            walk(node.children)

    walk(request.content_columns.roots)
    return options


def item_list(request):
    return list_page(request, request.GET)


def list_page(request, params, errors: list | None = None, checked: frozenset[int] = frozenset()) -> dict:
    """The list for ``params``; the batch view re-shows it with its own errors."""
    filters = ItemFilter.from_params(params)
    allowed = allowed_columns(request, ITEMS_VIEW)
    publish_columns = allowed_columns(request, ITEMS_PUBLISH)
    column_id = filters.column_id()
    new_item_query = {"column": str(column_id)} if column_id is not None and may(request, ITEMS_EDIT, column_id) else {}
    page = {
        "filters": filters, "rows": [], "errors": list(errors or []), "checked": checked,
        "statuses": STATUS_TITLES, "types": request.platform.content_types,
        "column_options": column_options(request, allowed),
        "target_options": column_options(request, publish_columns) if request.has_permission(ITEMS_PUBLISH) else [],
        "can_batch": request.has_permission(ITEMS_PUBLISH),
        "can_create": request.has_permission(ITEMS_EDIT),
        "new_item_url": request.route_path("content.admin_item_new", _query=new_item_query),
        "no_columns": allowed is not None and not allowed,
        "archived_view": filters.status == ARCHIVED,
        "next_url": None, "first_url": None,
        "back": urlencode({**filters.query(), **({"after": params["after"]} if params.get("after") else {})}),
    }
    filter_errors = filters.errors(request)
    if filter_errors:
        page["errors"] += filter_errors
        request.response.status_int = 400
        return page
    if page["no_columns"]:
        return page
    statement = select(Item).where(*filters.conditions(request, allowed))
    after = decode_cursor(params.get("after", "")) if params.get("after") else None
    if after is not None:
        moment, last_id = after
        statement = statement.where(or_(Item.updated_at < moment, and_(Item.updated_at == moment, Item.id < last_id)))
        page["first_url"] = request.route_path("content.admin_items", _query=filters.query())
    items = list(request.dbsession.scalars(statement.order_by(Item.updated_at.desc(), Item.id.desc())
                                           .limit(PAGE_SIZE + 1)))
    if len(items) > PAGE_SIZE:
        last = items[PAGE_SIZE - 1]
        page["next_url"] = request.route_path(
            "content.admin_items", _query={**filters.query(), "after": encode_cursor(last.updated_at, last.id)})
    page["rows"] = _rows(request, items[:PAGE_SIZE])
    return page


def _rows(request, items: list[Item]) -> list[Row]:
    """The page's rows, with names and 引用 counts fetched in one query each."""
    ids = [item.id for item in items]
    user_ids = {item.updated_by for item in items if item.updated_by is not None}
    names = dict(request.dbsession.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) \
        if user_ids else {}
    references = dict(request.dbsession.execute(
        select(Placement.item_id, func.count()).where(Placement.item_id.in_(ids), Placement.home.is_(False))
        .group_by(Placement.item_id)).all()) if ids else {}
    types = request.platform.content_types
    return [Row(
        id=item.id, title=item.title,
        type_title=types[item.type].title if item.type in types else item.type,
        column_path=column_path(request, item.column_id), status=item.status,
        status_title=STATUS_TITLES.get(item.status, item.status),
        updated=local_time(request, item.updated_at), updated_by=names.get(item.updated_by, ""),
        author=item.author or "", pinned=item.pinned, references=references.get(item.id, 0),
        archived=local_time(request, item.archived_at),
    ) for item in items]
