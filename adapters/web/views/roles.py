"""角色与权限 and 用户组: the security administrator's pages.

Roles (back-end) and groups (front-end) are data: their titles, descriptions and permissions are
edited here, custom ones are added and unused ones deleted. Roles are given to staff accounts,
each assignment optionally limited to a scope (an org unit or a column subtree), from the role's
page or from a person's page; groups are given to citizen and enterprise accounts.

三员分立 is enforced on every assignment and every role edit (:mod:`govcore.authz`), at least one
person keeps the right to manage roles, and every change is audited with what it was before.
Everything here needs ``roles.manage``, which the audit administrator does not hold.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest, HTTPFound, HTTPNotFound
from pyramid.renderers import render_to_response
from pyramid.request import Request
from sqlalchemy import distinct, func, or_, select

from adapters.db.orm import Group, OrgUnit, Role, RoleAssignment, User, UserGroup
from adapters.web.i18n import _
from govcore.audit import DENIED
from govcore.authz import (
    Message,
    RoleDraft,
    RoleFacts,
    SeparationOfDuties,
    check_separation,
    holders_conflict,
    permission_areas,
    validate_draft,
)
from govcore.contributions import PUBLIC, STAFF
from govcore.core_plugin import ROLES_MANAGE, SEPARATED_ADMIN_ROLES
from govcore.plugins import CORE_PLUGIN

T = "adapters.web:templates/"
CORE_AREA_TITLE = _("平台")
SEARCH_LIMIT = 50
STAFF_KIND = "staff"
KIND_LABELS = {"staff": _("工作人员"), "citizen": _("个人用户"), "enterprise": _("企业用户")}


def includeme(config: Configurator) -> None:
    route = config.add_route
    route("admin.roles", "/admin/roles")
    route("admin.role_new", "/admin/roles/new")
    route("admin.role", "/admin/roles/{id:\\d+}")
    route("admin.role_delete", "/admin/roles/{id:\\d+}/delete")
    route("admin.role_assign", "/admin/roles/{id:\\d+}/assign")
    route("admin.role_users", "/admin/roles/users")
    route("admin.role_user", "/admin/roles/users/{id:\\d+}")
    route("admin.role_user_assign", "/admin/roles/users/{id:\\d+}/assign")
    route("admin.role_user_groups", "/admin/roles/users/{id:\\d+}/groups")
    route("admin.assignment_revoke", "/admin/roles/assignments/{id:\\d+}/revoke")
    route("admin.groups", "/admin/groups")
    route("admin.group_new", "/admin/groups/new")
    route("admin.group", "/admin/groups/{id:\\d+}")
    route("admin.group_delete", "/admin/groups/{id:\\d+}/delete")

    def view(func, route_name, method, renderer=None):
        config.add_view(func, route_name=route_name, request_method=method, permission=ROLES_MANAGE,
                        renderer=T + renderer if renderer else None)

    view(role_list, "admin.roles", "GET", "admin_roles.pt")
    view(role_new_form, "admin.role_new", "GET", "admin_roles_edit.pt")
    view(role_create, "admin.role_new", "POST", "admin_roles_edit.pt")
    view(role_page, "admin.role", "GET", "admin_roles_edit.pt")
    view(role_save, "admin.role", "POST", "admin_roles_edit.pt")
    view(role_delete, "admin.role_delete", "POST")
    view(role_assign, "admin.role_assign", "POST", "admin_roles_edit.pt")
    view(user_search, "admin.role_users", "GET", "admin_roles_users.pt")
    view(user_page, "admin.role_user", "GET", "admin_roles_user.pt")
    view(user_assign, "admin.role_user_assign", "POST", "admin_roles_user.pt")
    view(user_groups, "admin.role_user_groups", "POST")
    view(assignment_revoke, "admin.assignment_revoke", "POST")
    view(group_list, "admin.groups", "GET", "admin_groups.pt")
    view(group_new_form, "admin.group_new", "GET", "admin_groups_edit.pt")
    view(group_create, "admin.group_new", "POST", "admin_groups_edit.pt")
    view(group_page, "admin.group", "GET", "admin_groups_edit.pt")
    view(group_save, "admin.group", "POST", "admin_groups_edit.pt")
    view(group_delete, "admin.group_delete", "POST")


# Shared helpers ---------------------------------------------------------------------------------

def _message(request: Request, message: Message) -> str:
    """A rule's message in the user's language; role titles in it are translated too."""
    translate = request.localizer.translate
    return translate(_(message.template, mapping={key: translate(_(value)) for key, value in message.mapping.items()}))


def _flash(request: Request, text, **mapping: Any) -> None:
    """A success message; role and group titles in it are translated like the rest."""
    translate = request.localizer.translate
    request.session.flash(translate(_(text, mapping={k: translate(_(v)) for k, v in mapping.items()})), "success")


def _refuse(request: Request, template: str, values: dict, notice: str):
    """Show the page again with why the action was refused (400), changing nothing."""
    values["notice"] = notice
    request.response.status_int = 400
    return render_to_response(T + template, values, request=request, response=request.response)


def _get(request: Request, model):
    row = request.dbsession.get(model, int(request.matchdict["id"]))
    if row is None:
        raise HTTPNotFound()
    return row


def _area_title(request: Request, plugin_name: str) -> str:
    """A plugin's area as its docstring names it (信息发布：栏目… gives 信息发布)."""
    if plugin_name == CORE_PLUGIN:
        return CORE_AREA_TITLE
    module = request.platform.plugins.manager.get_plugin(plugin_name)
    first_line = ((getattr(module, "__doc__", None) or "").strip().splitlines() or [""])[0]
    return first_line.split("：")[0].strip() or plugin_name


