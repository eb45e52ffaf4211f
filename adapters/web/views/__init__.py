"""The core's views, registered explicitly (no scan) so a county can override any one of them."""

from __future__ import annotations

from pyramid.config import Configurator

from govcore.core_plugin import ACCOUNT_SELF, ADMIN_ACCESS, ADMIN_PLUGINS, PORTAL_VIEW

T = "adapters.web:templates/"


def includeme(config: Configurator) -> None:
    add = config.add_view
    add("adapters.web.views.portal.home", route_name="home", renderer=T + "home.pt", permission=PORTAL_VIEW)
    add("adapters.web.views.portal.switch_locale", route_name="locale", permission=PORTAL_VIEW)
    add("adapters.web.views.health.healthz", route_name="healthz", renderer="json", permission=PORTAL_VIEW)

    add("adapters.web.views.auth.login_form", route_name="login", request_method="GET",
        renderer=T + "login.pt", permission=PORTAL_VIEW)
    add("adapters.web.views.auth.login", route_name="login", request_method="POST",
        renderer=T + "login.pt", permission=PORTAL_VIEW)
    add("adapters.web.views.auth.logout", route_name="logout", request_method="POST", permission=ACCOUNT_SELF)
    add("adapters.web.views.auth.password_form", route_name="password", request_method="GET",
        renderer=T + "password.pt", permission=ACCOUNT_SELF)
    add("adapters.web.views.auth.change_password", route_name="password", request_method="POST",
        renderer=T + "password.pt", permission=ACCOUNT_SELF)

    add("adapters.web.views.admin.dashboard", route_name="admin", renderer=T + "admin_dashboard.pt",
        permission=ADMIN_ACCESS)
    add("adapters.web.views.admin.plugins", route_name="admin.plugins", renderer=T + "admin_plugins.pt",
        permission=ADMIN_PLUGINS)
    add("adapters.web.views.admin.inbox", route_name="admin.inbox", renderer=T + "admin_inbox.pt",
        permission=ACCOUNT_SELF)
    add("adapters.web.views.admin.mark_read", route_name="admin.inbox_read", request_method="POST",
        permission=ACCOUNT_SELF)

    config.include("adapters.web.views.errors")
