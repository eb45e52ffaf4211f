"""Organisation tree and staff account administration: routes and views.

Registered explicitly (no scan), like the core's other views, so a county can override any one.
"""

from __future__ import annotations

from pyramid.config import Configurator

from govcore.core_plugin import ORG_MANAGE, USERS_MANAGE

T = "adapters.web:templates/"
ORG = "adapters.web.views.org_staff.org."
USERS = "adapters.web.views.org_staff.users."


def includeme(config: Configurator) -> None:
    route = config.add_route
    route("admin.org", "/admin/org")
    route("admin.org_add", "/admin/org/add")
    route("admin.org_edit", "/admin/org/{id:\\d+}/edit")
    route("admin.org_shift", "/admin/org/{id:\\d+}/shift")
    route("admin.org_disable", "/admin/org/{id:\\d+}/disable")
    route("admin.org_enable", "/admin/org/{id:\\d+}/enable")
    route("admin.org_import", "/admin/org/import")
    route("admin.org_template", "/admin/org/template.xlsx")

    route("admin.users", "/admin/users")
    route("admin.user_add", "/admin/users/add")
    route("admin.user", "/admin/users/{id:\\d+}")
    route("admin.user_edit", "/admin/users/{id:\\d+}/edit")
    route("admin.user_disable", "/admin/users/{id:\\d+}/disable")
    route("admin.user_enable", "/admin/users/{id:\\d+}/enable")
    route("admin.user_reset", "/admin/users/{id:\\d+}/reset-password")
    route("admin.users_import", "/admin/users/import")
    route("admin.users_template", "/admin/users/template.xlsx")
    route("admin.users_passwords", "/admin/users/passwords.xlsx")

    view = config.add_view
    org_form = T + "admin_org_form.pt"
    view(ORG + "index", route_name="admin.org", request_method="GET", renderer=T + "admin_org.pt",
         permission=ORG_MANAGE)
    view(ORG + "add_form", route_name="admin.org_add", request_method="GET", renderer=org_form, permission=ORG_MANAGE)
    view(ORG + "add", route_name="admin.org_add", request_method="POST", renderer=org_form, permission=ORG_MANAGE)
    view(ORG + "edit_form", route_name="admin.org_edit", request_method="GET", renderer=org_form,
         permission=ORG_MANAGE)
    view(ORG + "edit", route_name="admin.org_edit", request_method="POST", renderer=org_form, permission=ORG_MANAGE)
    view(ORG + "shift", route_name="admin.org_shift", request_method="POST", permission=ORG_MANAGE)
    view(ORG + "disable", route_name="admin.org_disable", request_method="POST", permission=ORG_MANAGE)
    view(ORG + "enable", route_name="admin.org_enable", request_method="POST", permission=ORG_MANAGE)
    view(ORG + "import_sheet", route_name="admin.org_import", request_method="POST",
         renderer=T + "admin_org_import.pt", permission=ORG_MANAGE)
    view(ORG + "template", route_name="admin.org_template", request_method="GET", permission=ORG_MANAGE)

    user_form = T + "admin_users_form.pt"
    view(USERS + "index", route_name="admin.users", request_method="GET", renderer=T + "admin_users.pt",
         permission=USERS_MANAGE)
    view(USERS + "add_form", route_name="admin.user_add", request_method="GET", renderer=user_form,
         permission=USERS_MANAGE)
    view(USERS + "add", route_name="admin.user_add", request_method="POST", renderer=user_form,
         permission=USERS_MANAGE)
    view(USERS + "detail", route_name="admin.user", request_method="GET", renderer=T + "admin_users_detail.pt",
         permission=USERS_MANAGE)
    view(USERS + "edit_form", route_name="admin.user_edit", request_method="GET", renderer=user_form,
         permission=USERS_MANAGE)
    view(USERS + "edit", route_name="admin.user_edit", request_method="POST", renderer=user_form,
         permission=USERS_MANAGE)
    view(USERS + "disable", route_name="admin.user_disable", request_method="POST", permission=USERS_MANAGE)
    view(USERS + "enable", route_name="admin.user_enable", request_method="POST", permission=USERS_MANAGE)
    view(USERS + "reset_password", route_name="admin.user_reset", request_method="POST",
         renderer=T + "admin_users_password.pt", permission=USERS_MANAGE)
    view(USERS + "import_sheet", route_name="admin.users_import", request_method="POST",
         renderer=T + "admin_users_import.pt", permission=USERS_MANAGE)
    view(USERS + "template", route_name="admin.users_template", request_method="GET", permission=USERS_MANAGE)
    view(USERS + "passwords_sheet", route_name="admin.users_passwords", request_method="POST",
         permission=USERS_MANAGE)
