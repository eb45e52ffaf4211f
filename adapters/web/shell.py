"""The core's web configuration: sessions, security, CSRF, i18n, layout, errors and core routes."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import JSONSerializer, SignedCookieSessionFactory

from adapters.web import request_methods
from adapters.web.security import GovcoreSecurityPolicy
from govcore.core_plugin import PORTAL_VIEW

# No view is reachable unless it names a permission: this one is held by nobody.
DENY_UNLESS_DECLARED = "govcore.undeclared"


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    config.include("pyramid_chameleon")
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    config.set_session_factory(
        SignedCookieSessionFactory(
            settings["govcore.secret"],
            cookie_name="govcore_session",
            secure=str(settings.get("govcore.secure_cookies", "false")).lower() == "true",
            httponly=True,
            samesite="Lax",
            timeout=int(settings.get("govcore.session_timeout", 1800)),
            reissue_time=60,
            serializer=JSONSerializer(),
        )
    )
    config.set_security_policy(GovcoreSecurityPolicy())
    config.set_default_permission(DENY_UNLESS_DECLARED)
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
    config.add_translation_dirs("adapters.web:locale/")
    config.add_tween("adapters.web.headers.security_headers_tween_factory")
    request_methods.includeme(config)
    config.include("adapters.web.audit")
    config.add_subscriber("adapters.web.layout.add_renderer_globals", "pyramid.events.BeforeRender")
    config.add_static_view("static", "adapters.web:static/", cache_max_age=86400, permission=PORTAL_VIEW)

    config.add_route("home", "/")
    config.add_route("healthz", "/healthz")
    config.add_route("locale", "/locale/{code}")
    config.add_route("login", "/login")
    config.add_route("logout", "/logout")
    config.add_route("password", "/account/password")
    config.add_route("admin", "/admin")
    config.add_route("admin.plugins", "/admin/plugins")
    config.add_route("admin.inbox", "/admin/inbox")
    config.add_route("admin.inbox_read", "/admin/inbox/{id:\\d+}/read")
    config.include("adapters.web.views", route_prefix=None)
    config.include("adapters.web.api")
