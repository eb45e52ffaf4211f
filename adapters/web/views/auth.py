"""Signing in (password, then the TOTP code when the account has one) and out; changing one's password.

A failed sign-in says the same for an unknown account as for a wrong password, and the lockout
message after repeated failures is the same for unknown names too: nobody learns from this form
which accounts exist.
"""

from __future__ import annotations

import secrets

from pyramid.httpexceptions import HTTPFound
from pyramid.security import forget, remember
from sqlalchemy import select

from adapters.db.orm import User
from adapters.web import second_factor
from adapters.web.account_security import (ENROL, NOTICE_QUEUE, PENDING, SEEN, VERIFY, landing_path,
                                           rotate_session, safe_target)
from adapters.web.captcha import captcha_problem
from adapters.web.i18n import _
from adapters.web.ratelimit import client_address
from govcore.audit import DENIED, FAILURE

LOGIN_RULE = "login_ip"
UNKNOWN_RULE = "login_unknown"  # failures per unknown sign-in name, counted like a lockout
WRONG_CREDENTIALS = _("用户名或密码不正确")
WRONG_CODE = _("验证码不正确或已使用过，请输入验证器中当前显示的 6 位数字")
DUMMY_HASH_KEY = "govcore.dummy_password_hash"


def _locked_message(request):
    minutes = request.security_settings.lockout_minutes
    return _("连续登录失败次数过多，账户已被暂时锁定，请 ${minutes} 分钟后再试。", mapping={"minutes": minutes})


def _hasher(request):
    return request.platform.extras["passwords"]


def _dummy_hash(request) -> str:
    """A hash to verify against for unknown names, so they take as long as real accounts."""
    registry = request.registry
    if DUMMY_HASH_KEY not in registry:
        registry[DUMMY_HASH_KEY] = _hasher(request).hash(secrets.token_urlsafe(16))
    return registry[DUMMY_HASH_KEY]


def find_account(request, name: str) -> User | None:
    """The active account signing in as ``name``; e-mail logins match in any capitalisation."""
    if not name:
        return None
    user = request.dbsession.scalar(select(User).where(User.login == name))
    if user is None and "@" in name:
        user = request.dbsession.scalar(select(User).where(User.login == name.lower()))
    return user if user is not None and user.is_active else None


def _form(request, login="", error=None, came_from=""):
    return {"login": login, "error": error, "came_from": came_from,
            "notices": request.session.pop_flash(NOTICE_QUEUE)}


def login_form(request):
    return _form(request, came_from=request.params.get("came_from", ""))


def login(request):
    limits = request.rate_limits
    address = client_address(request)
    limits.check(LOGIN_RULE, address)
    login_name = request.POST.get("login", "").strip()
    password = request.POST.get("password", "")
    came_from = request.POST.get("came_from", "")

    def refuse(message):
        request.response.status_int = 400
        return _form(request, login_name, message, came_from)

    problem = captcha_problem(request)
    if problem is not None:
        return refuse(problem)
    settings = request.security_settings
    now = request.platform.clock.now()
    user = find_account(request, login_name)
    if user is None:
        # Counted like an account's failures, so an unknown name gets "locked" just as a real one.
        _hasher(request).verify(_dummy_hash(request), password)
        limits.hit(LOGIN_RULE, address)
        key, unknown_limit = login_name.lower(), f"{settings.max_failed_logins}/{settings.lockout_minutes} minutes"
        request.audit("login", "user", "", summary={"login": login_name, "reason": "unknown"}, result=FAILURE)
        if not limits.allowed(UNKNOWN_RULE, key, unknown_limit):
            return refuse(_locked_message(request))  # like a locked account: the lock is not prolonged
        limits.hit(UNKNOWN_RULE, key, unknown_limit)
        locked = not limits.allowed(UNKNOWN_RULE, key, unknown_limit)
        return refuse(_locked_message(request) if locked else WRONG_CREDENTIALS)
    hasher = _hasher(request)
    if settings.lockout.is_locked(user.locked_until, now):
        hasher.verify(user.password_hash, password)  # as slow as any other answer, whatever it is
        limits.hit(LOGIN_RULE, address)
        request.audit("login", "user", user.id, summary={"reason": "locked"}, result=DENIED, actor=user)
        return refuse(_locked_message(request))
    if not hasher.verify(user.password_hash, password):
        locked = record_failure(request, user, "password")
        return refuse(_locked_message(request) if locked else WRONG_CREDENTIALS)
    if hasher.needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    headers = remember(request, user.id)
    if user.kind == "staff":
        request.session[SEEN] = int(now.timestamp())
    if user.totp_enabled:
        # The failure count is cleared only once the code is given: a password guesser who
        # got the password right must not win fresh attempts at the code.
        request.session[PENDING] = VERIFY
        request.audit("login.password", "user", user.id, summary={"second_factor": "pending"}, actor=user)
        return HTTPFound(location=request.route_path("login.totp", _query={"came_from": came_from}),
                         headers=headers)
    _signed_in(request, user, {"factor": "password"})
    if second_factor.enrolment_required(user, settings):
        request.session[PENDING] = ENROL
    return HTTPFound(location=_next_step(request, user, came_from), headers=headers)


