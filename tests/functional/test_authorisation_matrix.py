"""The authorisation matrix: every route, for anonymous visitors, a citizen and each built-in role.

The expectations are generated, not written down: each route's views are read from Pyramid's
introspection with the permission they declare, and each persona's permissions from the roles
and groups in the database. A GET view must open for a persona holding its permission (no 403,
no sign-in redirect, no server error) and stay closed otherwise (403, or for an anonymous
visitor of an HTML page a redirect to /login). Views of other methods are sent a request (with a
valid CSRF token) only by personas who must be refused, since an allowed one would change data.

Path parameters come from the demo data where a view should find its object (a column slug, a
role id) and are otherwise an id that names nothing, where 404 is the honest answer for an
allowed persona. A new route with a parameter these rules do not cover still gets checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import pytest
from pyramid.config import Configurator
from pyramid.interfaces import IException, IRoutesMapper
from pyramid.security import NO_PERMISSION_REQUIRED
from sqlalchemy import select

from adapters.db.orm import Group, OrgUnit, Role, User
from govcore.core_plugin import AUTHENTICATED_PERMISSIONS, PUBLIC_GROUP, PUBLIC_PERMISSIONS, STAFF_PERMISSIONS
from plugins.content.orm import Column
from tests.functional.signin import person, sign_in

MISSING_ID = "999999"
SAFE_METHODS = {"GET"}
STATIC_FILE = "site.css"


# Which views, with which permissions ---------------------------------------------------------------

def _is_exception_view(view) -> bool:
    """Exception views (403, 404, 500 pages and Pyramid's own) answer errors; they guard nothing."""
    if view["exception_only"]:
        return True
    context = view["context"]
    if isinstance(context, type) and issubclass(context, BaseException):
        return True
    return bool(getattr(context, "isOrExtends", None)) and context.isOrExtends(IException)


def _permission(entry) -> str | None:
    related = [r["value"] for r in entry["related"] if r.category_name == "permissions"]
    return related[0] if related else None


def views_without_permission(registry) -> list[str]:
    """Every view, exception views aside, that names no permission (or opts out of one)."""
    offenders = []
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        if _is_exception_view(view):
            continue
        permission = _permission(entry)
        if permission is None or permission == NO_PERMISSION_REQUIRED:
            offenders.append(f"{view['route_name'] or view['context']}: {view.title}")
    return offenders


@dataclass
class RouteViews:
    name: str
    pattern: str
    route: object
    # method ("GET", "POST" …) → the permissions of the views answering it
    permissions: dict[str, set[str]] = field(default_factory=dict)


def route_views(registry) -> list[RouteViews]:
    mapper = registry.getUtility(IRoutesMapper)
    routes = {route.name: RouteViews(route.name, route.pattern, route) for route in mapper.get_routes()}
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        if _is_exception_view(view) or view["route_name"] not in routes:
            continue
        methods = view["request_methods"] or ("GET",)
        for method in (methods,) if isinstance(methods, str) else methods:
            routes[view["route_name"]].permissions.setdefault(method, set()).add(_permission(entry))
    return sorted(routes.values(), key=lambda r: r.name)


# Filling in path parameters -------------------------------------------------------------------------

ALTERNATIVES = re.compile(r"\{\w+:\(([\w-]+)\|")  # e.g. {action:(submit|unlock)}
PLACEHOLDER = re.compile(r"\{(\w+)(?::(?:[^{}]|\{[^{}]*\})*)?\}|\*(\w+)")


def existing_ids(dbsession) -> dict[str, str]:
    """Route name → an id of the demo data that route's views should find."""
    column = dbsession.scalar(select(Column.id).where(Column.slug == "disclosure"))
    role = dbsession.scalar(select(Role.id).where(Role.name == "editor"))
    group = dbsession.scalar(select(Group.id).where(Group.name == PUBLIC_GROUP))
    admin = dbsession.scalar(select(User.id).where(User.login == "admin"))
    unit = dbsession.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))
    ids = {
        "content.admin_column_edit": column,
        "admin.role": role,
        "admin.role_user": admin,
        "admin.group": group,
        "admin.user": admin,
        "admin.user_edit": admin,
        "admin.org_edit": unit,
    }
    return {name: str(value) for name, value in ids.items() if value is not None}


def path_of(route: RouteViews, ids: dict[str, str]) -> str:
    values = {}
    for match in PLACEHOLDER.finditer(route.pattern):
        name = match.group(1) or match.group(2)
        if match.group(2):
            values[name] = STATIC_FILE if route.name == "__static/" else "missing.txt"
        elif name == "slug":
            values[name] = "disclosure"
        elif name == "code":
            values[name] = "zh_CN"
        elif name == "id":
            values[name] = ids.get(route.name, MISSING_ID)
        elif "\\d+" in match.group(0):
            values[name] = MISSING_ID
        elif ALTERNATIVES.match(match.group(0)):
            values[name] = ALTERNATIVES.match(match.group(0)).group(1)  # a value the route accepts
        else:
            values[name] = "missing"
    path = route.route.generate(values)
    return path if path.startswith("/") else "/" + path


