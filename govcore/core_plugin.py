"""The core's own contributions, registered through the same hooks as any plugin."""

from __future__ import annotations

from govcore import hookimpl
from govcore.contributions import PUBLIC, GroupTemplate, MenuEntry, Permission, RoleTemplate, ScopeType
from govcore.orgs import OrgUnitRepository, ancestors, unit_paths

PORTAL_VIEW = "portal.view"  # everybody, anonymous visitors included
ACCOUNT_SELF = "account.self"  # any signed-in user, on their own account
ADMIN_ACCESS = "admin.access"
ADMIN_PLUGINS = "admin.plugins"
ADMIN_CALENDAR = "admin.calendar"
ORG_MANAGE = "org.manage"
USERS_MANAGE = "users.manage"
ROLES_MANAGE = "roles.manage"
AUDIT_READ = "audit.read"
WORKFLOW_ACT = "workflow.act"  # every staff member: the task inbox, acting on one's own tasks
WORKFLOW_DESIGN = "workflow.design"
WORKFLOW_OVERSEE = "workflow.oversee"
PERSONAL_DATA_VIEW_FULL = "personal_data.view_full"  # see personal data unmasked; every view is audited

# Granted by the security policy without any role; never assignable.
PUBLIC_PERMISSIONS = frozenset({PORTAL_VIEW})
AUTHENTICATED_PERMISSIONS = frozenset({ACCOUNT_SELF})
# Granted by the security policy to every active staff account; never assignable.
STAFF_PERMISSIONS = frozenset({WORKFLOW_ACT})

SYSTEM_ADMIN_ROLE = "system_admin"
SECURITY_ADMIN_ROLE = "security_admin"
AUDIT_ADMIN_ROLE = "audit_admin"
DEPARTMENT_ADMIN_ROLE = "department_admin"
UNIT_LEADER_ROLE = "unit_leader"  # told of overdue cases in the unit; sees the unit's case overview
# 三员分立: nobody may hold two of these, and each must use a second factor.
SEPARATED_ADMIN_ROLES = frozenset({SYSTEM_ADMIN_ROLE, SECURITY_ADMIN_ROLE, AUDIT_ADMIN_ROLE})

PUBLIC_GROUP = "public"
VERIFIED_GROUP = "verified"
ENTERPRISE_GROUP = "enterprise"

ORG_UNIT_SCOPE = "org_unit"


@hookimpl
def govcore_register_permissions():
    return [
        Permission(PORTAL_VIEW, "浏览门户网站", "任何访客都拥有，无需分配", audience=PUBLIC),
        Permission(ACCOUNT_SELF, "管理本人账户", "任何已登录用户都拥有，无需分配", audience=PUBLIC),
        Permission(ADMIN_ACCESS, "进入管理后台"),
        Permission(ADMIN_PLUGINS, "查看已安装插件"),
        Permission(ADMIN_CALENDAR, "管理工作日调整"),
        Permission(ORG_MANAGE, "管理组织机构", "新增、调整、停用单位，批量导入单位"),
        Permission(USERS_MANAGE, "管理工作人员账户", "新建、停用账户，重置密码，批量导入人员"),
        Permission(ROLES_MANAGE, "管理角色与权限", "编辑角色和用户组的权限，为用户分配角色"),
        Permission(AUDIT_READ, "查阅审计日志", "查询并导出审计日志"),
        Permission(WORKFLOW_ACT, "办理审批事项", "任何工作人员都拥有，无需分配：待办、已办、发起通用审批"),
        Permission(WORKFLOW_DESIGN, "设计审批流程", "新建、修改、导入导出审批流程定义"),
        Permission(WORKFLOW_OVERSEE, "督办本单位审批事项", "查看本单位（限定范围内）在办和超期事项"),
        Permission(PERSONAL_DATA_VIEW_FULL, "查看完整个人信息",
                   "在业务页面上查看证件号码、电话、地址等完整个人信息；每次查看都记入审计日志"),
    ]


@hookimpl
def govcore_register_roles():
    return [
        RoleTemplate(SYSTEM_ADMIN_ROLE, "系统管理员",
                     (ADMIN_ACCESS, ADMIN_PLUGINS, ADMIN_CALENDAR, ORG_MANAGE, USERS_MANAGE, WORKFLOW_DESIGN),
                     "负责账户与系统配置，不能查阅审计日志"),
        RoleTemplate(SECURITY_ADMIN_ROLE, "安全管理员", (ADMIN_ACCESS, ROLES_MANAGE),
                     "负责角色与权限分配，不能新建账户"),
        RoleTemplate(AUDIT_ADMIN_ROLE, "审计管理员", (ADMIN_ACCESS, AUDIT_READ),
                     "查阅并导出审计日志，不能做任何修改"),
        RoleTemplate(DEPARTMENT_ADMIN_ROLE, "部门管理员", (ADMIN_ACCESS, USERS_MANAGE),
                     "管理本单位（限定范围内）的工作人员账户"),
        RoleTemplate(UNIT_LEADER_ROLE, "单位负责人", (ADMIN_ACCESS, WORKFLOW_OVERSEE),
                     "接收本单位超期事项的督办提醒，查看本单位审批事项总览"),
    ]


@hookimpl
def govcore_admin_menu():
    return [
        MenuEntry("组织机构", "admin.org", ORG_MANAGE, section="系统管理", order=900),
        MenuEntry("工作人员", "admin.users", USERS_MANAGE, section="系统管理", order=901),
        MenuEntry("工作日调整", "admin.calendar", ADMIN_CALENDAR, section="系统管理", order=905),
        MenuEntry("角色与权限", "admin.roles", ROLES_MANAGE, section="安全管理", order=910),
        MenuEntry("用户组", "admin.groups", ROLES_MANAGE, section="安全管理", order=911),
        MenuEntry("审计日志", "admin.audit", AUDIT_READ, section="安全审计", order=920),
        MenuEntry("我的待办", "admin.tasks", WORKFLOW_ACT, section="工作台", order=10),
        MenuEntry("督办总览", "admin.tasks_overview", WORKFLOW_OVERSEE, section="工作台", order=11),
        MenuEntry("审批流程", "admin.workflows", WORKFLOW_DESIGN, section="系统管理", order=903),
    ]


@hookimpl
def govcore_register_groups():
    return [
        GroupTemplate(PUBLIC_GROUP, "公众", (), "自行注册的个人用户"),
        GroupTemplate(VERIFIED_GROUP, "实名用户", (), "已完成实名核验的个人用户"),
        GroupTemplate(ENTERPRISE_GROUP, "企业用户", (), "以统一社会信用代码注册的企业"),
    ]


def _org_unit_ancestors(uow, unit_id: int) -> list[int]:
    return ancestors(uow.repository(OrgUnitRepository).all_units(), unit_id)


def _org_unit_options(uow) -> list[tuple[int, str]]:
    units = [u for u in uow.repository(OrgUnitRepository).all_units() if not u.disabled]
    return sorted(unit_paths(units).items(), key=lambda pair: pair[1])


@hookimpl
def govcore_register_scope_types():
    return [ScopeType(ORG_UNIT_SCOPE, "组织机构", _org_unit_ancestors, _org_unit_options)]
