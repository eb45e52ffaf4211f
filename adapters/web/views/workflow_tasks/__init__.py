"""The task inbox (待办 / 已办 / 我发起的), general approvals, case pages, approval sheets and the
unit overview of open and overdue cases.

Lists read the workflow tables directly; a single case is read, and every change is made,
through :class:`govcore.workflow.service.Workflows`, so a transition made here is stored,
audited, told and timed like one made by a plugin or a timer. Registered explicitly (no scan),
like the core's other views, so a county can override any one.
"""

from __future__ import annotations

from pyramid.config import Configurator

from adapters.web.views.workflow_tasks import widget
from govcore.core_plugin import WORKFLOW_ACT, WORKFLOW_OVERSEE

T = "adapters.web:templates/"
HERE = "adapters.web.views.workflow_tasks."
# The dashboard panel is a web contribution of the core: it joins the plugins' hook results here.
WIDGET_PLUGIN = "core.workflow_tasks"


def includeme(config: Configurator) -> None:
    route = config.add_route
    route("admin.tasks", "/admin/tasks")
    route("admin.tasks_new", "/admin/tasks/new")
    route("admin.tasks_overview", "/admin/tasks/overview")
    route("admin.case", "/admin/tasks/cases/{id:\\d+}")
    route("admin.case_sheet", "/admin/tasks/cases/{id:\\d+}/sheet")

    view = config.add_view
    view(HERE + "lists.inbox", route_name="admin.tasks", request_method="GET", renderer=T + "admin_tasks.pt",
         permission=WORKFLOW_ACT)
    view(HERE + "lists.overview", route_name="admin.tasks_overview", request_method="GET",
         renderer=T + "admin_tasks_overview.pt", permission=WORKFLOW_OVERSEE)
    view(HERE + "start.start_form", route_name="admin.tasks_new", request_method="GET",
         renderer=T + "admin_tasks_new.pt", permission=WORKFLOW_ACT)
    view(HERE + "start.start", route_name="admin.tasks_new", request_method="POST",
         renderer=T + "admin_tasks_new.pt", permission=WORKFLOW_ACT)
    view(HERE + "case.case_page", route_name="admin.case", request_method="GET",
         renderer=T + "admin_workflow_case.pt", permission=WORKFLOW_ACT)
    view(HERE + "case.act", route_name="admin.case", request_method="POST",
         renderer=T + "admin_workflow_case.pt", permission=WORKFLOW_ACT)
    view(HERE + "case.sheet", route_name="admin.case_sheet", request_method="GET",
         renderer=T + "admin_workflow_case_sheet.pt", permission=WORKFLOW_ACT)

    manager = config.registry["platform"].plugins.manager
    if not manager.is_registered(widget):
        manager.register(widget, name=WIDGET_PLUGIN)
