"""What staff do to an item besides editing it: submit, publish, withdraw, archive, restore, and the lock.

``POST /admin/content/items/{id}/do/{action}`` for what writers do, ``…/publishing/{action}`` for
what needs the publishing permission (one permission a route). Each needs it within the item's
column subtree (the route's context is the item's home column); the outcome is flashed on the
edit page, where the item's status shows.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPForbidden, HTTPFound

from adapters.web.i18n import _
from govcore.errors import ValidationError
from plugins.content.items import ARCHIVED, DRAFT, OFFLINE, REVIEW, STATUS_TITLES
from plugins.content.plugin import ITEMS_EDIT, ITEMS_PUBLISH
from plugins.content.views.items_edit_common import (item_factory, lock_holder, may, publishing, release_lock,
                                                     take_lock, the_item)


def includeme(config: Configurator) -> None:
    for route, path, permission, views in (
        (WRITING_ROUTE, "do", ITEMS_EDIT, (submit, unlock, takeover)),
        (PUBLISHING_ROUTE, "publishing", ITEMS_PUBLISH, (publish, unpublish, archive, restore)),
    ):
        names = "|".join(view.__name__ for view in views)
        config.add_route(route, f"/admin/content/items/{{id:\\d+}}/{path}/{{action:({names})}}", factory=item_factory)
        for view in views:
            config.add_view(_guarded(view, permission), route_name=route, request_method="POST",
                            match_param=f"action={view.__name__}", permission=permission)


def action_route(action: str) -> str:
    """The route of an action's form."""
    return PUBLISHING_ROUTE if action in PUBLISHING_ACTIONS else WRITING_ROUTE


WRITING_ROUTE, PUBLISHING_ROUTE = "content.admin_item_action", "content.admin_item_publishing"
PUBLISHING_ACTIONS = frozenset({"publish", "unpublish", "archive", "restore"})


def _guarded(view, permission: str):
    """Check the permission on the item's column chain too, and turn a refused transition into a message."""

    def guarded(request):
        item = the_item(request)
        if not may(request, permission, item.column_id):
            raise HTTPForbidden()
        try:
            message = view(request, item)
            level = "success"
        except ValidationError as problem:
            message, level = problem.message_zh, "error"
        request.session.flash(request.localizer.translate(message), level)
        return HTTPFound(location=request.route_path("content.admin_item_edit", id=item.id))

    guarded.__name__ = view.__name__
    guarded.__doc__ = view.__doc__
    return guarded


def _status_message(request, item):
    return _("信息“${title}”现为${status}", mapping={
        "title": item.title, "status": request.localizer.translate(STATUS_TITLES[item.status])})


def submit(request, item):
    """Into the column's review procedure (or straight out when the column has none)."""
    user = request.current_user
    publishing(request).submit(item, user.id, user.org_unit_id)
    return _status_message(request, item)


def publish(request, item):
    """Publish at once without review; an item with a future publish time is scheduled.

    An item in review is decided in its case (the 总编 approves there), so that no case is left
    open in reviewers' task lists for an item that was published past it.
    """
    if item.status == REVIEW:
        raise ValidationError("此信息正在审核中，请在审核流程中办理", f"item {item.id} is in review")
    if item.status not in (DRAFT, OFFLINE):
        raise ValidationError("此信息当前状态不能发布", f"item {item.id} is {item.status}")
    publishing(request).approve(item, request.current_user.id)
    return _status_message(request, item)


def unpublish(request, item):
    publishing(request).unpublish(item, request.current_user.id)
    return _status_message(request, item)


def archive(request, item):
    if item.status in (ARCHIVED, REVIEW):
        raise ValidationError("审核中或已归档的信息不能归档", f"item {item.id} is {item.status}")
    publishing(request).archive(item, request.current_user.id, request.POST.get("reason", "").strip()[:200])
    return _status_message(request, item)


def restore(request, item):
    publishing(request).restore(item, request.current_user.id)
    return _status_message(request, item)


def unlock(request, item):
    """Release one's own lock (leaving the editor); another's lock is taken over, not released."""
    if lock_holder(request, item) is not None:
        raise ValidationError("他人正在编辑此信息，可使用“接管编辑”", f"item {item.id} is locked by another editor")
    if item.lock_user_id == request.current_user.id:
        release_lock(item)
        request.audit("content.item.unlock", "item", item.id, summary={"title": item.title})
    return _("已退出编辑")


def takeover(request, item):
    """Take the lock from another editor, whose next save is then refused as stale."""
    holder = lock_holder(request, item)
    take_lock(request, item)
    request.audit("content.item.takeover", "item", item.id, summary={
        "title": item.title, "from": holder.user_id if holder else None})
    if holder is None:
        return _("您现在可以编辑此信息")
    return _("已接管编辑（原编辑：${name}）", mapping={"name": holder.name})