def _areas(request: Request, audience: str):
    declared = [(_area_title(request, plugin), permissions)
                for plugin, permissions in request.platform.plugins.each("govcore_register_permissions")]
    return permission_areas(declared, audience)


def _draft(request: Request, row=None) -> RoleDraft:
    """The submitted form; an existing row keeps its name whatever the form says."""
    return RoleDraft(
        name=row.name if row is not None else request.POST.get("name", "").strip(),
        title=request.POST.get("title", "").strip(),
        description=request.POST.get("description", "").strip(),
        permissions=frozenset(request.POST.getall("permissions")),
    )


def _values(row) -> dict:
    return {"name": row.name, "title": row.title, "description": row.description or "",
            "permissions": set(row.permissions)}


def _draft_values(draft: RoleDraft) -> dict:
    return {"name": draft.name, "title": draft.title, "description": draft.description,
            "permissions": set(draft.permissions)}


def _stored_permissions(request: Request, row, chosen: frozenset[str]) -> list[str]:
    """What to store: the chosen permissions, plus any the row holds from plugins not enabled here.

    The form shows only the enabled plugins' permissions, so saving it must not silently drop
    those of a plugin the county switched off for a while.
    """
    known = request.platform.plugins.permissions
    kept = [p for p in (row.permissions if row is not None else []) if p not in known]
    return sorted(chosen) + kept


def _dormant(request: Request, row) -> list[str]:
    known = request.platform.plugins.permissions
    return [p for p in row.permissions if p not in known] if row is not None else []


def _facts(role: Role, permissions=None) -> RoleFacts:
    return RoleFacts(role.name, role.title, frozenset(role.permissions if permissions is None else permissions))


def _roles_managers(request: Request, *, role_id: int | None = None, permissions=None,
                    without_assignment: int | None = None) -> int:
    """How many active people would hold ``roles.manage`` everywhere after a change.

    The change is either role ``role_id`` getting ``permissions`` or one assignment going away.
    """
    rows = request.dbsession.execute(
        select(RoleAssignment.id, RoleAssignment.user_id, Role.id, Role.permissions)
        .join(Role, RoleAssignment.role_id == Role.id)
        .join(User, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.scope_type.is_(None), User.is_active.is_(True))
    ).all()
    return len({
        user_id for assignment_id, user_id, rid, perms in rows
        if assignment_id != without_assignment and ROLES_MANAGE in (permissions if rid == role_id else perms)
    })


