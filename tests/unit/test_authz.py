"""三员分立, permission audiences and role edits (govcore.authz), without web or database."""

import pytest

from govcore.authz import (
    DUTY_PERMISSIONS,
    RoleDraft,
    RoleFacts,
    SeparationOfDuties,
    assignable,
    check_separation,
    duties,
    holders_conflict,
    permission_areas,
    separation_conflict,
    validate_draft,
)
from govcore.contributions import PUBLIC, STAFF, Permission
from govcore.core_plugin import (
    ACCOUNT_SELF,
    ADMIN_ACCESS,
    AUDIT_READ,
    PORTAL_VIEW,
    ROLES_MANAGE,
    SEPARATED_ADMIN_ROLES,
    USERS_MANAGE,
)

SYSTEM = RoleFacts("system_admin", "系统管理员", frozenset({ADMIN_ACCESS, USERS_MANAGE}))
SECURITY = RoleFacts("security_admin", "安全管理员", frozenset({ADMIN_ACCESS, ROLES_MANAGE}))
AUDIT = RoleFacts("audit_admin", "审计管理员", frozenset({ADMIN_ACCESS, AUDIT_READ}))
DEPARTMENT = RoleFacts("department_admin", "部门管理员", frozenset({ADMIN_ACCESS, USERS_MANAGE}))
EDITOR = RoleFacts("editor", "编辑", frozenset({ADMIN_ACCESS, "content.columns.edit"}))

CATALOGUE = {
    PORTAL_VIEW: Permission(PORTAL_VIEW, "浏览门户网站", audience=PUBLIC),
    ACCOUNT_SELF: Permission(ACCOUNT_SELF, "管理本人账户", audience=PUBLIC),
    ADMIN_ACCESS: Permission(ADMIN_ACCESS, "进入管理后台"),
    USERS_MANAGE: Permission(USERS_MANAGE, "管理工作人员账户"),
    ROLES_MANAGE: Permission(ROLES_MANAGE, "管理角色与权限"),
    AUDIT_READ: Permission(AUDIT_READ, "查阅审计日志"),
    "content.columns.edit": Permission("content.columns.edit", "编辑栏目"),
    "participation.comment": Permission("participation.comment", "发表评论", audience=PUBLIC),
}


def draft(name="press", title="宣传员", permissions=(ADMIN_ACCESS,), description=""):
    return RoleDraft(name, title, description, frozenset(permissions))


def test_every_separated_role_has_a_defining_permission():
    assert set(DUTY_PERMISSIONS) == SEPARATED_ADMIN_ROLES


@pytest.mark.parametrize("first, second", [(SYSTEM, SECURITY), (SECURITY, AUDIT), (AUDIT, SYSTEM)])
def test_no_two_of_the_three_administrators_on_one_person(first, second):
    with pytest.raises(SeparationOfDuties) as caught:
        check_separation([first, EDITOR, second])
    message = str(caught.value)
    assert "三员分立" in message and first.title in message and second.title in message


def test_a_look_alike_role_carries_the_duty_it_grants():
    # A 部门管理员 manages accounts, which is the system administrator's duty.
    assert duties(DEPARTMENT) == ("system_admin",)
    assert separation_conflict([SECURITY, DEPARTMENT]) == ("安全管理员", "部门管理员")
    assert separation_conflict([SYSTEM, DEPARTMENT]) is None  # the same duty twice is no conflict
    custom = RoleFacts("log_reader", "日志查阅员", frozenset({AUDIT_READ}))
    assert separation_conflict([SYSTEM, custom]) == ("系统管理员", "日志查阅员")


def test_a_single_role_mixing_two_duties_is_named_by_both_administrators():
    mixed = RoleFacts("super", "超级管理员", frozenset({USERS_MANAGE, AUDIT_READ}))
    assert separation_conflict([mixed]) == ("系统管理员", "审计管理员")


def test_ordinary_roles_combine_freely():
    assert separation_conflict([EDITOR, SYSTEM, DEPARTMENT]) is None
    assert separation_conflict([EDITOR, EDITOR, AUDIT]) is None
    check_separation([])


