"""Backups: the daily job and the dashboard's backup status.

Registered like a plugin in every process (``adapters.bootstrap.ADAPTER_HOOKS``) and cheap to
import: the modules behind the hooks are imported inside them.
"""

from __future__ import annotations

from govcore import hookimpl
from govcore.contributions import DashboardWidget
from govcore.core_plugin import ADMIN_PLUGINS

DAILY_JOB = "backup.daily"


@hookimpl
def govcore_register_jobs():
    from adapters.backup.schedule import CHECK_SECONDS
    from ports.scheduler import RecurringJob

    # The job only looks whether the backup is due (govcore.backup.at, read from the settings at
    # every run), so a changed time needs no change to the job store.
    return [RecurringJob(DAILY_JOB, "adapters.backup.schedule:run_if_due", "每日备份", interval_seconds=CHECK_SECONDS)]


def _render_status(request) -> str:
    from adapters.backup.widget import render_status

    return render_status(request)


@hookimpl
def govcore_dashboard_widgets():
    # The system administrator looks after the installation; the widget goes with the permission
    # only that role holds for it (查看已安装插件).
    return [DashboardWidget("backup.status", "数据备份", _render_status, ADMIN_PLUGINS, order=5)]