def _last_manager_message() -> Message:
    return Message(_("至少需要保留一名可在全部范围内管理角色与权限的人员（如安全管理员），否则将无人能再分配权限"))


# Scopes ---------------------------------------------------------------------------------------

def _scope_options(request: Request) -> list[tuple[str, str, list[tuple[int, str]]]]:
    """(scope type name, title, [(id, path)]) for the assignment forms, computed once per request."""
    cached = getattr(request, "_govcore_scope_options", None)
    if cached is None:
        cached = [(scope.name, scope.title, scope.options(request.uow))
                  for scope in request.platform.plugins.scope_types.values()]
        request._govcore_scope_options = cached
    return cached


def _scope_label(request: Request, scope_type: str | None, scope_id: int | None) -> str:
    if scope_type is None:
        return request.localizer.translate(_("全部范围"))
    for name, title, options in _scope_options(request):
        if name == scope_type:
            path = dict(options).get(scope_id)
            if path is not None:
                return f"{request.localizer.translate(_(title))}：{path}"
            return request.localizer.translate(_("${title} #${id}（已停用或已删除）", mapping={
                "title": request.localizer.translate(_(title)), "id": scope_id}))
    return f"{scope_type} #{scope_id}"


def _parse_scope(request: Request, value: str) -> tuple[str | None, int | None] | None:
    """``"column:12"`` → ("column", 12); ``""`` → unscoped; None when it names no offered scope."""
    if not value:
        return None, None
    scope_type, _sep, raw_id = value.partition(":")
    for name, _title, options in _scope_options(request):
        if name == scope_type and raw_id.isdigit() and int(raw_id) in dict(options):
            return scope_type, int(raw_id)
    return None


def _assignment_rows(request: Request, assignments) -> list[dict]:
    return [{"assignment": a, "scope": _scope_label(request, a.scope_type, a.scope_id)} for a in assignments]


def _assign(request: Request, user: User, role: Role, scope_value: str) -> Message | None:
    """Give ``user`` the role within the chosen scope, or say in Chinese why not."""
    scope = _parse_scope(request, scope_value)
    if scope is None:
        return Message(_("请从列表中选择适用范围"))
    if user.kind != STAFF_KIND:
        return Message(_("只能为工作人员账户分配角色；公众和企业用户请使用用户组"))
    scope_type, scope_id = scope
    if scope_type is not None and ROLES_MANAGE in role.permissions:
        # These pages act county-wide; a scope would promise a limit that nothing enforces.
        return Message(_("含“管理角色与权限”权限的角色在全县范围内有效，不能限定范围"))
    held = list(user.assignments)
    if any(a.role_id == role.id and a.scope_type == scope_type and a.scope_id == scope_id for a in held):
        return Message(_("用户 ${login} 已在此范围内拥有角色“${role}”"), {"login": user.login, "role": role.title})
    try:
        check_separation([_facts(a.role) for a in held] + [_facts(role)])
    except SeparationOfDuties as exc:
        request.audit("role.assign", "user", user.id, result=DENIED, summary={
            "login": user.login, "role": role.name, "scope": [scope_type, scope_id] if scope_type else None,
            "reason": exc.message.text(),
        })
        return exc.message
    user.assignments.append(RoleAssignment(role=role, scope_type=scope_type, scope_id=scope_id))
    request.dbsession.flush()
    request.audit("role.assign", "user", user.id, summary={
        "login": user.login, "role": role.name, "scope": [scope_type, scope_id] if scope_type else None,
        "scope_label": _scope_label(request, scope_type, scope_id),
    })
    return None


# Roles ----------------------------------------------------------------------------------------

def role_list(request: Request):
    session = request.dbsession
    roles = session.scalars(select(Role).order_by(Role.builtin.desc(), Role.id)).all()
    holders = dict(session.execute(
        select(RoleAssignment.role_id, func.count(distinct(RoleAssignment.user_id))).group_by(RoleAssignment.role_id)
    ).all())
    return {"roles": roles, "holders": holders, "separated": SEPARATED_ADMIN_ROLES}