def test_audiences_keep_public_and_implicit_permissions_apart():
    staff = assignable(CATALOGUE, STAFF)
    public = assignable(CATALOGUE, PUBLIC)
    assert "participation.comment" not in staff and ADMIN_ACCESS in staff
    assert set(public) == {"participation.comment"}  # portal.view and account.self are everybody's


def test_permission_areas_group_by_declaring_plugin_and_skip_empty_ones():
    declared = [
        ("平台", [CATALOGUE[USERS_MANAGE], CATALOGUE[ADMIN_ACCESS], CATALOGUE[PORTAL_VIEW]]),
        ("信息发布", [CATALOGUE["content.columns.edit"]]),
        ("参政议政", [CATALOGUE["participation.comment"]]),
    ]
    areas = permission_areas(declared, STAFF)
    assert [(title, [p.name for p in perms]) for title, perms in areas] == [
        ("平台", [ADMIN_ACCESS, USERS_MANAGE]),
        ("信息发布", ["content.columns.edit"]),
    ]
    assert [title for title, _ in permission_areas(declared, PUBLIC)] == ["参政议政"]


def test_a_new_role_needs_a_valid_unused_name_and_a_title():
    assert validate_draft(draft(), CATALOGUE, STAFF, new=True, taken_names=["editor"]) == {}
    errors = validate_draft(draft(name="Press Officer", title=" "), CATALOGUE, STAFF, new=True)
    assert set(errors) == {"name", "title"}
    taken = validate_draft(draft(name="editor"), CATALOGUE, STAFF, new=True, taken_names=["editor"])
    assert "已被使用" in taken["name"].text() and "editor" in taken["name"].text()
    long = validate_draft(draft(title="长" * 101, description="说" * 501), CATALOGUE, STAFF, new=False)
    assert set(long) == {"title", "description"}
    assert "100" in long["title"].text()


def test_permissions_must_exist_and_suit_the_audience():
    for wrong in ("participation.comment", PORTAL_VIEW, ACCOUNT_SELF, "no.such.permission"):
        errors = validate_draft(draft(permissions=(ADMIN_ACCESS, wrong)), CATALOGUE, STAFF, new=True)
        assert wrong in errors["permissions"].text()
    group = draft(name="villagers", title="村民", permissions=("participation.comment",))
    assert validate_draft(group, CATALOGUE, PUBLIC, new=True) == {}
    assert "permissions" in validate_draft(draft(permissions=(ADMIN_ACCESS,)), CATALOGUE, PUBLIC, new=True)


def test_a_role_may_not_mix_two_administrators_duties():
    errors = validate_draft(draft(permissions=(USERS_MANAGE, ROLES_MANAGE)), CATALOGUE, STAFF, new=True)
    text = errors["permissions"].text()
    assert "三员分立" in text and "系统管理员" in text and "安全管理员" in text
    security = draft(name="security_admin", title="安全管理员", permissions=(ROLES_MANAGE, AUDIT_READ))
    assert "审计管理员" in validate_draft(security, CATALOGUE, STAFF, new=False)["permissions"].text()


def test_a_separated_administrator_role_keeps_its_duty():
    stripped = draft(name="security_admin", title="安全管理员", permissions=(ADMIN_ACCESS,))
    text = validate_draft(stripped, CATALOGUE, STAFF, new=False)["permissions"].text()
    assert ROLES_MANAGE in text and "安全管理员" in text


def test_editing_a_role_may_not_break_separation_for_its_holders():
    edited = RoleFacts(EDITOR.name, EDITOR.title, EDITOR.permissions | {AUDIT_READ})
    holdings = {"zhang": [EDITOR], "li": [EDITOR, SECURITY]}
    message = holders_conflict(edited, holdings)
    assert message is not None
    text = message.text()
    assert "li" in text and "安全管理员" in text and "编辑" in text
    assert holders_conflict(EDITOR, holdings) is None
