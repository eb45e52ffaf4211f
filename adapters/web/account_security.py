"""Account security around every request: settings, session rotation, idle timeout, second factor.

The security policy denies everything but the signed-in user's own account pages while
``second_factor_pending`` is in the session. This module decides when that flag is set and what
the person is shown meanwhile, in one place rather than in each view:

- ``"verify"``: the password was right and the account uses TOTP; until the code is given, only
  the code page, signing out and static files open (not even the person's own account pages,
  which the password alone must not reveal);
- ``"enrol"``: the account must have a second factor (三员分立 administrators always, all staff
  when the county requires it) and has none; every page but the account's own sends the person
  to the enrolment page.

Staff sessions also end after ``[security] staff_idle_minutes`` without a request, measured on
the platform clock; citizens' sessions last as long as the session cookie.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPForbidden, HTTPFound
from pyramid.request import Request
from pyramid_tm import is_tm_active

from adapters.web.i18n import _
from adapters.web.request_methods import staff_home_path
from adapters.web.second_factor import enrolment_required
from govcore.accounts import security_settings

SETTINGS_KEY = "govcore.security"
UID = "uid"
PENDING = "second_factor_pending"
VERIFY, ENROL = "verify", "enrol"
SEEN = "seen"  # the platform clock's time of the staff session's last request, in whole seconds
SEEN_PRECISION = 60  # rewrite the cookie at most once a minute for it
NOTICE_QUEUE = "notice"  # flash queue shown on the sign-in page
# What opens while the second factor is awaited (and static files, whose routes start with "__").
VERIFY_ROUTES = frozenset({"login", "login.totp", "logout", "locale"})


def rotate_session(request: Request, **changes) -> None:
    """A new session (and CSRF token) carrying the same identity, after a change of privilege.

    ``changes`` set keys in the new session; a value of None removes the key.
    """
    kept = {key: request.session[key] for key in (UID, PENDING, SEEN) if key in request.session}
    kept.update(changes)
    request.session.invalidate()
    request.session.update({key: value for key, value in kept.items() if value is not None})
    request.session.new_csrf_token()


def landing_path(request: Request, user) -> str:
    return staff_home_path(request, user) if user.kind == "staff" else request.route_path("home")


def safe_target(target: str | None, default: str) -> str:
    """Only paths on this site, so a form cannot forward people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def guard_session(event: ContextFound) -> None:
    request = event.request
    # Requests without a transaction (the health checks) must not reach the database for the user.
    if UID not in request.session or not is_tm_active(request):
        return
    user = request.current_user
    if user is None:
        return
    settings = request.security_settings
    if user.kind == "staff":
        _end_idle_session(request, settings.staff_idle_minutes)
    pending = request.session.get(PENDING)
    if pending == VERIFY:
        route = request.matched_route.name if request.matched_route is not None else ""
        if route not in VERIFY_ROUTES and not route.startswith("__"):
            if request.method in ("GET", "HEAD") and not _is_api(request):
                raise HTTPFound(location=request.route_path("login.totp", _query={"came_from": request.path_qs}))
            raise HTTPForbidden()
        return
    required = enrolment_required(user, settings)
    if required and pending != ENROL:
        request.session[PENDING] = ENROL
    elif not required and pending == ENROL:
        # Enrolled in another session, or no longer holding a role that demands it.
        del request.session[PENDING]


def _is_api(request: Request) -> bool:
    """API clients get their JSON 403 rather than a redirect to an HTML page."""
    return request.path.startswith("/api/")


def _end_idle_session(request: Request, idle_minutes: int) -> None:
    now = int(request.platform.clock.now().timestamp())
    seen = request.session.get(SEEN)
    if isinstance(seen, int) and now - seen > idle_minutes * 60:
        request.session.invalidate()
        if _is_api(request):
            raise HTTPForbidden()
        request.session.flash(request.localizer.translate(
            _("您已超过 ${minutes} 分钟未操作，为保障账户安全已自动退出，请重新登录。",
              mapping={"minutes": idle_minutes})), NOTICE_QUEUE)
        # Back to the page after signing in again; a form's target cannot be opened with GET.
        query = {"came_from": request.path_qs} if request.method == "GET" else None
        raise HTTPFound(location=request.route_path("login", _query=query))
    if not isinstance(seen, int) or now - seen >= SEEN_PRECISION:
        request.session[SEEN] = now


class SecondFactorPending:
    """View predicate: whether the session awaits a second factor (or its enrolment)."""

    def __init__(self, value: bool, config):
        self.value = bool(value)

    def text(self) -> str:
        return f"second_factor_pending = {self.value}"

    phash = text

    def __call__(self, context, request: Request) -> bool:
        return bool(request.session.get(PENDING)) == self.value


def second_factor_redirect(exc, request: Request):
    """A page that is closed until the second factor is settled: go and settle it.

    It has more predicates than the general forbidden view, so Pyramid prefers it while the
    session awaits the second factor.
    """
    came_from = {"came_from": request.path_qs}
    user = request.current_user
    if user is None:
        return HTTPFound(location=request.route_path("login", _query=came_from))
    if user.must_change_password:
        return HTTPFound(location=request.route_path("password", _query=came_from))
    if request.session.get(PENDING) == ENROL:
        return HTTPFound(location=request.route_path("account.totp", _query=came_from))
    return HTTPFound(location=request.route_path("login.totp", _query=came_from))


def includeme(config: Configurator) -> None:
    platform = config.registry["platform"]
    config.registry[SETTINGS_KEY] = security_settings(platform.county.sections.get("security"))
    config.add_request_method(lambda r: r.registry[SETTINGS_KEY], "security_settings", reify=True)
    config.include("adapters.web.ratelimit")
    config.include("adapters.web.captcha")
    config.add_subscriber(guard_session, ContextFound)
    config.add_view_predicate("second_factor_pending", SecondFactorPending)
    config.add_forbidden_view(second_factor_redirect, request_method="GET", second_factor_pending=True,
                              path_info=r"^/(?!api/)")
    config.include("adapters.web.views.account")
    config.include("adapters.web.views.registration")