def _role_page_values(request: Request, role: Role | None, values: dict, errors: dict,
                      assign: dict | None = None) -> dict:
    assignments = []
    if role is not None:
        assignments = request.dbsession.scalars(
            select(RoleAssignment).join(User).where(RoleAssignment.role_id == role.id).order_by(User.login)
        ).all()
    return {
        "role": role,
        "values": values,
        "errors": errors,
        "areas": _areas(request, STAFF),
        "dormant": _dormant(request, role),
        "assignments": _assignment_rows(request, assignments),
        "scope_options": _scope_options(request),
        "assign": assign or {"login": "", "scope": "", "error": None},
        "notice": None,
        "separated": SEPARATED_ADMIN_ROLES,
    }


def role_new_form(request: Request):
    return _role_page_values(request, None, {"name": "", "title": "", "description": "", "permissions": set()}, {})


def role_create(request: Request):
    return _create(request, Role, STAFF, "role", "admin.role", _role_page_values, _("已新建角色“${title}”"),
                   seeded_permissions=[])


def role_page(request: Request):
    role = _get(request, Role)
    return _role_page_values(request, role, _values(role), {})


def role_save(request: Request):
    role = _get(request, Role)
    draft = _draft(request, role)
    errors = validate_draft(draft, request.platform.plugins.permissions, STAFF, new=False)
    stored = _stored_permissions(request, role, draft.permissions)
    if not errors:
        problem = _holders_problem(request, role, stored)
        if problem is not None:
            errors["permissions"] = problem
    if errors:
        return _invalid(request, _role_page_values, role, draft, errors)
    return _update(request, role, draft, stored, "role", "admin.role", _("角色“${title}”已保存"))


def _holders_problem(request: Request, role: Role, permissions: list[str]) -> Message | None:
    """三员分立 among the role's holders after the edit, and someone left to manage roles."""
    holders = request.dbsession.scalars(
        select(User).join(RoleAssignment).where(RoleAssignment.role_id == role.id).distinct()
    ).all()
    holdings = {user.login: [_facts(a.role) for a in user.assignments] for user in holders}
    conflict = holders_conflict(_facts(role, permissions), holdings)
    if conflict is not None:
        return conflict
    if (ROLES_MANAGE in role.permissions and ROLES_MANAGE not in permissions
            and _roles_managers(request, role_id=role.id, permissions=permissions) == 0):
        return _last_manager_message()
    return None


def role_delete(request: Request):
    role = _get(request, Role)
    in_use = request.dbsession.scalar(select(func.count()).where(RoleAssignment.role_id == role.id))
    if role.builtin or in_use:
        notice = request.localizer.translate(_("内置角色不能删除") if role.builtin else _(
            "仍有 ${count} 项分配使用此角色，请先撤销", mapping={"count": in_use}))
        return _refuse(request, "admin_roles_edit.pt", _role_page_values(request, role, _values(role), {}), notice)
    return _delete(request, role, "role", "admin.roles", _("已删除角色“${title}”"))


def role_assign(request: Request):
    """Give the role to the account named by its user name, from the role's page."""
    role = _get(request, Role)
    login = request.POST.get("login", "").strip()
    scope_value = request.POST.get("scope", "")
    user = request.dbsession.scalar(select(User).where(User.login == login)) if login else None
    problem = (Message(_("未找到用户名为“${login}”的账户"), {"login": login}) if user is None
               else _assign(request, user, role, scope_value))
    if problem is not None:
        request.response.status_int = 400
        return _role_page_values(request, role, _values(role), {}, assign={
            "login": login, "scope": scope_value, "error": _message(request, problem),
        })
    _flash(request, _("已为 ${name} 分配角色“${role}”"), name=user.display_name, role=role.title)
    return HTTPFound(location=request.route_path("admin.role", id=role.id, _anchor="holders"))


