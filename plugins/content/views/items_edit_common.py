"""What the item editor's views share: the item as a scoped context, the edit lock, publishing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyramid.httpexceptions import HTTPNotFound

from adapters.db.orm import User
from adapters.web.scopes import covers
from plugins.content.domain import path_to
from plugins.content.orm import Item
from plugins.content.plugin import COLUMN_SCOPE
from plugins.content.publishing import Publishing

LOCK_MINUTES = 30  # an editor who neither saves nor autosaves for this long loses the lock


@dataclass(frozen=True)
class ItemContext:
    """The item a URL names, for the security policy: it lies in its home column's subtree."""

    item: Item | None
    govcore_scope: tuple[str, int]


def item_factory(request) -> ItemContext:
    try:
        item = request.dbsession.get(Item, int(request.matchdict["id"]))
    except (KeyError, ValueError):
        raise HTTPNotFound() from None
    # A missing item lies in no column: scoped users are refused, the others get 404 from the view.
    return ItemContext(item, (COLUMN_SCOPE, item.column_id if item is not None else 0))


def the_item(request) -> Item:
    item = request.context.item
    if item is None:
        raise HTTPNotFound()
    return item


def chain(request, column_id: int) -> list[int]:
    return [node.id for node in reversed(path_to(column_id, request.content_columns.by_id))]


def may(request, permission: str, column_id: int) -> bool:
    return covers(request, permission, COLUMN_SCOPE, chain(request, column_id))


def publishing(request) -> Publishing:
    return Publishing(request.platform, request.uow,
                      auditor=lambda action, kind, oid, summary: request.audit(action, kind, oid, summary=summary))


# -- the edit lock -----------------------------------------------------------------------------

@dataclass(frozen=True)
class LockHolder:
    user_id: int
    name: str
    since: dt.datetime  # in the county's timezone


def lock_holder(request, item: Item) -> LockHolder | None:
    """Who else holds a live lock on the item (None: nobody, or the reader)."""
    now = request.platform.clock.now()
    if item.lock_user_id is None or item.lock_at is None or item.lock_user_id == request.current_user.id:
        return None
    if item.lock_at < now - dt.timedelta(minutes=LOCK_MINUTES):
        return None
    user = request.dbsession.get(User, item.lock_user_id)
    return LockHolder(item.lock_user_id, user.display_name if user else "?",
                      item.lock_at.astimezone(request.platform.clock.tz))


def take_lock(request, item: Item) -> None:
    item.lock_user_id, item.lock_at = request.current_user.id, request.platform.clock.now()


def release_lock(item: Item) -> None:
    item.lock_user_id, item.lock_at = None, None
