"""审批流程: the workflow designer in the staff area.

Administrators holding ``workflow.design`` see every procedure (the enabled plugins' defaults and
the county's own), its diagram, steps and versions; they build new procedures, edit copies of the
defaults, export and import them as JSON, and restore a plugin's default. Saving always makes a new
version: running cases keep the version they started with. Every save, import and restore is
audited once, through :class:`govcore.workflow.service.Workflows` and ``request.audit``.

Registered explicitly (no scan), like the core's other views, so a county can override any one.
"""

from __future__ import annotations

from pyramid.config import Configurator

from govcore.core_plugin import WORKFLOW_DESIGN

T = "adapters.web:templates/"
PAGES = "adapters.web.views.workflow_design.pages."
EDITOR = "adapters.web.views.workflow_design.editor."


def includeme(config: Configurator) -> None:
    route = config.add_route
    route("admin.workflows", "/admin/workflows")
    # Before the procedure's own route, which would take "new" and "import" for keys.
    route("admin.workflow_new", "/admin/workflows/new")
    route("admin.workflow_import", "/admin/workflows/import")
    route("admin.workflow", "/admin/workflows/{key}")
    route("admin.workflow_edit", "/admin/workflows/{key}/edit")
    # No pattern on {version}: a malformed number is a 404 of the view, after the permission check.
    route("admin.workflow_version", "/admin/workflows/{key}/versions/{version}")
    route("admin.workflow_export", "/admin/workflows/{key}/export")
    route("admin.workflow_restore", "/admin/workflows/{key}/restore")

    def view(name, route_name, method, renderer=None):
        config.add_view(name, route_name=route_name, request_method=method, permission=WORKFLOW_DESIGN,
                        renderer=T + renderer if renderer else None)

    view(PAGES + "index", "admin.workflows", "GET", "admin_workflow_list.pt")
    view(PAGES + "import_definition", "admin.workflow_import", "POST")
    view(PAGES + "detail", "admin.workflow", "GET", "admin_workflow_view.pt")
    view(PAGES + "version_page", "admin.workflow_version", "GET", "admin_workflow_view.pt")
    view(PAGES + "export", "admin.workflow_export", "GET")
    view(PAGES + "restore", "admin.workflow_restore", "POST")
    view(EDITOR + "new_form", "admin.workflow_new", "GET", "admin_workflow_edit.pt")
    view(EDITOR + "new_post", "admin.workflow_new", "POST", "admin_workflow_edit.pt")
    view(EDITOR + "edit_form", "admin.workflow_edit", "GET", "admin_workflow_edit.pt")
    view(EDITOR + "edit_post", "admin.workflow_edit", "POST", "admin_workflow_edit.pt")
