"""The staff dashboard's 我的待办 panel: how many tasks wait for the user, how many are overdue."""

from __future__ import annotations

from pyramid.renderers import render
from pyramid.request import Request

from adapters.web.views.workflow_tasks.lists import pending_count
from govcore import hookimpl
from govcore.contributions import DashboardWidget
from govcore.core_plugin import WORKFLOW_ACT

T = "adapters.web:templates/"


def render_widget(request: Request) -> str:
    pending, overdue = pending_count(request)
    return render(T + "admin_tasks_widget.pt", {"pending": pending, "overdue": overdue}, request=request)


@hookimpl
def govcore_dashboard_widgets():
    return [DashboardWidget("workflow.tasks", "我的待办", render_widget, WORKFLOW_ACT, order=10)]
