"""角色与权限 and 用户组: editing, assigning with scopes, 三员分立, auditing, and the demo accounts."""

import json
import re

import pytest
from pyramid.interfaces import IRoutesMapper
from pyramid.scripting import prepare
from sqlalchemy import select

from adapters.cli.setup import initialise
from adapters.db.orm import AuditRecord, Group, OrgUnit, Role, RoleAssignment, User
from adapters.testing.pytest_plugin import csrf_token, deployment_settings
from govcore.core_plugin import ORG_UNIT_SCOPE, USERS_MANAGE
from plugins.content.orm import Column
from tests.functional.signin import person, sign_in


@pytest.fixture
def secadmin(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "sec-zhang", ["security_admin"])
    sign_in(testapp, login, user)
    return user


def role_id(dbsession, name: str) -> int:
    return dbsession.scalar(select(Role.id).where(Role.name == name))


def audits(dbsession, action: str) -> list[AuditRecord]:
    dbsession.expire_all()
    return dbsession.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)).all()


def form_with(page, action_end: str):
    """The page's first form posting to an address ending in ``action_end``."""
    return next(form for form in page.forms.values() if (form.action or "").endswith(action_end))


def checked_permissions(form) -> set[str]:
    return {field.value for field in form.fields.get("permissions", ()) if field.checked}


def test_role_list_shows_each_role_with_its_holders(testapp, secadmin):
    rows = testapp.get("/admin/roles").html.select("tbody tr")
    by_title = {row.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in row.find_all("td")] for row in rows}
    for title in ("系统管理员", "安全管理员", "审计管理员", "部门管理员", "编辑", "责任编辑", "主编", "总编",
                  "村务管理员", "乡镇审核员"):
        assert title in by_title
    assert int(by_title["安全管理员"][3]) >= 2  # demo-secadmin and sec-zhang
    assert "三员" in by_title["审计管理员"][4]


def test_editing_a_role_changes_its_permissions_and_is_audited(testapp, secadmin, dbsession):
    editor = role_id(dbsession, "editor")
    page = testapp.get(f"/admin/roles/{editor}")
    form = form_with(page, f"/admin/roles/{editor}")
    assert checked_permissions(form) == {"admin.access", "content.columns.view", "content.columns.edit",
                                         "content.items.view", "content.items.edit"}
    offered = {tag["value"] for tag in page.html.select('input[name="permissions"]')}
    # Only staff permissions are offered; the public and implicit ones never are.
    assert "officework.sign" in offered and "content.columns.edit" in offered
    assert not {"participation.comment", "portal.view", "account.self"} & offered
    assert "信息发布" in page.text and "编辑栏目" in page.text  # grouped by area, with Chinese titles
    for field in form.fields["permissions"]:
        field.checked = field._value in {"admin.access", "content.columns.view", "officework.sign"}
    form["title"] = "网站编辑"
    assert form.submit(status=302).location.endswith(f"/admin/roles/{editor}")
    role = dbsession.get(Role, editor)
    dbsession.refresh(role)
    assert role.title == "网站编辑"
    assert sorted(role.permissions) == ["admin.access", "content.columns.view", "officework.sign"]
    record = audits(dbsession, "role.update")[-1]
    summary = json.loads(record.summary)
    assert record.actor_login == "sec-zhang" and record.object_id == str(editor)
    assert summary["before"]["permissions"] == ["admin.access", "content.columns.edit", "content.columns.view",
                                                "content.items.edit", "content.items.view"]
    assert summary["after"]["permissions"] == ["admin.access", "content.columns.view", "officework.sign"]
    assert summary["before"]["title"] == "编辑" and summary["after"]["title"] == "网站编辑"


