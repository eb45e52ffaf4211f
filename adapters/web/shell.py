"""The core's web configuration: sessions, security, CSRF, i18n, layout, errors and core routes."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import JSONSerializer, SignedCookieSessionFactory
from pyramid.settings import asbool

from adapters.web import request_methods
from adapters.web.security import GovcoreSecurityPolicy
from govcore.accounts import security_settings
from govcore.core_plugin import PORTAL_VIEW

# No view is reachable unless it names a permission: this one is held by nobody.
DENY_UNLESS_DECLARED = "govcore.undeclared"
# How long a session cookie stays valid without a request; staff sessions end sooner, after
# [security] staff_idle_minutes (adapters.web.account_security).
DEFAULT_SESSION_TIMEOUT = 7200


def _session_factory(settings, platform):
    """Signed-cookie sessions: HttpOnly, SameSite=Lax, and Secure over HTTPS.

    ``govcore.secure_cookies = true`` marks the cookie Secure on every response (a proxy that
    terminates TLS and talks plain HTTP to the app); otherwise it is Secure whenever the request
    came over HTTPS. The cookie outlives the staff idle limit, which is enforced on the platform
    clock and would otherwise be cut short without the notice that goes with it.
    """
    staff_idle = security_settings(platform.county.sections.get("security")).staff_idle_minutes * 60
    options = {
        "cookie_name": "govcore_session",
        "httponly": True,
        "samesite": "Lax",
        "timeout": max(int(settings.get("govcore.session_timeout", DEFAULT_SESSION_TIMEOUT)), staff_idle + 60),
        "reissue_time": 60,
        "serializer": JSONSerializer(),
    }
    always_secure = asbool(settings.get("govcore.secure_cookies", False))
    plain = SignedCookieSessionFactory(settings["govcore.secret"], secure=always_secure, **options)
    secure = SignedCookieSessionFactory(settings["govcore.secret"], secure=True, **options)

    def session_factory(request):
        return (secure if request.scheme == "https" else plain)(request)

    return session_factory


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    config.include("pyramid_chameleon")
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    config.set_session_factory(_session_factory(settings, config.registry["platform"]))
    config.set_security_policy(GovcoreSecurityPolicy())
    config.set_default_permission(DENY_UNLESS_DECLARED)
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
    config.add_translation_dirs("adapters.web:locale/")
    config.add_tween("adapters.web.headers.security_headers_tween_factory")
    config.add_tween("adapters.web.url_decoding.url_decoding_tween_factory",
                     under="adapters.web.headers.security_headers_tween_factory",
                     over=("adapters.web.outage.outage_tween_factory", "adapters.web.caching.page_cache_tween_factory"))
    config.include("adapters.web.caching")  # its tween goes under the headers, over audit and pyramid_tm
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
    config.include("adapters.web.account_security")
    config.include("adapters.web.views.audit")
    config.include("adapters.web.views.roles")
    config.include("adapters.web.views.org_staff")
    config.include("adapters.web.views.calendar")
    config.include("adapters.web.views.workflow_tasks")
    config.include("adapters.web.views.workflow_design")
    config.include("adapters.web.api")
    config.include("adapters.web.views.search")
    config.include("adapters.web.views.display")
