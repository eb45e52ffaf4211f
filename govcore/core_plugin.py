"""The core's own contributions, registered through the same hooks as any plugin."""

from __future__ import annotations

from govcore import hookimpl
from govcore.contributions import Permission, RoleTemplate

PORTAL_VIEW = "portal.view"  # everybody, anonymous visitors included
ACCOUNT_SELF = "account.self"  # any signed-in user, on their own account
ADMIN_ACCESS = "admin.access"
ADMIN_PLUGINS = "admin.plugins"
ADMIN_CALENDAR = "admin.calendar"

# Granted by the security policy without any role; never assignable.
PUBLIC_PERMISSIONS = frozenset({PORTAL_VIEW})
AUTHENTICATED_PERMISSIONS = frozenset({ACCOUNT_SELF})

SYSTEM_ADMIN_ROLE = "system_admin"


@hookimpl
def govcore_register_permissions():
    return [
        Permission(PORTAL_VIEW, "浏览门户网站", "任何访客都拥有，无需分配"),
        Permission(ACCOUNT_SELF, "管理本人账户", "任何已登录用户都拥有，无需分配"),
        Permission(ADMIN_ACCESS, "进入管理后台"),
        Permission(ADMIN_PLUGINS, "查看已安装插件"),
        Permission(ADMIN_CALENDAR, "管理工作日调整"),
    ]


@hookimpl
def govcore_register_roles():
    return [
        RoleTemplate(
            SYSTEM_ADMIN_ROLE,
            "系统管理员",
            (ADMIN_ACCESS, ADMIN_PLUGINS, ADMIN_CALENDAR),
            "负责账户与系统配置",
        )
    ]