def test_a_forged_public_permission_is_refused_and_the_form_keeps_the_input(testapp, secadmin, dbsession):
    editor = role_id(dbsession, "editor")
    page = testapp.post(f"/admin/roles/{editor}", {
        "csrf_token": csrf_token(testapp), "title": "改过的名称", "description": "",
        "permissions": ["admin.access", "participation.comment"],
    }, status=400)
    assert "participation.comment" in page.html.select_one("#permissions-error").get_text()
    assert page.html.select_one("#role-title")["value"] == "改过的名称"
    dbsession.expire_all()
    assert dbsession.get(Role, editor).title == "编辑"


def test_create_assign_with_scope_revoke_and_delete_a_custom_role(testapp, secadmin, dbsession, make_user):
    clerk = person(dbsession, make_user, "clerk-wang")
    page = testapp.get("/admin/roles/new")
    form = form_with(page, "/admin/roles/new")
    form["name"] = "press_officer"
    form["title"] = "新闻发言人"
    form["description"] = "发布新闻稿"
    for field in form.fields["permissions"]:
        field.checked = field._value in {"admin.access", "content.columns.view"}
    created = form.submit(status=302)
    role = dbsession.scalar(select(Role).where(Role.name == "press_officer"))
    assert role is not None and not role.builtin and sorted(role.permissions) == ["admin.access", "content.columns.view"]
    assert created.location.endswith(f"/admin/roles/{role.id}")
    assert json.loads(audits(dbsession, "role.create")[-1].summary)["permissions"] == role.permissions

    disclosure = dbsession.scalar(select(Column.id).where(Column.slug == "disclosure"))
    page = testapp.get(f"/admin/roles/{role.id}")
    assign = form_with(page, "/assign")
    options = [value for value, _selected, _text in assign["scope"].options]
    assert "" in options and f"column:{disclosure}" in options
    assert any(value.startswith(f"{ORG_UNIT_SCOPE}:") for value in options)
    assign["login"] = "clerk-wang"
    assign["scope"] = f"column:{disclosure}"
    assign.submit(status=302)
    held = dbsession.scalars(select(RoleAssignment).where(RoleAssignment.user_id == clerk.id)).all()
    assert [(a.role_id, a.scope_type, a.scope_id) for a in held] == [(role.id, "column", disclosure)]
    summary = json.loads(audits(dbsession, "role.assign")[-1].summary)
    assert summary["role"] == "press_officer" and summary["scope"] == ["column", disclosure]
    assert "政务公开" in summary["scope_label"]

    page = testapp.get(f"/admin/roles/{role.id}")
    assert "栏目：政务公开" in page.html.select_one("#holders").get_text()
    # The same assignment twice is refused, keeping what was typed.
    again = form_with(page, "/assign")
    again["login"] = "clerk-wang"
    again["scope"] = f"column:{disclosure}"
    refused = again.submit(status=400)
    assert "已在此范围内拥有角色" in refused.text
    assert refused.html.select_one("#assign-login")["value"] == "clerk-wang"
    # An unknown account is named in the error.
    unknown = form_with(refused, "/assign")
    unknown["login"] = "nobody-here"
    assert "nobody-here" in unknown.submit(status=400).html.select_one("#assign-error").get_text()

    assert "删除此角色" not in page.text  # held roles cannot be deleted
    testapp.post(f"/admin/roles/{role.id}/delete", {"csrf_token": csrf_token(testapp)}, status=400)
    assert dbsession.get(Role, role.id) is not None

    revoke = form_with(testapp.get(f"/admin/roles/{role.id}"), "/revoke")
    revoke.submit(status=302)
    dbsession.expire_all()
    assert dbsession.scalars(select(RoleAssignment).where(RoleAssignment.user_id == clerk.id)).all() == []
    assert json.loads(audits(dbsession, "role.revoke")[-1].summary)["login"] == "clerk-wang"

    custom_id = role.id
    form_with(testapp.get(f"/admin/roles/{custom_id}"), "/delete").submit(status=302)
    dbsession.expire_all()
    assert dbsession.get(Role, custom_id) is None
    assert json.loads(audits(dbsession, "role.delete")[-1].summary)["name"] == "press_officer"