def record_failure(request, user: User, reason: str) -> bool:
    """Count a failed password or code; True when this failure locked the account."""
    settings = request.security_settings
    now = request.platform.clock.now()
    user.failed_logins, locked_until = settings.lockout.after_failure(user.failed_logins or 0, now)
    request.rate_limits.hit(LOGIN_RULE, client_address(request))
    request.audit("login", "user", user.id, summary={"reason": reason}, result=FAILURE, actor=user)
    if locked_until is None:
        return False
    user.locked_until = locked_until
    request.audit("login.lockout", "user", user.id,
                  summary={"locked_until": locked_until.isoformat(), "minutes": settings.lockout_minutes},
                  result=DENIED, actor=user)
    return True


def _signed_in(request, user: User, summary: dict) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = request.platform.clock.now()
    request.audit("login", "user", user.id, summary=summary, actor=user)


def _next_step(request, user: User, came_from: str) -> str:
    query = {"came_from": came_from} if came_from else None
    if user.must_change_password:
        return request.route_path("password", _query=query)
    if request.session.get(PENDING) == ENROL:
        return request.route_path("account.totp", _query=query)
    return safe_target(came_from, landing_path(request, user))


def code_form(request):
    if request.session.get(PENDING) != VERIFY:
        return HTTPFound(location=landing_path(request, request.current_user))
    return {"error": None, "came_from": request.params.get("came_from", "")}


def verify_code(request):
    user = request.current_user
    came_from = request.POST.get("came_from", "")
    if request.session.get(PENDING) != VERIFY:
        return HTTPFound(location=landing_path(request, user))
    request.rate_limits.check(LOGIN_RULE, client_address(request))
    if request.security_settings.lockout.is_locked(user.locked_until, request.platform.clock.now()):
        request.audit("login", "user", user.id, summary={"reason": "locked"}, result=DENIED, actor=user)
        return _locked_out(request, user)
    step = second_factor.accept_code(request, user, request.POST.get("code", ""))
    if step is None:
        if record_failure(request, user, "totp"):
            return _locked_out(request, user)
        request.response.status_int = 400
        return {"error": WRONG_CODE, "came_from": came_from}
    _signed_in(request, user, {"factor": "totp", second_factor.STEP_KEY: step})
    # The session now carries full privileges: give it a new id.
    rotate_session(request, **{PENDING: None})
    return HTTPFound(location=_next_step(request, user, came_from))


def _locked_out(request, user: User):
    headers = forget(request)
    request.session.flash(request.localizer.translate(_locked_message(request)), NOTICE_QUEUE)
    return HTTPFound(location=request.route_path("login"), headers=headers)


def logout(request):
    return HTTPFound(location=request.route_path("home"), headers=forget(request))


def password_form(request):
    return {"errors": [], "came_from": request.params.get("came_from", ""),
            "forced": request.current_user.must_change_password, "policy": request.security_settings.password_policy}


def change_password(request):
    user = request.current_user
    current = request.POST.get("current", "")
    new = request.POST.get("new", "")
    repeat = request.POST.get("repeat", "")
    came_from = request.POST.get("came_from", "")
    policy = request.security_settings.password_policy
    errors = []
    if not _hasher(request).verify(user.password_hash, current):
        errors.append(_("当前密码不正确"))
    if new != repeat:
        errors.append(_("两次输入的新密码不一致"))
    if new == current:
        errors.append(_("新密码不能与当前密码相同"))
    errors += policy.problems(new, user.login)
    if errors:
        request.response.status_int = 400
        return {"errors": errors, "came_from": came_from, "forced": user.must_change_password, "policy": policy}
    forced = user.must_change_password
    user.password_hash = _hasher(request).hash(new)
    user.must_change_password = False
    user.password_changed_at = request.platform.clock.now()
    request.audit("account.password_change", "user", user.id, summary={"forced": forced})
    rotate_session(request)
    request.session.flash(request.localizer.translate(_("密码已修改")), "success")
    return HTTPFound(location=_next_step(request, user, came_from))
