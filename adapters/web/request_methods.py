"""Per-request properties: the platform, the database session and unit of work, the user."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from adapters.db.orm import RoleAssignment, User
from adapters.db.uow import SqlUnitOfWork, join_session
from govcore.contributions import NavItem


def includeme(config: Configurator) -> None:
    config.add_request_method(lambda r: r.registry["platform"], "platform", reify=True)
    config.add_request_method(_dbsession, "dbsession", reify=True)
    config.add_request_method(lambda r: SqlUnitOfWork(r.dbsession, r.tm, r.platform), "uow", reify=True)
    config.add_request_method(_current_user, "current_user", reify=True)
    config.add_request_method(_user_permissions, "user_permissions", reify=True)
    config.add_request_method(_navigation, "navigation", reify=True)
    config.add_request_method(_admin_menu, "admin_menu", reify=True)
    config.add_request_method(lambda r: [], "breadcrumbs", reify=True)


def _dbsession(request: Request):
    session = join_session(request.platform.extras["session_factory"], request.tm)
    request.add_finished_callback(lambda _r: session.close())
    return session


def _current_user(request: Request) -> User | None:
    user_id = request.session.get("uid")
    if user_id is None:
        return None
    user = request.dbsession.scalar(
        select(User)
        .where(User.id == user_id)
        .options(selectinload(User.assignments).joinedload(RoleAssignment.role))
    )
    return user if user is not None and user.is_active else None


def _user_permissions(request: Request) -> frozenset[str]:
    user = request.current_user
    if user is None:
        return frozenset()
    # Unscoped assignments grant everywhere; scoped ones are honoured per object by the views
    # that have a scope to check.
    return frozenset(p for a in user.assignments if a.scope_type is None for p in a.role.permissions)


def _navigation(request: Request) -> list[NavItem]:
    return [item for _plugin, items in request.platform.plugins.each("govcore_navigation", request=request)
            for item in items]


def _admin_menu(request: Request) -> list[tuple[str, list]]:
    """The staff menu, grouped by section, keeping only entries the user may open."""
    sections: dict[str, list] = {}
    for entry in request.platform.plugins.menu:
        if request.has_permission(entry.permission):
            sections.setdefault(entry.section, []).append(entry)
    return list(sections.items())