def test_builtin_roles_cannot_be_deleted(testapp, secadmin, dbsession):
    editor = role_id(dbsession, "editor")
    assert "删除此角色" not in testapp.get(f"/admin/roles/{editor}").text
    page = testapp.post(f"/admin/roles/{editor}/delete", {"csrf_token": csrf_token(testapp)}, status=400)
    assert "内置角色不能删除" in page.text
    assert dbsession.get(Role, editor) is not None


@pytest.mark.parametrize("held, given", [
    ("system_admin", "security_admin"),
    ("security_admin", "audit_admin"),
    ("audit_admin", "system_admin"),
    ("audit_admin", "department_admin"),  # 部门管理员 manages accounts: the system administrator's duty
])
def test_separation_of_duties_refuses_the_assignment(testapp, secadmin, dbsession, make_user, held, given):
    target = person(dbsession, make_user, "admin-li", [held])
    titles = {r.name: r.title for r in dbsession.scalars(select(Role))}
    page = testapp.get(f"/admin/roles/users/{target.id}")
    form = form_with(page, "/assign")
    form["role"] = str(role_id(dbsession, given))
    refused = form.submit(status=400)
    error = refused.html.select_one("#assign-error").get_text()
    assert "三员分立" in error and titles[held] in error and titles[given] in error
    dbsession.expire_all()
    assert [a.role.name for a in dbsession.get(User, target.id).assignments] == [held]
    record = audits(dbsession, "role.assign")[-1]
    assert record.result == "denied" and json.loads(record.summary)["role"] == given


def test_the_security_administrator_cannot_give_themselves_account_management(testapp, secadmin, dbsession):
    page = testapp.get(f"/admin/roles/users/{secadmin.id}")
    form = form_with(page, "/assign")
    form["role"] = str(role_id(dbsession, "department_admin"))
    assert "三员分立" in form.submit(status=400).text
    # Nor by widening their own role: a role may not mix two administrators' duties.
    security = role_id(dbsession, "security_admin")
    form = form_with(testapp.get(f"/admin/roles/{security}"), f"/admin/roles/{security}")
    for field in form.fields["permissions"]:
        if field._value == USERS_MANAGE:
            field.checked = True
    page = form.submit(status=400)
    assert "三员分立" in page.text and "系统管理员" in page.text
    # Nor by adding it to a role they already hold.
    person_roles = dbsession.get(User, secadmin.id)
    person_roles.assignments.append(RoleAssignment(role=dbsession.get(Role, role_id(dbsession, "editor"))))
    dbsession.commit()
    editor = role_id(dbsession, "editor")
    page = testapp.post(f"/admin/roles/{editor}", {
        "csrf_token": csrf_token(testapp), "title": "编辑", "description": "",
        "permissions": ["admin.access", "content.columns.view", "content.columns.edit", USERS_MANAGE],
    }, status=400)
    assert "sec-zhang" in page.text and "三员分立" in page.text


def test_the_security_administrator_cannot_create_or_open_accounts(testapp, secadmin, wsgi_app, dbsession):
    grants = set(dbsession.get(Role, role_id(dbsession, "security_admin")).permissions)
    assert USERS_MANAGE not in grants
    mapper = wsgi_app.registry.getUtility(IRoutesMapper)
    guarded = set()
    for view in wsgi_app.registry.introspector.get_category("views"):
        permissions = [r["value"] for r in view["related"] if r.category_name == "permissions"]
        methods = view["introspectable"]["request_methods"] or ("GET",)
        for method in (methods,) if isinstance(methods, str) else methods:
            if USERS_MANAGE in permissions and view["introspectable"]["route_name"]:
                guarded.add((view["introspectable"]["route_name"], method))
    assert guarded  # the account pages exist, and all of them are closed to the security administrator
    token = csrf_token(testapp)
    for name, method in sorted(guarded):
        path = "/" + re.sub(r"\{[^}]+\}", "1", mapper.get_route(name).pattern).lstrip("/")
        response = testapp.request(path, method=method, POST={"csrf_token": token} if method == "POST" else None,
                                   expect_errors=True)
        assert response.status_int == 403, (name, method, response.status)