def assignment_revoke(request: Request):
    assignment = _get(request, RoleAssignment)
    back_to_user = request.POST.get("back") == "user"
    location = (request.route_path("admin.role_user", id=assignment.user_id) if back_to_user
                else request.route_path("admin.role", id=assignment.role_id, _anchor="holders"))
    role, user = assignment.role, assignment.user
    if ROLES_MANAGE in role.permissions and assignment.scope_type is None \
            and _roles_managers(request, without_assignment=assignment.id) == 0:
        notice = _message(request, _last_manager_message())
        if back_to_user:
            return _refuse(request, "admin_roles_user.pt", _user_page_values(request, user), notice)
        return _refuse(request, "admin_roles_edit.pt", _role_page_values(request, role, _values(role), {}), notice)
    request.audit("role.revoke", "user", user.id, summary={
        "login": user.login, "role": role.name,
        "scope": [assignment.scope_type, assignment.scope_id] if assignment.scope_type else None,
        "scope_label": _scope_label(request, assignment.scope_type, assignment.scope_id),
    })
    user.assignments.remove(assignment)
    _flash(request, _("已撤销 ${name} 的角色“${role}”"), name=user.display_name, role=role.title)
    return HTTPFound(location=location)


# People ---------------------------------------------------------------------------------------

def user_search(request: Request):
    query = request.params.get("q", "").strip()
    users = []
    if query:
        needle = query.lower()
        users = request.dbsession.scalars(
            select(User).where(or_(func.lower(User.login).contains(needle, autoescape=True),
                                   func.lower(User.display_name).contains(needle, autoescape=True)))
            .order_by(User.login).limit(SEARCH_LIMIT + 1)
        ).all()
    return {"query": query, "users": users[:SEARCH_LIMIT], "more": len(users) > SEARCH_LIMIT,
            "limit": SEARCH_LIMIT, "kinds": KIND_LABELS}


def _user_page_values(request: Request, user: User, assign: dict | None = None) -> dict:
    assignments = sorted(user.assignments, key=lambda a: (a.role.id, a.scope_type or "", a.scope_id or 0))
    unit = request.dbsession.get(OrgUnit, user.org_unit_id) if user.org_unit_id else None
    return {
        "user": user,
        "unit": unit,
        "assignments": _assignment_rows(request, assignments),
        "roles": request.dbsession.scalars(select(Role).order_by(Role.builtin.desc(), Role.id)).all(),
        "groups": request.dbsession.scalars(select(Group).order_by(Group.id)).all(),
        "member_of": {group.id for group in user.groups},
        "scope_options": _scope_options(request),
        "assign": assign or {"role": "", "scope": "", "error": None},
        "staff": user.kind == STAFF_KIND,
        "kinds": KIND_LABELS,
        "notice": None,
    }


def user_page(request: Request):
    return _user_page_values(request, _get(request, User))


def user_assign(request: Request):
    """Give the person a role chosen from the list, from their page."""
    user = _get(request, User)
    role_value = request.POST.get("role", "")
    scope_value = request.POST.get("scope", "")
    role = request.dbsession.get(Role, int(role_value)) if role_value.isdigit() else None
    problem = Message(_("请选择角色")) if role is None else _assign(request, user, role, scope_value)
    if problem is not None:
        request.response.status_int = 400
        return _user_page_values(request, user, assign={
            "role": role_value, "scope": scope_value, "error": _message(request, problem),
        })
    _flash(request, _("已为 ${name} 分配角色“${role}”"), name=user.display_name, role=role.title)
    return HTTPFound(location=request.route_path("admin.role_user", id=user.id))


def user_groups(request: Request):
    """Set which front-end groups a citizen or enterprise account belongs to."""
    user = _get(request, User)
    if user.kind == STAFF_KIND:
        raise HTTPBadRequest()
    wanted = {int(v) for v in request.POST.getall("groups") if v.isdigit()}
    groups = request.dbsession.scalars(select(Group).order_by(Group.id)).all()
    before = sorted(group.name for group in user.groups)
    user.groups = [group for group in groups if group.id in wanted]
    after = sorted(group.name for group in user.groups)
    if before != after:
        request.audit("group.members", "user", user.id, summary={"login": user.login, "before": before, "after": after})
    _flash(request, _("${name} 所属的用户组已保存"), name=user.display_name)
    return HTTPFound(location=request.route_path("admin.role_user", id=user.id))


# Groups ---------------------------------------------------------------------------------------

