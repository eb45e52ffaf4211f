"""The staff area shell: dashboard, installed plugins, the in-app inbox."""

from __future__ import annotations

from markupsafe import Markup
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from sqlalchemy import func, select

from adapters.db.orm import InboxMessage
from govcore.plugins import describe_plugins


def dashboard(request):
    platform = request.platform
    widgets = [
        (widget, Markup(widget.render(request)))
        for widget in platform.plugins.dashboard_widgets
        if request.has_permission(widget.permission)
    ]
    unread = request.dbsession.scalar(
        select(func.count()).select_from(InboxMessage).where(
            InboxMessage.recipient_id == request.current_user.id, InboxMessage.read_at.is_(None)
        )
    )
    return {
        "widgets": widgets,
        "calendar_warning": platform.calendar.coverage_warning(platform.clock.today()),
        "unread": unread,
        "search_status": platform.search.status(),
        "scheduler_status": platform.scheduler.status(),
    }


def plugins(request):
    return {"plugins": describe_plugins(request.platform.plugins.enabled)}


def inbox(request):
    messages = request.dbsession.scalars(
        select(InboxMessage)
        .where(InboxMessage.recipient_id == request.current_user.id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(100)
    ).all()
    return {"messages": messages}


def mark_read(request):
    message = request.dbsession.get(InboxMessage, int(request.matchdict["id"]))
    if message is None or message.recipient_id != request.current_user.id:
        raise HTTPNotFound()
    if message.read_at is None:
        message.read_at = request.platform.clock.now()
    return HTTPFound(location=request.route_path("admin.inbox"))