def test_managing_roles_cannot_be_limited_to_a_scope(testapp, secadmin, dbsession, make_user):
    deputy = person(dbsession, make_user, "sec-deputy")
    unit = dbsession.scalar(select(OrgUnit.id).where(OrgUnit.name == "城关镇"))
    page = testapp.post(f"/admin/roles/{role_id(dbsession, 'security_admin')}/assign", {
        "csrf_token": csrf_token(testapp), "login": "sec-deputy", "scope": f"{ORG_UNIT_SCOPE}:{unit}",
    }, status=400)
    assert "不能限定范围" in page.html.select_one("#assign-error").get_text()
    dbsession.expire_all()
    assert dbsession.get(User, deputy.id).assignments == []


def test_a_separated_administrator_role_keeps_its_duty(testapp, secadmin, dbsession):
    security = role_id(dbsession, "security_admin")
    page = testapp.post(f"/admin/roles/{security}", {
        "csrf_token": csrf_token(testapp), "title": "安全管理员", "description": "", "permissions": ["admin.access"],
    }, status=400)
    assert "roles.manage" in page.html.select_one("#permissions-error").get_text()


def test_the_last_person_who_manages_roles_keeps_the_right(testapp, secadmin, dbsession):
    for other in dbsession.scalars(select(User).join(RoleAssignment).where(
            RoleAssignment.role_id == role_id(dbsession, "security_admin"), User.id != secadmin.id)):
        other.is_active = False
    dbsession.commit()
    page = testapp.get(f"/admin/roles/users/{secadmin.id}")
    refused = form_with(page, "/revoke").submit(status=400)
    assert "至少需要保留一名" in refused.text
    dbsession.expire_all()
    assert len(dbsession.get(User, secadmin.id).assignments) == 1


def test_the_audit_administrator_changes_nothing(testapp, dbsession, make_user, login):
    auditor = person(dbsession, make_user, "audit-zhao", ["audit_admin"])
    sign_in(testapp, login, auditor)
    editor = role_id(dbsession, "editor")
    for path in ("/admin/roles", f"/admin/roles/{editor}", "/admin/roles/new", "/admin/groups",
                 "/admin/roles/users?q=a", f"/admin/roles/users/{auditor.id}"):
        testapp.get(path, status=403)
    token = csrf_token(testapp)
    testapp.post(f"/admin/roles/{editor}", {"csrf_token": token, "title": "x", "permissions": ["admin.access"]},
                 status=403)
    testapp.post(f"/admin/roles/users/{auditor.id}/assign",
                 {"csrf_token": token, "role": str(role_id(dbsession, "editor")), "scope": ""}, status=403)
    dbsession.expire_all()
    assert dbsession.get(Role, editor).title == "编辑"
    assert [a.role.name for a in dbsession.get(User, auditor.id).assignments] == ["audit_admin"]


def test_find_a_person_and_assign_a_role_scoped_to_an_org_unit(testapp, secadmin, dbsession, make_user):
    clerk = person(dbsession, make_user, "village-chen")
    dbsession.get(User, clerk.id).display_name = "陈村官"
    dbsession.commit()
    results = testapp.get("/admin/roles/users", {"q": "村官"})
    link = results.html.select_one("tbody a")
    assert link.get_text() == "陈村官"
    page = testapp.get(link["href"])
    form = form_with(page, "/assign")
    village = dbsession.scalar(select(OrgUnit.id).where(OrgUnit.name == "东关村"))
    form["role"] = str(role_id(dbsession, "village_admin"))
    form["scope"] = f"{ORG_UNIT_SCOPE}:{village}"
    form.submit(status=302)
    page = testapp.get(f"/admin/roles/users/{clerk.id}")
    assert "东关村" in page.html.select_one("section table").get_text()
    # A scope that is not offered is refused.
    form = form_with(page, "/assign")
    form["role"] = str(role_id(dbsession, "editor"))
    form.fields["scope"][0].force_value(f"{ORG_UNIT_SCOPE}:999999")
    assert "请从列表中选择适用范围" in form.submit(status=400).text