# Personas ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Persona:
    name: str
    permissions: frozenset[str]
    signed_in: bool
    staff: bool = False

    def holds(self, permission: str) -> bool:
        if permission in PUBLIC_PERMISSIONS:
            return True
        if permission in AUTHENTICATED_PERMISSIONS:
            return self.signed_in
        if permission in STAFF_PERMISSIONS:
            return self.staff
        return permission in self.permissions


def _csrf_token(testapp, persona: Persona) -> str:
    page = testapp.get("/account/password" if persona.signed_in else "/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def check(testapp, persona: Persona, routes: list[RouteViews], ids: dict[str, str]) -> Iterator[str]:
    """Each way the site's answers differ from what the persona's permissions promise."""
    token = None
    for route in routes:
        path = path_of(route, ids)
        for method, permissions in sorted(route.permissions.items()):
            if len(permissions) != 1:
                yield f"{route.name} {method}: views with different permissions {sorted(map(str, permissions))}"
                continue
            permission = next(iter(permissions))
            allowed = persona.holds(permission)
            if method in SAFE_METHODS:
                response = testapp.get(path, expect_errors=True)
            elif allowed:
                continue
            else:
                token = token or _csrf_token(testapp, persona)
                response = testapp.request(path, method=method, POST={"csrf_token": token}, expect_errors=True)
            status = response.status_int
            location = response.headers.get("Location", "")
            to_login = status in (302, 303) and "/login" in location
            if allowed and (status == 403 or to_login or status >= 500):
                yield f"{persona.name}: {method} {path} ({permission}) should open but answered {status} {location}"
            if not allowed and not (status == 403 or (to_login and not persona.signed_in and method == "GET")):
                yield f"{persona.name}: {method} {path} ({permission}) should be refused but answered {status} {location}"


# The tests -----------------------------------------------------------------------------------------

def test_every_view_declares_a_permission(wsgi_app):
    assert views_without_permission(wsgi_app.registry) == []


def test_the_check_catches_a_view_without_a_permission():
    config = Configurator(settings={})
    config.add_route("guarded", "/guarded")
    config.add_view(lambda request: "ok", route_name="guarded", renderer="string", permission="portal.view")
    config.add_route("forgotten", "/forgotten")
    config.add_view(lambda request: "ok", route_name="forgotten", renderer="string")
    config.add_route("opted_out", "/opted-out")
    config.add_view(lambda request: "ok", route_name="opted_out", renderer="string",
                    permission=NO_PERMISSION_REQUIRED)
    config.add_notfound_view(lambda request: "gone", renderer="string")
    config.commit()
    offenders = views_without_permission(config.registry)
    assert [line.split(":")[0] for line in offenders] == ["forgotten", "opted_out"]


def test_every_route_is_answered_by_some_view(wsgi_app):
    assert [route.name for route in route_views(wsgi_app.registry) if not route.permissions] == []


def test_matrix_anonymous(testapp, wsgi_app, dbsession):
    routes = route_views(wsgi_app.registry)
    mismatches = list(check(testapp, Persona("anonymous", frozenset(), False), routes, existing_ids(dbsession)))
    assert mismatches == []


def test_matrix_citizen(testapp, wsgi_app, dbsession, make_user, login):
    citizen = person(dbsession, make_user, "13700000000", kind="citizen", groups=[PUBLIC_GROUP])
    sign_in(testapp, login, citizen)
    group = dbsession.scalar(select(Group).where(Group.name == PUBLIC_GROUP))
    persona = Persona("citizen", frozenset(group.permissions), True)
    mismatches = list(check(testapp, persona, route_views(wsgi_app.registry), existing_ids(dbsession)))
    assert mismatches == []


def test_matrix_every_builtin_role(testapp, wsgi_app, platform, dbsession, make_user, login):
    routes = route_views(wsgi_app.registry)
    ids = existing_ids(dbsession)
    mismatches = []
    assert len(platform.plugins.roles) >= 10
    for name in platform.plugins.roles:
        role = dbsession.scalar(select(Role).where(Role.name == name))
        user = person(dbsession, make_user, f"matrix-{name}", [name])
        testapp.reset()
        sign_in(testapp, login, user)
        mismatches += check(testapp, Persona(name, frozenset(role.permissions), True, staff=True), routes, ids)
    assert mismatches == []


@pytest.mark.parametrize("pattern, expected", [
    ("/column/{slug}", "/column/disclosure"),
    ("/admin/roles/{id:\\d+}", "/admin/roles/999999"),
    ("/archive/{year:\\d{4}}", "/archive/missing"),
    ("static/*subpath", "/static/missing.txt"),
])
def test_path_parameters_are_filled_in(pattern, expected):
    config = Configurator(settings={})
    config.add_route("sample", pattern)
    config.commit()
    route = config.registry.getUtility(IRoutesMapper).get_route("sample")
    assert path_of(RouteViews("sample", pattern, route), {}) == expected
