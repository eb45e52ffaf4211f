"""Per-request properties: the platform, the database session and unit of work, the user."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pyramid.config import Configurator
from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from adapters.db.orm import RoleAssignment, User
from adapters.db.engine import begin_writing
from adapters.db.uow import SqlUnitOfWork, join_session
from govcore.contributions import NavItem
from govcore.core_plugin import ADMIN_ACCESS

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def includeme(config: Configurator) -> None:
    config.add_request_method(lambda r: r.registry["platform"], "platform", reify=True)
    config.add_request_method(_dbsession, "dbsession", reify=True)
    config.add_request_method(lambda r: SqlUnitOfWork(r.dbsession, r.tm, r.platform), "uow", reify=True)
    config.add_request_method(_current_user, "current_user", reify=True)
    config.add_request_method(_user_grants, "user_grants", reify=True)
    config.add_request_method(_permission_scopes, "permission_scopes")
    config.add_request_method(_scope_ancestors, "scope_ancestors")
    config.add_request_method(_navigation, "navigation", reify=True)
    config.add_request_method(_admin_menu, "admin_menu", reify=True)
    config.add_request_method(lambda r: [], "breadcrumbs", reify=True)
    config.add_request_method(lambda r: staff_home_path(r, r.current_user) if r.current_user else None,
                              "staff_home", reify=True)


def _dbsession(request: Request):
    session = join_session(request.platform.extras["session_factory"], request.tm)
    if request.method not in SAFE_METHODS:
        begin_writing(session)  # on SQLite: a form that reads, then saves, is not refused halfway
    request.add_finished_callback(lambda _r: session.close())
    return session


def staff_home_path(request: Request, user: User) -> str:
    """Where a staff member's work starts: the dashboard for those who may open it, otherwise the
    task inbox, which every staff member has."""
    opens_dashboard = any(ADMIN_ACCESS in assignment.role.permissions for assignment in user.assignments)
    return request.route_path("admin" if opens_dashboard else "admin.tasks")


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


@dataclass(frozen=True)
class Grants:
    """What the signed-in user may do: everywhere, or only within (scope type, id) pairs."""

    everywhere: frozenset[str]
    scoped: dict[str, frozenset[tuple[str, int]]]


def _user_grants(request: Request) -> Grants:
    user = request.current_user
    if user is None:
        return Grants(frozenset(), {})
    everywhere = {p for group in user.groups for p in group.permissions}
    scoped: dict[str, set[tuple[str, int]]] = {}
    for assignment in user.assignments:
        if assignment.scope_type is None:
            everywhere.update(assignment.role.permissions)
        else:
            for permission in assignment.role.permissions:
                scoped.setdefault(permission, set()).add((assignment.scope_type, assignment.scope_id))
    return Grants(frozenset(everywhere), {p: frozenset(s) for p, s in scoped.items() if p not in everywhere})


def _permission_scopes(request: Request, permission: str, scope_type: str) -> frozenset[int] | None:
    """The ids of ``scope_type`` within which the user holds ``permission``; None means everywhere."""
    grants = request.user_grants
    if permission in grants.everywhere:
        return None
    return frozenset(scope_id for kind, scope_id in grants.scoped.get(permission, ()) if kind == scope_type)


def _scope_ancestors(request: Request, scope_type: str, object_id: int) -> list[int]:
    scope = request.platform.plugins.scope_types.get(scope_type)
    return scope.ancestors(request.uow, object_id) if scope is not None else []


def _navigation(request: Request) -> list[NavItem]:
    return [item for _plugin, items in request.platform.plugins.each("govcore_navigation", request=request)
            for item in items]


def _admin_menu(request: Request) -> list[tuple[str, list]]:
    """The staff menu, grouped by section, keeping only entries the user may open.

    An entry naming a route nobody registered is left out with a warning, so one plugin's
    mistake cannot take the whole staff area down.
    """
    mapper = request.registry.getUtility(IRoutesMapper)
    sections: dict[str, list] = {}
    for entry in request.platform.plugins.menu:
        if mapper.get_route(entry.route_name) is None:
            log.warning("menu entry %r names the unknown route %r", entry.title, entry.route_name)
            continue
        if request.has_permission(entry.permission):
            sections.setdefault(entry.section, []).append(entry)
    return list(sections.items())