def test_roles_are_for_staff_and_groups_for_the_public(testapp, secadmin, dbsession, make_user):
    citizen = person(dbsession, make_user, "13900000001", kind="citizen", groups=["public"])
    staff = person(dbsession, make_user, "clerk-sun")
    page = testapp.post(f"/admin/roles/users/{citizen.id}/assign", {
        "csrf_token": csrf_token(testapp), "role": str(role_id(dbsession, "editor")), "scope": "",
    }, status=400)
    assert "只能为工作人员账户分配角色" in page.text
    form = form_with(testapp.get(f"/admin/roles/users/{citizen.id}"), "/groups")
    verified = dbsession.scalar(select(Group.id).where(Group.name == "verified"))
    for field in form.fields["groups"]:
        field.checked = field._value == str(verified)
    form.submit(status=302)
    dbsession.expire_all()
    assert [g.name for g in dbsession.get(User, citizen.id).groups] == ["verified"]
    summary = json.loads(audits(dbsession, "group.members")[-1].summary)
    assert summary == {"login": "13900000001", "before": ["public"], "after": ["verified"]}
    testapp.post(f"/admin/roles/users/{staff.id}/groups", {"csrf_token": csrf_token(testapp)}, status=400)


def permits(wsgi_app, user_id: int, permission: str) -> bool:
    """Ask the security policy directly, as a request of this user would."""
    env = prepare(registry=wsgi_app.registry)
    request = env["request"]
    request.tm.begin()
    try:
        request.session["uid"] = user_id
        return bool(request.has_permission(permission))
    finally:
        request.tm.abort()
        env["closer"]()


def test_a_citizen_holds_the_permissions_of_their_group(testapp, secadmin, dbsession, make_user, wsgi_app):
    citizen = person(dbsession, make_user, "13900000002", kind="citizen", groups=["public"])
    loner = person(dbsession, make_user, "13900000003", kind="citizen")
    public = dbsession.scalar(select(Group).where(Group.name == "public"))
    assert "participation.comment" in public.permissions
    assert permits(wsgi_app, citizen.id, "participation.comment")
    assert not permits(wsgi_app, loner.id, "participation.comment")
    assert not permits(wsgi_app, citizen.id, "admin.access")

    page = testapp.get(f"/admin/groups/{public.id}")
    form = form_with(page, f"/admin/groups/{public.id}")
    offered = {field._value for field in form.fields["permissions"]}
    assert "participation.comment" in offered and "admin.access" not in offered and "portal.view" not in offered
    for field in form.fields["permissions"]:
        field.checked = field._value != "participation.comment"
    form.submit(status=302)
    dbsession.expire_all()
    assert "participation.comment" not in dbsession.get(Group, public.id).permissions
    assert not permits(wsgi_app, citizen.id, "participation.comment")
    summary = json.loads(audits(dbsession, "group.update")[-1].summary)
    assert "participation.comment" in summary["before"]["permissions"]
    assert "participation.comment" not in summary["after"]["permissions"]


