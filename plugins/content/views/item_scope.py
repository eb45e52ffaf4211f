"""Which items a staff member may see or change: the column subtrees their roles cover.

Shared by the staff item list, the batch operations, revisions and staff search. The column tree
is loaded once per request (``request.content_columns``), so these checks cost no query.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from adapters.web.scopes import ScopedContext, covers
from plugins.content.domain import path_to
from plugins.content.orm import Item
from plugins.content.plugin import COLUMN_SCOPE

NO_COLUMN = 0  # lies in nobody's scope: a missing item refuses scoped users, unscoped ones get 404


def chain(request, column_id: int) -> list[int]:
    """The column and its ancestors, nearest first, as ``covers`` wants them."""
    return [node.id for node in reversed(path_to(column_id, request.content_columns.by_id))]


def may(request, permission: str, column_id: int) -> bool:
    return column_id in request.content_columns.by_id and covers(
        request, permission, COLUMN_SCOPE, chain(request, column_id))


def allowed_columns(request, permission: str) -> set[int] | None:
    """Ids of the columns where the user holds ``permission``; None when it is held everywhere."""
    if request.permission_scopes(permission, COLUMN_SCOPE) is None:
        return None
    return {column_id for column_id in request.content_columns.by_id if may(request, permission, column_id)}


def column_path(request, column_id: int) -> str:
    return " / ".join(node.title for node in path_to(column_id, request.content_columns.by_id))


def subtree(request, column_id: int) -> set[int]:
    node = request.content_columns.by_id[column_id]
    ids, stack = set(), [node]
    while stack:
        current = stack.pop()
        ids.add(current.id)
        stack.extend(current.children)
    return ids


def item_context(request) -> ScopedContext:
    """Route factory for ``…/items/{id}/…``: the item's home column is what roles are scoped to."""
    column_id = request.dbsession.scalar(select(Item.column_id).where(Item.id == int(request.matchdict["id"])))
    return ScopedContext((COLUMN_SCOPE, column_id if column_id is not None else NO_COLUMN))


def local_time(request, moment: dt.datetime | None) -> str:
    """A stored UTC moment as the county reads it."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(request.platform.county.timezone)).strftime("%Y-%m-%d %H:%M")
