"""Signing in and out, and changing one's password."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.security import forget, remember
from sqlalchemy import select

from adapters.db.orm import User
from adapters.web.i18n import _
from govcore.accounts import PasswordPolicy


def _safe_target(request, target: str | None, default: str) -> str:
    """Only paths on this site, so the login form cannot forward people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _hasher(request):
    return request.platform.extras["passwords"]


def login_form(request):
    return {"login": "", "error": None, "came_from": request.params.get("came_from", "")}


def login(request):
    login_name = request.POST.get("login", "").strip()
    password = request.POST.get("password", "")
    came_from = request.POST.get("came_from", "")
    user = request.dbsession.scalar(select(User).where(User.login == login_name)) if login_name else None
    hasher = _hasher(request)
    if user is None or not user.is_active or not hasher.verify(user.password_hash, password):
        request.response.status_int = 400
        return {"login": login_name, "error": _("用户名或密码不正确"), "came_from": came_from}
    if hasher.needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = request.platform.clock.now()
    headers = remember(request, user.id)
    if user.must_change_password:
        target = request.route_path("password", _query={"came_from": came_from} if came_from else None)
    else:
        default = request.route_path("admin") if user.kind == "staff" else request.route_path("home")
        target = _safe_target(request, came_from, default)
    return HTTPFound(location=target, headers=headers)


def logout(request):
    return HTTPFound(location=request.route_path("home"), headers=forget(request))


def password_form(request):
    return {"errors": [], "came_from": request.params.get("came_from", ""),
            "forced": request.current_user.must_change_password}


def change_password(request):
    user = request.current_user
    current = request.POST.get("current", "")
    new = request.POST.get("new", "")
    repeat = request.POST.get("repeat", "")
    came_from = request.POST.get("came_from", "")
    errors = []
    if not _hasher(request).verify(user.password_hash, current):
        errors.append(_("当前密码不正确"))
    if new != repeat:
        errors.append(_("两次输入的新密码不一致"))
    if new == current:
        errors.append(_("新密码不能与当前密码相同"))
    errors += PasswordPolicy().problems(new, user.login)
    if errors:
        request.response.status_int = 400
        return {"errors": errors, "came_from": came_from, "forced": user.must_change_password}
    user.password_hash = _hasher(request).hash(new)
    user.must_change_password = False
    request.session.flash(request.localizer.translate(_("密码已修改")), "success")
    default = request.route_path("admin") if user.kind == "staff" else request.route_path("home")
    return HTTPFound(location=_safe_target(request, came_from, default))