def test_create_and_delete_a_custom_group(testapp, secadmin, dbsession):
    page = testapp.get("/admin/groups/new")
    form = form_with(page, "/admin/groups/new")
    form["name"] = "Bad Name"
    form["title"] = "村民代表"
    page = form.submit(status=400)
    assert page.html.select_one("#group-title")["value"] == "村民代表"
    form = form_with(page, "/admin/groups/new")
    form["name"] = "village_deputies"
    for field in form.fields["permissions"]:
        field.checked = field._value == "participation.survey"
    form.submit(status=302)
    group = dbsession.scalar(select(Group).where(Group.name == "village_deputies"))
    assert group.permissions == ["participation.survey"] and not group.builtin
    assert "村民代表" in testapp.get("/admin/groups").text
    group_id = group.id
    form_with(testapp.get(f"/admin/groups/{group_id}"), "/delete").submit(status=302)
    dbsession.expire_all()
    assert dbsession.get(Group, group_id) is None
    assert json.loads(audits(dbsession, "group.delete")[-1].summary)["name"] == "village_deputies"
    public = dbsession.scalar(select(Group.id).where(Group.name == "public"))
    testapp.post(f"/admin/groups/{public}/delete", {"csrf_token": csrf_token(testapp)}, status=400)


def test_the_menu_leads_the_security_administrator_to_roles_and_groups(testapp, secadmin):
    menu = testapp.get("/admin").html.select_one("nav.admin-menu")
    links = {a.get_text(strip=True): a["href"] for a in menu.select("a")}
    assert links["角色与权限"] == "/admin/roles" and links["用户组"] == "/admin/groups"


# The demo county ---------------------------------------------------------------------------

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code_valid(code: str) -> bool:
    """GB 32100-2015's check character, computed here independently of the application."""
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(CREDIT_ALPHABET.index(char) * weight for char, weight in zip(code[:17], weights))
    return len(code) == 18 and CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]


def test_the_demo_county_has_a_person_for_every_builtin_role(govcore_site, platform, dbsession):
    printed = {login: title for title, login, _password in govcore_site.accounts}
    assert printed["admin"] == "系统管理员"
    holders = {}
    for assignment in dbsession.scalars(select(RoleAssignment).join(User).where(User.login.in_(printed))):
        holders.setdefault(assignment.role.name, []).append(assignment)
    assert set(holders) == set(platform.plugins.roles)
    units = {unit.id: unit.name for unit in dbsession.scalars(select(OrgUnit))}
    scoped = {name: units[a[0].scope_id] for name, a in holders.items() if a[0].scope_type == ORG_UNIT_SCOPE}
    assert scoped == {"department_admin": "县政府办公室", "village_admin": "东关村", "township_reviewer": "城关镇"}
    assert {"示例县", "县政府办公室", "城关镇", "东关村"} <= set(units.values())
    citizen = dbsession.scalar(select(User).where(User.kind == "citizen", User.login.in_(printed)))
    enterprise = dbsession.scalar(select(User).where(User.kind == "enterprise", User.login.in_(printed)))
    assert [g.name for g in citizen.groups] == ["public"]
    assert [g.name for g in enterprise.groups] == ["enterprise"]
    assert credit_code_valid(enterprise.credit_code) and not credit_code_valid("91350100M000100Y44")
    assert all(password for _title, _login, password in govcore_site.accounts)


def test_demo_seeding_is_idempotent(tmp_path, govcore_deployment):
    settings = deployment_settings(govcore_deployment, f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "var")
    lines: list[str] = []
    first = initialise(dict(settings), demo=True, echo=lines.append)
    assert "  示例组织机构：新建 4 个" in lines
    assert "  村务示例事项：新建 1 个" in lines
    lines.clear()
    second = initialise(dict(settings), demo=True, echo=lines.append)
    assert "  示例组织机构：新建 0 个" in lines
    assert "  村务示例事项：新建 0 个" in lines
    assert [login for _t, login, _p in first] == [login for _t, login, _p in second]
    assert all(a[2] != b[2] for a, b in zip(first, second))  # never used, so fresh one-time passwords
    from adapters.bootstrap import build_platform

    platform = build_platform(dict(settings))
    try:
        with platform.unit_of_work() as uow:
            counts = {login: len(uow.session.scalar(select(User).where(User.login == login)).assignments)
                      for _t, login, _p in second}
            assert uow.session.query(OrgUnit).count() == 4
    finally:
        platform.extras["engine"].dispose()
    assert all(count <= 1 for count in counts.values())