def group_list(request: Request):
    session = request.dbsession
    groups = session.scalars(select(Group).order_by(Group.builtin.desc(), Group.id)).all()
    members = dict(session.execute(
        select(UserGroup.group_id, func.count()).group_by(UserGroup.group_id)
    ).all())
    return {"groups": groups, "members": members}


def _group_page_values(request: Request, group: Group | None, values: dict, errors: dict) -> dict:
    members = 0
    if group is not None:
        members = request.dbsession.scalar(select(func.count()).where(UserGroup.group_id == group.id))
    return {"group": group, "values": values, "errors": errors, "members": members,
            "areas": _areas(request, PUBLIC), "dormant": _dormant(request, group), "notice": None}


def group_new_form(request: Request):
    return _group_page_values(request, None, {"name": "", "title": "", "description": "", "permissions": set()}, {})


def group_create(request: Request):
    return _create(request, Group, PUBLIC, "group", "admin.group", _group_page_values, _("已新建用户组“${title}”"))


def group_page(request: Request):
    group = _get(request, Group)
    return _group_page_values(request, group, _values(group), {})


def group_save(request: Request):
    group = _get(request, Group)
    draft = _draft(request, group)
    errors = validate_draft(draft, request.platform.plugins.permissions, PUBLIC, new=False)
    if errors:
        return _invalid(request, _group_page_values, group, draft, errors)
    stored = _stored_permissions(request, group, draft.permissions)
    return _update(request, group, draft, stored, "group", "admin.group", _("用户组“${title}”已保存"))


def group_delete(request: Request):
    group = _get(request, Group)
    members = request.dbsession.scalar(select(func.count()).where(UserGroup.group_id == group.id))
    if group.builtin or members:
        notice = request.localizer.translate(_("内置用户组不能删除") if group.builtin else _(
            "此用户组仍有 ${count} 名成员，请先将他们移出", mapping={"count": members}))
        return _refuse(request, "admin_groups_edit.pt", _group_page_values(request, group, _values(group), {}), notice)
    return _delete(request, group, "group", "admin.groups", _("已删除用户组“${title}”"))


# Roles and groups are both named sets of permissions: they are created, saved and deleted alike.


def _invalid(request: Request, page_values, row, draft: RoleDraft, errors: dict):
    request.response.status_int = 400
    return page_values(request, row, _draft_values(draft), {k: _message(request, m) for k, m in errors.items()})


def _create(request: Request, model, audience: str, kind: str, route: str, page_values, created, **columns):
    draft = _draft(request)
    taken = request.dbsession.scalars(select(model.name)).all()
    errors = validate_draft(draft, request.platform.plugins.permissions, audience, new=True, taken_names=taken)
    if errors:
        return _invalid(request, page_values, None, draft, errors)
    row = model(name=draft.name, title=draft.title, description=draft.description,
                permissions=sorted(draft.permissions), builtin=False, **columns)
    request.dbsession.add(row)
    request.dbsession.flush()
    request.audit(f"{kind}.create", kind, row.id, summary={
        "name": row.name, "title": row.title, "description": row.description, "permissions": row.permissions,
    })
    _flash(request, created, title=row.title)
    return HTTPFound(location=request.route_path(route, id=row.id))


def _update(request: Request, row, draft: RoleDraft, stored: list[str], kind: str, route: str, saved):
    before = {"title": row.title, "description": row.description or "", "permissions": sorted(row.permissions)}
    after = {"title": draft.title, "description": draft.description, "permissions": sorted(stored)}
    if before != after:
        row.title, row.description, row.permissions = draft.title, draft.description, stored
        request.audit(f"{kind}.update", kind, row.id, summary={"name": row.name, "before": before, "after": after})
    _flash(request, saved, title=row.title)
    return HTTPFound(location=request.route_path(route, id=row.id))


def _delete(request: Request, row, kind: str, list_route: str, deleted):
    request.audit(f"{kind}.delete", kind, row.id, summary={
        "name": row.name, "title": row.title, "permissions": sorted(row.permissions),
    })
    request.dbsession.delete(row)
    _flash(request, deleted, title=row.title)
    return HTTPFound(location=request.route_path(list_route))
