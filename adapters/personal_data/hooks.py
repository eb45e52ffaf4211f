"""Personal data: the account's own kind, the deletion requests' permission and pages, the retention job.

Registered like a plugin in every process (``adapters.bootstrap.ADAPTER_HOOKS``); cheap to import,
since the CLI imports it too: the modules behind the hooks are imported inside them.
"""

from __future__ import annotations

from govcore import hookimpl
from govcore.contributions import DashboardWidget, MenuEntry, Permission, RoleTemplate
from govcore.core_plugin import SECURITY_ADMIN_ROLE

REQUESTS_HANDLE = "personal_data.requests.handle"
EXPIRY_JOB = "personal_data.expire"


@hookimpl
def govcore_register_permissions():
    return [Permission(REQUESTS_HANDLE, "办理个人信息删除申请",
                       "查看公众提交的个人信息删除申请，执行删除或说明理由不予删除")]


@hookimpl
def govcore_register_roles():
    return [RoleTemplate(SECURITY_ADMIN_ROLE, "安全管理员", (REQUESTS_HANDLE,))]


@hookimpl
def govcore_admin_menu():
    return [MenuEntry("个人信息删除申请", "personal_data.requests", REQUESTS_HANDLE, section="安全管理", order=915)]


def _render_widget(request) -> str:
    from adapters.personal_data.staff import render_widget

    return render_widget(request)


@hookimpl
def govcore_dashboard_widgets():
    return [DashboardWidget("personal_data.requests", "个人信息删除申请", _render_widget, REQUESTS_HANDLE, order=30)]


@hookimpl
def govcore_register_jobs():
    from ports.scheduler import RecurringJob

    # At night, when nobody files or handles anything.
    return [RecurringJob(EXPIRY_JOB, "adapters.personal_data.retention_job:run", "个人信息保存期满处理",
                         cron="40 2 * * *")]


@hookimpl
def govcore_register_personal_data():
    from adapters.personal_data.account_kind import account_kind

    return [account_kind()]


@hookimpl
def govcore_configure_web(config):
    config.include("adapters.personal_data.web")
